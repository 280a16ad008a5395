from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from storyline.cli import cli

from .conftest import HARBOUR_STORY, write

DOCS = Path(__file__).resolve().parent.parent / "docs" / "cli.md"


@pytest.fixture
def run(tmp_path_factory):
    db = tmp_path_factory.mktemp("clidb") / "cli.db"
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(cli, ["--db", str(db), *args], catch_exceptions=False, env={"STORYLINE_CONFIG": ""})

    return invoke


def test_ingest_list_show_search_export(run, tmp_path):
    write(tmp_path, "harbour.txt", HARBOUR_STORY)
    result = run("ingest", str(tmp_path), "--no-enrich")
    assert result.exit_code == 0, result.output
    assert "added 1 article(s)" in result.output
    listing = run("articles", "--json")
    [row] = json.loads(listing.output)
    assert row["title"] == "Harbour cranes stop in Port Elvan"
    shown = run("article", "harbour")
    assert "dateline moved to metadata" in shown.output
    assert "Gull Wire" in shown.output
    hits = run("search", "cranes", "--json")
    assert json.loads(hits.output)[0]["article_id"] == row["id"]
    for query in ("NOT cranes", "", "cranes AND"):  # refused with the syntax, not 0 hits
        refused = run("search", query)
        assert refused.exit_code == 2 and "error:" in refused.output and "AND, OR, NOT" in refused.output
    refused = run("search", "--semantic", "  ")
    assert refused.exit_code == 2 and "empty query" in refused.output
    out = tmp_path.parent / "export.json"
    assert run("export", "-o", str(out)).exit_code == 0
    assert json.loads(out.read_text())["schema"] == "storyline.export/1"
    lines = run("export", "--format", "jsonl").output.splitlines()
    assert json.loads(lines[0])["type"] == "header" and json.loads(lines[1])["type"] == "article"


def test_rejections_give_exit_code_1_and_are_listed(run, tmp_path):
    write(tmp_path, "empty.txt", "")
    write(tmp_path, "harbour.txt", HARBOUR_STORY)
    result = run("ingest", str(tmp_path), "--no-enrich")
    assert result.exit_code == 1
    assert "rejected 1" in result.output
    listed = run("rejects")
    assert "empty.txt" in listed.output and "empty file" in listed.output


def test_usage_errors_exit_2(run):
    assert run("ingest").exit_code == 2
    assert run("export", "--format", "xml").exit_code == 2


def test_unknown_article_exits_1_with_a_hint(run):
    result = run("article", "nope")
    assert result.exit_code == 1
    assert "storyline articles" in result.output


def _commands(group, prefix=""):
    for name, command in sorted(group.commands.items()):
        yield f"{prefix}{name}"
        if hasattr(command, "commands"):
            yield from _commands(command, f"{prefix}{name} ")


def test_every_command_is_documented():
    documented = set(re.findall(r"^## `storyline ([a-z ]+?)`", DOCS.read_text(), re.M))
    assert set(_commands(cli)) <= documented, set(_commands(cli)) - documented


def test_cli_reference_is_up_to_date():
    from storyline.clidocs import render

    assert DOCS.read_text() == render(), "run: python -m storyline.clidocs > docs/cli.md"


def test_an_interrupted_ingest_says_how_to_finish(tmp_path, monkeypatch):
    import storyline.pipeline

    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(storyline.pipeline, "ingest", interrupted)
    write(tmp_path, "a.txt", HARBOUR_STORY)
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "x.db"), "ingest", str(tmp_path / "a.txt")],
                                env={"STORYLINE_CONFIG": ""})
    assert result.exit_code == 130
    assert "run the same command again to finish" in result.output


def test_the_demo_says_it_does_not_use_the_db_option(tmp_path, monkeypatch):
    import storyline.api

    class Done:
        def lines(self):
            return ["done"]

    monkeypatch.setattr(storyline.api, "run_demo", lambda out_dir, *a, **k: Done())
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "mine.db"), "demo", "--out", str(tmp_path / "d")],
                                env={"STORYLINE_CONFIG": ""})
    assert result.exit_code == 0
    assert "--db / STORYLINE_DB is not used by the demo" in result.output
    assert not (tmp_path / "mine.db").exists()


def test_corrections_from_the_cli_say_who_made_them(tmp_path, monkeypatch):
    import storyline.api

    seen = {}
    monkeypatch.setattr(storyline.api, "merge_events", lambda store, keep, other, note, by=None: seen.setdefault("by", by)
                        and keep)
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "x.db"), "event", "merge", "ev_1", "ev_2"],
                                env={"STORYLINE_CONFIG": "", "STORYLINE_USER": "ana"})
    assert result.exit_code == 0 and seen == {"by": "ana"}
