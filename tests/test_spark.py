"""The Spark path (`storyline spark ingest` + `storyline load`) against the embedded path
(`storyline ingest` + `run_pipeline`) on the invented demo corpus, with Spark's local[2] master."""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess

import numpy as np
import pytest

from storyline import open_store
from storyline.api import DEMO_NAME_PATTERN, demo_corpus_path, run_pipeline
from storyline.cluster.metrics import bcubed
from storyline.pipeline import ingest
from storyline.spark.load import load_results


def _spark_or_skip():
    """Spark needs pyspark and Java: required in CI (.ci/run installs both), skipped elsewhere."""
    required = bool(os.environ.get("CI"))
    missing = None
    if shutil.which("java") is None:
        missing = "Java is not installed: apt-get install openjdk-17-jre-headless"
    try:
        import pyspark  # noqa: F401
    except ImportError:
        missing = 'pyspark is not installed: pip install -e ".[spark]"'
    if missing:
        (pytest.fail if required else pytest.skip)(missing)


@pytest.fixture(scope="module")
def spark():
    _spark_or_skip()
    from storyline.spark.runner import spark_session

    session = spark_session("local[2]")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    out = tmp_path_factory.mktemp("corpus") / "demo"
    shutil.copytree(demo_corpus_path(), out, ignore=shutil.ignore_patterns("*.md.txt", "README.md", "EXPECTED.md"))
    return out


@pytest.fixture(scope="module")
def small_batches(settings_module):
    # Batches of 6: the 15 demo articles make three tasks spread over the two local cores.
    return settings_module.replace(batch_size=6, reports=False)


@pytest.fixture(scope="module")
def settings_module():
    from storyline import load_settings

    return load_settings(env={})


@pytest.fixture(scope="module")
def both_paths(spark, corpus, small_batches, tmp_path_factory):
    from storyline.spark.runner import spark_ingest

    root = tmp_path_factory.mktemp("paths")
    from storyline.materialise import embed_sentences

    embedded = open_store(root / "embedded.db")
    ingest(embedded, [corpus], settings=small_batches, name_pattern=DEMO_NAME_PATTERN)
    run_pipeline(embedded, small_batches)
    embed_sentences(embedded, small_batches)  # the report stage's vectors, without the slow report writing
    # With reports on, the Spark tasks also compute the sentence vectors.
    report = spark_ingest([corpus], root / "out", small_batches.replace(reports=True), spark=spark,
                          name_pattern=DEMO_NAME_PATTERN)
    scaled = open_store(root / "spark.db")
    loaded = load_results(scaled, root / "out")
    run_pipeline(scaled, small_batches)
    yield embedded, scaled, report, loaded, root
    embedded.close()
    scaled.close()


def _rows(items):
    return {tuple(dataclasses.asdict(x).values()) for x in items}


def test_spark_path_writes_one_row_per_article_in_three_tasks(both_paths):
    embedded, _scaled, report, loaded, _root = both_paths
    assert report.batches == 3
    assert report.articles == embedded.count_articles() == 15
    assert report.rejected == 0
    assert len(loaded.added) == 15


def test_same_articles_and_annotations_as_the_embedded_path(both_paths):
    embedded, scaled, *_ = both_paths
    mine = {a.id: (a.text, a.language, a.published, a.source, a.title) for a in scaled.articles()}
    theirs = {a.id: (a.text, a.language, a.published, a.source, a.title) for a in embedded.articles()}
    assert mine == theirs
    assert _rows(scaled.mentions()) == _rows(embedded.mentions())
    assert _rows(scaled.quotes()) == _rows(embedded.quotes())
    assert _rows(scaled.citations()) == _rows(embedded.citations())
    assert _rows(scaled.dates()) == _rows(embedded.dates())
    assert len(scaled.mentions()) > 100 and len(scaled.quotes()) > 10
    assert {e["name"] for e in scaled.entities()} == {e["name"] for e in embedded.entities()}


def test_same_vectors_and_events_within_a_hundredth_of_b_cubed(both_paths):
    embedded, scaled, *_ = both_paths
    ids = [a.id for a in embedded.articles()]
    mine, theirs = scaled.embeddings(ids), embedded.embeddings(ids)
    assert set(mine) == set(theirs) == set(ids)
    assert max(float(np.abs(mine[i] - theirs[i]).max()) for i in ids) < 1e-5
    mine_events, their_events = scaled.event_assignments(), embedded.event_assignments()
    assert set(mine_events) == set(ids)
    _p, _r, f1 = bcubed({i: mine_events[i] for i in ids}, {i: their_events[i] for i in ids})
    assert f1 >= 0.99
    assert len(scaled.events()) >= 4


@pytest.fixture(scope="module")
def batch_grouped(spark, both_paths, small_batches, tmp_path_factory):
    """The Spark output grouped by `storyline spark group` in one and in two partitions, each
    applied to a new store by `storyline load`'s steps."""
    from storyline.spark.grouping import spark_group
    from storyline.spark.groups import apply_groups

    *_, root = both_paths
    runs = {}
    for partitions in (1, 2):
        out = tmp_path_factory.mktemp(f"batch{partitions}") / "out"
        shutil.copytree(root / "out", out)
        report = spark_group(out, small_batches, spark=spark, partitions=partitions)
        store = open_store(out.parent / "batch.db")
        load_results(store, out)
        applied = apply_groups(store, out, small_batches)
        run_pipeline(store, small_batches)
        runs[partitions] = (report, applied, store, out)
    yield runs
    for _report, _applied, store, _out in runs.values():
        store.close()


