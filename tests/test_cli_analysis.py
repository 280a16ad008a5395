"""The analysis commands on the demo corpus (see storyline/demo/corpus/EXPECTED.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import storyline
from storyline.cli import cli

pytestmark = pytest.mark.models

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def run(store, *args):
    result = CliRunner().invoke(cli, ["--db", store.path, *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_entities_and_entity(demo_store):
    people = json.loads(run(demo_store, "entities", "--type", "person", "--json"))
    assert any(e["name"] == "Arkady Voloshenko" for e in people)
    shown = run(demo_store, "entity", "Voloshchenko")
    assert "Arkady Voloshenko" in shown and "why merged" in shown and "quotes by" in shown


def test_quotes_by_speaker(demo_store):
    out = run(demo_store, "quotes", "--speaker", "Voloshenko", "--json")
    texts = [q["text"] for q in json.loads(out)]
    assert any("We will find out who signed that paper" in t for t in texts)


def test_sources_graph_names_the_outside_newspaper(demo_store):
    edges = json.loads(run(demo_store, "sources", "--json"))
    meridian = [e for e in edges if e["cited"] == "Meridian Post"]
    assert {e["outlet"] for e in meridian} == {"NORDPRESS", "The Dravonia Herald", "Riverside Observer"}
    assert all(e["kind"] == "outlet" for e in meridian)


def test_timeline_has_the_dam_failure_date(demo_store):
    rows = json.loads(run(demo_store, "timeline", "--json"))
    assert "2025-03-04" in {r["value"] for r in rows}


def test_events_and_why(demo_store):
    events = json.loads(run(demo_store, "events", "--json"))
    seltva = next(e for e in events if len(e["article_ids"]) == 6)
    why = run(demo_store, "event", seltva["id"], "--why")
    assert "opened the event" in why and "joined with probability" in why and "log-odds: " in why
    assert "brought here by a merge" not in why


def test_why_after_a_merge_says_where_an_article_was_placed_first(demo_store, tmp_path):
    import sqlite3

    copy = sqlite3.connect(tmp_path / "copy.db")
    demo_store.db.backup(copy)  # the whole store, its write-ahead log too
    copy.close()
    with storyline.open_store(tmp_path / "copy.db") as store:
        storyline.merge_events(store, "ev_000001", "ev_000002")
        why = run(store, "event", "ev_000001", "--why")
    assert "placed in ev_000002 first, then brought here by a merge or a correction" in why


def test_storylines_and_report_markdown(demo_store):
    lines = json.loads(run(demo_store, "storylines", "--json"))
    assert sum(len(s["event_ids"]) for s in lines) == 4
    events = json.loads(run(demo_store, "events", "--json"))
    md = run(demo_store, "report", events[1]["id"], "--format", "md")
    assert "Summary" in md or "summary" in md


def test_entity_decisions_survive_new_batches(tmp_path, settings):
    from .conftest import write

    store = storyline.open_store(tmp_path / "d.db")
    write(tmp_path / "in1", "a.txt", "Port strike\nMayor Ilse Varga said on Tuesday the harbour would reopen, "
          "John Smith told Reuters in London.\n")
    storyline.ingest(store, [tmp_path / "in1"], settings=settings)
    storyline.run_pipeline(store, settings)
    varga = storyline.find_entity(store, "Ilse Varga")["id"]
    smith = storyline.find_entity(store, "John Smith")["id"]
    storyline.merge_entities(store, varga, smith, note="test: same person under a pen name")
    write(tmp_path / "in2", "b.txt", "Harbour reopens\nJohn Smith said on Friday the cranes were moving again, "
          "and Ilse Varga thanked the dock workers in London.\n")
    storyline.ingest(store, [tmp_path / "in2"], settings=settings)
    storyline.run_pipeline(store, settings)
    merged = storyline.find_entity(store, "John Smith")
    assert merged["id"] == varga and {"Ilse Varga", "John Smith"} <= set(merged["variants"])
    assert len(merged["article_ids"]) == 2
    store.close()


@pytest.mark.skipif(not (DATA / "basil" / "docs.jsonl").exists(), reason="needs ../shared/data")
def test_exported_spans_match_on_shared_data(tmp_path, settings):
    sample = tmp_path / "sample.jsonl"
    with open(DATA / "basil" / "docs.jsonl", encoding="utf-8") as src:
        sample.write_text("".join(line for _, line in zip(range(9), src, strict=False)), "utf-8")
    store = storyline.open_store(tmp_path / "s.db")
    storyline.ingest(store, [sample], settings=settings)
    storyline.run_pipeline(store, settings)
    doc = storyline.build_export(store)
    texts = {a["id"]: a["text"] for a in doc["articles"]}
    spans = [r for key in ("mentions", "quotes", "citations", "dates", "claims") for r in doc[key]]
    spans += [s for e in doc["events"] for s in e["summary"]]
    assert len(spans) > 200
    assert [s for s in spans if texts[s["article_id"]][s["start"]:s["end"]] != s["text"]] == []
    store.close()
