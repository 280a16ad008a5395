"""Moving a store to another backend (``storyline migrate --from sqlite:news.db --to
postgresql://...``) and proving nothing was lost: row counts and a content digest per table.

Rows are copied as they are (ids included) in batches, table by table in dependency order
(runs, then articles, then everything that points at them). Search indexes are not copied:
the target builds its own (its triggers index each article as it arrives)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from ..errors import StoreError
from .base import SQLStore

__all__ = ["copy_store", "store_digest", "table_digest"]

# Tables others point at come first; the rest follow in name order.
_FIRST = ("runs", "articles")


def _ordered(tables: dict[str, list[str]]) -> list[str]:
    return [t for t in _FIRST if t in tables] + sorted(t for t in tables if t not in _FIRST)


def _canonical(value: Any) -> bytes:
    """One spelling per value whichever backend read it (bytes and memoryview alike)."""
    if isinstance(value, memoryview):
        value = value.tobytes()
    if isinstance(value, bytes):
        return b"b:" + value.hex().encode()
    if isinstance(value, float):
        return b"f:" + value.hex().encode()
    return f"{type(value).__name__}:{value!r}".encode()


def table_digest(store: SQLStore, table: str, columns: list[str]) -> tuple[int, str]:
    """(row count, sha256) of a table's rows over ``columns``: the digest of the sorted row
    digests, so it does not depend on the order a backend returns rows in."""
    row_digests = []
    for batch in store.table_rows(table, columns):
        for row in batch:
            h = hashlib.sha256()
            for value in row:
                h.update(_canonical(value))
                h.update(b"\x1f")
            row_digests.append(h.digest())
    row_digests.sort()
    return len(row_digests), hashlib.sha256(b"".join(row_digests)).hexdigest()


def store_digest(store: SQLStore) -> dict[str, tuple[int, str]]:
    """table -> (row count, digest) for every data table."""
    return {t: table_digest(store, t, cols) for t, cols in sorted(store.tables().items())}


def copy_store(source: SQLStore, target: SQLStore, *, batch: int = 1000,
               progress: Callable[[str, int], None] | None = None) -> dict[str, Any]:
    """Copy every table of ``source`` into the empty store ``target`` (both at the same schema
    version); then check counts and digests. Returns {"tables": {table: rows}, "verified": True}."""
    if source.schema_version() != target.schema_version():
        raise StoreError(f"schema versions differ (source {source.schema_version()}, target "
                         f"{target.schema_version()}); open both with the same storyline to migrate them first")
    tables, target_tables = source.tables(), target.tables()
    missing = sorted(set(tables) - set(target_tables))
    if missing:
        raise StoreError(f"the target has no table {', '.join(missing)}; is it a storyline store of the same version?")
    filled = [t for t in target_tables if next(target.table_rows(t, target_tables[t][:1], batch=1), None)]
    if filled:
        raise StoreError(f"the target store is not empty ({', '.join(sorted(filled))} have rows); migrate into a new, "
                         "empty database so nothing is merged by accident")
    copied: dict[str, int] = {}
    for table in _ordered(tables):
        columns = [c for c in tables[table] if c in target_tables[table]]
        copied[table] = 0
        for rows in source.table_rows(table, columns, batch=batch):
            target.insert_rows(table, columns, rows)
            copied[table] += len(rows)
            if progress:
                progress(table, copied[table])
    target.optimise()
    for table in _ordered(tables):
        columns = [c for c in tables[table] if c in target_tables[table]]
        before, after = table_digest(source, table, columns), table_digest(target, table, columns)
        if before != after:
            raise StoreError(f"table {table} differs after the copy ({before[0]} rows in, {after[0]} out); the target "
                             "is incomplete: drop it and run the migration again")
    return {"tables": copied, "verified": True}