def test_batch_grouping_on_spark_gives_the_embedded_paths_events(both_paths, batch_grouped):
    embedded = both_paths[0]
    theirs = embedded.event_assignments()
    stories = sorted(sorted(s["event_ids"]) for s in embedded.storylines())
    for partitions, (report, applied, store, _out) in batch_grouped.items():
        assert (report.partitions, report.articles, report.undated) == (partitions, 15, 0)
        assert applied["applied"] == 15
        mine = store.event_assignments()
        assert set(mine) == set(theirs)
        assert bcubed(mine, theirs)[2] >= 0.99
    assert batch_grouped[2][0].partition_sizes[0] not in (0, 15)  # two partitions really held articles
    # One partition is the online clusterer's run: the same events, ids and stories.
    assert batch_grouped[1][2].event_assignments() == theirs
    assert sorted(sorted(s["event_ids"]) for s in batch_grouped[1][2].storylines()) == stories


def test_groups_of_articles_the_store_has_grouped_change_nothing(both_paths, batch_grouped, small_batches):
    from storyline.spark.groups import apply_groups

    embedded, *_ = both_paths
    before = embedded.event_assignments()
    applied = apply_groups(embedded, batch_grouped[2][3], small_batches)
    assert applied["applied"] == 0
    assert embedded.event_assignments() == before


def test_spark_group_refuses_a_folder_it_already_grouped(spark, batch_grouped, small_batches):
    from storyline.errors import ConfigError
    from storyline.spark.grouping import spark_group

    with pytest.raises(ConfigError, match="already grouped"):
        spark_group(batch_grouped[1][3], small_batches, spark=spark)


def test_same_sentence_vectors_as_the_report_stage(both_paths):
    from storyline.materialise import sentence_model_id

    embedded, scaled, *_ = both_paths
    ids = [a.id for a in embedded.articles()]
    mine, theirs = scaled.sentence_vectors(ids, sentence_model_id()), embedded.sentence_vectors(ids, sentence_model_id())
    assert set(mine) == set(theirs) == set(ids)
    for i in ids:
        assert list(map(tuple, mine[i][0])) == list(map(tuple, theirs[i][0]))
        if len(theirs[i][0]):
            assert np.abs(np.asarray(mine[i][1]) - np.asarray(theirs[i][1])).max() < 2e-3
    assert sum(len(theirs[i][0]) for i in ids) > 100


def test_loading_twice_adds_nothing(both_paths):
    _embedded, scaled, _report, _loaded, root = both_paths
    again = load_results(scaled, root / "out")
    assert again.added == [] and again.duplicates == 15
    assert scaled.count_articles() == 15


def test_load_refuses_a_folder_that_is_not_spark_output(tmp_path):
    from storyline.errors import ConfigError

    with open_store(tmp_path / "x.db") as store, pytest.raises(ConfigError, match="not the output of"):
        load_results(store, tmp_path)


def test_spark_ingest_refuses_a_non_empty_out_folder(spark, corpus, small_batches, tmp_path):
    from storyline.errors import ConfigError
    from storyline.spark.runner import spark_ingest

    (tmp_path / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ConfigError, match="not empty"):
        spark_ingest([corpus], tmp_path, small_batches, spark=spark)
    assert (tmp_path / "keep.txt").read_text(encoding="utf-8") == "mine"


def test_only_the_runner_imports_pyspark():
    found = subprocess.run(["grep", "-rlE", r"^\s*(from|import) pyspark", "storyline"], capture_output=True,
                           text=True, cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__)))).stdout.split()
    assert found == ["storyline/spark/runner.py"]


@pytest.mark.models
def test_the_spark_cluster_sequence_of_deploy_md_runs(tmp_path):
    """docs/deploy.md's Spark section, run as written with local[2] on two invented articles."""
    _spark_or_skip()
    from .conftest import HARBOUR_STORY, write
    from .test_deploy_docs import run, section_commands

    write(tmp_path / "articles", "harbour.txt", HARBOUR_STORY)
    write(tmp_path / "articles", "feed.jsonl", '{"id": "f1", "title": "Ferry crews return", "text": "Ferry crews in '
          'Port Elvan returned to the harbour on Friday after the union signed the contracts.", '
          '"published": "2025-05-02", "source": "Gull Wire"}\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STORYLINE_", "PG"))}
    out = run(section_commands("Spark cluster", 0), tmp_path, env)
    assert "wrote 2 article(s) and 0 rejection(s)" in out
    assert "loaded 2 article(s), skipped 0 already stored" in out
    assert "loaded 0 article(s), skipped 2 already stored" in out
    assert (tmp_path / "results" / "storyline-spark.json").exists() and (tmp_path / "firehose.db").exists()
    assert "2 art.  1 outlets [en]" in out  # `storyline events`: the strike and its end, one event
    # Batch grouping: the same two articles, grouped on Spark and applied to an empty store.
    # The harbour story gives no publication date: the online clusterer places it after the load.
    assert "grouped 1 dated article(s) into 1 event(s)" in out and "1 undated article(s) are left" in out
    assert "applied the events of `storyline spark group` to 1 article(s)" in out
    assert out.count("2 art.  1 outlets [en]") == 2 and (tmp_path / "backlog" / "groups.parquet").exists()
