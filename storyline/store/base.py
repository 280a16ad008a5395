"""What every SQL store shares: the annotation, event and result tables and the article,
run and stage bookkeeping, written once in the SQL that SQLite and PostgreSQL agree on.

Statements use qmark (``?``) placeholders and SQLite's ``INSERT OR IGNORE`` / ``INSERT OR
REPLACE``; the PostgreSQL connection translates them (storyline/store/postgres.py). What the
dialects do differently (connecting, migrations, full-text search, a few functions) lives in
the backend classes."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ..errors import NotFound
from ..model import Article, OffsetMap, Rejection
from .cluster_rows import ClusterStateStoreMixin
from .entity_rows import EntityRowsStoreMixin
from .results import ResultStoreMixin

__all__ = ["SQLStore", "SearchHit"]


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class SearchHit:
    article_id: str
    title: str | None
    source: str | None
    published: str | None
    snippet: str
    score: float



class AnnotationStoreMixin:
    """Reading and writing the enrichment annotations (schema version 2)."""

    db: Any  # a sqlite3.Connection or storyline.store.postgres.PostgresConnection

    def replace_annotations(self, article_id: str, *, mentions: Iterable[Any] = (), quotes: Iterable[Any] = (),
                            citations: Iterable[Any] = (), dates: Iterable[Any] = ()) -> None:
        """Replace all annotations of one article (a re-run never doubles them)."""
        with self.transaction():  # type: ignore[attr-defined]
            for table in ("mentions", "quotes", "citations", "dates"):
                self.db.execute(f"DELETE FROM {table} WHERE article_id = ?", (article_id,))
            self.db.executemany(
                'INSERT OR IGNORE INTO mentions(article_id, start, "end", text, label, normal, entity_id) '
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(m.article_id, m.start, m.end, m.text, m.label, m.normal, m.entity_id) for m in mentions],
            )
            self.db.executemany(
                'INSERT INTO quotes(article_id, start, "end", text, speaker, speaker_start, speaker_end, cue, kind, '
                "speaker_entity_id, group_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(q.article_id, q.start, q.end, q.text, q.speaker, q.speaker_start, q.speaker_end, q.cue, q.kind,
                  q.speaker_entity_id, q.group_id) for q in quotes],
            )
            self.db.executemany(
                'INSERT INTO citations(article_id, start, "end", text, cited, kind, cited_entity_id) '
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(c.article_id, c.start, c.end, c.text, c.cited, c.kind, c.cited_entity_id) for c in citations],
            )
            self.db.executemany(
                'INSERT INTO dates(article_id, start, "end", text, value, granularity, is_event) '
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(d.article_id, d.start, d.end, d.text, d.value, d.granularity, int(d.is_event)) for d in dates],
            )

    def _where_articles(self, article_ids: Iterable[str] | None) -> tuple[str, list[Any]]:
        if article_ids is None:
            return "", []
        ids = list(article_ids)
        if len(ids) > 900:
            # Too many to bind: a temporary table holds them instead.
            self.db.execute("CREATE TEMP TABLE IF NOT EXISTS _ids (id TEXT PRIMARY KEY)")
            self.db.execute("DELETE FROM _ids")
            self.db.executemany("INSERT OR IGNORE INTO _ids VALUES (?)", [(i,) for i in ids])
            return " WHERE article_id IN (SELECT id FROM _ids)", []
        return f" WHERE article_id IN ({','.join('?' * len(ids))})", ids

    def mentions(self, article_ids: Iterable[str] | None = None) -> list[Any]:
        from ..model import Mention

        where, args = self._where_articles(article_ids)
        rows = self.db.execute(f'SELECT article_id, start, "end", text, label, normal, entity_id FROM mentions{where} '
                               'ORDER BY article_id, start', args)
        return [Mention(*r) for r in rows]

    def quotes(self, article_ids: Iterable[str] | None = None) -> list[Any]:
        from ..model import Quote

        where, args = self._where_articles(article_ids)
        rows = self.db.execute(
            'SELECT article_id, start, "end", text, speaker, speaker_start, speaker_end, cue, kind, speaker_entity_id, '
            f"group_id FROM quotes{where} ORDER BY article_id, start", args)
        return [Quote(*r) for r in rows]

    def citations(self, article_ids: Iterable[str] | None = None) -> list[Any]:
        from ..model import Citation

        where, args = self._where_articles(article_ids)
        rows = self.db.execute(f'SELECT article_id, start, "end", text, cited, kind, cited_entity_id FROM citations{where} '
                               "ORDER BY article_id, start", args)
        return [Citation(*r) for r in rows]

    def dates(self, article_ids: Iterable[str] | None = None) -> list[Any]:
        from ..model import DateMention

        where, args = self._where_articles(article_ids)
        rows = self.db.execute(f'SELECT article_id, start, "end", text, value, granularity, is_event FROM dates{where} '
                               "ORDER BY article_id, start", args)
        return [DateMention(*r[:6], bool(r[6])) for r in rows]

    def quotes_with_ids(self) -> list[tuple[int, Any]]:
        from ..model import Quote

        rows = self.db.execute(
            'SELECT id, article_id, start, "end", text, speaker, speaker_start, speaker_end, cue, kind, '
            "speaker_entity_id, group_id FROM quotes ORDER BY id")
        return [(r[0], Quote(*r[1:])) for r in rows]

    def citations_with_ids(self) -> list[tuple[int, Any]]:
        from ..model import Citation

        rows = self.db.execute('SELECT id, article_id, start, "end", text, cited, kind, cited_entity_id FROM citations '
                               "ORDER BY id")
        return [(r[0], Citation(*r[1:])) for r in rows]

    def replace_entities(self, entities: Iterable[dict[str, Any]], mention_entity: dict[tuple[str, int, int], str],
                         quote_speakers: dict[int, str | None] | None = None,
                         citation_entities: dict[int, str | None] | None = None) -> None:
        """Store the corpus-wide entity grouping and point mentions, quotes and citations at it."""
        entities = list(entities)
        with self.transaction():  # type: ignore[attr-defined]
            # An entity's articles are rows of the article index (schema version 13); its row
            # keeps their count.
            articles = {e["id"]: list(dict.fromkeys(e.get("article_ids", []))) for e in entities}
            self.db.execute("DELETE FROM entities")
            self.db.executemany(
                "INSERT INTO entities(id, name, type, variants, explanations, n_articles) VALUES (?, ?, ?, ?, ?, ?)",
                [(e["id"], e["name"], e["type"], json.dumps(e.get("variants", {}), ensure_ascii=False),
                  json.dumps(e.get("explanations", []), ensure_ascii=False), len(articles[e["id"]]))
                 for e in entities],
            )
            self.db.execute("DELETE FROM entity_articles")
            self.db.executemany("INSERT INTO entity_articles(article_id, entity_id) VALUES (?, ?)",
                                [(a, eid) for eid, arts in articles.items() for a in arts])
            self.db.execute("UPDATE mentions SET entity_id = NULL")
            self.db.executemany('UPDATE mentions SET entity_id = ? WHERE article_id = ? AND start = ? AND "end" = ?',
                                [(eid, a, s, e) for (a, s, e), eid in mention_entity.items()])
            if quote_speakers is not None:
                self.db.executemany("UPDATE quotes SET speaker_entity_id = ? WHERE id = ?",
                                    [(eid, qid) for qid, eid in quote_speakers.items()])
            if citation_entities is not None:
                self.db.executemany("UPDATE citations SET cited_entity_id = ? WHERE id = ?",
                                    [(eid, cid) for cid, eid in citation_entities.items()])

    def entities(self, type_: str | None = None, *, articles: bool = True) -> list[dict[str, Any]]:
        """Every entity (of ``type_``), most covered first. The article lists are built from the
        article index (schema version 13); ``articles=False`` gives their length as ``n_articles``
        instead, for readers that need names only (building every list costs 0.38 CPU s at 30k
        articles)."""
        cols = self._entity_columns(articles)  # type: ignore[attr-defined]
        sql = f"SELECT {cols} FROM entities" + (" WHERE type = ?" if type_ else "")
        rows = self.db.execute(sql, (type_,) if type_ else ())
        out = []
        for r in rows:
            d = dict(r)
            for k in ("variants", "article_ids", "explanations") if articles else ("variants", "explanations"):
                d[k] = json.loads(d[k])
            out.append(d)
        count = (lambda e: len(e["article_ids"])) if articles else (lambda e: e["n_articles"])
        out.sort(key=lambda e: (-count(e), -sum(e["variants"].values()), e["name"]))
        return out

    def add_decision(self, kind: str, payload: dict[str, Any], note: str | None = None) -> int:
        with self.transaction():  # type: ignore[attr-defined]
            # RETURNING (not lastrowid): both dialects have it, and psycopg has no lastrowid.
            rows = self.db.execute("INSERT INTO decisions(kind, payload, created_at, note) VALUES (?, ?, ?, ?) "
                                   "RETURNING id", (kind, json.dumps(payload, ensure_ascii=False), _now(), note))
            return int(rows.fetchall()[0][0])

    def retire_decision(self, decision_id: int) -> None:
        """Mark a decision undone (its kind gains an ``undone.`` prefix): kept in the log, no longer replayed."""
        with self.transaction():  # type: ignore[attr-defined]
            self.db.execute("UPDATE decisions SET kind = 'undone.' || kind WHERE id = ? AND kind NOT LIKE 'undone.%'",
                            (decision_id,))

    def decisions(self, prefix: str = "") -> list[dict[str, Any]]:
        rows = self.db.execute("SELECT * FROM decisions WHERE kind LIKE ? ORDER BY id", (prefix + "%",))
        return [dict(r) | {"payload": json.loads(r["payload"])} for r in rows]


class EventStoreMixin:
    """Embeddings, near-duplicates, event membership, events and storylines (schema version 3)."""

    db: Any  # a sqlite3.Connection or storyline.store.postgres.PostgresConnection

    def embeddings(self, article_ids: Iterable[str] | None = None, model: str | None = None) -> dict[str, Any]:
        """Stored vectors by article id (only those of ``model`` when given)."""
        import numpy as np

        ids = None if article_ids is None else list(article_ids)
        sql = "SELECT article_id, dim, vector FROM embeddings WHERE (? IS NULL OR model = ?)"
        rows = (self.db.execute(sql, (model, model)).fetchall() if ids is None else
                [r for chunk in _chunked(ids, 500) for r in self.db.execute(
                    sql + f" AND article_id IN ({','.join('?' * len(chunk))})", (model, model, *chunk))])
        return {r[0]: np.frombuffer(r[2], dtype="<f4").copy() for r in rows}

    def put_embeddings(self, vectors: dict[str, Any], *, model: str) -> None:
        import numpy as np

        with self.transaction():  # type: ignore[attr-defined]
            self.db.executemany(
                "INSERT OR REPLACE INTO embeddings(article_id, model, dim, vector) VALUES (?, ?, ?, ?)",
                [(aid, model, len(v), np.asarray(v, dtype="<f4").tobytes()) for aid, v in vectors.items()],
            )

    def embedding_models(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT DISTINCT model FROM embeddings")]

    def put_event_members(self, members: Iterable[tuple[str, str, float, bool, dict[str, Any]]]) -> None:
        with self.transaction():  # type: ignore[attr-defined]
            self.db.executemany(
                "INSERT OR REPLACE INTO event_members(article_id, event_id, score, is_new, explanation) "
                "VALUES (?, ?, ?, ?, ?)",
                [(a, e, float(s), int(n), json.dumps(x, ensure_ascii=False)) for a, e, s, n, x in members],
            )

    def event_member(self, article_id: str) -> dict[str, Any] | None:
        r = self.db.execute("SELECT * FROM event_members WHERE article_id = ?", (article_id,)).fetchone()
        return dict(r) | {"explanation": json.loads(r["explanation"])} if r else None

    def event_assignments(self, article_ids: Iterable[str] | None = None) -> dict[str, str]:
        """article id -> event id, as the events table has it (after overrides); for
        ``article_ids`` only, an indexed read of the events by article instead of every event."""
        out: dict[str, str] = {}
        if article_ids is not None:
            return {r[0]: r[1] for chunk in _chunked(sorted(set(article_ids)), 500) for r in self.db.execute(
                f"SELECT article_id, event_id FROM event_articles WHERE article_id IN ({','.join('?' * len(chunk))}) "
                "ORDER BY article_id, event_id", chunk)}
        for r in self.db.execute("SELECT id, article_ids FROM events"):
            for aid in json.loads(r[1]):
                out[aid] = r[0]
        return out

    def replace_events(self, events: list[dict[str, Any]], storylines: list[dict[str, Any]]) -> None:
        storyline_of = {eid: s["id"] for s in storylines for eid in s["event_ids"]}
        with self.transaction():  # type: ignore[attr-defined]
            self.db.execute("DELETE FROM events")
            self.db.execute("DELETE FROM storylines")
            self.db.executemany(
                "INSERT INTO events(id, title, article_ids, first_published, last_published, outlets, languages, "
                "duplicate_groups, storyline_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(e["id"], e["title"], json.dumps(e["article_ids"]), e["first_published"], e["last_published"],
                  json.dumps(e["outlets"], ensure_ascii=False), json.dumps(e["languages"]),
                  json.dumps(e["duplicate_groups"]), storyline_of.get(e["id"])) for e in events],
            )
            self.db.executemany(
                "INSERT INTO storylines(id, event_ids, related_event_ids, title) VALUES (?, ?, ?, ?)",
                [(s["id"], json.dumps(s["event_ids"]), json.dumps(s["related_event_ids"]), s.get("title"))
                 for s in storylines],
            )

    def events(self) -> list[dict[str, Any]]:
        rows = self.db.execute("SELECT * FROM events ORDER BY first_published IS NULL, first_published, id")
        return [_event_row(r) for r in rows]

    def event(self, event_id: str) -> dict[str, Any]:
        r = self.db.execute("SELECT * FROM events WHERE id = ?", (event_id,)).fetchone()
        if r is None:
            from ..errors import NotFound

            successor = self.merged_into(event_id)
            if successor:
                raise NotFound(f"event {event_id!r} was merged into {successor!r}; see `storyline event {successor}`")
            raise NotFound(f"no event {event_id!r}; list them with `storyline events`")
        return _event_row(r)

    def merged_into(self, event_id: str) -> str | None:
        """The event a merged-away event lives on in (the clusterer's aliases, followed to the end), or None."""
        aliases = (self.cluster_meta() or {}).get("aliases") or {}  # type: ignore[attr-defined]
        seen, current = set(), event_id
        while current in aliases and current not in seen:
            seen.add(current)
            current = aliases[current]
        return current if current != event_id else None

    def storylines(self) -> list[dict[str, Any]]:
        rows = self.db.execute("SELECT * FROM storylines ORDER BY id")
        return [dict(r) | {"event_ids": json.loads(r["event_ids"]),
                           "related_event_ids": json.loads(r["related_event_ids"])} for r in rows]

    def storyline(self, storyline_id: str) -> dict[str, Any] | None:
        r = self.db.execute("SELECT * FROM storylines WHERE id = ?", (storyline_id,)).fetchone()
        return None if r is None else dict(r) | {"event_ids": json.loads(r["event_ids"]),
                                                 "related_event_ids": json.loads(r["related_event_ids"])}

    def replace_duplicates(self, groups: dict[str, tuple[str, str]]) -> None:
        with self.transaction():  # type: ignore[attr-defined]
            self.db.execute("DELETE FROM duplicates")
            self.db.executemany("INSERT INTO duplicates(article_id, group_id, original_id) VALUES (?, ?, ?)",
                                [(a, g, o) for a, (g, o) in groups.items()])

    def duplicates(self) -> dict[str, tuple[str, str]]:
        return {r[0]: (r[1], r[2]) for r in self.db.execute("SELECT article_id, group_id, original_id FROM duplicates")}


def _event_row(r: Any) -> dict[str, Any]:
    d = dict(r)
    for k in ("article_ids", "outlets", "languages", "duplicate_groups"):
        d[k] = json.loads(d[k])
    return d


def _chunked(items: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]



class SQLStore(AnnotationStoreMixin, EventStoreMixin, ResultStoreMixin, EntityRowsStoreMixin, ClusterStateStoreMixin):
    """The store interface and its shared SQL; SQLiteStore and PostgresStore add the dialect."""

    db: Any
    path: str
    _depth: int = 0
    # The statement that opens a write transaction: SQLite takes the write lock at once so two
    # writers queue instead of failing on a lock upgrade; PostgreSQL locks rows as it goes.
    _BEGIN = "BEGIN"

    def schema_version(self) -> int:
        raise NotImplementedError

    def search(self, query: str, limit: int = 20, *, offset: int = 0, window: int | None = None) -> list[SearchHit]:
        """Full-text hits ranked ``offset`` to ``offset + limit`` (best first, with snippets); with
        ``window``, only the ``window`` most recently stored matches are ranked."""
        raise NotImplementedError

    def count_matches(self, query: str, at_most: int | None = None) -> int:
        """How many articles match a full-text query; with ``at_most``, at most that many (counting
        stops there, so the cost no longer grows with the number of matches)."""
        raise NotImplementedError

    def outlet_summary(self) -> list[dict[str, Any]]:
        """Per outlet (source, "?" when unknown): article count and its languages joined by commas,
        most articles first."""
        raise NotImplementedError

    def optimise(self) -> None:
        """Refresh the query planner's statistics after a bulk load (a migration, a large ingest)."""
        self.db.execute("ANALYZE")

    def tables(self) -> dict[str, list[str]]:
        """Every data table with its stored columns (not search indexes or bookkeeping): what
        `storyline migrate` copies."""
        raise NotImplementedError

    # -- plumbing ---------------------------------------------------------------------------------------

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> SQLStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Any]:
        """A transaction; nested calls join the outer one."""
        if self._depth:
            self._depth += 1
            try:
                yield self.db
            finally:
                self._depth -= 1
            return
        self.db.execute(self._BEGIN)
        self._depth = 1
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        else:
            self.db.execute("COMMIT")
        finally:
            self._depth = 0

    @contextlib.contextmanager
    def savepoint(self, name: str = "item") -> Iterator[None]:
        """A savepoint inside the current transaction: an error rolls back only what ran inside
        it (one batch item), and the transaction goes on."""
        self.db.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            self.db.execute(f"ROLLBACK TO {name}")
            self.db.execute(f"RELEASE {name}")
            raise
        self.db.execute(f"RELEASE {name}")

    def languages(self) -> set[str | None]:
        """The languages of the stored articles (None for undetected)."""
        return {r[0] for r in self.db.execute("SELECT DISTINCT language FROM articles")}

    def table_rows(self, table: str, columns: list[str], batch: int = 1000) -> Iterator[list[tuple[Any, ...]]]:
        """Every row of a data table (see tables()) in batches, in no particular order."""
        if table not in self.tables():
            raise ValueError(f"no data table {table!r}; one of {sorted(self.tables())}")
        cols = ", ".join(f'"{c}"' for c in columns)
        cursor = self.db.execute(f'SELECT {cols} FROM "{table}"')
        while rows := cursor.fetchmany(batch):
            yield [tuple(r) for r in rows]

    def insert_rows(self, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
        """Insert rows as they are (ids included): the bulk copy of `storyline migrate`."""
        if table not in self.tables():
            raise ValueError(f"no data table {table!r}; one of {sorted(self.tables())}")
        cols = ", ".join(f'"{c}"' for c in columns)
        with self.transaction():
            self.db.executemany(f'INSERT INTO "{table}"({cols}) VALUES ({",".join("?" * len(columns))})', rows)

    def get_kv(self, key: str, default: Any = None) -> Any:
        row = self.db.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def set_kv(self, key: str, value: Any) -> None:
        with self.transaction():
            self.db.execute("INSERT INTO kv(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                            (key, json.dumps(value)))

    # -- runs and rejections ----------------------------------------------------------------------------

    def start_run(self, command: str) -> int:
        with self.transaction():
            rows = self.db.execute("INSERT INTO runs(command, started_at) VALUES (?, ?) RETURNING id",
                                   (command, _now()))
            return int(rows.fetchall()[0][0])

    def finish_run(self, run_id: int, stats: dict[str, Any]) -> None:
        with self.transaction():
            self.db.execute("UPDATE runs SET finished_at = ?, stats = ? WHERE id = ?",
                            (_now(), json.dumps(stats), run_id))

    def runs(self) -> list[dict[str, Any]]:
        return [dict(r) | {"stats": json.loads(r["stats"])} for r in self.db.execute("SELECT * FROM runs ORDER BY id")]

    def add_rejection(self, rejection: Rejection, run_id: int | None = None) -> None:
        with self.transaction():
            self.db.execute(
                """INSERT INTO rejections(run_id, origin, item, stage, reason, created_at) VALUES (?, ?, ?, ?, ?, ?)
                   ON CONFLICT(origin, item, stage) DO UPDATE SET reason = excluded.reason,
                   run_id = excluded.run_id, created_at = excluded.created_at""",
                (run_id, rejection.origin, rejection.item, rejection.stage, rejection.reason, _now()),
            )

    def rejections(self, run_id: int | None = None) -> list[dict[str, Any]]:
        sql = "SELECT run_id, origin, item, stage, reason, created_at FROM rejections"
        args: tuple[Any, ...] = ()
        if run_id is not None:
            sql += " WHERE run_id = ?"
            args = (run_id,)
        return [dict(r) for r in self.db.execute(sql + " ORDER BY id", args)]

    # -- articles ---------------------------------------------------------------------------------------

    def has_content(self, content_hash: str) -> str | None:
        row = self.db.execute("SELECT id FROM articles WHERE content_hash = ?", (content_hash,)).fetchone()
        return row[0] if row else None

    def add_article(self, article: Article, *, item: str = "", changes: Iterable[dict[str, Any]] = (),
                    run_id: int | None = None) -> bool:
        """Insert an article; False when the same content is already stored."""
        with self.transaction():
            cur = self.db.execute(
                """INSERT OR IGNORE INTO articles(id, external_id, content_hash, source, title, published, url,
                   language, authors, raw_text, text, offset_map, changes, metadata, origin, item, run_id, ingested_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (article.id, article.external_id, article.content_hash, article.source, article.title,
                 article.published, article.url, article.language, json.dumps(list(article.authors)),
                 article.raw_text, article.text, json.dumps(article.offset_map.to_json()),
                 json.dumps(list(changes), ensure_ascii=False), json.dumps(article.metadata, ensure_ascii=False,
                                                                           default=str),
                 article.origin, item, run_id, _now()),
            )
            inserted = cur.rowcount == 1
            if inserted:
                # An item that failed before and now went through is no longer a rejection.
                self.db.execute("DELETE FROM rejections WHERE origin = ? AND item = ?", (article.origin, item))
        return inserted

    def update_article(self, article_id: str, **fields: Any) -> None:
        allowed = {"language", "source", "published", "title", "metadata"}
        bad = set(fields) - allowed
        if bad:
            raise ValueError(f"cannot update {bad}")
        if "metadata" in fields:
            fields["metadata"] = json.dumps(fields["metadata"], ensure_ascii=False, default=str)
        sets = ", ".join(f"{k} = ?" for k in fields)
        with self.transaction():
            self.db.execute(f"UPDATE articles SET {sets} WHERE id = ?", (*fields.values(), article_id))

    def _article(self, row: Any) -> Article:
        return Article(
            id=row["id"], external_id=row["external_id"], source=row["source"], title=row["title"],
            published=row["published"], url=row["url"], language=row["language"],
            authors=tuple(json.loads(row["authors"])), raw_text=row["raw_text"], text=row["text"],
            offset_map=OffsetMap.from_json(json.loads(row["offset_map"])), metadata=json.loads(row["metadata"]),
            origin=row["origin"], content_hash=row["content_hash"],
        )

    def article(self, key: str) -> Article:
        """An article by id, by external id, or by a unique id prefix."""
        row = self.db.execute("SELECT * FROM articles WHERE id = ?", (key,)).fetchone()
        if row is None:
            rows = self.db.execute("SELECT * FROM articles WHERE external_id = ? LIMIT 2", (key,)).fetchall()
            if len(rows) == 1:
                row = rows[0]
            elif not rows:
                rows = self.db.execute("SELECT * FROM articles WHERE substr(id, 1, ?) = ? LIMIT 2",
                                       (len(key), key)).fetchall()
                row = rows[0] if len(rows) == 1 else None
        if row is None:
            raise NotFound(f"no article {key!r}; list ids with `storyline articles`")
        return self._article(row)

    def article_changes(self, article_id: str) -> list[dict[str, Any]]:
        row = self.db.execute("SELECT changes, item FROM articles WHERE id = ?", (article_id,)).fetchone()
        if row is None:
            raise NotFound(f"no article {article_id!r}")
        return list(json.loads(row["changes"]))

    def articles(self, *, limit: int | None = None, offset: int = 0, source: str | None = None,
                 language: str | None = None, ids: Iterable[str] | None = None) -> list[Article]:
        """Articles in publication order (undated last), then ingestion order."""
        if ids is not None:
            id_list = list(ids)
            if len(id_list) > 900:  # stay well under SQLite's limit on bound variables
                found = [a for chunk in _chunked(id_list, 900)
                         for a in self.articles(source=source, language=language, ids=chunk)]
                order = {r[0]: i for i, r in enumerate(self.db.execute(
                    "SELECT id FROM articles ORDER BY published IS NULL, published, rowid"))}
                return sorted(found, key=lambda a: order[a.id])[offset: None if limit is None else offset + limit]
            ids = id_list
        where, args = [], []
        if source:
            where.append("source = ?")
            args.append(source)
        if language:
            where.append("language = ?")
            args.append(language)
        if ids is not None:
            id_list = list(ids)
            where.append(f"id IN ({','.join('?' * len(id_list))})")
            args += id_list
        order = " ORDER BY published IS NULL, published, rowid"
        sql = "SELECT * FROM articles" + (" WHERE " + " AND ".join(where) if where else "") + order
        if limit is not None:
            # Page over the row ids, then read the page's rows: sorting whole rows (texts and
            # offset maps) to keep 50 took SQLite 7.5 s at 30k articles (benchmarks/results/postgres.md).
            sql = (f"SELECT * FROM articles WHERE rowid IN ({sql.replace('SELECT *', 'SELECT rowid', 1)} "
                   f"LIMIT ? OFFSET ?){order}")
            args += [limit, offset]
        return [self._article(r) for r in self.db.execute(sql, args)]

    def count_articles(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM articles").fetchone()[0])

    def article_meta(self, ids: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """Id, source, title, published and language of articles (all, or ``ids``), without their text:
        cheap enough for every page view."""
        sql = "SELECT id, source, title, published, language FROM articles"
        if ids is None:
            return [dict(r) for r in self.db.execute(sql + " ORDER BY published IS NULL, published, rowid")]
        return [dict(r) for chunk in _chunked(list(ids), 900)
                for r in self.db.execute(sql + f" WHERE id IN ({','.join('?' * len(chunk))})", chunk)]

    # -- stage bookkeeping ------------------------------------------------------------------------------

    def pending(self, stage: str, version: str) -> list[str]:
        """Ids of articles the stage has not processed at this version, in publication order."""
        rows = self.db.execute(
            """SELECT a.id FROM articles a LEFT JOIN stage_state s ON s.article_id = a.id AND s.stage = ?
               WHERE s.article_id IS NULL OR s.version != ?
               ORDER BY a.published IS NULL, a.published, a.rowid""",
            (stage, version),
        ).fetchall()
        return [r[0] for r in rows]

    def mark_done(self, article_ids: Iterable[str], stage: str, version: str, notes: dict[str, str] | None = None) -> None:
        notes = notes or {}
        with self.transaction():
            self.db.executemany(
                """INSERT INTO stage_state(article_id, stage, version, done_at, note) VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT(article_id, stage) DO UPDATE SET version = excluded.version,
                   done_at = excluded.done_at, note = excluded.note""",
                [(a, stage, version, _now(), notes.get(a)) for a in article_ids],
            )

    def stage_notes(self, article_id: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT article_id, stage, version, note FROM stage_state WHERE note IS NOT NULL"
        args: tuple[Any, ...] = ()
        if article_id:
            sql += " AND article_id = ?"
            args = (article_id,)
        return [dict(r) for r in self.db.execute(sql, args)]


