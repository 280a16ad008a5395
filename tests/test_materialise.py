"""Stored results: sentence vectors computed once, reports materialised per event and rebuilt
only when their event changes, streaming exports, semantic search."""

from __future__ import annotations

import json

import numpy as np
import pytest

import storyline
from storyline import api
from storyline import semantic as storyline_semantic
from storyline.export import SECTION_TYPES, export_schema, iter_jsonl
from storyline.report import build_event_report, render_html, render_markdown, report_to_dict
from storyline.report.stored import report_from_stored, report_to_stored

from .test_report import orvel_event
from .test_report_fixtures import WordHashEncoder


def test_a_stored_report_rebuilds_exactly():
    event = orvel_event()
    report = build_event_report(event, encoder=WordHashEncoder())
    data = json.loads(json.dumps(report_to_stored(report)))
    again = report_from_stored(data, {a.id: a for a in event.articles})
    assert again == report
    assert render_html([again], title="t") == render_html([report], title="t")
    assert render_markdown([again]) == render_markdown([report])


def test_precomputed_vectors_are_not_encoded_again():
    event = orvel_event()
    first = WordHashEncoder()
    fresh = build_event_report(event, encoder=first)
    vectors = {}
    for text, vec in zip(first.texts, first.encode(first.texts), strict=True):
        for a in event.articles:
            start = a.text.find(text)
            if start >= 0:
                vectors[(a.id, start, start + len(text))] = vec
    second = WordHashEncoder()
    reused = build_event_report(event, encoder=second, vectors=vectors)
    assert reused.stats["stored_vectors"] > 0
    assert len(second.texts) < len(first.texts)
    assert [g.claim_ids for g in reused.claim_groups] == [g.claim_ids for g in fresh.claim_groups]


# -- over the demo store (models) ---------------------------------------------------------------------------


def _views(store):
    return {eid: view for eid, view in store.iter_report_views()}


@pytest.mark.models
def test_the_pipeline_stores_sentence_vectors_and_every_report(demo_store):
    events = demo_store.events()
    assert set(demo_store.report_fingerprints()) == {e["id"] for e in events}
    ids = [a.id for a in demo_store.articles()]
    assert set(demo_store.sentence_vectors(ids)) == set(ids)
    nothing_changed = api.materialise_reports(demo_store)
    assert nothing_changed["materialised"] == 0 and nothing_changed["unchanged"] == len(events)
    assert nothing_changed["checked"] == 0  # no change mark: no event is even fingerprinted


@pytest.mark.models
def test_stored_report_equals_a_fresh_one_and_never_encodes(demo_store, monkeypatch):
    import storyline.nlp

    monkeypatch.setattr(storyline.nlp, "sentence_encoder", lambda: pytest.fail("a stored report encoded text"))
    event = max(demo_store.events(), key=lambda e: len(e["article_ids"]))
    stored, fresh = api.event_report(demo_store, event["id"]), api.compute_event_report(demo_store, event["id"])
    a, b = report_to_dict(stored), report_to_dict(fresh)
    assert fresh.stats["stored_vectors"] == fresh.stats["claims"] + fresh.stats["quotes"]
    a.pop("stats"), b.pop("stats")
    assert a == b
    view = api.event_report_view(demo_store, event["id"])
    view.pop("stats")
    assert view == a


@pytest.mark.models
def test_moving_an_article_rematerialises_only_the_two_events_involved(demo_copy):
    events = sorted(demo_copy.events(), key=lambda e: -len(e["article_ids"]))
    big, small = events[0], events[-1]
    before = _views(demo_copy)
    api.move_article(demo_copy, big["article_ids"][-1], small["id"])
    stats = api.materialise_reports(demo_copy)
    assert sorted(stats["event_ids"]) == sorted([big["id"], small["id"]])
    assert stats["materialised"] == 2 and stats["unchanged"] == len(events) - 2
    after = _views(demo_copy)
    for eid in before.keys() - {big["id"], small["id"]}:
        assert after[eid] == before[eid]
    assert big["article_ids"][-1] in {a["id"] for a in after[small["id"]]["articles"]}


