"""Moving a store to PostgreSQL (`storyline migrate`) and running the whole pipeline there."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import storyline
from storyline.api import DEMO_NAME_PATTERN
from storyline.cli import cli
from storyline.store.transfer import store_digest

from .conftest import demo_corpus_copy


def test_migrate_moves_the_demo_store_to_postgres_without_loss(demo_store, postgres_url):
    runner = CliRunner()
    done = runner.invoke(cli, ["migrate", "--from", f"sqlite:{demo_store.path}", "--to", postgres_url, "--batch", "7"])
    assert done.exit_code == 0, done.output
    assert "counts and digests match" in done.output
    with storyline.open_store(postgres_url) as target:
        copied, original = store_digest(target), store_digest(demo_store)
        assert copied == original
        assert copied["articles"][0] == 15 and copied["events"][0] == len(demo_store.events()) > 0
        # The target indexed the articles for search itself, and new rows get fresh ids.
        assert {h.article_id for h in target.search("union")} == {h.article_id for h in demo_store.search("union")}
        assert target.start_run("after the move") == len(demo_store.runs()) + 1
    again = runner.invoke(cli, ["migrate", "--from", f"sqlite:{demo_store.path}", "--to", postgres_url])
    assert again.exit_code == 2
    assert "the target store is not empty" in again.output


@pytest.mark.models
def test_the_pipeline_on_postgres_gives_the_sqlite_results(demo_store, postgres_url, tmp_path, settings):
    with storyline.open_store(postgres_url) as pg:
        report = storyline.ingest(pg, [demo_corpus_copy(tmp_path)], settings=settings, name_pattern=DEMO_NAME_PATTERN)
        assert len(report.added) == 15
        storyline.run_pipeline(pg, settings)
        for read in (lambda s: sorted(sorted(e["article_ids"]) for e in s.events()),
                     lambda s: sorted((e["name"], e["type"], tuple(sorted(e["article_ids"]))) for e in s.entities()),
                     lambda s: s.quotes(), lambda s: s.citations(), lambda s: s.dates(),
                     lambda s: sorted(h.article_id for h in s.search("union"))):
            assert read(pg) == read(demo_store)
        assert storyline.api.corpus_overview(pg) == storyline.api.corpus_overview(demo_store)
