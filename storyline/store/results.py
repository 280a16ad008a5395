"""Stored results (schema version 4): sentence vectors per article, materialised event
reports, fingerprints that tell when a report is stale, and cursors that stream the store
for the export.

Everything computed once lives here so that reports, exports and search read it instead of
recomputing it. The cursors yield rows one at a time (the export's memory stays flat)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

__all__ = ["ResultStoreMixin"]

# Bound variables per statement, well under SQLite's limit.
_CHUNK = 500


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _chunked(items: Sequence[str], size: int = _CHUNK) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _marks(n: int) -> str:
    return ",".join("?" * n)


class ResultStoreMixin:
    db: sqlite3.Connection

    # -- sentence vectors ---------------------------------------------------------------------------

    def put_sentence_vectors(self, rows: Iterable[tuple[str, str, Sequence[tuple[int, int]], np.ndarray]]) -> None:
        """Store ``(article_id, model, spans, vectors)`` rows; vectors go in as float16.

        float16 halves the size of float32 and moves a cosine by about 1e-3, far below the
        report's threshold margins; int8 would need a per-row scale for the same accuracy."""
        with self.transaction():  # type: ignore[attr-defined]
            for aid, model, spans, vectors in rows:
                mat = np.asarray(vectors, dtype="<f2").reshape(len(spans), -1) if len(spans) else np.zeros(
                    (0, 0), dtype="<f2")
                # Delete then insert (not REPLACE in place) so a recomputed row gets a new rowid:
                # the semantic index keys on rowids and must never map an old key to new text.
                self.db.execute("DELETE FROM sentence_vectors WHERE article_id = ?", (aid,))
                self.db.execute(
                    "INSERT INTO sentence_vectors(article_id, model, dim, spans, vectors) VALUES (?, ?, ?, ?, ?)",
                    (aid, model, int(mat.shape[1]) if mat.ndim == 2 else 0,
                     json.dumps([[int(s), int(e)] for s, e in spans]), mat.tobytes()))

    def sentence_vectors(self, article_ids: Iterable[str], model: str | None = None
                         ) -> dict[str, tuple[list[tuple[int, int]], np.ndarray]]:
        """article id -> (spans, float32 matrix) for the stored articles among ``article_ids``."""
        out: dict[str, tuple[list[tuple[int, int]], np.ndarray]] = {}
        ids = list(article_ids)
        for chunk in _chunked(ids):
            rows = self.db.execute(
                f"SELECT article_id, dim, spans, vectors FROM sentence_vectors WHERE article_id IN ({_marks(len(chunk))})"
                " AND (? IS NULL OR model = ?)", (*chunk, model, model))
            for aid, dim, spans, blob in rows:
                out[aid] = _decode(dim, spans, blob)
        return out

    def sentence_vector_models(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT DISTINCT model FROM sentence_vectors")]

    def iter_sentence_vectors(self, after_rowid: int = 0, model: str | None = None
                              ) -> Iterator[tuple[int, str, list[tuple[int, int]], np.ndarray]]:
        """``(rowid, article_id, spans, vectors)`` of every row after ``after_rowid``, in rowid order."""
        rows = self.db.execute("SELECT rowid, article_id, dim, spans, vectors FROM sentence_vectors "
                               "WHERE rowid > ? AND (? IS NULL OR model = ?) ORDER BY rowid", (after_rowid, model, model))
        for rowid, aid, dim, spans, blob in rows:
            yield (rowid, aid, *_decode(dim, spans, blob))

    def sentence_rows(self, rowids: Iterable[int]) -> dict[int, tuple[str, list[tuple[int, int]]]]:
        """rowid -> (article_id, spans) for the rows that still exist."""
        ids = list(dict.fromkeys(int(r) for r in rowids))
        out: dict[int, tuple[str, list[tuple[int, int]]]] = {}
        for i in range(0, len(ids), _CHUNK):
            chunk = ids[i : i + _CHUNK]
            for rowid, aid, spans in self.db.execute(
                    f"SELECT rowid, article_id, spans FROM sentence_vectors WHERE rowid IN ({_marks(len(chunk))})", chunk):
                out[rowid] = (aid, [tuple(s) for s in json.loads(spans)])
        return out

    # -- claim stances (schema version 12) -----------------------------------------------------------

    def claim_stances(self, article_ids: Iterable[str]) -> list[tuple[str, str, str, str | None]]:
        """``(article_id, digest, version, stance JSON)`` rows stored for these articles."""
        out: list[tuple[str, str, str, str | None]] = []
        for chunk in _chunked(list(dict.fromkeys(article_ids))):
            out += [tuple(r) for r in self.db.execute(  # type: ignore[misc]
                f"SELECT article_id, digest, version, stance FROM claim_stances WHERE article_id IN "
                f"({_marks(len(chunk))})", chunk)]
        return out

    def put_claim_stances(self, rows: Iterable[tuple[str, str, str, str | None]]) -> int:
        """Store ``(article_id, digest, version, stance JSON)`` rows; the rows of another version
        of the same articles go (read as absent anyway, they would only pile up); rows of
        articles no longer stored are skipped (a report built while an article was deleted)."""
        rows = list(rows)
        if not rows:
            return 0
        with self.transaction():  # type: ignore[attr-defined]
            present: set[str] = set()
            for chunk in _chunked(sorted({r[0] for r in rows})):
                present |= {r[0] for r in self.db.execute(
                    f"SELECT id FROM articles WHERE id IN ({_marks(len(chunk))})", chunk)}
            keep = [r for r in rows if r[0] in present]
            for version in {r[2] for r in keep}:
                for chunk in _chunked(sorted({r[0] for r in keep if r[2] == version})):
                    self.db.execute(f"DELETE FROM claim_stances WHERE version <> ? AND article_id IN "
                                    f"({_marks(len(chunk))})", (version, *chunk))
            self.db.executemany("INSERT OR REPLACE INTO claim_stances(article_id, digest, version, stance) "
                                "VALUES (?, ?, ?, ?)", keep)
        return len(keep)

    def article_texts(self, article_ids: Iterable[str]) -> dict[str, tuple[str, str | None, str | None, str | None]]:
        """article id -> (clean text, title, source, published), without the rest of the record."""
        out = {}
        for chunk in _chunked(list(dict.fromkeys(article_ids))):
            for r in self.db.execute(f"SELECT id, text, title, source, published FROM articles WHERE id IN "
                                     f"({_marks(len(chunk))})", chunk):
                out[r[0]] = (r[1], r[2], r[3], r[4])
        return out

    def entity_names(self, entity_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
        """entity id -> (name, type) for the given ids (not the whole table)."""
        out = {}
        for chunk in _chunked(sorted(set(entity_ids))):
            for r in self.db.execute(f"SELECT id, name, type FROM entities WHERE id IN ({_marks(len(chunk))})", chunk):
                out[r[0]] = (r[1], r[2])
        return out

    # -- fingerprints -------------------------------------------------------------------------------

    def article_digests(self, article_ids: Iterable[str] | None = None) -> dict[str, str]:
        """A digest per article of everything a report reads about it: its content hash and
        source metadata, and its mentions, quotes, citations and dates with the names and
        types of the entities they point to. Equal digests: the report inputs are equal."""
        queries = (
            "SELECT id, content_hash, source, title, published, language, url FROM articles a WHERE {w} ORDER BY id",
            'SELECT m.article_id, m.start, m."end", m.label, m.entity_id, e.name, e.type FROM mentions m '
            "LEFT JOIN entities e ON e.id = m.entity_id WHERE {w} ORDER BY m.article_id, m.start, m.\"end\"",
            'SELECT q.article_id, q.start, q."end", q.speaker, q.speaker_start, q.cue, q.kind, q.speaker_entity_id, '
            "e.name, e.type FROM quotes q LEFT JOIN entities e ON e.id = q.speaker_entity_id WHERE {w} "
            "ORDER BY q.article_id, q.start, q.id",
            'SELECT c.article_id, c.start, c."end", c.cited, c.kind, c.cited_entity_id, e.name FROM citations c '
            "LEFT JOIN entities e ON e.id = c.cited_entity_id WHERE {w} ORDER BY c.article_id, c.start, c.id",
            'SELECT d.article_id, d.start, d."end", d.value, d.granularity, d.is_event FROM dates d WHERE {w} '
            "ORDER BY d.article_id, d.start, d.id",
        )
        hashes: dict[str, Any] = {}
        columns = ("a.id", "m.article_id", "q.article_id", "c.article_id", "d.article_id")
        batches: Iterable[Sequence[str] | None] = [None] if article_ids is None else _chunked(list(article_ids))
        for chunk in batches:
            for sql, col in zip(queries, columns, strict=True):
                where, args = ("1 = 1", []) if chunk is None else (f"{col} IN ({_marks(len(chunk))})", list(chunk))
                for row in self.db.execute(sql.format(w=where), args):
                    h = hashes.get(row[0])
                    if h is None:
                        h = hashes[row[0]] = hashlib.sha1()
                    h.update(repr(tuple(row[1:])).encode("utf-8"))
        return {aid: h.hexdigest() for aid, h in hashes.items()}

    # -- what changed since the reports were materialised (schema version 9) -------------------------

    def take_report_marks(self) -> dict[str, set[str]]:
        """The change marks the triggers wrote (kind -> keys: 'a' articles, 'e' entities, 'v'
        events, '*' everything), flagged as taken. A write after this call marks its key again,
        so ``clear_report_marks`` keeps it for the next run."""
        with self.transaction():  # type: ignore[attr-defined]
            self.db.execute("UPDATE report_marks SET taken = 1 WHERE taken = 0")
            rows = self.db.execute("SELECT kind, key FROM report_marks WHERE taken = 1").fetchall()
        out: dict[str, set[str]] = {}
        for kind, key in rows:
            out.setdefault(kind, set()).add(key)
        return out

    def clear_report_marks(self) -> None:
        """Forget the marks taken by ``take_report_marks`` (their events are done)."""
        with self.transaction():  # type: ignore[attr-defined]
            self.db.execute("DELETE FROM report_marks WHERE taken = 1")

    def events_of_articles(self, article_ids: Iterable[str]) -> set[str]:
        """Ids of the events holding any of these articles (the trigger-kept ``event_articles``)."""
        out: set[str] = set()
        for chunk in _chunked(sorted(set(article_ids))):
            out |= {r[0] for r in self.db.execute(
                f"SELECT DISTINCT event_id FROM event_articles WHERE article_id IN ({_marks(len(chunk))})", chunk)}
        return out

    def articles_naming_entities(self, entity_ids: Iterable[str]) -> set[str]:
        """Ids of the articles whose mentions, quote speakers or citations point at these entities."""
        out: set[str] = set()
        for chunk in _chunked(sorted(set(entity_ids))):
            marks = _marks(len(chunk))
            for table, column in (("mentions", "entity_id"), ("quotes", "speaker_entity_id"),
                                  ("citations", "cited_entity_id")):
                out |= {r[0] for r in self.db.execute(
                    f"SELECT DISTINCT article_id FROM {table} WHERE {column} IN ({marks})", chunk)}
        return out

    def events_without_report(self) -> list[str]:
        """Ids of the events that have no stored report (an indexed anti-join, no JSON read)."""
        return [r[0] for r in self.db.execute(
            "SELECT e.id FROM events e WHERE NOT EXISTS (SELECT 1 FROM event_reports r WHERE r.event_id = e.id)")]

    def delete_orphan_reports(self) -> int:
        """Drop the stored reports of events that no longer exist; how many."""
        with self.transaction():  # type: ignore[attr-defined]
            return int(self.db.execute("DELETE FROM event_reports WHERE NOT EXISTS "
                                       "(SELECT 1 FROM events e WHERE e.id = event_reports.event_id)").rowcount)

    def count_events(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM events").fetchone()[0])

    # -- materialised reports -----------------------------------------------------------------------

    def set_quote_groups(self, article_ids: Sequence[str], groups: dict[tuple[str, int, int], str]) -> None:
        """Record the report's quote groups on the quotes of these articles (the export streams them)."""
        with self.transaction():  # type: ignore[attr-defined]
            for chunk in _chunked(list(article_ids)):
                self.db.execute(f"UPDATE quotes SET group_id = NULL WHERE article_id IN ({_marks(len(chunk))})", chunk)
            self.db.executemany('UPDATE quotes SET group_id = ? WHERE article_id = ? AND start = ? AND "end" = ?',
                                [(g, a, s, e) for (a, s, e), g in groups.items()])

    def report_fingerprints(self) -> dict[str, str]:
        return {r[0]: r[1] for r in self.db.execute("SELECT event_id, fingerprint FROM event_reports")}

    def report_fingerprints_of(self, event_ids: Sequence[str]) -> dict[str, str]:
        out = {}
        for chunk in _chunked(list(event_ids)):
            out.update({r[0]: r[1] for r in self.db.execute(
                f"SELECT event_id, fingerprint FROM event_reports WHERE event_id IN ({_marks(len(chunk))})", chunk)})
        return out

    def put_report(self, event_id: str, fingerprint: str, version: str, data: dict[str, Any],
                   view: dict[str, Any]) -> None:
        with self.transaction():  # type: ignore[attr-defined]
            self.db.execute(
                "INSERT OR REPLACE INTO event_reports(event_id, fingerprint, version, data, view, materialised_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (event_id, fingerprint, version, json.dumps(data, ensure_ascii=False),
                 json.dumps(view, ensure_ascii=False), _now()))

    def stored_report(self, event_id: str, part: str = "view", *, parse: bool = True) -> tuple[str, Any] | None:
        """``(fingerprint, JSON)`` of an event's stored report; ``part`` is "view" or "data";
        without ``parse`` the JSON comes as its stored text."""
        if part not in ("view", "data"):
            raise ValueError(f"part must be 'view' or 'data', not {part!r}")
        row = self.db.execute(f"SELECT fingerprint, {part} FROM event_reports WHERE event_id = ?",
                              (event_id,)).fetchone()
        return (row[0], json.loads(row[1]) if parse else row[1]) if row else None

    def delete_reports(self, event_ids: Iterable[str]) -> int:
        ids = list(event_ids)
        with self.transaction():  # type: ignore[attr-defined]
            n = 0
            for chunk in _chunked(ids):
                n += self.db.execute(f"DELETE FROM event_reports WHERE event_id IN ({_marks(len(chunk))})",
                                     chunk).rowcount
        return n

    # SQL for one top-level member of a stored view, as JSON text (PostgreSQL has its own).
    _VIEW_PART = "json_extract(r.view, '$.{part}')"
    _VIEW_PARTS = frozenset({"summary", "claims", "discrepancies"})

    def _view_part_sql(self, part: str) -> str:
        if part not in self._VIEW_PARTS:
            raise ValueError(f"part must be one of {sorted(self._VIEW_PARTS)}, not {part!r}")
        return self._VIEW_PART.format(part=part)

    def stored_report_part(self, event_id: str, part: str) -> Any | None:
        """One member (``summary``, ``claims`` or ``discrepancies``) of an event's stored report
        view, or None without a stored report. Only that member is parsed: a view is tens of kB,
        mostly claims, and the export read every view whole three times."""
        row = self.db.execute(f"SELECT {self._view_part_sql(part)} FROM event_reports r WHERE r.event_id = ?",
                              (event_id,)).fetchone()
        return None if row is None or row[0] is None else json.loads(row[0])

    def iter_report_parts(self, part: str) -> Iterator[tuple[str, Any]]:
        """``(event_id, member)`` of the stored report views of events that still exist, by event id."""
        rows = self.db.execute(f"SELECT r.event_id, {self._view_part_sql(part)} FROM event_reports r "
                               "JOIN events e ON e.id = r.event_id ORDER BY r.event_id")
        for eid, text in rows:
            yield eid, [] if text is None else json.loads(text)

    def iter_report_views(self, since: str | None = None) -> Iterator[tuple[str, dict[str, Any]]]:
        """``(event_id, view)`` of the stored reports of events that still exist, materialised after ``since``."""
        rows = self.db.execute("SELECT r.event_id, r.view FROM event_reports r JOIN events e ON e.id = r.event_id "
                               "WHERE (? IS NULL OR r.materialised_at > ?) ORDER BY r.event_id", (since, since))
        for eid, view in rows:
            yield eid, json.loads(view)

    # -- streaming cursors for the export --------------------------------------------------------------

    def iter_articles(self, since: str | None = None) -> Iterator[Any]:
        """Articles one at a time in publication order, undated ones last (``since``: ingested after it).

        Two queries, dated then undated, each in the order of the index on ``published`` (which
        holds the rowid): one ``ORDER BY published IS NULL, ...`` sorted every article with its
        texts before the first came out (1 s at 10k, growing with the store)."""
        for where, order in (("published IS NOT NULL", "published, rowid"), ("published IS NULL", "rowid")):
            rows = self.db.execute(f"SELECT * FROM articles WHERE {where} AND (? IS NULL OR ingested_at > ?) "
                                   f"ORDER BY {order}", (since, since))
            for r in rows:
                yield self._article(r)  # type: ignore[attr-defined]

    def iter_annotations(self, table: str, since: str | None = None) -> Iterator[Any]:
        """Mentions, quotes, citations or dates one at a time (``since``: of articles ingested after it)."""
        from ..model import Citation, DateMention, Mention, Quote

        columns = {
            "mentions": ('t.article_id, t.start, t."end", t.text, t.label, t.normal, t.entity_id', Mention),
            "quotes": ('t.article_id, t.start, t."end", t.text, t.speaker, t.speaker_start, t.speaker_end, t.cue, '
                       "t.kind, t.speaker_entity_id, t.group_id", Quote),
            "citations": ('t.article_id, t.start, t."end", t.text, t.cited, t.kind, t.cited_entity_id', Citation),
            "dates": ('t.article_id, t.start, t."end", t.text, t.value, t.granularity, t.is_event', DateMention),
        }
        if table not in columns:
            raise ValueError(f"no annotation table {table!r}; one of {sorted(columns)}")
        cols, cls = columns[table]
        join = "" if since is None else " JOIN articles a ON a.id = t.article_id WHERE a.ingested_at > ?"
        rows = self.db.execute(f"SELECT {cols} FROM {table} t{join} ORDER BY t.article_id, t.start",
                               () if since is None else (since,))
        for r in rows:
            yield cls(*r[:6], bool(r[6])) if cls is DateMention else cls(*r)

    def iter_entities(self, since: str | None = None) -> Iterator[dict[str, Any]]:
        """Entities one at a time (``since``: those mentioned by articles ingested after it)."""
        cols = self._entity_columns()  # type: ignore[attr-defined]
        if since is None:
            rows = self.db.execute(f"SELECT {cols} FROM entities ORDER BY id")
        else:
            rows = self.db.execute(
                f"SELECT {cols} FROM entities WHERE id IN (SELECT m.entity_id FROM mentions m JOIN articles a "
                "ON a.id = m.article_id WHERE a.ingested_at > ?) ORDER BY id", (since,))
        for r in rows:
            d = dict(r)
            for k in ("variants", "article_ids", "explanations"):
                d[k] = json.loads(d[k])
            yield d

    def iter_events(self, event_ids: Iterable[str] | None = None) -> Iterator[dict[str, Any]]:
        """Events one at a time (only ``event_ids`` when given)."""
        from .base import _event_row

        if event_ids is None:
            for r in self.db.execute("SELECT * FROM events ORDER BY first_published IS NULL, first_published, id"):
                yield _event_row(r)
            return
        for chunk in _chunked(list(event_ids)):
            for r in self.db.execute(f"SELECT * FROM events WHERE id IN ({_marks(len(chunk))}) ORDER BY id", chunk):
                yield _event_row(r)

    def events_touched_since(self, since: str) -> list[str]:
        """Ids of events holding an article ingested after ``since`` or whose report was
        materialised after it."""
        event_of = self.event_assignments()  # type: ignore[attr-defined]
        new = {event_of[r[0]] for r in self.db.execute("SELECT id FROM articles WHERE ingested_at > ?", (since,))
               if r[0] in event_of}
        new |= {r[0] for r in self.db.execute("SELECT event_id FROM event_reports WHERE materialised_at > ?", (since,))}
        have = {r[0] for r in self.db.execute("SELECT id FROM events")}
        return sorted(new & have)


def _decode(dim: int, spans: str, blob: bytes) -> tuple[list[tuple[int, int]], np.ndarray]:
    pairs = [(int(s), int(e)) for s, e in json.loads(spans)]
    mat = np.frombuffer(blob, dtype="<f2").astype(np.float32)
    return pairs, mat.reshape(len(pairs), dim) if pairs else np.zeros((0, max(dim, 1)), dtype=np.float32)
