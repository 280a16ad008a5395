"""Clusterer, near-duplicate and story-link state as rows (schema version 6).

The online clusterer used to be saved as one JSON value holding every article's features
and the window's vectors; writing it after every batch made the cost of a run grow with
the corpus. Here each article, event and document frequency is a row, and a batch writes
only the rows it changed (``put_cluster_delta``); loading reads them back once per run.

The SQL is plain (``INSERT ... ON CONFLICT``), so every backend of the store runs it."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

__all__ = ["ClusterStateStoreMixin"]

_CHUNK = 500


def _chunked(items: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class ClusterStateStoreMixin:
    """Row storage for :mod:`storyline.cluster.persist` (the only caller)."""

    db: Any

    # -- online clusterer ---------------------------------------------------------------------------

    def put_cluster_delta(self, delta: Any) -> None:
        """Write a :class:`storyline.cluster.persist.ClusterDelta`: changed articles, events and
        frequencies, removed events, and the small meta record."""
        with self.transaction():  # type: ignore[attr-defined]
            if delta.articles:
                self.db.executemany(
                    "INSERT INTO cluster_articles(article_id, key, seq, event_id, day, shard, features, vector, "
                    "lexical) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(article_id) DO UPDATE SET "
                    "key = excluded.key, seq = excluded.seq, event_id = excluded.event_id, day = excluded.day, "
                    "shard = excluded.shard, features = excluded.features, vector = excluded.vector, "
                    "lexical = excluded.lexical",
                    [(r["article_id"], r["key"], r["seq"], r["event_id"], r["day"], r["shard"],
                      json.dumps(r["features"], ensure_ascii=False, sort_keys=True), r["vector"], r["lexical"])
                     for r in delta.articles],
                )
            if delta.events:
                self.db.executemany(
                    "INSERT INTO cluster_events(event_id, centroid, locked, cannot_link) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT(event_id) DO UPDATE SET centroid = excluded.centroid, locked = excluded.locked, "
                    "cannot_link = excluded.cannot_link",
                    [(r["event_id"], r["centroid"], int(r["locked"]), json.dumps(sorted(r["cannot_link"])))
                     for r in delta.events],
                )
            for chunk in _chunked(sorted(delta.removed_events)):
                self.db.execute(f"DELETE FROM cluster_events WHERE event_id IN ({','.join('?' * len(chunk))})",
                                list(chunk))
            if delta.frequencies:
                self.db.executemany(
                    "INSERT INTO cluster_df(kind, term, count) VALUES (?, ?, ?) "
                    "ON CONFLICT(kind, term) DO UPDATE SET count = excluded.count",
                    [(kind, str(term), int(count)) for kind, term, count in delta.frequencies],
                )
            self.set_kv("cluster.meta", delta.meta)  # type: ignore[attr-defined]

    def cluster_meta(self) -> dict[str, Any] | None:
        return self.get_kv("cluster.meta")  # type: ignore[attr-defined,no-any-return]

    def cluster_article_rows(self, article_ids: Iterable[str] | None = None, *,
                             event_ids: Iterable[str] | None = None, live: bool = False) -> Iterator[dict[str, Any]]:
        """Article rows in attachment order (``seq``), or just the given articles, or the members of
        the given events (in ``seq`` order), or with ``live`` the rows that still hold a vector
        (the clusterer's time window: what its index can find)."""
        cols = "article_id, key, seq, event_id, day, shard, features, vector, lexical"
        if live:
            rows: Iterable[Any] = self.db.execute(
                f"SELECT {cols} FROM cluster_articles WHERE vector IS NOT NULL ORDER BY seq")
        elif event_ids is not None:
            rows = sorted((r for chunk in _chunked(sorted(set(event_ids))) for r in self.db.execute(
                f"SELECT {cols} FROM cluster_articles WHERE event_id IN ({','.join('?' * len(chunk))})",
                list(chunk))), key=lambda r: r[2])
        elif article_ids is None:
            rows = self.db.execute(f"SELECT {cols} FROM cluster_articles ORDER BY seq")
        else:
            ids = list(article_ids)
            rows = [r for chunk in _chunked(ids) for r in self.db.execute(
                f"SELECT {cols} FROM cluster_articles WHERE article_id IN ({','.join('?' * len(chunk))})",
                list(chunk))]
        for r in rows:
            yield {"article_id": r[0], "key": r[1], "seq": r[2], "event_id": r[3], "day": r[4], "shard": r[5],
                   "features": json.loads(r[6]), "vector": None if r[7] is None else bytes(r[7]),
                   "lexical": None if r[8] is None else bytes(r[8])}

    def cluster_event_rows(self, event_ids: Iterable[str] | None = None) -> list[dict[str, Any]]:
        cols = "event_id, centroid, locked, cannot_link"
        if event_ids is None:
            rows: list[Any] = self.db.execute(f"SELECT {cols} FROM cluster_events ORDER BY event_id").fetchall()
        else:
            ids = list(event_ids)
            rows = [r for chunk in _chunked(ids) for r in self.db.execute(
                f"SELECT {cols} FROM cluster_events WHERE event_id IN ({','.join('?' * len(chunk))})",
                list(chunk))]
        return [{"event_id": r[0], "centroid": bytes(r[1]), "locked": bool(r[2]), "cannot_link": json.loads(r[3])}
                for r in rows]

    def cluster_event_centroids(self) -> Iterator[tuple[str, bytes]]:
        """``(event id, centroid)`` of every event, by id: what story linking lists of the events a
        windowed clusterer did not load (light: no JSON to parse)."""
        for r in self.db.execute("SELECT event_id, centroid FROM cluster_events ORDER BY event_id"):
            yield r[0], bytes(r[1])

    def cluster_event_count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM cluster_events").fetchone()[0])

    def cluster_frequencies(self, kind: str, terms: Sequence[str] | None = None) -> dict[str, int]:
        """Document frequencies of one kind ('e' entities, 't' hashed words): all, or some terms."""
        if terms is None:
            return {r[0]: int(r[1]) for r in self.db.execute("SELECT term, count FROM cluster_df WHERE kind = ?",
                                                              (kind,))}
        return {r[0]: int(r[1]) for chunk in _chunked(list(terms)) for r in self.db.execute(
            f"SELECT term, count FROM cluster_df WHERE kind = ? AND term IN ({','.join('?' * len(chunk))})",
            [kind, *chunk])}

    def put_cluster_shards(self, shards: Sequence[tuple[str, int, bytes]], removed: Iterable[str] = ()) -> None:
        with self.transaction():  # type: ignore[attr-defined]
            for chunk in _chunked(sorted(removed)):
                self.db.execute(f"DELETE FROM cluster_shards WHERE name IN ({','.join('?' * len(chunk))})",
                                list(chunk))
            self.db.executemany(
                "INSERT INTO cluster_shards(name, size, data) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET "
                "size = excluded.size, data = excluded.data", list(shards))

    def cluster_shards(self) -> dict[str, tuple[int, bytes]]:
        return {r[0]: (int(r[1]), bytes(r[2])) for r in self.db.execute("SELECT name, size, data FROM cluster_shards")}

    def delete_cluster_rows(self, *, event_ids: Iterable[str] = ()) -> None:
        """Drop events that an undo takes back (they did not exist before the decision)."""
        ids = sorted(event_ids)
        with self.transaction():  # type: ignore[attr-defined]
            for chunk in _chunked(ids):
                self.db.execute(f"DELETE FROM cluster_events WHERE event_id IN ({','.join('?' * len(chunk))})",
                                list(chunk))

    def clear_cluster_state(self) -> None:
        """Forget the clusterer, the near-duplicate index and the events (a full re-clustering)."""
        with self.transaction():  # type: ignore[attr-defined]
            for table in ("cluster_articles", "cluster_events", "cluster_df", "cluster_shards", "neardup_articles",
                          "neardup_bands", "story_links",
                          "events", "storylines", "duplicates"):
                self.db.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
            self.db.execute("DELETE FROM kv WHERE key IN ('cluster.meta', 'neardup.meta')")

    # -- near-duplicate index -----------------------------------------------------------------------

    def put_near_duplicate_rows(self, rows: Sequence[tuple[str, int, str | None, bytes]],
                                meta: dict[str, Any], bands: Sequence[tuple[int, str]] = ()) -> None:
        """Add signatures ``(article id, order, published, signature)`` and their LSH band rows
        ``(band key, article id)``; both are written once per article and never change."""
        with self.transaction():  # type: ignore[attr-defined]
            self.db.executemany(
                "INSERT INTO neardup_articles(article_id, ord, published, signature) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(article_id) DO NOTHING", list(rows))
            self.db.executemany("INSERT INTO neardup_bands(band_key, article_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                                list(bands))
            self.set_kv("neardup.meta", meta)  # type: ignore[attr-defined]

    def near_duplicate_rows(self, article_ids: Iterable[str] | None = None
                            ) -> Iterator[tuple[str, int, str | None, bytes]]:
        """``(article id, order, published, signature)`` of every stored signature in order, or of some."""
        cols = "article_id, ord, published, signature"
        if article_ids is None:
            rows: Iterable[Any] = self.db.execute(f"SELECT {cols} FROM neardup_articles ORDER BY ord")
        else:
            rows = [r for chunk in _chunked(list(article_ids)) for r in self.db.execute(
                f"SELECT {cols} FROM neardup_articles WHERE article_id IN ({','.join('?' * len(chunk))})",
                list(chunk))]
        for r in rows:
            yield r[0], int(r[1]), r[2], bytes(r[3])

    def near_duplicate_candidates(self, band_keys: Sequence[int]) -> set[str]:
        """The articles filed under any of these LSH band keys (an indexed lookup per key)."""
        return {r[0] for chunk in _chunked(list(band_keys)) for r in self.db.execute(
            f"SELECT article_id FROM neardup_bands WHERE band_key IN ({','.join('?' * len(chunk))})", list(chunk))}

    def near_duplicate_band_count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM neardup_bands").fetchone()[0])

    def near_duplicate_next_order(self) -> int:
        return int(self.db.execute("SELECT COALESCE(MAX(ord) + 1, 0) FROM neardup_articles").fetchone()[0])

    def duplicate_groups_of(self, article_ids: Iterable[str]) -> dict[str, str]:
        """Article id -> duplicate group id, for those of the articles in a group."""
        return {r[0]: r[1] for chunk in _chunked(list(article_ids)) for r in self.db.execute(
            f"SELECT article_id, group_id FROM duplicates WHERE article_id IN ({','.join('?' * len(chunk))})",
            list(chunk))}

    def duplicate_group_members(self, group_ids: Iterable[str]) -> dict[str, list[str]]:
        """Group id -> its member article ids (unordered)."""
        out: dict[str, list[str]] = {}
        for chunk in _chunked(sorted(set(group_ids))):
            for r in self.db.execute(
                    f"SELECT group_id, article_id FROM duplicates WHERE group_id IN ({','.join('?' * len(chunk))})",
                    list(chunk)):
                out.setdefault(r[0], []).append(r[1])
        return out

    def near_duplicate_meta(self) -> dict[str, Any] | None:
        return self.get_kv("neardup.meta")  # type: ignore[attr-defined,no-any-return]

    def put_duplicates(self, groups: dict[str, tuple[str, str]]) -> None:
        """Upsert ``article id -> (group id, original id)`` for the groups that changed."""
        with self.transaction():  # type: ignore[attr-defined]
            self.db.executemany(
                "INSERT INTO duplicates(article_id, group_id, original_id) VALUES (?, ?, ?) "
                "ON CONFLICT(article_id) DO UPDATE SET group_id = excluded.group_id, "
                "original_id = excluded.original_id",
                [(a, g, o) for a, (g, o) in groups.items()])

    # -- events and stories, updated in place -------------------------------------------------------

    def put_events(self, events: Sequence[dict[str, Any]], *, removed: Iterable[str] = ()) -> None:
        """Upsert the rows of changed events (storyline_id is kept) and delete removed ones."""
        with self.transaction():  # type: ignore[attr-defined]
            for chunk in _chunked(sorted(removed)):
                self.db.execute(f"DELETE FROM events WHERE id IN ({','.join('?' * len(chunk))})", list(chunk))
            self.db.executemany(
                "INSERT INTO events(id, title, article_ids, first_published, last_published, outlets, languages, "
                "duplicate_groups) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
                "title = excluded.title, article_ids = excluded.article_ids, "
                "first_published = excluded.first_published, last_published = excluded.last_published, "
                "outlets = excluded.outlets, languages = excluded.languages, "
                "duplicate_groups = excluded.duplicate_groups",
                [(e["id"], e["title"], json.dumps(e["article_ids"]), e["first_published"], e["last_published"],
                  json.dumps(e["outlets"], ensure_ascii=False), json.dumps(e["languages"]),
                  json.dumps(e["duplicate_groups"])) for e in events],
            )

    def put_storylines(self, storylines: Sequence[dict[str, Any]], *, removed: Iterable[str] = ()) -> None:
        """Replace the given stories (and their events' ``storyline_id``); delete removed ones."""
        with self.transaction():  # type: ignore[attr-defined]
            for chunk in _chunked(sorted(removed)):
                self.db.execute(f"DELETE FROM storylines WHERE id IN ({','.join('?' * len(chunk))})", list(chunk))
            self.db.executemany(
                "INSERT INTO storylines(id, event_ids, related_event_ids, title) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET event_ids = excluded.event_ids, "
                "related_event_ids = excluded.related_event_ids, title = excluded.title",
                [(s["id"], json.dumps(s["event_ids"]), json.dumps(s["related_event_ids"]), s.get("title"))
                 for s in storylines],
            )
            self.db.executemany("UPDATE events SET storyline_id = ? WHERE id = ?",
                                [(s["id"], eid) for s in storylines for eid in s["event_ids"]])

    def story_links(self) -> list[tuple[str, str]]:
        return [(r[0], r[1]) for r in self.db.execute("SELECT older, newer FROM story_links")]

    def replace_story_links(self, newer: Iterable[str], links: Iterable[tuple[str, str]]) -> None:
        """Forget the links found for the events in ``newer`` (and links to them) and store ``links``."""
        ids = sorted(set(newer))
        with self.transaction():  # type: ignore[attr-defined]
            for chunk in _chunked(ids):
                marks = ",".join("?" * len(chunk))
                self.db.execute(f"DELETE FROM story_links WHERE newer IN ({marks}) OR older IN ({marks})",
                                [*chunk, *chunk])
            self.db.executemany("INSERT INTO story_links(older, newer) VALUES (?, ?) ON CONFLICT DO NOTHING",
                                sorted(set(links)))

    def event_storylines(self) -> dict[str, str | None]:
        """Event id -> story id, for every event (light: no member lists)."""
        return {r[0]: r[1] for r in self.db.execute("SELECT id, storyline_id FROM events")}

    def event_spans(self) -> dict[str, tuple[str | None, str | None]]:
        """Event id -> (first published, last published), for every event (light: no member lists)."""
        return {r[0]: (r[1], r[2]) for r in self.db.execute("SELECT id, first_published, last_published FROM events")}

    def event_first_published(self, event_ids: Iterable[str]) -> dict[str, str | None]:
        ids = list(event_ids)
        return {r[0]: r[1] for chunk in _chunked(ids) for r in self.db.execute(
            f"SELECT id, first_published FROM events WHERE id IN ({','.join('?' * len(chunk))})", list(chunk))}
