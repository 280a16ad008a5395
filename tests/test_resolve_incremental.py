"""Incremental entity resolution: a new batch re-examines only the entities its mentions could join."""

from __future__ import annotations

import json
import shutil

import pytest

import storyline
import storyline.resolve
from storyline.api import DEMO_NAME_PATTERN
from storyline.enrich.canonical import EntityResolver
from storyline.stages import enrich_pending, resolve_entities

from .conftest import demo_corpus_copy


def _put(store, article_id, *names):
    """An invented article naming ``names`` ((text, label) pairs), with its mentions."""
    text, mentions = "", []
    for name, label in names:
        text += "Officials met on Monday with "
        mentions.append((article_id, len(text), len(text) + len(name), name, label, name))
        text += name + ". "
    offsets = json.dumps({"runs": [[0, 0, len(text)]], "derived_length": len(text), "source_length": len(text)})
    store.insert_rows("articles", ["id", "content_hash", "title", "raw_text", "text", "offset_map", "ingested_at"],
                      [(article_id, article_id, article_id, text, text, offsets, "2025-01-01T00:00:00")])
    store.insert_rows("mentions", ["article_id", "start", "end", "text", "label", "normal"], mentions)


def test_a_new_batch_touches_only_the_entities_its_names_could_be(tmp_path):
    store = storyline.open_store(tmp_path / "s.db")
    _put(store, "a1", ("Marta Velin", "PERSON"), ("Kastel Bank", "ORG"), ("Orin Pask", "PERSON"),
         ("Lumbria", "LOC"))
    _put(store, "a2", ("Tomas Velin", "PERSON"), ("Korvid Board", "ORG"), ("Dastra", "LOC"))
    _put(store, "a3", ("KB", "ORG"), ("Ilse Morrow", "PERSON"), ("Velmora", "LOC"))
    resolve_entities(store)
    name_of = {e["id"]: e["name"] for e in store.entities()}
    _put(store, "b1", ("Kastel Bank", "ORG"), ("Pask", "PERSON"), ("Lumbria", "LOC"))
    result = storyline.resolve.resolve_incremental(store, ["b1"])
    # The bank, the acronym that could stand for it, the man with that surname, the place;
    # not "Korvid Board" (the same initials, but two long names are never joined by them),
    # nor the Velins, Dastra, Ilse Morrow or Velmora.
    assert sorted(name_of[e] for e in result["touched_ids"]) == ["KB", "Kastel Bank", "Lumbria", "Orin Pask"]
    assert set(result["changed_ids"]) == {e for e in result["touched_ids"] if name_of[e] != "KB"}
    assert result["new"] == 0 and result["articles_examined"] == 3  # b1, a1 and a3
    store.close()


def _put_text(store, article_id, text, *names):
    """An invented article with its own ``text``; ``names`` are (text, label) pairs found in it."""
    offsets = json.dumps({"runs": [[0, 0, len(text)]], "derived_length": len(text), "source_length": len(text)})
    store.insert_rows("articles", ["id", "content_hash", "title", "raw_text", "text", "offset_map", "ingested_at"],
                      [(article_id, article_id, article_id, text, text, offsets, "2025-01-01T00:00:00")])
    mentions, at = [], 0
    for name, label in names:
        start = text.index(name, at)
        mentions.append((article_id, start, start + len(name), name, label, name))
        at = start + len(name)
    store.insert_rows("mentions", ["article_id", "start", "end", "text", "label", "normal"], mentions)


def test_a_surname_alone_looks_at_the_most_mentioned_namesakes_only(tmp_path):
    store = storyline.open_store(tmp_path / "s.db")
    # Four people called Velin, mentioned in 4, 3, 2 and 1 articles.
    for n, given in enumerate(["Marta", "Tomas", "Ilse", "Orin"]):
        for i in range(4 - n):
            _put(store, f"a{n}{i}", (f"{given} Velin", "PERSON"), ("Kastel Bank", "ORG"))
    resolve_entities(store)
    name_of = {e["id"]: e["name"] for e in store.entities()}
    _put(store, "b1", ("Velin", "PERSON"))
    _put(store, "b2", ("Orin Velin", "PERSON"))
    capped = storyline.resolve.resolve_incremental(store, ["b1", "b2"], per_surname=2)
    # "Velin" alone: the two most mentioned; "Orin Velin": his own entity (a compatible given name),
    # none of the other three (their given names rule them out).
    assert sorted(name_of[e] for e in capped["touched_ids"]) == ["Marta Velin", "Orin Velin", "Tomas Velin"]
    assert {name_of.get(m.entity_id) for m in store.mentions(["b2"])} == {"Orin Velin"}
    store.close()