@pytest.mark.models
def test_changing_one_article_rebuilds_only_its_event_report(demo_copy, monkeypatch):
    from storyline import report as report_module

    event = max(demo_copy.events(), key=lambda e: len(e["article_ids"]))
    # an old time on every stored report, so a rebuild within the same second still shows
    demo_copy.db.execute("UPDATE event_reports SET materialised_at = '2000-01-01T00:00:00+00:00'")
    stored_at = dict(demo_copy.db.execute("SELECT event_id, materialised_at FROM event_reports").fetchall())
    built = []
    original = report_module.build_event_report  # materialise imports it from here at each build
    monkeypatch.setattr(report_module, "build_event_report",
                        lambda inp, **kw: built.append(inp.event_id) or original(inp, **kw))
    digested = []  # the articles whose digests the run reads: only the changed event's, not the store's
    digests = demo_copy.article_digests
    monkeypatch.setattr(demo_copy, "article_digests", lambda ids=None: digested.append(ids) or digests(ids))
    demo_copy.update_article(event["article_ids"][0], title="A headline the outlet corrected")
    stats = api.materialise_reports(demo_copy)
    assert built == [event["id"]] and stats["event_ids"] == [event["id"]]
    assert stats["materialised"] == 1 and stats["unchanged"] == len(stored_at) - 1
    assert stats["checked"] == 1 and not stats["full"] and digested == [sorted(event["article_ids"])]
    now = dict(demo_copy.db.execute("SELECT event_id, materialised_at FROM event_reports").fetchall())
    assert {e for e in now if now[e] != stored_at[e]} == {event["id"]}
    assert api.materialise_reports(demo_copy)["materialised"] == 0 and built == [event["id"]]


@pytest.mark.models
def test_renaming_an_entity_rebuilds_only_the_events_naming_it(demo_copy):
    entity = demo_copy.entities()[0]
    naming = demo_copy.events_of_articles(demo_copy.articles_naming_entities([entity["id"]]))
    assert 0 < len(naming) < len(demo_copy.events())
    demo_copy.update_entities([], [entity | {"name": entity["name"] + " Jr"}], {}, {}, {})
    stats = api.materialise_reports(demo_copy)
    assert set(stats["event_ids"]) == naming and stats["checked"] == len(naming)
    everything = api.materialise_reports(demo_copy, full=True)
    assert everything["checked"] == len(demo_copy.events()) and everything["materialised"] == 0


@pytest.mark.models
def test_merging_two_events_rebuilds_one_report_and_drops_the_other(demo_copy):
    a, b = [e["id"] for e in demo_copy.events()[:2]]
    api.merge_events(demo_copy, a, b)
    stats = api.materialise_reports(demo_copy)
    assert stats["event_ids"] == [a] and stats["dropped"] == 1
    assert b not in demo_copy.report_fingerprints()


@pytest.mark.models
def test_a_stale_report_is_rebuilt_on_read(demo_copy):
    event = max(demo_copy.events(), key=lambda e: len(e["article_ids"]))
    demo_copy.db.execute("UPDATE event_reports SET fingerprint = 'old' WHERE event_id = ?", (event["id"],))
    view = api.event_report_view(demo_copy, event["id"])
    assert view["event_id"] == event["id"]
    assert demo_copy.report_fingerprints()[event["id"]] != "old"


@pytest.mark.models
def test_jsonl_streams_valid_records_and_since_keeps_only_what_changed(demo_store):
    import jsonschema

    lines = iter_jsonl(demo_store)
    assert json.loads(next(lines)) == {"schema": "storyline.export/1", "type": "header"}
    records = [json.loads(line) for line in lines]
    doc = storyline.build_export(demo_store)
    jsonschema.validate(doc, export_schema())
    assert len(records) == sum(len(v) for k, v in doc.items() if isinstance(v, list))
    assert doc["claims"] and any(q["group_id"] for q in doc["quotes"])
    assert all(e["summary"] for e in doc["events"])
    kinds = {"article", *SECTION_TYPES.values()}
    assert {r["type"] for r in records} <= kinds  # an entity's PERSON / ORG never takes the line's type
    entities = [r for r in records if r["type"] == "entity"]
    assert len(entities) == len(doc["entities"])
    assert [e["entity_type"] for e in entities] == [e["type"] for e in doc["entities"]]
    later = list(api.export_records(demo_store, since="2999-01-01"))
    assert later == []
    everything = list(api.export_records(demo_store, since="2000-01-01T00:00:00Z"))
    assert len(everything) == len(records)


@pytest.mark.models
def test_parquet_export_has_one_file_per_section(demo_store, tmp_path):
    import pyarrow.parquet as pq

    files = api.export_parquet(demo_store, tmp_path / "pq")
    names = {f.stem for f in files}
    assert {"articles", "mentions", "events", "claims"} <= names
    articles = pq.read_table(tmp_path / "pq" / "articles.parquet")
    assert articles.num_rows == demo_store.count_articles()
    events = pq.read_table(tmp_path / "pq" / "events.parquet").to_pylist()
    assert all(isinstance(json.loads(e["article_ids"]), list) for e in events)


