"""One store contract, two backends: every test here runs on SQLite and on PostgreSQL (the
`any_store` fixtures start a throwaway cluster; tests/conftest.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from storyline import ingest, open_store
from storyline.errors import StoreError
from storyline.model import Citation, DateMention, Mention, Quote, Rejection
from storyline.store.pg_schema import PG_MIGRATIONS
from storyline.store.schema import MIGRATIONS

from .conftest import HARBOUR_STORY, write

FERRY = "Ferry strike ends\nThe ferry crews returned to work on Friday after a week of talks.\n"
BUDGET = "Budget passes\nThe council passed the budget; a ferry subsidy was cut by a third.\n"


def test_every_sqlite_migration_has_its_postgres_counterpart():
    assert [(v, name) for v, name, _ in PG_MIGRATIONS] == [(v, name) for v, name, _ in MIGRATIONS]


def test_both_backends_create_the_same_tables_and_columns(postgres_url, tmp_path):
    with open_store(tmp_path / "x.db") as lite, open_store(postgres_url) as pg:
        assert pg.tables() == lite.tables()
        assert "articles" in lite.tables() and "articles_fts" not in lite.tables()


def test_migrations_reach_the_latest_version_once(any_store_url):
    with open_store(any_store_url) as s:
        assert s.schema_version() == MIGRATIONS[-1][0]
        s.set_kv("kept", {"a": 1})
    with open_store(any_store_url) as s:  # reopening applies nothing twice and keeps the data
        assert s.schema_version() == MIGRATIONS[-1][0]
        assert s.get_kv("kept") == {"a": 1}


def test_a_postgres_store_from_a_newer_storyline_is_refused(postgres_url):
    with open_store(postgres_url) as s:
        s.db.execute("INSERT INTO storyline_schema(version) VALUES (999)")
    with pytest.raises(StoreError, match="newer than this storyline"):
        open_store(postgres_url)


def test_a_bad_postgres_password_is_never_printed(postgres_cluster):
    url = f"postgresql://nobody:s3cret-pw@127.0.0.1:{postgres_cluster.port}/missing"
    with pytest.raises(StoreError, match="cannot connect") as failed:
        open_store(url)
    assert "s3cret-pw" not in str(failed.value) and "***" in str(failed.value)


def test_a_failed_transaction_rolls_back_the_nested_ones_too(any_store):
    with pytest.raises(RuntimeError), any_store.transaction():
        any_store.set_kv("outer", 1)
        with any_store.transaction():
            any_store.set_kv("inner", 2)
        raise RuntimeError("stop")
    assert any_store.get_kv("outer") is None and any_store.get_kv("inner") is None


def test_a_savepoint_undoes_only_its_own_part(any_store):
    with any_store.transaction():
        any_store.set_kv("before", 1)
        with pytest.raises(ValueError), any_store.savepoint():
            any_store.set_kv("inside", 2)
            raise ValueError("one bad item")
        any_store.set_kv("after", 3)
    assert [any_store.get_kv(k) for k in ("before", "inside", "after")] == [1, None, 3]


def test_reingesting_the_same_files_adds_nothing(any_store, settings, tmp_path):
    write(tmp_path, "ferry.txt", FERRY)
    write(tmp_path, "budget.txt", BUDGET)
    first = ingest(any_store, [tmp_path], settings=settings)
    again = ingest(any_store, [tmp_path], settings=settings)
    assert (len(first.added), len(again.added), again.duplicates) == (2, 0, 2)
    assert any_store.count_articles() == 2
    assert [r["command"] for r in any_store.runs()] == ["ingest", "ingest"]


def test_rejections_are_recorded_and_a_successful_retry_clears_them(any_store, settings, tmp_path):
    path = write(tmp_path, "late.txt", b"")
    ingest(any_store, [tmp_path], settings=settings)
    [rejection] = any_store.rejections()
    assert (rejection["origin"], rejection["stage"]) == (str(path), "read")
    assert rejection["reason"].startswith("empty file")
    any_store.add_rejection(Rejection("feed.jsonl", "line 3", "clean", "no text"))
    any_store.add_rejection(Rejection("feed.jsonl", "line 3", "clean", "still no text"))  # one row per item
    assert [r["reason"] for r in any_store.rejections() if r["origin"] == "feed.jsonl"] == ["still no text"]
    path.write_text(HARBOUR_STORY)
    ingest(any_store, [tmp_path], settings=settings)
    assert [r["origin"] for r in any_store.rejections()] == ["feed.jsonl"]


def test_annotations_are_replaced_not_doubled(any_store, settings, tmp_path):
    write(tmp_path, "harbour.txt", HARBOUR_STORY)
    [aid] = ingest(any_store, [tmp_path], settings=settings).added
    annotations = dict(
        mentions=[Mention(aid, 10, 19, "Mira Tansk", "PERSON", "Mira Tansk")],
        quotes=[Quote(aid, 40, 80, "We will stay out", "Mira Tansk", 10, 19, "said")],
        citations=[Citation(aid, 90, 99, "the union", "the union", "official")],
        dates=[DateMention(aid, 50, 56, "Monday", "2026-03-02", "day", True)],
    )
    for _ in range(2):
        any_store.replace_annotations(aid, **annotations)
    assert any_store.mentions([aid]) == annotations["mentions"]
    assert any_store.quotes([aid]) == annotations["quotes"]
    assert any_store.citations() == annotations["citations"]
    assert any_store.dates([aid]) == annotations["dates"]
    any_store.replace_entities([{"id": "en_1", "name": "Mira Tansk", "type": "PERSON", "variants": {"Mira Tansk": 1},
                                 "article_ids": [aid]}], {(aid, 10, 19): "en_1"})
    assert any_store.mentions()[0].entity_id == "en_1"
    assert any_store.entities_in_articles([aid, "other"]) == {"en_1"}
    # What incremental resolution reads and writes: keys, sizes, profiles, the article index row by row.
    any_store.put_entity_keys({"en_1": ["w:tansk", "k:mira tansk"]})
    assert any_store.entities_by_key(["w:tansk", "w:other"]) == {"w:tansk": {"en_1"}}
    assert any_store.entity_sizes(["en_1", "en_9"]) == {"en_1": ("Mira Tansk", "PERSON", 1)}
    any_store.update_entities([], [{"id": "en_1", "name": "Mira Tansk", "type": "PERSON", "variants": {},
                                    "article_ids": [aid, "b2"]}], {}, {}, {},
                              memberships=([("b2", "en_1")], [(aid, "en_1")]), profiles={"en_1": {"roles": {"mayor": 2}}})
    assert any_store.entities_in_articles([aid]) == set() and any_store.entities_in_articles(["b2"]) == {"en_1"}
    assert any_store.entity_profiles(["en_1", "en_9"]) == {"en_1": {"roles": {"mayor": 2}}}
    any_store.update_entities(["en_1"], [], {}, {}, {})
    assert any_store.entities_in_articles(["b2"]) == set() and any_store.entity_profiles(["en_1"]) == {}



def test_an_entity_article_list_is_read_and_grown_in_the_database(any_store, settings, tmp_path):
    # What incremental resolution does with a hub's long list: counts it, pages through it in
    # code-point order (as Python sorts: "B7" < "_x" < "a10" < "a2"), looks articles up in it,
    # reads the entity's mentions only, and adds articles without reading it.
    write(tmp_path, "harbour.txt", HARBOUR_STORY)
    [aid] = ingest(any_store, [tmp_path], settings=settings).added
    tansk, union = Mention(aid, 10, 19, "Mira Tansk", "PERSON", "Mira Tansk"), Mention(aid, 30, 39, "Dock Union", "ORG")
    any_store.replace_annotations(aid, mentions=[tansk, union])
    stored = [aid, "B7", "_x", "a10"]
    any_store.replace_entities([{"id": "en_1", "name": "Mira Tansk", "type": "PERSON", "variants": {"Mira Tansk": 4},
                                 "article_ids": sorted(stored)},
                                {"id": "en_2", "name": "Dock Union", "type": "ORG", "article_ids": [aid]}],
                               {(aid, 10, 19): "en_1", (aid, 30, 39): "en_2"})
    row = any_store.entities_by_ids(["en_1"], articles=False)["en_1"]
    assert row["n_articles"] == 4 and "article_ids" not in row and row["variants"] == {"Mira Tansk": 4}
    first_two = any_store.entity_article_page("en_1", "", 2)
    assert first_two == sorted(stored)[:2]
    assert any_store.entity_article_page("en_1", first_two[-1], 10) == sorted(stored)[2:]
    assert any_store.entity_articles_among("en_1", ["a10", "zz", aid]) == sorted(["a10", aid])
    assert [m.text for m in any_store.entity_mentions([(aid, "en_2")])] == ["Dock Union"]
    any_store.update_entities([], [{"id": "en_1", "name": "Mira Tansk", "type": "PERSON",
                                    "variants": {"Mira Tansk": 5}, "added_article_ids": ["a2"]}], {}, {}, {},
                              memberships=([("a2", "en_1")], []))
    grown = any_store.entities_by_ids(["en_1"])["en_1"]
    assert grown["article_ids"] == sorted([*stored, "a2"]) and grown["variants"] == {"Mira Tansk": 5}
    # names and counts without the lists: the same entities in the same order, for readers of names only
    light = any_store.entities(articles=False)
    assert [(e["id"], e["n_articles"]) for e in light] == [(e["id"], len(e["article_ids"])) for e in any_store.entities()]
    assert [(e["id"], e["n_articles"]) for e in light] == [("en_1", 5), ("en_2", 1)] and "article_ids" not in light[0]

def test_events_members_vectors_and_reports_round_trip(any_store, settings, tmp_path):
    write(tmp_path, "ferry.txt", FERRY)
    write(tmp_path, "budget.txt", BUDGET)
    a, b = sorted(ingest(any_store, [tmp_path], settings=settings).added)
    vector = np.array([0.25, -1.5, 3.0], dtype=np.float32)
    any_store.put_embeddings({a: vector}, model="m1")
    any_store.put_embeddings({a: vector * 2}, model="m1")  # replaced, not duplicated
    assert np.array_equal(any_store.embeddings([a])[a], vector * 2)
    event = {"id": "ev_1", "title": "Ferry", "article_ids": [a, b], "first_published": None, "last_published": None,
             "outlets": ["Gull Wire"], "languages": ["en"], "duplicate_groups": []}
    any_store.replace_events([event], [{"id": "st_1", "event_ids": ["ev_1"], "related_event_ids": []}])
    assert any_store.event("ev_1") == event | {"storyline_id": "st_1"}
    assert any_store.event_assignments() == {a: "ev_1", b: "ev_1"}
    assert any_store.event_assignments([b, "other"]) == {b: "ev_1"}  # the batch's articles only
    any_store.put_event_members([(a, "ev_1", 0.75, True, {"why": "first"})])
    any_store.put_event_members([(a, "ev_1", 0.5, False, {"why": "again"})])
    assert any_store.event_member(a)["score"] == 0.5 and any_store.event_member(a)["explanation"] == {"why": "again"}
    any_store.put_sentence_vectors([(a, "m1", [(0, 5), (6, 9)], np.ones((2, 3), dtype=np.float32))])
    spans, mat = any_store.sentence_vectors([a])[a]
    assert spans == [(0, 5), (6, 9)] and mat.shape == (2, 3)
    any_store.put_report("ev_1", "fp1", "v1", {"data": 1}, {"view": "ü"})
    any_store.put_report("ev_1", "fp2", "v1", {"data": 2}, {"view": "ü"})
    assert any_store.stored_report("ev_1") == ("fp2", {"view": "ü"})
    fingerprint, text = any_store.stored_report("ev_1", parse=False)  # as stored, for a server to send on
    assert fingerprint == "fp2" and isinstance(text, str) and json.loads(text) == {"view": "ü"}
    view = {"summary": [{"span": {"text": "ü"}, "outlets": ["Gull Wire"]}], "claims": [{"id": "c1", "n": 0.25}],
            "discrepancies": []}
    any_store.put_report("ev_1", "fp3", "v1", {"data": 3}, view)
    assert any_store.stored_report_part("ev_1", "summary") == view["summary"]
    assert any_store.stored_report_part("ev_9", "summary") is None
    assert list(any_store.iter_report_parts("claims")) == [("ev_1", view["claims"])]
    assert list(any_store.iter_report_parts("discrepancies")) == [("ev_1", [])]
    # claim stances: replaced by key, NULL kept as "no stance", rows of unknown articles skipped,
    # rows of an older version of the same article dropped
    assert any_store.put_claim_stances([(a, "d1", "v0", None), (a, "d2", "v0", '{"frame": "will"}'),
                                        (b, "d3", "v0", None), ("gone", "d1", "v0", None)]) == 3
    assert sorted(any_store.claim_stances([a]))[0] == (a, "d1", "v0", None)
    any_store.put_claim_stances([(a, "d1", "v1", '{"frame": "denied"}')])
    assert sorted(any_store.claim_stances([a, b])) == [(a, "d1", "v1", '{"frame": "denied"}'),
                                                        (b, "d3", "v0", None)]


def test_writes_that_change_a_report_input_leave_change_marks(any_store, settings, tmp_path):
    write(tmp_path, "ferry.txt", FERRY)
    write(tmp_path, "budget.txt", BUDGET)
    a, b = sorted(ingest(any_store, [tmp_path], settings=settings).added)
    assert any_store.take_report_marks() == {"*": {"*"}, "a": {a, b}}  # a new store: everything, and the articles
    any_store.clear_report_marks()
    event = {"id": "ev_1", "title": "Ferry", "article_ids": [a], "first_published": None, "last_published": None,
             "outlets": [], "languages": ["en"], "duplicate_groups": []}
    any_store.put_events([event])
    any_store.replace_annotations(b, mentions=[Mention(b, 0, 6, "Budget", "ORG", "Budget")])
    any_store.update_entities([], [{"id": "en_1", "name": "Ferry", "type": "ORG", "article_ids": [a]}], {}, {}, {})
    assert any_store.take_report_marks() == {"v": {"ev_1"}, "a": {b}, "e": {"en_1"}}
    assert any_store.events_of_articles([a, b]) == {"ev_1"}
    any_store.clear_report_marks()
    # Writes a report makes (quote groups) and rewrites that keep the name mark nothing.
    any_store.set_quote_groups([a, b], {})
    any_store.update_entities([], [{"id": "en_1", "name": "Ferry", "type": "ORG", "article_ids": [a, b]}], {}, {}, {})
    assert any_store.take_report_marks() == {}
    # A write while a run works through its marks is kept for the next run.
    any_store.put_events([event | {"article_ids": [a, b]}])
    assert any_store.take_report_marks() == {"v": {"ev_1"}}
    any_store.update_article(a, title="Ferry strike is over")
    any_store.clear_report_marks()
    assert any_store.take_report_marks() == {"a": {a}}
    assert any_store.events_of_articles([b]) == {"ev_1"}
    any_store.put_events([], removed=["ev_1"])
    assert any_store.events_of_articles([a, b]) == set()
    assert "report_marks" not in any_store.tables() and "event_articles" not in any_store.tables()


def test_decisions_form_an_audit_log(any_store):
    first = any_store.add_decision("entity.merge", {"keep": "en_1", "other": "en_2"}, note="same person")
    second = any_store.add_decision("event.split", {"event": "ev_1"})
    assert second > first
    any_store.retire_decision(first)
    any_store.retire_decision(first)  # undoing twice changes nothing
    assert [d["kind"] for d in any_store.decisions()] == ["undone.entity.merge", "event.split"]
    assert [d["payload"] for d in any_store.decisions("event.")] == [{"event": "ev_1"}]


def test_search_ranks_title_matches_first_with_a_snippet(any_store, settings, tmp_path):
    write(tmp_path, "a.txt", FERRY)
    write(tmp_path, "b.txt", BUDGET)
    ingest(any_store, [tmp_path], settings=settings)
    hits = any_store.search("ferry")
    assert [h.title for h in hits] == ["Ferry strike ends", "Budget passes"]
    assert "[ferry]" in hits[1].snippet
    assert any_store.search('U.S. "unclosed') == []  # not valid query syntax: no error, no hit
    assert any_store.count_matches("ferry") == 2 and any_store.count_matches('U.S. "unclosed') == 0
    # Bounded: counting stops at the bound (the search page shows at most its 200 best).
    assert [any_store.count_matches("ferry", at_most=n) for n in (1, 2, 5)] == [1, 2, 2]
    assert [h.title for h in any_store.search("ferry", 1, offset=1)] == ["Budget passes"]
    # A rank window of one: only the most recently stored match is ranked.
    assert [h.title for h in any_store.search("ferry", window=1)] == ["Budget passes"]
    assert [h.title for h in any_store.search("ferry", window=2)] == ["Ferry strike ends", "Budget passes"]


# Invented articles for the query language: the same answers on both stores.
QUERY_ARTICLES = {
    "q1.txt": "Tarnwick dam holds\nEngineers said the Tarnwick dam held after the storm; the Orrin Herald reported "
              "that two workers were killed in a landslide nearby.\n",
    "q2.txt": "Orrin Herald on the dam\nThe Orrin Herald wrote that the dam gates were treated against rust "
              "last spring.\n",
    "q3.txt": "Treaty on the river\nThe two towns signed a treaty on sharing the river water below the dam.\n",
    "q4.txt": "Ferry service resumes\nThe ferry to Kesmark island runs again; nobody was hurt in the storm.\n",
    "q5.txt": "Пограничники усилили охрану\nСлужба сообщила о границе с соседней областью: пограничники "
              "проверяют все паромы у переправы в Тарнвике.\n",
    "q6.txt": "Neue Kräne für Tarnwick\nDie Stadt Tarnwick kauft neue Kräne für ihre beiden Häfen, teilte die "
              "Verwaltung am Montag mit. Die Arbeiten sollen im Herbst beginnen.\n",
}


def _titles(store, query):
    return sorted(h.title for h in store.search(query, 50))


def test_one_query_language_with_one_meaning(any_store, settings, tmp_path):
    for name, text in QUERY_ARTICLES.items():
        write(tmp_path, name, text)
    ingest(any_store, [tmp_path], settings=settings.replace(enrich=False, cluster=False))
    s = any_store
    dam = ["Orrin Herald on the dam", "Tarnwick dam holds", "Treaty on the river"]
    assert _titles(s, "dam") == dam
    assert _titles(s, "dam AND Herald") == _titles(s, "dam Herald") == dam[:2]
    assert _titles(s, "dam NOT Herald") == ["Treaty on the river"]  # NOT excludes, every form of the word
    assert _titles(s, "dam NOT (Herald OR treaty)") == []
    assert _titles(s, "treaty OR ferry") == ["Ferry service resumes", "Treaty on the river"]
    assert _titles(s, "(dam OR ferry) NOT storm") == ["Orrin Herald on the dam", "Treaty on the river"]
    assert _titles(s, '"dam gates"') == ["Orrin Herald on the dam"]
    assert _titles(s, '"gates dam"') == []
    assert _titles(s, "treat*") == ["Orrin Herald on the dam", "Treaty on the river"]  # treated, treaty
    # Other forms of a word: English by stem, Russian by the stem's prefix.
    assert _titles(s, "kill") == _titles(s, "killing") == _titles(s, "killed") == ["Tarnwick dam holds"]
    assert _titles(s, "граница") == _titles(s, "границы") == ["Пограничники усилили охрану"]
    assert _titles(s, "паромов") == ["Пограничники усилили охрану"]
    # Other languages are indexed as written on both stores (PostgreSQL stemmed German: "Häfen" was "haf").
    assert _titles(s, "Häfen") == _titles(s, "Tarnwick Kräne") == ["Neue Kräne für Tarnwick"]
    # Lower-case operators are words; words too common to index are left out, as PostgreSQL does.
    assert _titles(s, "the ferry") == ["Ferry service resumes"]
    assert _titles(s, "ferry NOT the") == ["Ferry service resumes"]
    assert s.count_matches("dam NOT Herald") == 1 and s.count_matches("dam") == 3
    hit = s.search("Herald NOT treated")[0]
    assert hit.title == "Tarnwick dam holds" and "[Herald]" in hit.snippet
    # The longest query allowed (a pasted paragraph) is answered by both.
    from storyline.store.query import MAX_TERMS

    assert _titles(s, " OR ".join(["dam"] + [f"zq{i}" for i in range(MAX_TERMS - 1)])) == dam


@pytest.mark.parametrize("query", ["", "   ", "NOT ferry", "ferry AND", "OR ferry", "(ferry", "ferry)", "the",
                                   "the NOT ferry", "***"])
def test_a_query_no_store_can_answer_is_refused_with_the_syntax(any_store, query):
    from storyline.store.query import QueryError

    with pytest.raises(QueryError, match="AND, OR, NOT"):
        any_store.search(query)
    with pytest.raises(QueryError):
        any_store.count_matches(query)


def test_the_search_index_of_a_store_from_before_stemming_is_rebuilt(tmp_path, settings):
    import sqlite3

    path = tmp_path / "old.db"
    with open_store(path) as s:
        write(tmp_path / "in", "a.txt", QUERY_ARTICLES["q1.txt"])
        ingest(s, [tmp_path / "in"], settings=settings.replace(enrich=False, cluster=False))
    db = sqlite3.connect(path)  # back to version 13's index: no stemming
    db.executescript("DROP TABLE articles_fts; CREATE VIRTUAL TABLE articles_fts USING fts5(title, text, "
                     "content='articles', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2'); "
                     "INSERT INTO articles_fts(articles_fts) VALUES ('rebuild'); PRAGMA user_version = 13;")
    assert db.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'kill'").fetchone()[0] == 0
    db.close()
    with open_store(path) as s:
        assert s.schema_version() == 14
        assert [h.title for h in s.search("kill")] == ["Tarnwick dam holds"]


def test_postgres_vectors_of_other_languages_are_rebuilt_unstemmed(postgres_url, settings, tmp_path):
    write(tmp_path, "de.txt", QUERY_ARTICLES["q6.txt"])
    with open_store(postgres_url) as s:
        ingest(s, [tmp_path], settings=settings.replace(enrich=False, cluster=False))
        # Back to version 13: German articles stemmed by the german configuration.
        s.db.script("""
            CREATE OR REPLACE FUNCTION storyline_text_config(lang TEXT) RETURNS regconfig LANGUAGE sql IMMUTABLE AS $$
                SELECT CASE lang WHEN 'en' THEN 'english'::regconfig WHEN 'ru' THEN 'russian'::regconfig
                                 WHEN 'de' THEN 'german'::regconfig ELSE 'simple'::regconfig END $$;
            UPDATE article_search s SET vector = storyline_search_vector(a.language, a.title, a.text)
                FROM articles a WHERE a.rowid = s.rowid;
            DELETE FROM storyline_schema WHERE version = 14;""")
        assert s.schema_version() == 13 and s.search("Häfen") == []
    with open_store(postgres_url) as s:
        assert s.schema_version() == 14
        assert [h.title for h in s.search("Häfen")] == ["Neue Kräne für Tarnwick"]


def test_postgres_search_stems_english_and_russian(postgres_url, settings, tmp_path):
    write(tmp_path, "en.txt", "Ministers meet\nThe ministers were meeting the striking dockers all week long.\n")
    write(tmp_path, "ru.txt", "Министры встретились\nМинистры встретились с бастующими докерами в порту Элван "
                              "и обсуждали новые контракты для всех рабочих.\n")
    with open_store(postgres_url) as s:
        ingest(s, [tmp_path], settings=settings)
        assert {a.language for a in s.articles()} == {"en", "ru"}
        assert [h.title for h in s.search("minister")] == ["Ministers meet"]  # english stemming
        assert [h.title for h in s.search("докер")] == ["Министры встретились"]  # russian stemming
        assert [h.title for h in s.search("контрактами")] == ["Министры встретились"]


def _ingest_command(url: str, folder: os.PathLike) -> list[str]:
    return [sys.executable, "-m", "storyline.cli", "--db", str(url), "-q", "ingest", str(folder), "--no-enrich"]


def test_two_ingests_at_once_lose_and_duplicate_nothing(any_store_url, tmp_path):
    shared, own_a, own_b = tmp_path / "shared", tmp_path / "a", tmp_path / "b"
    for i in range(40):
        write(shared, f"s{i:03}.txt", f"Harbour notice {i}\nThe harbour board published notice {i} about berth {i * 3}.\n")
    for folder, tag in ((own_a, "a"), (own_b, "b")):
        for i in range(15):
            write(folder, f"{tag}{i:03}.txt", f"Quay {tag} log {i}\nQuay {tag} logged ship {i} at dawn, the master said.\n")
    open_store(any_store_url).close()  # migrated before the race: the race is about articles
    env = dict(os.environ, STORYLINE_BATCH_SIZE="5")
    procs = [subprocess.Popen(_ingest_command(any_store_url, shared) + [str(own)], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE) for own in (own_a, own_b)]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    with open_store(any_store_url) as s:
        articles = s.articles()
        assert len(articles) == 40 + 15 + 15
        assert len({a.content_hash for a in articles}) == len({a.title for a in articles}) == 70
        assert s.rejections() == []
        assert len(s.search("harbour")) == 20 and len(s.search("harbour", limit=100)) == 40


def test_no_sql_outside_the_store_package():
    """The store is an interface: the CLI, the API, the web app and the stages reach the
    database only through its methods, so every backend serves them all."""
    import re
    from pathlib import Path

    import storyline

    root = Path(storyline.__file__).parent
    offenders = [f"{p.relative_to(root)}:{n}" for p in sorted(root.rglob("*.py")) if p.parent.name != "store"
                 for n, line in enumerate(p.read_text().splitlines(), 1)
                 if re.search(r"\.db\.execute|import sqlite3|\bpsycopg\b", line)]
    assert offenders == []


def test_postgres_connections_are_reused_but_never_mid_transaction(postgres_url):
    first = open_store(postgres_url)
    conn = first.db
    first.close()
    second = open_store(postgres_url)
    assert second.db is conn  # the web app opens a store per request: no new server process each time
    second.db.execute("BEGIN")
    second.close()  # left inside a transaction: closed, not handed on
    with open_store(postgres_url) as third:
        assert third.db is not conn and third.count_articles() == 0


def test_a_store_from_before_the_article_index_alone_reads_the_same_entities(any_store_url, monkeypatch):
    # Schema 12 kept each entity's article list as JSON in its row beside the article index; a
    # batch's re-enriched article could leave the two apart (here the index lacks a2 for en_1).
    # Version 13 keeps the index only, rebuilt from the lists, which are what readers saw.
    import storyline.store.postgres as postgres
    import storyline.store.sqlite as sqlite

    monkeypatch.setattr(sqlite, "MIGRATIONS", MIGRATIONS[:12])
    monkeypatch.setattr(postgres, "PG_MIGRATIONS", PG_MIGRATIONS[:12])
    with open_store(any_store_url) as old:
        assert old.schema_version() == 12
        with old.transaction():
            old.db.executemany("INSERT INTO entities(id, name, type, variants, article_ids, explanations) "
                               "VALUES (?, ?, ?, ?, ?, ?)",
                               [("en_1", "Mira Tansk", "PERSON", '{"Mira Tansk": 5}', '["B7", "_x", "a10", "a2"]', "[]"),
                                ("en_2", "Dock Union", "ORG", "{}", '["a2"]', '["one name"]')])
            old.db.executemany("INSERT INTO entity_articles(article_id, entity_id) VALUES (?, ?)",
                               [("B7", "en_1"), ("_x", "en_1"), ("a10", "en_1"), ("a2", "en_2"), ("zz", "en_2")])
    monkeypatch.undo()
    with open_store(any_store_url) as s:
        assert s.schema_version() == MIGRATIONS[-1][0]
        expected = [{"id": "en_1", "name": "Mira Tansk", "type": "PERSON", "variants": {"Mira Tansk": 5},
                     "article_ids": ["B7", "_x", "a10", "a2"], "explanations": []},
                    {"id": "en_2", "name": "Dock Union", "type": "ORG", "variants": {},
                     "article_ids": ["a2"], "explanations": ["one name"]}]
        assert s.entities() == expected
        assert list(s.iter_entities()) == expected
        assert s.entities_by_ids(["en_2"]) == {"en_2": expected[1]}
        assert s.entity_sizes(["en_1", "en_2"]) == {"en_1": ("Mira Tansk", "PERSON", 4), "en_2": ("Dock Union", "ORG", 1)}
        assert s.entity_article_page("en_1", "_x", 10) == ["a10", "a2"]
        assert s.entities_in_articles(["a2"]) == {"en_1", "en_2"} and s.entities_in_articles(["zz"]) == set()
        assert "article_ids" not in s.tables()["entities"]


def test_an_entity_count_follows_the_index_rows_really_added_and_removed(any_store):
    any_store.replace_entities([{"id": "en_1", "name": "Lumbria", "type": "LOC", "article_ids": ["a1", "a2", "a1"]}], {})
    assert any_store.entity_sizes(["en_1"])["en_1"][2] == 2
    # a3 new, a2 already there, a9 removed though never there, a1 removed and added back: +1.
    any_store.update_entities([], [{"id": "en_1", "name": "Lumbria", "type": "LOC", "added_article_ids": ["a3"]}],
                              {}, {}, {}, memberships=([("a3", "en_1"), ("a2", "en_1"), ("a1", "en_1")],
                                                       [("a9", "en_1"), ("a1", "en_1")]))
    assert any_store.entities_by_ids(["en_1"], articles=False)["en_1"]["n_articles"] == 3
    assert any_store.entities_by_ids(["en_1"])["en_1"]["article_ids"] == ["a1", "a2", "a3"]
    # An entity given its list (no memberships) has its rows replaced by it.
    any_store.update_entities([], [{"id": "en_1", "name": "Lumbria", "type": "LOC", "article_ids": ["a4"]}], {}, {}, {})
    assert any_store.entities() == [{"id": "en_1", "name": "Lumbria", "type": "LOC", "variants": {},
                                     "article_ids": ["a4"], "explanations": []}]
    assert any_store.entity_sizes(["en_1"])["en_1"][2] == 1
