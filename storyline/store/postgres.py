"""The PostgreSQL store: a shared server for several analysts (``--db postgresql://...``).

It runs the same SQL as the SQLite store (storyline/store/base.py) through a connection that
translates the few spellings the dialects disagree on (``?`` placeholders, ``INSERT OR
IGNORE``, ``INSERT OR REPLACE``); what cannot be translated (migrations, full-text search,
JSON functions) is written here for PostgreSQL. Needs psycopg 3: ``pip install -e ".[postgres]"``.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterable, Sequence
from typing import Any

from ..errors import StoreError
from .base import SearchHit, SQLStore
from .pg_schema import PG_MIGRATIONS
from .query import parse, to_tsquery

__all__ = ["PostgresStore", "PostgresConnection", "redact"]

# Tables PostgreSQL keeps for us: the search index, the report change marks and the events by
# article (all kept by triggers) and the schema version.
_INTERNAL_TABLES = {"article_search", "storyline_schema", "report_marks", "event_articles"}
# Serialises migrations of one database across processes (two storyline commands starting at once).
_MIGRATION_LOCK = 7_306_110_712

_PASSWORD = re.compile(r"(://[^/:@\s]*:)[^@/\s]*@")
_PASSWORD_PARAM = re.compile(r"(password\s*=\s*)(\S+)", re.I)


def redact(text: str) -> str:
    """``text`` (a connection URL, or a message quoting one) with every password replaced by ***."""
    return _PASSWORD_PARAM.sub(r"\1***", _PASSWORD.sub(r"\1***@", str(text)))


class _Row(tuple):
    """A result row readable by position, by column name and as a mapping (dict(row)), like sqlite3.Row."""

    _index: dict[str, int]

    def __getitem__(self, key: Any) -> Any:  # type: ignore[override]
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._index)


def _row_factory(cursor: Any) -> Any:
    names = [c.name for c in cursor.description or ()]
    row_type = type("Row", (_Row,), {"_index": {n: i for i, n in enumerate(names)}})
    return lambda values: row_type(values)


_LITERAL = re.compile(r"('(?:[^']|'')*')")
_OR_IGNORE = re.compile(r"\bINSERT\s+OR\s+IGNORE\s+INTO\b", re.I)
_OR_REPLACE = re.compile(r"\bINSERT\s+OR\s+REPLACE\s+INTO\s+(\w+)\s*\(([^)]*)\)", re.I)


class PostgresConnection:
    """The slice of sqlite3.Connection the stores use (execute, executemany), over psycopg.

    Statements are translated once and cached: ``?`` to ``%s`` (a literal ``%`` doubled),
    ``INSERT OR IGNORE`` to ``ON CONFLICT DO NOTHING``, ``INSERT OR REPLACE`` to an upsert on the
    table's primary key. Parameters are bound on the client (psycopg's ClientCursor) because
    the shared SQL tests untyped parameters (``? IS NULL``), which the server cannot type."""

    def __init__(self, conn: Any):
        self.conn = conn
        self._sql: dict[str, str] = {}
        self._keys: dict[str, list[str]] | None = None

    def execute(self, sql: str, args: Sequence[Any] = ()) -> Any:
        return self.conn.execute(self.translate(sql), tuple(args))

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> Any:
        rows = [tuple(r) for r in rows]
        cursor = self.conn.cursor()
        if rows:
            cursor.executemany(self.translate(sql), rows)
        return cursor

    def script(self, sql: str) -> None:
        """Several statements without parameters (a migration), as they are."""
        self.conn.execute(sql)

    def close(self) -> None:
        self.conn.close()

    def translate(self, sql: str) -> str:
        out = self._sql.get(sql)
        if out is None:
            out = self._sql[sql] = self._translate(sql)
        return out

    def _translate(self, sql: str) -> str:
        # ? is a placeholder outside quoted literals only ('?' stays a question mark); every % doubles.
        parts = _LITERAL.split(sql)
        out = "".join(p.replace("%", "%%") if i % 2 else p.replace("%", "%%").replace("?", "%s")
                      for i, p in enumerate(parts))
        if _OR_IGNORE.search(out):
            out = _OR_IGNORE.sub("INSERT INTO", out).rstrip().rstrip(";") + " ON CONFLICT DO NOTHING"
        m = _OR_REPLACE.search(out)
        if m:
            table, columns = m.group(1), [c.strip().strip('"') for c in m.group(2).split(",")]
            key = self.primary_keys().get(table)
            if not key:
                raise StoreError(f"INSERT OR REPLACE into {table}: the table has no primary key in PostgreSQL; "
                                 "give it one in storyline/store/pg_schema.py")
            updates = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in columns if c not in key)
            conflict = ", ".join(f'"{c}"' for c in key)
            action = f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
            out = (_OR_REPLACE.sub(lambda m: f"INSERT INTO {m.group(1)}({m.group(2)})", out).rstrip().rstrip(";")
                   + f" ON CONFLICT ({conflict}) {action}")
        return out

    def primary_keys(self) -> dict[str, list[str]]:
        if self._keys is None:
            rows = self.conn.execute(
                "SELECT tc.table_name, kcu.column_name FROM information_schema.table_constraints tc "
                "JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name "
                "AND kcu.table_schema = tc.table_schema AND kcu.table_name = tc.table_name "
                "WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = current_schema() "
                "ORDER BY tc.table_name, kcu.ordinal_position").fetchall()
            keys: dict[str, list[str]] = {}
            for table, column in rows:
                keys.setdefault(table, []).append(column)
            self._keys = keys
        return self._keys


class _IdleConnections:
    """A few open connections per URL, reused by the next store of this process; never across a
    fork (a child must not talk on its parent's socket) nor in the middle of a transaction."""

    KEEP = 4

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: dict[str, list[tuple[int, PostgresConnection]]] = {}

    def take(self, url: str) -> PostgresConnection | None:
        with self._lock:
            pool = self._idle.get(url, [])
            while pool:
                pid, conn = pool.pop()
                if pid == os.getpid() and not conn.conn.closed:
                    return conn
        return None

    def give(self, url: str, conn: PostgresConnection) -> None:
        from psycopg.pq import TransactionStatus

        if conn.conn.closed:
            return
        if conn.conn.info.transaction_status != TransactionStatus.IDLE:
            conn.close()  # left mid-transaction (an error): a fresh connection is cheaper than doubt
            return
        with self._lock:
            pool = self._idle.setdefault(url, [])
            if len(pool) < self.KEEP:
                pool.append((os.getpid(), conn))
                return
        conn.close()


_IDLE = _IdleConnections()


class PostgresStore(SQLStore):
    """The store on a PostgreSQL server (15 tested): same tables, same results as SQLiteStore."""

    _VIEW_PART = "(r.view::json -> '{part}')::text"

    def __init__(self, url: str):
        try:
            import psycopg
        except ImportError:
            raise StoreError('a postgresql:// store needs psycopg 3: pip install -e ".[postgres]"') from None
        self.path = redact(url)
        self._url = url
        conn = _IDLE.take(url)
        if conn is None:
            try:
                # autocommit: transactions are opened by transaction() with BEGIN, as on SQLite.
                conn = psycopg.connect(url, autocommit=True, row_factory=_row_factory,
                                       cursor_factory=psycopg.ClientCursor, connect_timeout=10)
            except psycopg.Error as exc:
                raise StoreError(f"cannot connect to {self.path}: {redact(str(exc)).strip()}; check that the server "
                                 "runs, the database exists and the user may use it") from None
            conn = PostgresConnection(conn)
        self.db = conn
        self._depth = 0
        try:
            self.migrate()
        except BaseException:
            conn.close()
            raise

    def close(self) -> None:
        """Hand the connection back for the next store opened on the same URL in this process
        (the web app opens one per request; a new PostgreSQL connection costs a server process)."""
        _IDLE.give(self._url, self.db)

    # -- schema versions --------------------------------------------------------------------------

    def schema_version(self) -> int:
        row = self.db.execute("SELECT to_regclass('storyline_schema') IS NOT NULL").fetchone()
        if not row[0]:
            return 0
        row = self.db.execute("SELECT max(version) FROM storyline_schema").fetchone()
        return int(row[0] or 0)

    def migrate(self) -> None:
        latest = PG_MIGRATIONS[-1][0]
        if self.schema_version() == latest:
            return  # the common case (the web app opens a store per request): one query, no lock
        for version, _name, sql in PG_MIGRATIONS:
            with self.transaction():
                # One migrating process at a time; the others wait here, then see the new version.
                self.db.execute(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
                self.db.script("CREATE TABLE IF NOT EXISTS storyline_schema (version INTEGER PRIMARY KEY, "
                               "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
                current = self.schema_version()
                if current > latest:
                    raise StoreError(f"database {self.path} has schema version {current}, newer than this storyline "
                                     f"({latest}); upgrade storyline")
                if version <= current:
                    continue
                # The version row commits with the migration: never recorded half-applied.
                self.db.script(sql)
                self.db.execute("INSERT INTO storyline_schema(version) VALUES (?)", (version,))
        self.db._keys = None  # new tables, new primary keys

    # -- dialect ----------------------------------------------------------------------------------

    def search(self, query: str, limit: int = 20, *, offset: int = 0, window: int | None = None) -> list[SearchHit]:
        """Full-text search in storyline/store/query.py's language, as on SQLite: each word is read
        by every language configuration (english, russian, simple) and matches if any reading
        does, then AND, OR and NOT combine the words; ts_rank with the title weighted above the
        body. With ``window``, only the ``window`` most recently stored matches are ranked. A
        query no store can answer raises ``QueryError``."""
        reading, qargs = to_tsquery(parse(query))
        matches = "SELECT s.rowid, s.vector FROM article_search s, q WHERE s.vector @@ q.query"
        if window:
            matches += " ORDER BY s.rowid DESC LIMIT ?"
        sql = f"""WITH q AS (SELECT {reading} AS query),
                  m AS ({matches}),
                  hits AS (SELECT m.rowid, ts_rank(m.vector, q.query) AS score FROM m, q
                           ORDER BY score DESC, m.rowid LIMIT ? OFFSET ?)
                  SELECT a.id, a.title, a.source, a.published,
                         ts_headline(storyline_text_config(a.language), a.text, q.query,
                                     'StartSel=[, StopSel=], MaxWords=14, MinWords=6, MaxFragments=1') AS snip,
                         hits.score
                  FROM hits JOIN articles a ON a.rowid = hits.rowid, q ORDER BY hits.score DESC, a.rowid"""
        args = (*qargs, *((window,) if window else ()), limit, offset)
        rows = self.db.execute(sql, args).fetchall()
        return [SearchHit(r[0], r[1], r[2], r[3], r[4], float(r[5])) for r in rows]

    def count_matches(self, query: str, at_most: int | None = None) -> int:
        reading, qargs = to_tsquery(parse(query))
        bound = "LIMIT ?" if at_most is not None else ""
        row = self.db.execute(f"SELECT count(*) FROM (SELECT 1 FROM article_search s WHERE s.vector @@ "
                              f"({reading}) {bound}) m",
                              (*qargs, *(() if at_most is None else (at_most,)))).fetchone()
        return int(row[0])

    def optimise(self) -> None:
        """VACUUM ANALYZE: statistics, and the search index's pending entries merged. Right after a
        bulk load the planner scanned every search vector instead of using the index (144 ms
        per query at 10k articles; 0.9 ms through the index; benchmarks/results/postgres.md)."""
        self.db.execute("VACUUM ANALYZE")

    def outlet_summary(self) -> list[dict[str, Any]]:
        rows = self.db.execute("SELECT coalesce(source, '?') AS source, count(*) AS n, "
                               "string_agg(DISTINCT language, ',') AS languages FROM articles GROUP BY 1 ORDER BY n DESC, 1")
        return [dict(r) for r in rows]

    _CODE_POINT_ORDER = ' COLLATE "C"'
    # Sorted by code point (COLLATE "C"), as SQLite and Python sort, whatever the database's collation.
    _ARTICLE_LIST = ("(SELECT coalesce(json_agg(article_id ORDER BY article_id COLLATE \"C\"), '[]')::text "
                     "FROM entity_articles WHERE entity_id = entities.id)")

    def entity_sizes(self, entity_ids: Iterable[str]) -> dict[str, tuple[str, str, int]]:
        ids = sorted(set(entity_ids))
        if not ids:
            return {}
        rows = self.db.execute("SELECT id, name, type, n_articles FROM entities "
                               "WHERE id = ANY(?)", (ids,))
        return {r[0]: (r[1], r[2], int(r[3])) for r in rows}

    def tables(self) -> dict[str, list[str]]:
        rows = self.db.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND is_generated = 'NEVER' ORDER BY table_name, ordinal_position").fetchall()
        out: dict[str, list[str]] = {}
        for table, column in rows:
            if table not in _INTERNAL_TABLES:
                out.setdefault(table, []).append(column)
        return out

    def insert_rows(self, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
        super().insert_rows(table, columns, rows)
        # Rows came with their ids: move each identity column's counter past them, or the
        # next ordinary insert would reuse an id.
        for (column,) in self.db.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
                "AND table_name = ? AND is_identity = 'YES'", (table,)).fetchall():
            self.db.execute(f'SELECT setval(pg_get_serial_sequence(?, ?), coalesce(max("{column}"), 0) + 1, false) '
                            f'FROM "{table}"', (table, column))
