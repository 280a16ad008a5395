"""Storage behind one interface (SQLStore): SQLite (the default, one file) or PostgreSQL (a shared server)."""

from .base import SearchHit, SQLStore
from .sqlite import SQLiteStore, open_store

__all__ = ["SQLStore", "SQLiteStore", "SearchHit", "open_store", "database_errors"]


def database_errors() -> tuple[type[BaseException], ...]:
    """The exception classes a database driver raises (for a CLI that turns them into a message)."""
    import sqlite3

    errors: tuple[type[BaseException], ...] = (sqlite3.DatabaseError,)
    try:
        import psycopg
    except ImportError:  # the postgres extra is not installed: no PostgreSQL store can be open
        return errors
    return (*errors, psycopg.Error)