def test_stored_entities_are_compared_through_their_profiles_not_their_texts(tmp_path, monkeypatch):
    store = storyline.open_store(tmp_path / "s.db")
    _put_text(store, "a1", "The minister Orin Pask spoke to Lumbria Radio.",
              ("Orin Pask", "PERSON"), ("Lumbria Radio", "ORG"))
    _put_text(store, "a2", "Dalia Pask opened a bakery near Dastra.", ("Dalia Pask", "PERSON"), ("Dastra", "LOC"))
    resolve_entities(store)
    pask = next(e["id"] for e in store.entities() if e["name"] == "Orin Pask")
    assert store.entity_profiles([pask])[pask]["roles"] == {"minister": 1}
    read = []
    real = store.article_texts
    monkeypatch.setattr(store, "article_texts", lambda ids: read.append(sorted(ids)) or real(ids))
    _put_text(store, "b1", "On Monday the minister Pask would travel.", ("Pask", "PERSON"))
    storyline.resolve.resolve_incremental(store, ["b1"])
    # Two people called Pask; the role word stored with one of them decides, and no stored
    # article was read again.
    assert [m.entity_id for m in store.mentions(["b1"])] == [pask]
    assert read == [["b1"]]
    assert store.entity_profiles([pask])[pask]["roles"] == {"minister": 2}
    store.close()


class _CountingConnection:
    """The store's connection, counting the rows and the characters of text it hands to Python."""

    def __init__(self, db):
        self.db, self.rows, self.chars = db, 0, 0

    def __getattr__(self, name):
        return getattr(self.db, name)

    def _count(self, rows):
        for row in rows:
            self.rows += 1
            self.chars += sum(len(v) for v in row if isinstance(v, str))
            yield row

    def execute(self, sql, args=()):
        cursor = self.db.execute(sql, args)
        counted = self._count(cursor)
        return type("Counted", (), {"__iter__": lambda _: counted, "fetchall": lambda _: list(counted),
                                    "fetchone": lambda _: next(counted, None), "rowcount": cursor.rowcount})()


def _batch_reads(tmp_path, stored_articles):
    """Rows and characters an incremental batch naming a place and a surname reads from a
    store where both are in every one of ``stored_articles`` articles (hub entities whose
    article lists grow with the store), beside one other person per article."""
    store = storyline.open_store(tmp_path / f"s{stored_articles}.db")
    givens = ["Marta", "Tomas", "Ilse", "Dalia", "Kiro"]
    for i in range(stored_articles):
        _put(store, f"a{i:04d}", ("Orin Pask", "PERSON"), ("Lumbria", "LOC"),
             (f"{givens[i % 5]} Dastrel{'ab'[i // 5 % 2]}{'cdefghijk'[i // 10 % 9]}{'lmnoprstuv'[i // 90 % 10]}", "PERSON"))
    resolve_entities(store)
    _put(store, "b0001", ("Lumbria", "LOC"), ("Pask", "PERSON"))
    counting = _CountingConnection(store.db)
    store.db = counting
    result = storyline.resolve.resolve_incremental(store, ["b0001"])
    store.db = counting.db
    lumbria = next(e for e in store.entities() if e["name"] == "Lumbria")
    # The hub's stored list gained the new article, still sorted.
    assert lumbria["article_ids"] == sorted([f"a{i:04d}" for i in range(stored_articles)] + ["b0001"])
    assert result["changed"] == 2 and result["new"] == 0
    store.close()
    return counting.rows, counting.chars


