"""Whole-store reads reused between requests while the database file is unchanged.

Pages read every event, every article's metadata and every entity; on a 10k-article store that
is most of a page's time. ``CachedStore`` wraps a request's store and answers those argument-free
reads from a process-wide memo, keyed by the database's and its (non-empty) WAL's modification
time and size, so any write (by this server, the CLI or a pipeline run) invalidates it. Everything else
goes straight to the store.
"""

from __future__ import annotations

import os
import threading
from typing import Any

# Derived values (a filtered home page, the events by date) are kept too, at most this many per store
# state: their keys come from request parameters, so they must not grow without bound.
MAX_DERIVED = 64

CACHED = ("events", "article_meta", "entities", "storylines", "event_assignments", "count_articles", "citations")


class StoreMemo:
    def __init__(self, path: str):
        self.path = path
        self._lock = threading.Lock()
        self._key: tuple[Any, ...] | None = None
        self._values: dict[str, Any] = {}

    def signature(self) -> tuple[Any, ...]:
        out: list[Any] = []
        for suffix in ("", "-wal"):
            try:
                st = os.stat(self.path + suffix)
            except OSError:
                out += [None, 0]
                continue
            # An empty WAL is created and deleted as connections open and close: it says nothing changed.
            out += [st.st_mtime_ns if st.st_size else None, st.st_size]
        return tuple(out)

    def get(self, name: str, compute: Any) -> Any:
        key = self.signature()
        with self._lock:
            if key != self._key:
                self._key, self._values = key, {}
            if name in self._values:
                return self._values[name]
        value = compute()
        with self._lock:
            if self._key == key:
                if not isinstance(name, str) and sum(not isinstance(k, str) for k in self._values) >= MAX_DERIVED:
                    del self._values[next(k for k in self._values if not isinstance(k, str))]  # the oldest
                self._values[name] = value
        return value

    def derived(self, key: tuple[Any, ...], compute: Any) -> Any:
        """``compute()`` for ``key`` (a tuple: the value's name and its parameters), kept while the
        store is unchanged. The value is shared between requests: callers must not change it."""
        return self.get(key, compute)


class CachedStore:
    """A store whose argument-free whole-store reads come from ``memo`` (copies of lists, so callers may
    sort or extend them)."""

    def __init__(self, store: Any, memo: StoreMemo):
        self._store = store
        self._memo = memo

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._store, name)
        if name not in CACHED or not callable(attr):
            return attr

        def read(*args: Any, **kwargs: Any) -> Any:
            if args or any(v is not None for v in kwargs.values()):
                return attr(*args, **kwargs)
            value = self._memo.get(name, attr)
            return list(value) if isinstance(value, list) else dict(value) if isinstance(value, dict) else value

        return read
