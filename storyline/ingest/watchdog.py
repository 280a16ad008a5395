"""The process-level watchdog: the last resort against an item that stalls inside C code.

``limits.time_budget`` stops an item that runs past its budget in Python code, but a
signal handler only runs between bytecodes: a parser stuck inside libxml2 or a
regular expression engine outside Python's checks cannot be interrupted. The
watchdog is a thread that notices when the current item has run ``grace`` seconds
past its budget. It then writes the item to a file beside the database and ends
the process (exit code 70). Whole batches are already committed, so nothing is
lost; the next run of the same ingest reads the file, records the item as a
rejection, skips it, and completes everything else.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

__all__ = ["STALL_EXIT_CODE", "Watchdog"]

STALL_EXIT_CODE = 70  # EX_SOFTWARE


class Watchdog:
    """Watches one item at a time (``with watchdog.item(origin, item):``)."""

    # Seconds past the budget before the process is ended: time for a signal-interrupted
    # item to unwind normally, so only a true stall ends the run.
    default_grace = 30.0

    def __init__(self, journal: str | Path | None, budget: float, grace: float | None = None):
        self.journal = Path(journal) if journal else None
        self.budget = budget
        self.grace = max(self.default_grace, budget) if grace is None else grace
        self._current: tuple[str, str, float] | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def stalled_items(self) -> list[tuple[str, str]]:
        """Items that stalled a previous run (and are to be skipped); the record is then removed."""
        if self.journal is None or not self.journal.exists():
            return []
        try:
            entries = json.loads(self.journal.read_text("utf-8"))
            return [(str(e["origin"]), str(e["item"])) for e in entries]
        except (OSError, ValueError, KeyError, TypeError):
            return []

    def forget(self) -> None:
        if self.journal is not None:
            with contextlib.suppress(OSError):
                self.journal.unlink()

    def __enter__(self) -> Watchdog:
        if self.journal is not None and self.budget > 0:
            self._thread = threading.Thread(target=self._watch, name="storyline-watchdog", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()

    @contextlib.contextmanager
    def item(self, origin: str, item: str = "") -> Iterator[None]:
        self._current = (origin, item, time.monotonic())
        try:
            yield
        finally:
            self._current = None

    def _watch(self) -> None:
        limit = self.budget + self.grace
        while not self._stop.wait(min(1.0, limit / 4)):
            current = self._current
            if current is None or time.monotonic() - current[2] < limit:
                continue
            origin, item, _started = current
            assert self.journal is not None
            previous = []
            with contextlib.suppress(OSError, ValueError):
                previous = json.loads(self.journal.read_text("utf-8"))
            self.journal.write_text(json.dumps([*previous, {"origin": origin, "item": item}]), "utf-8")
            print(f"error: {origin}{' ' + item if item else ''} is stuck (over {limit:g} s, inside a parser that "
                  "cannot be interrupted); the ingest stops here. Run the same command again: this item will be "
                  "recorded as a rejection and everything else completed.", file=sys.stderr, flush=True)
            os._exit(STALL_EXIT_CODE)