def test_a_batch_reads_the_same_from_a_store_ten_times_bigger(tmp_path):
    # Before the article lists stayed in the database, the batch read both hubs' whole lists:
    # 4,627 characters at 200 articles against 1,383 at 20.
    (small_rows, small_chars), (big_rows, big_chars) = _batch_reads(tmp_path, 20), _batch_reads(tmp_path, 200)
    assert big_rows == small_rows
    # The same rows; only the counts written in the two hubs' spellings and explanations
    # ({"Lumbria": 200}, "(x199)") are a digit longer (4 characters today; a bound, not the
    # wording: reading the lists again would add thousands).
    assert big_chars - small_chars < 100


def _entity_pages_written(tmp_path, stored_articles):
    """Pages of the ``entities`` table a batch naming two hub entities (each in all of
    ``stored_articles`` articles) writes: the page numbers of the WAL's frames (checkpoints
    off), each table's pages found in SQLite's dbstat table."""
    path = tmp_path / f"w{stored_articles}.db"
    store = storyline.open_store(path)
    if not store.db.execute("SELECT count(*) FROM pragma_module_list WHERE name = 'dbstat'").fetchone()[0]:
        pytest.skip("this SQLite has no dbstat table")
    for i in range(stored_articles):
        _put(store, f"a{i:04d}", ("Orin Pask", "PERSON"), ("Lumbria", "LOC"))
    resolve_entities(store)
    _put(store, "b0001", ("Lumbria", "LOC"), ("Pask", "PERSON"))
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.db.execute("PRAGMA wal_autocheckpoint = 0")
    assert storyline.resolve.resolve_incremental(store, ["b0001"])["changed"] == 2
    wal = (tmp_path / f"w{stored_articles}.db-wal").read_bytes()
    size = int.from_bytes(wal[8:12], "big")
    written = {int.from_bytes(wal[at:at + 4], "big") for at in range(32, len(wal), size + 24)}
    entity_pages = {r[0] for r in store.db.execute("SELECT pageno FROM dbstat WHERE name = 'entities'")}
    store.close()
    return len(written & entity_pages)


def test_a_batch_naming_a_hub_entity_does_not_rewrite_its_article_list(tmp_path):
    # The hubs' lists are rows of the article index (schema 13): the batch writes the same
    # entity pages at 20 and 600 articles. Before, each hub's row held its list as JSON,
    # rewritten at every batch: at 600 articles it spilled onto overflow pages (3 entity pages
    # written against 1).
    assert _entity_pages_written(tmp_path, 600) == _entity_pages_written(tmp_path, 20) == 1


def test_a_re_enriched_article_leaves_the_entities_it_no_longer_names_and_stays_in_the_others(tmp_path):
    store = storyline.open_store(tmp_path / "s.db")
    for i in range(6):
        _put(store, f"a{i:04d}", ("Lumbria", "LOC"), *([("Kestrel Bank", "ORG")] if i == 3 else []))
    resolve_entities(store)
    lumbria, kestrel = (next(e["id"] for e in store.entities() if e["name"] == n) for n in ("Lumbria", "Kestrel Bank"))
    # Enriched again, a0003 names Lumbria only (same text, same span).
    store.replace_annotations("a0003", mentions=[m for m in store.mentions(["a0003"]) if m.text == "Lumbria"])
    result = storyline.resolve.resolve_incremental(store, ["a0003"])
    assert result["changed"] == 2 and result["entities"] == 1
    assert store.entity_sizes([lumbria, kestrel]) == {lumbria: ("Lumbria", "LOC", 6)}
    assert store.entity_article_page(lumbria, "a0002", 2) == ["a0003", "a0004"]  # the index row stayed
    assert [m.entity_id for m in store.mentions(["a0003"])] == [lumbria]
    store.close()


def test_a_store_resolved_before_profiles_is_resolved_in_full_once(tmp_path):
    store = storyline.open_store(tmp_path / "s.db")
    _put(store, "a1", ("Marta Velin", "PERSON"), ("Lumbria", "LOC"))
    resolve_entities(store)
    with store.transaction():
        store.db.execute("DELETE FROM kv WHERE key = ?", (storyline.resolve.PROFILES_VERSION_KV,))
    _put(store, "b1", ("Marta Velin", "PERSON"))
    assert storyline.resolve.resolve_incremental(store, ["b1"]) is None  # no profiles: a full run is needed
    resolve_entities(store, new_ids=["b1"])  # which files them
    _put(store, "b2", ("Lumbria", "LOC"))
    assert storyline.resolve.resolve_incremental(store, ["b2"])["mode"] == "incremental"
    assert len({m.entity_id for m in store.mentions(["a1", "b1"]) if m.text == "Marta Velin"}) == 1
    store.close()


