"""`storyline eval clustering` runs the product path: its groups are the ones a user's
`storyline ingest` + `storyline export` produce for the same input."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from storyline.cli import cli
from storyline.evaluate import evaluate_clustering, load_gold_records, pair_accuracy, subset_of

FIXTURE = Path(__file__).parent / "fixtures" / "events_small.jsonl"


@pytest.mark.models
def test_eval_events_are_the_export_event_ids(tmp_path, settings, monkeypatch):
    monkeypatch.delenv("STORYLINE_DB", raising=False)
    db = tmp_path / "user.db"
    runner = CliRunner()
    ingest = runner.invoke(cli, ["--db", str(db), "ingest", str(FIXTURE)])
    assert ingest.exit_code == 0, ingest.output
    exported = runner.invoke(cli, ["--db", str(db), "export", "--format", "json", "--no-reports"])
    assert exported.exit_code == 0, exported.output
    doc = json.loads(exported.output)
    product = {a["id"]: a["event_id"] for a in doc["articles"]}
    story_of = {e: s["id"] for s in doc["storylines"] for e in s["event_ids"]}

    run, results = evaluate_clustering(FIXTURE, settings, baselines=())
    assert dict(zip(run.article_ids, run.events, strict=True)) == product
    assert dict(zip(run.article_ids, run.stories, strict=True)) == {a: story_of[e] for a, e in product.items()}
    # The invented fixture: three events (ferry strike, bakery prize, dam failure), all found.
    by_gold = {}
    for gold, event in zip(run.gold_events, run.events, strict=True):
        by_gold.setdefault(gold, set()).add(event)
    assert {g: len(e) for g, e in by_gold.items()} == {"ferry": 1, "bakery": 1, "dam": 1}
    assert results[0].scores.bcubed_f1 == 1.0
    # Grouping reads nothing enrichment writes, so the quality gate may skip enrichment.
    quick, _ = evaluate_clustering(FIXTURE, settings.replace(enrich=False), baselines=())
    assert quick.events == run.events and quick.stories == run.stories


@pytest.mark.models
@pytest.mark.parametrize("kind", ["text", "html"])
def test_eval_as_files_ingests_a_folder_and_maps_the_gold_back(settings, kind):
    run, results = evaluate_clustering(FIXTURE, settings.replace(enrich=False), baselines=(), strip_metadata=True,
                                       shuffle_seed=3, as_files=kind)
    records = load_gold_records(FIXTURE, strip_metadata=True, shuffle_seed=3)
    # fed in the seeded order, one file each, each gold label back on its article
    assert run.external_ids == [g.record["id"].split("|", 1)[0] for g in records]
    assert run.gold_events == [g.event for g in records]
    assert results[0].scores.bcubed_f1 == 1.0


def test_gold_labels_never_reach_the_product():
    records = load_gold_records(FIXTURE)
    assert all("event" not in g.record and "topic" not in g.record for g in records)
    assert [g.event for g in records] == ["ferry", "bakery", "ferry", "dam", "bakery", "dam", "ferry"]
    stripped = load_gold_records(FIXTURE, strip_metadata=True, shuffle_seed=3)
    assert all(set(g.record) == {"id", "text"} for g in stripped)
    assert sorted(g.event for g in stripped) == sorted(g.event for g in records)


def test_train_and_heldout_halves_never_share_an_event():
    events = [f"event-{i}" for i in range(200)]
    train = {e for e in events if subset_of(e, "train")}
    heldout = {e for e in events if subset_of(e, "heldout")}
    assert not train & heldout and train | heldout == set(events)
    assert 70 < len(train) < 130
    with pytest.raises(ValueError, match="subset"):
        subset_of("x", "test")


def test_folds_partition_the_events_and_each_model_trains_on_the_others():
    events = [f"story-{i}" for i in range(200)]
    folds = [{e for e in events if subset_of(e, f"fold-{k}-of-5")} for k in range(1, 6)]
    assert sum(len(f) for f in folds) == 200 and set().union(*folds) == set(events)
    assert all(25 < len(f) < 55 for f in folds)
    others = {e for e in events if subset_of(e, "other-folds-2-of-5")}
    assert others == set(events) - folds[1]
    # not the train / heldout halves under another name
    assert folds[0] != {e for e in folds[0] if subset_of(e, "train")}
    for bad in ("fold-0-of-5", "fold-6-of-5", "fold-2", "other-fold-2-of-5"):
        with pytest.raises(ValueError, match="fold-K-of-N"):
            subset_of("x", bad)


def test_pair_accuracy_counts_same_and_different_pairs(tmp_path):
    class Run:
        external_ids = ["a", "b", "c", "d"]

    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("\n".join(json.dumps(p) for p in [
        {"a": "a", "b": "b", "same": True},    # grouped together: right
        {"a": "a", "b": "c", "same": False},   # apart: right
        {"a": "c", "b": "d", "same": True},    # apart but same: wrong
        {"a": "a", "b": "zz", "same": True},   # unknown article: skipped
    ]))
    scores = pair_accuracy(["e1", "e1", "e2", "e3"], Run(), pairs)
    assert scores["pairs"] == 3
    assert scores["accuracy"] == pytest.approx(2 / 3)
    assert (scores["precision"], scores["recall"]) == (1.0, 0.5)
