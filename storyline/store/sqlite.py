"""The SQLite store (the default): one file, one writer, many readers, WAL, versioned
migrations, FTS5. The shared SQL lives in storyline/store/base.py."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

from ..errors import StoreError
from .base import SearchHit, SQLStore
from .query import parse, to_fts5
from .schema import MIGRATIONS

__all__ = ["SQLiteStore", "SearchHit", "open_store"]

# Tables SQLite or its FTS5 index keep for themselves, and those the triggers keep (report
# change marks, events by article): not data, rebuilt by the target on a copy.
_INTERNAL_TABLE = re.compile(r"^(sqlite_|articles_fts|report_marks$|event_articles$)")


def open_store(location: str | Path = "storyline.db") -> SQLStore:
    """Open (and create or migrate) a store. ``location`` is a path, ``sqlite:///path``,
    ``sqlite:path``, ``:memory:``, or a ``postgresql://`` (``postgres://``) connection URL."""
    loc = str(location)
    if loc.startswith(("postgresql://", "postgres://")):
        from .postgres import PostgresStore

        return PostgresStore(loc)
    if loc.startswith("sqlite:///"):
        loc = loc[len("sqlite:///"):]
    elif loc.startswith("sqlite:") and "://" not in loc:
        loc = loc[len("sqlite:"):]
    elif "://" in loc:
        from .postgres import redact

        raise StoreError(f"unsupported store {redact(loc)!r}; use a file path, sqlite:///path or "
                         "postgresql://user@host/dbname")
    return SQLiteStore(loc)


class SQLiteStore(SQLStore):
    """The default store: one SQLite file (WAL, FTS5) holding articles, annotations, events and decisions."""

    # Take the write lock at once: two writers then queue (busy timeout) instead of one failing
    # when it upgrades a read lock.
    _BEGIN = "BEGIN IMMEDIATE"

    def __init__(self, path: str):
        self.path = path
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open database {path}: {exc}; check the path and permissions") from None
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA foreign_keys = ON")
        if path != ":memory:":
            self.db.execute("PRAGMA journal_mode = WAL")
            # NORMAL is safe with WAL: a crash may lose the last transaction, never corrupt the file.
            self.db.execute("PRAGMA synchronous = NORMAL")
        self._depth = 0
        self.migrate()

    def schema_version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def migrate(self) -> None:
        current = self.schema_version()
        latest = MIGRATIONS[-1][0]
        if current > latest:
            raise StoreError(
                f"database {self.path} has schema version {current}, newer than this storyline ({latest}); "
                "upgrade storyline"
            )
        for version, _name, sql in MIGRATIONS:
            if version <= current:
                continue
            # executescript commits first; the version bump rides in the same script so a
            # crash never leaves a half-applied migration recorded as done.
            self.db.executescript(f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {version};\nCOMMIT;")

    def search(self, query: str, limit: int = 20, *, offset: int = 0, window: int | None = None) -> list[SearchHit]:
        """Full-text search (storyline/store/query.py's language, FTS5, BM25 ranking, title
        weighted above body): the hits ranked ``offset`` to ``offset + limit``. With ``window``,
        only the ``window`` most recently stored matches are ranked when more match (see
        ``Settings.search_rank_window``). A query no store can answer raises ``QueryError``."""
        # The same BM25 as FTS5's rank column (rank MATCH sets its weights): sorting by rank is the
        # path FTS5 optimises, half the CPU of ORDER BY bm25(...) for a query matching 13k of 100k
        # articles (33-48 ms against 67-71 ms); the same hits and scores. Ranking still scores every
        # match (30 ms there); the window bounds that to the newest matches (9 ms for 2,000).
        text = to_fts5(parse(query))
        recent = ("AND articles_fts.rowid >= (SELECT min(rowid) FROM (SELECT rowid FROM articles_fts "
                  "WHERE articles_fts MATCH ? ORDER BY rowid DESC LIMIT ?))") if window else ""
        sql = f"""SELECT a.id, a.title, a.source, a.published,
                        snippet(articles_fts, 1, '[', ']', ' … ', 14) AS snip, rank AS score
                 FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid
                 WHERE articles_fts MATCH ? {recent} AND rank MATCH 'bm25(4.0, 1.0)' ORDER BY rank LIMIT ? OFFSET ?"""
        args = (text, text, window, limit, offset) if window else (text, limit, offset)
        rows = self.db.execute(sql, args).fetchall()
        return [SearchHit(r[0], r[1], r[2], r[3], r[4], -float(r[5])) for r in rows]

    def count_matches(self, query: str, at_most: int | None = None) -> int:
        """How many articles match a full-text query (no ranking: 1.7 ms for 13k matches of 100k);
        with ``at_most``, counting stops there (0.03 ms for 200: the search page shows at most that)."""
        text = to_fts5(parse(query))
        bound = "LIMIT ?" if at_most is not None else ""
        return int(self.db.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM articles_fts WHERE articles_fts MATCH ? {bound})",
            (text, at_most) if at_most is not None else (text,)).fetchone()[0])

    def outlet_summary(self) -> list[dict[str, Any]]:
        rows = self.db.execute("SELECT coalesce(source, '?') source, count(*) n, group_concat(DISTINCT language) "
                               "languages FROM articles GROUP BY 1 ORDER BY n DESC, 1")
        return [dict(r) for r in rows]

    def tables(self) -> dict[str, list[str]]:
        names = [r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
                 if not _INTERNAL_TABLE.match(r[0])]
        return {n: [c[1] for c in self.db.execute(f'PRAGMA table_info("{n}")')] for n in names}