LATER = "2025-03-11_lomir-courier_nea-wind-fishermen.md"


def _grouping(store):
    groups = {}
    for m in store.mentions():
        groups.setdefault(m.entity_id, set()).add((m.article_id, m.start, m.end))
    return {eid: frozenset(g) for eid, g in groups.items() if eid}


@pytest.mark.models
def test_a_new_batch_touches_only_the_entities_it_mentions(tmp_path, monkeypatch):
    corpus = demo_corpus_copy(tmp_path)
    (tmp_path / "later").mkdir()
    shutil.move(corpus / LATER, tmp_path / "later" / LATER)
    settings = storyline.load_settings(env={}).replace(reports=False)
    store = storyline.open_store(tmp_path / "s.db")
    storyline.ingest(store, [corpus], settings=settings, name_pattern=DEMO_NAME_PATTERN)
    storyline.run_pipeline(store, settings)
    before = {e["id"]: e for e in store.entities()}

    storyline.ingest(store, [tmp_path / "later"], settings=settings, name_pattern=DEMO_NAME_PATTERN)
    new_id = store.pending("enrich", "enrich-v1")[0]
    calls = []
    real = storyline.resolve.resolve_incremental
    monkeypatch.setattr(storyline.resolve, "resolve_incremental",
                        lambda s, ids, **kw: calls.append(real(s, ids, **kw)) or calls[-1])
    enrich_pending(store, settings)
    result = calls[0]
    assert result is not None and result["mode"] == "incremental"
    touched = set(result["touched_ids"])
    assert touched and len(touched) < len(before)

    # Every touched entity shares a blocking key with a mention of the new article.
    resolver = EntityResolver()
    batch_keys = {k for m in store.mentions([new_id]) for t in {m.text, m.normal} - {""}
                  for k in resolver.probe_keys(t, m.label)}
    for eid in touched:
        names = {before[eid]["name"], *before[eid]["variants"]}
        assert batch_keys & {k for n in names for k in resolver.blocking_keys(n, before[eid]["type"])}, eid
    # Only touched entities change (they gain the new mentions); the rest keep their rows exactly.
    after = {e["id"]: e for e in store.entities()}
    changed = set(result["changed_ids"])
    assert changed - set(before) == set(after) - set(before)  # new entities
    assert changed & set(before) <= touched
    for eid in set(before) - changed:
        assert after[eid] == before[eid]
    assert result["articles_examined"] < store.count_articles()

    # And the outcome is the full resolution's.
    incremental = _grouping(store)
    speakers = {(q.article_id, q.start): q.speaker_entity_id for q in store.quotes()}
    resolve_entities(store)
    assert _grouping(store) == incremental
    assert {(q.article_id, q.start): q.speaker_entity_id for q in store.quotes()} == speakers
    store.close()


@pytest.mark.models
def test_analyst_merges_replay_in_incremental_runs(tmp_path, monkeypatch):
    corpus = demo_corpus_copy(tmp_path)
    (tmp_path / "later").mkdir()
    shutil.move(corpus / LATER, tmp_path / "later" / LATER)
    settings = storyline.load_settings(env={}).replace(reports=False)
    store = storyline.open_store(tmp_path / "s.db")
    storyline.ingest(store, [corpus], settings=settings, name_pattern=DEMO_NAME_PATTERN)
    storyline.run_pipeline(store, settings)
    nea = storyline.api.find_entity(store, "NEA")
    other = next(e for e in store.entities() if e["type"] == "ORG" and e["id"] != nea["id"])
    storyline.api.merge_entities(store, nea["id"], other["id"])
    storyline.ingest(store, [tmp_path / "later"], settings=settings, name_pattern=DEMO_NAME_PATTERN)
    enrich_pending(store, settings)
    ids = {e["id"] for e in store.entities()}
    assert nea["id"] in ids and other["id"] not in ids
    store.close()
