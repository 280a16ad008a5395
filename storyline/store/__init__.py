"""Storage: the SQLite store (default) behind a narrow interface."""

from .sqlite import SearchHit, SQLiteStore, open_store

__all__ = ["SQLiteStore", "SearchHit", "open_store"]
