"""Entity rows for incremental resolution (schema versions 7-8, 13): blocking keys, profiles,
the article index, and entities read and written one by one instead of the whole table.

A hub entity's article list grows with the store, so it lives in the article index only
(``entity_articles``, version 13): a batch counts it (the row keeps the count), pages through
it, and adds or removes the rows of its own articles; a reader that wants the whole list has
the database build it from the index.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from .results import _chunked, _marks

__all__ = ["EntityRowsStoreMixin"]

class EntityRowsStoreMixin:
    db: sqlite3.Connection

    # -- incremental entity resolution ---------------------------------------------------------------

    def mention_entities(self, keys: Iterable[tuple[str, int, int]]) -> set[str]:
        """Entity ids of the mentions at these (article_id, start, end) keys."""
        out = set()
        for a, s, e in keys:
            r = self.db.execute('SELECT entity_id FROM mentions WHERE article_id = ? AND start = ? AND "end" = ?',
                                (a, s, e)).fetchone()
            if r and r[0]:
                out.add(r[0])
        return out

    def quotes_to_link(self, article_ids: Sequence[str], speaker_ids: Iterable[str]) -> list[tuple[int, Any]]:
        """``(id, quote)`` of the quotes in these articles or attributed to these entities."""
        from ..model import Quote

        cols = ('id, article_id, start, "end", text, speaker, speaker_start, speaker_end, cue, kind, '
                "speaker_entity_id, group_id")
        return [(r[0], Quote(*r[1:])) for r in self._rows_for("quotes", cols, "speaker_entity_id", article_ids,
                                                               speaker_ids)]

    def citations_to_link(self, article_ids: Sequence[str], cited_ids: Iterable[str]) -> list[tuple[int, Any]]:
        """``(id, citation)`` of the citations in these articles or naming these entities."""
        from ..model import Citation

        cols = 'id, article_id, start, "end", text, cited, kind, cited_entity_id'
        return [(r[0], Citation(*r[1:])) for r in self._rows_for("citations", cols, "cited_entity_id", article_ids,
                                                                  cited_ids)]

    def _rows_for(self, table: str, cols: str, entity_col: str, article_ids: Sequence[str],
                  entity_ids: Iterable[str]) -> list[Any]:
        rows: dict[int, Any] = {}
        for chunk in _chunked(list(article_ids)):
            for r in self.db.execute(f"SELECT {cols} FROM {table} WHERE article_id IN ({_marks(len(chunk))})", chunk):
                rows[r[0]] = r
        for chunk in _chunked(sorted(entity_ids)):
            for r in self.db.execute(f"SELECT {cols} FROM {table} WHERE {entity_col} IN ({_marks(len(chunk))})",
                                     chunk):
                rows[r[0]] = r
        return [rows[k] for k in sorted(rows)]

    def put_entity_keys(self, keys: dict[str, Iterable[str]], *, replace_all: bool = False) -> None:
        """File entities under their blocking keys (``entity id -> keys``), replacing their old
        keys; ``replace_all`` first empties the table (after a full resolution)."""
        with self.transaction():  # type: ignore[attr-defined]
            self._clear_entity_rows("entity_keys", keys, replace_all)
            self.db.executemany("INSERT OR IGNORE INTO entity_keys(key, entity_id) VALUES (?, ?)",
                                [(k, eid) for eid, ks in keys.items() for k in ks])

    def _clear_entity_rows(self, table: str, entity_ids: Iterable[str], replace_all: bool) -> None:
        """Empty ``table`` (a per-entity side table), or delete these entities' rows of it."""
        if replace_all:
            self.db.execute(f"DELETE FROM {table}")
            return
        for chunk in _chunked(sorted(entity_ids)):
            self.db.execute(f"DELETE FROM {table} WHERE entity_id IN ({_marks(len(chunk))})", chunk)

    def count_entities(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM entities").fetchone()[0])

    def entity_keys_filed(self) -> bool:
        return self.db.execute("SELECT 1 FROM entity_keys LIMIT 1").fetchone() is not None

    def entities_for_keys(self, keys: Iterable[str]) -> set[str]:
        """Ids of the entities filed under any of these blocking keys."""
        out: set[str] = set()
        for chunk in _chunked(sorted(set(keys))):
            out |= {r[0] for r in self.db.execute(
                f"SELECT DISTINCT entity_id FROM entity_keys WHERE key IN ({_marks(len(chunk))})", chunk)}
        return out

    def entities_by_key(self, keys: Iterable[str]) -> dict[str, set[str]]:
        """Blocking key -> ids of the entities filed under it (keys with none are left out)."""
        out: dict[str, set[str]] = {}
        for chunk in _chunked(sorted(set(keys))):
            for key, eid in self.db.execute(
                    f"SELECT key, entity_id FROM entity_keys WHERE key IN ({_marks(len(chunk))})", chunk):
                out.setdefault(key, set()).add(eid)
        return out

    def entity_sizes(self, entity_ids: Iterable[str]) -> dict[str, tuple[str, str, int]]:
        """entity id -> (name, type, number of articles), without reading the article lists
        into Python (a hub entity's list is long)."""
        out = {}
        for chunk in _chunked(sorted(set(entity_ids))):
            for r in self.db.execute(f"SELECT id, name, type, n_articles FROM entities "
                                     f"WHERE id IN ({_marks(len(chunk))})", chunk):
                out[r[0]] = (r[1], r[2], int(r[3]))
        return out

    def entities_in_articles(self, article_ids: Iterable[str]) -> set[str]:
        """Ids of the entities whose article list names any of these articles."""
        out: set[str] = set()
        for chunk in _chunked(sorted(set(article_ids))):
            out |= {r[0] for r in self.db.execute(
                f"SELECT DISTINCT entity_id FROM entity_articles WHERE article_id IN ({_marks(len(chunk))})", chunk)}
        return out

    def entity_profiles(self, entity_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """entity id -> its stored profile (``{"roles": {role: mentions}}``), for the entities that have one."""
        out = {}
        for chunk in _chunked(sorted(set(entity_ids))):
            for eid, roles in self.db.execute(
                    f"SELECT entity_id, roles FROM entity_profiles WHERE entity_id IN ({_marks(len(chunk))})", chunk):
                out[eid] = {"roles": json.loads(roles)}
        return out

    def put_entity_profiles(self, profiles: dict[str, dict[str, Any]], *, replace_all: bool = False) -> None:
        """Store entity profiles (``entity id -> {"roles": {...}}``); ``replace_all`` first
        empties the table (after a full resolution)."""
        with self.transaction():  # type: ignore[attr-defined]
            self._clear_entity_rows("entity_profiles", profiles, replace_all)
            self.db.executemany("INSERT INTO entity_profiles(entity_id, roles) VALUES (?, ?)",
                                [(eid, json.dumps(p.get("roles", {}), ensure_ascii=False, sort_keys=True))
                                 for eid, p in profiles.items()])

    # Text compared by code point, as Python compares it (SQLite's default; a collation in PostgreSQL).
    _CODE_POINT_ORDER = ""
    # An entity's article list, built from the article index: sorted by code point, as the lists
    # stored in the row before version 13 were (Python's sorted()), read in index order.
    _ARTICLE_LIST = ("(SELECT json_group_array(article_id) FROM (SELECT article_id FROM entity_articles "
                     "WHERE entity_id = entities.id ORDER BY article_id))")

    def _entity_columns(self, articles: bool = True) -> str:
        """The columns of an entity as readers have always seen them (``article_ids`` a JSON
        list, built on read), or with the count in place of the list."""
        if articles:
            return f"id, name, type, variants, {self._ARTICLE_LIST} AS article_ids, explanations"
        return "id, name, type, variants, explanations, n_articles"

    def entities_by_ids(self, entity_ids: Iterable[str], *, articles: bool = True) -> dict[str, dict[str, Any]]:
        """entity id -> its row. ``articles=False`` leaves the article list in the database and
        gives its length as ``n_articles``: a hub entity's list grows with the corpus, and an
        incremental run that only adds to it needs neither to read nor to rewrite it."""
        cols = self._entity_columns(articles)
        out = {}
        for chunk in _chunked(sorted(set(entity_ids))):
            for r in self.db.execute(f"SELECT {cols} FROM entities WHERE id IN ({_marks(len(chunk))})", chunk):
                d = dict(r)
                for k in ("variants", "article_ids", "explanations"):
                    if k in d:
                        d[k] = json.loads(d[k])
                if "n_articles" in d:
                    d["n_articles"] = int(d["n_articles"])
                out[d["id"]] = d
        return out

    def entity_article_page(self, entity_id: str, after: str = "", limit: int = 16) -> list[str]:
        """The entity's article ids sorted, the first ``limit`` after ``after``: an indexed
        read that costs the page, not the entity's whole list."""
        c = self._CODE_POINT_ORDER
        return [r[0] for r in self.db.execute(
            f"SELECT article_id FROM entity_articles WHERE entity_id = ? AND article_id{c} > ? ORDER BY article_id{c} "
            f"LIMIT ?", (entity_id, after, limit))]

    def entity_articles_among(self, entity_id: str, article_ids: Iterable[str]) -> list[str]:
        """Which of ``article_ids`` the entity is in, sorted: an indexed lookup per article."""
        out: list[str] = []
        for chunk in _chunked(sorted(set(article_ids))):
            out += [r[0] for r in self.db.execute(
                f"SELECT article_id FROM entity_articles WHERE entity_id = ? AND article_id IN ({_marks(len(chunk))})",
                [entity_id, *chunk])]
        return sorted(out)

    def entity_mentions(self, pairs: Iterable[tuple[str, str]]) -> list[Any]:
        """The mentions of each ``(article, entity)`` pair, by article and position: an
        entity's mentions in a few chosen articles without the articles' other mentions."""
        from ..model import Mention

        wanted: dict[str, set[str]] = {}
        for aid, eid in pairs:
            wanted.setdefault(aid, set()).add(eid)
        out = []
        for arts in _chunked(sorted(wanted), 200):
            for ents in _chunked(sorted({e for a in arts for e in wanted[a]}), 400):
                # `entity_id || ''` keeps the entity index out of the plan: with few entities in
                # the list SQLite chose it and read every mention of a hub (0.55 s at 30k articles
                # for 150 entities, against 6 ms through the article key).
                out += [Mention(*r) for r in self.db.execute(
                    f'SELECT article_id, start, "end", text, label, normal, entity_id FROM mentions '
                    f"WHERE article_id IN ({_marks(len(arts))}) AND entity_id || '' IN ({_marks(len(ents))})",
                    [*arts, *ents]) if r[6] in wanted[r[0]]]
        return sorted(out, key=lambda m: (m.article_id, m.start))

    def entity_memberships(self, article_ids: Iterable[str]) -> set[tuple[str, str]]:
        """The ``(article, entity)`` rows of the article index for these articles (by the
        index's key: a batch's articles cost their own rows, whatever their entities' sizes)."""
        out: set[tuple[str, str]] = set()
        for chunk in _chunked(sorted(set(article_ids))):
            out |= {(r[0], r[1]) for r in self.db.execute(
                f"SELECT article_id, entity_id FROM entity_articles WHERE article_id IN ({_marks(len(chunk))})", chunk)}
        return out

    def update_entities(self, remove_ids: Iterable[str], entities: Iterable[dict[str, Any]],
                        mention_entity: dict[tuple[str, int, int], str | None],
                        quote_speakers: dict[int, str | None], citation_entities: dict[int, str | None],
                        keys: dict[str, Iterable[str]] | None = None,
                        memberships: tuple[Iterable[tuple[str, str]], Iterable[tuple[str, str]]] | None = None,
                        profiles: dict[str, dict[str, Any]] | None = None) -> None:
        """Replace some entities (not the whole table): drop ``remove_ids``, write ``entities``
        (filed under ``keys``, with ``profiles``), and point the given mentions, quotes and
        citations at them.

        An entity's articles are rows of the article index. ``memberships`` (``(article,
        entity)`` pairs added, pairs removed; the removed go first, so a pair in both stays)
        changes those rows one by one; without it, the index rows of each entity given
        ``article_ids`` are replaced by that list, and those of an entity given
        ``added_article_ids`` gain these. Either way the entity's row is not given its list (a
        hub's list grows with the store): its count moves by the rows that really came and
        went. An entity given neither list (or ``article_ids``) has its row replaced whole; one
        given ``added_article_ids`` has it updated in place."""
        entities = list(entities)
        listed = {e["id"]: list(dict.fromkeys(e.get("article_ids", []))) for e in entities
                  if "article_ids" in e or "added_article_ids" not in e}
        with self.transaction():  # type: ignore[attr-defined]
            for chunk in _chunked(sorted(remove_ids)):
                for table, column in (("entities", "id"), ("entity_keys", "entity_id"),
                                      ("entity_articles", "entity_id"), ("entity_profiles", "entity_id")):
                    self.db.execute(f"DELETE FROM {table} WHERE {column} IN ({_marks(len(chunk))})", chunk)
            if keys:
                self.put_entity_keys(keys)
            if profiles:
                self.put_entity_profiles(profiles)
            if memberships is None:
                for chunk in _chunked(sorted(listed)):
                    self.db.execute(f"DELETE FROM entity_articles WHERE entity_id IN ({_marks(len(chunk))})", chunk)
                added = {(a, eid) for eid, arts in listed.items() for a in arts} | {
                    (a, e["id"]) for e in entities if e["id"] not in listed for a in e["added_article_ids"]}
                removed: set[tuple[str, str]] = set()
            else:
                added, removed = set(memberships[0]), set(memberships[1])
            # The rows that really change, found by article (the batch's, not the hub's rows):
            # a pair added that is there, or removed that is not, changes no count.
            present = self.entity_memberships({a for a, _ in added | removed})
            moved: Counter[str] = Counter()
            for _a, eid in removed & present:
                moved[eid] -= 1
            for _a, eid in added - (present - removed):
                moved[eid] += 1
            self.db.executemany("DELETE FROM entity_articles WHERE article_id = ? AND entity_id = ?", sorted(removed))
            self.db.executemany("INSERT INTO entity_articles(article_id, entity_id) VALUES (?, ?) "
                                "ON CONFLICT DO NOTHING", sorted(added))
            # A listed entity's row is replaced whole (INSERT OR REPLACE, as before version 13); it
            # keeps its stored count (none when its rows were just replaced by its list).
            replaced = memberships is None
            kept_count = "0" if replaced else "coalesce((SELECT n_articles FROM entities WHERE id = ?), 0)"
            self.db.executemany(
                f"INSERT OR REPLACE INTO entities(id, name, type, variants, explanations, n_articles) "
                f"VALUES (?, ?, ?, ?, ?, {kept_count} + ?)",
                [(e["id"], e["name"], e["type"], json.dumps(e.get("variants", {}), ensure_ascii=False),
                  json.dumps(e.get("explanations", []), ensure_ascii=False), *([] if replaced else [e["id"]]),
                  moved.pop(e["id"], 0)) for e in entities if e["id"] in listed])
            self.db.executemany(
                "UPDATE entities SET name = ?, type = ?, variants = ?, explanations = ?, n_articles = n_articles + ? "
                "WHERE id = ?",
                [(e["name"], e["type"], json.dumps(e.get("variants", {}), ensure_ascii=False),
                  json.dumps(e.get("explanations", []), ensure_ascii=False), moved.pop(e["id"], 0), e["id"])
                 for e in entities if e["id"] not in listed])
            # Entities that gained or lost rows without being given (memberships name them only).
            self.db.executemany("UPDATE entities SET n_articles = n_articles + ? WHERE id = ?",
                                [(n, eid) for eid, n in sorted(moved.items()) if n])
            self.db.executemany('UPDATE mentions SET entity_id = ? WHERE article_id = ? AND start = ? AND "end" = ?',
                                [(eid, a, s, e) for (a, s, e), eid in mention_entity.items()])
            self.db.executemany("UPDATE quotes SET speaker_entity_id = ? WHERE id = ?",
                                [(eid, qid) for qid, eid in quote_speakers.items()])
            self.db.executemany("UPDATE citations SET cited_entity_id = ? WHERE id = ?",
                                [(eid, cid) for cid, eid in citation_entities.items()])