@pytest.mark.models
def test_semantic_search_finds_the_sentence_it_is_given(demo_copy):
    article = demo_copy.articles()[0]
    spans, _ = demo_copy.sentence_vectors([article.id])[article.id]
    s, e = spans[2]
    hits = api.semantic_search(demo_copy, article.text[s:e], 5)
    assert (hits[0].article_id, hits[0].start, hits[0].end) == (article.id, s, e) or hits[0].text == article.text[s:e]
    assert hits[0].score > 0.95 and hits[0].text == article.text[hits[0].start:hits[0].end]
    exact = api.semantic_search(demo_copy, article.text[s:e], 5, exact=True)
    assert exact[0].text == hits[0].text


@pytest.mark.models
def test_semantic_search_leaves_out_fragments_and_refuses_an_empty_query(demo_copy):
    from storyline.semantic import MIN_HIT_WORDS
    from storyline.store.query import QueryError

    for query in ("", "   ", "?!"):
        with pytest.raises(QueryError, match="empty query"):
            api.semantic_search(demo_copy, query)
    # Nonsense drew two-word claim spans ("the tender") to the top; they are left out.
    unfiltered = storyline_semantic.semantic_search(demo_copy, "zzzz qqqq", 10, exact=True, min_words=1)
    assert any(len(h.text.split()) < MIN_HIT_WORDS for h in unfiltered)
    for exact in (False, True):
        hits = api.semantic_search(demo_copy, "zzzz qqqq", 10, exact=exact)
        assert len(hits) == 10 and all(len(h.text.split()) >= MIN_HIT_WORDS for h in hits)


@pytest.mark.models
def test_http_serves_stored_reports_and_semantic_search(demo_copy):
    from fastapi.testclient import TestClient

    from storyline.http import create_app

    client = TestClient(create_app(demo_copy.path))
    event = demo_copy.events()[0]["id"]
    assert client.get(f"/api/events/{event}/report").json() == api.event_report_view(demo_copy, event)
    body = client.get("/api/search", params={"q": "the dam burst", "semantic": "true", "limit": 3}).json()
    assert body["semantic"] is True and len(body["hits"]) == 3 and all(h["text"] for h in body["hits"])


@pytest.mark.models
def test_streamed_json_is_the_export_document(demo_store):
    from storyline.export import iter_json

    assert json.loads("".join(iter_json(demo_store))) == storyline.build_export(demo_store)
    assert json.loads("".join(iter_json(demo_store, since="2999-01-01"))) == storyline.build_export(
        demo_store, since="2999-01-01")


@pytest.mark.models
def test_cli_exports_jsonl_parquet_and_searches_by_meaning(demo_copy, tmp_path):
    from click.testing import CliRunner

    from storyline.cli import cli

    def run(*args):
        result = CliRunner().invoke(cli, ["--db", demo_copy.path, *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    run("export", "--format", "jsonl", "-o", str(tmp_path / "all.jsonl"))
    lines = (tmp_path / "all.jsonl").read_text("utf-8").splitlines()
    assert json.loads(lines[0])["type"] == "header" and len(lines) > 100
    run("export", "--format", "jsonl", "--since", "2999-01-01", "-o", str(tmp_path / "none.jsonl"))
    assert (tmp_path / "none.jsonl").read_text("utf-8").splitlines() == [lines[0]]
    run("export", "--format", "parquet", "-o", str(tmp_path / "pq"))
    assert (tmp_path / "pq" / "claims.parquet").exists()
    hits = json.loads(run("search", "--semantic", "the dam's spillway was blocked", "--limit", "3", "--json"))
    assert len(hits) == 3 and all(h["text"] for h in hits)
    bad = CliRunner().invoke(cli, ["--db", demo_copy.path, "export", "--since", "yesterday"])
    assert bad.exit_code != 0 and "ISO 8601" in bad.output


@pytest.mark.models
def test_sentence_vectors_from_two_workers_equal_one_process(demo_copy, monkeypatch):
    """A large run splits the encoder's texts over forked workers; the vectors are the ones a
    single process writes (stored as float16)."""
    from storyline import materialise

    ids = [a.id for a in demo_copy.articles()]
    before = demo_copy.sentence_vectors(ids)
    monkeypatch.setattr(materialise, "POOL_MIN_ARTICLES", 1)
    monkeypatch.setattr(materialise, "SENTENCE_VERSION", "sentences-test")  # every article pending again
    result = materialise.embed_sentences(demo_copy, storyline.load_settings(env={}).replace(enrich_workers=2))
    assert result["workers"] == 2 and result["articles"] == len(ids)
    after = demo_copy.sentence_vectors(ids)
    for aid in ids:
        assert after[aid][0] == before[aid][0]
        np.testing.assert_allclose(after[aid][1], before[aid][1], atol=2e-3)
