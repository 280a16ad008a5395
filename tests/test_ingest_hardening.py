"""Unit tests of the ingest bounds and failure scopes (issue 13); the whole-batch view is test_hostile.py."""

from __future__ import annotations

import os
import time

import pytest
from click.testing import CliRunner

from storyline.cli import cli
from storyline.errors import ConfigError, InputRejected
from storyline.ingest import limits
from storyline.ingest.limits import check_lines, load_front_matter, load_json, sanitize, time_budget
from storyline.ingest.readers import _normalise_published, decode_bytes, parse_file_name, sniff_binary, walk
from storyline.model import Rejection
from storyline.nlp import detect_language
from storyline.pipeline import ingest

from .conftest import HARBOUR_STORY, write


def test_sanitize_removes_escapes_controls_and_lone_surrogates():
    assert sanitize("\x1b[1;31mRed\x1b[0m \x1b]0;title\x07alert\x00!\ud800") == "Red alert!\ufffd"
    assert sanitize("page one\x0cpage two") == "page one\npage two"
    assert sanitize("plain text, «quoted» — fine\n") == "plain text, «quoted» — fine\n"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_detected(codec):
    data = HARBOUR_STORY.encode(codec)
    assert sniff_binary(data) is None
    assert decode_bytes(data) == HARBOUR_STORY


def test_json_depth_and_huge_numbers():
    with pytest.raises(InputRejected, match="nested 100001 levels"):
        load_json("[" * 100_001 + "]" * 100_001, 64)
    assert load_json('{"a": "[[[[[[[[[["}', 3) == {"a": "[[[[[[[[[["}  # brackets in strings do not count
    assert load_json('{"id": ' + "9" * 5000 + ', "n": NaN}', 64) == {"id": "9" * 5000, "n": None}


def test_html_bounds_are_checked_in_linear_time():
    from storyline.ingest.html_text import check_html_size

    started = time.monotonic()
    assert check_html_size("<a" * 2_000_000, 100) == 0  # unclosed tags: no quadratic rescans
    assert check_html_size("<div>" * 300 + "<br/><img src=x>" + "</div>" * 300, 1000) == 300
    with pytest.raises(InputRejected, match="over 256 attributes"):
        check_html_size("<p " + " ".join(f"a{i}=x" for i in range(100_000)) + ">hi</p>", 1000)
    with pytest.raises(InputRejected, match="over 1,000 elements"):
        check_html_size("<span>x</span>" * 1001, 1000)
    assert time.monotonic() - started < 3


def test_front_matter_refuses_aliases_and_keeps_dates_as_text():
    with pytest.raises(InputRejected, match="aliases"):
        load_front_matter('a: &a ["lol", "lol"]\nb: [*a, *a]')
    assert load_front_matter("published: 9999-99-99\nwhen: 2025-03-04") == {"published": "9999-99-99",
                                                                              "when": "2025-03-04"}
    with pytest.raises(InputRejected, match="over 64 KB"):
        load_front_matter("x: " + "y" * 70_000)


def test_a_long_single_line_is_refused_quickly():
    text = "word " * 960_000
    started = time.monotonic()
    with pytest.raises(InputRejected, match="line 1 is 4,800,000 characters"):
        check_lines(text, 100_000, 10_000_000)
    assert time.monotonic() - started < 1


@pytest.mark.parametrize(("value", "expected"), [("-1", None), ("5", None), ("9999-99-99", None), ("nan", None),
                                                  (float("nan"), None), (20250304, None),
                                                  ("2025-03-04", "2025-03-04"), ("4 March 2025", "2025-03-04")])
def test_published_must_name_a_plausible_year(value, expected):
    assert _normalise_published(value) == expected


@pytest.mark.parametrize(("value", "expected"), [("12.03.2026", "2026-03-12"), ("1.2.2019", "2019-02-01"),
                                                  ("12.03.2026 14:05", "2026-03-12T14:05:00"),
                                                  ("03/12/2026", "2026-03-12"), ("Thu, 12.03.2026", "2026-03-12")])
def test_a_dotted_date_is_read_day_first_and_a_slashed_one_month_first(value, expected):
    assert _normalise_published(value) == expected


def test_time_budget_interrupts_a_runaway_step():
    started = time.monotonic()
    with pytest.raises(limits.ItemTimeout, match="took over 0.2 s"), time_budget(0.2, "cleaning"):
        while True:
            pass
    assert time.monotonic() - started < 2


def test_walk_reports_links_loops_and_unreadable_folders(tmp_path, monkeypatch):
    write(tmp_path / "in", "ok.txt", HARBOUR_STORY)
    os.symlink(".", tmp_path / "in" / "loop")
    os.symlink("gone.txt", tmp_path / "in" / "dangling.txt")
    (tmp_path / "in" / "locked").mkdir()
    real_scandir = os.scandir

    def scandir(path):
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    found = list(walk([tmp_path / "in", ""]))
    reasons = {os.path.basename(r.origin): r.reason for r in found if isinstance(r, Rejection)}
    assert [p.name for p in found if not isinstance(p, Rejection)] == ["ok.txt"]
    assert "loop" in reasons["loop"] and "leads nowhere" in reasons["dangling.txt"]
    assert "Permission denied" in reasons["locked"] and "empty path" in reasons["''"]


def test_file_names_are_printable(tmp_path):
    from storyline.ingest.readers import display_path

    assert display_path(os.fsdecode(b"caf\xe9-\x1b[31mred.txt")) == "caf\ufffd-red.txt"


def test_repeated_name_pattern_field_is_a_usage_error():
    with pytest.raises(ConfigError, match="names {source} twice"):
        parse_file_name("a_b", "{source}_{source}")


def test_one_item_that_cannot_be_stored_is_rejected_alone(store, settings, tmp_path, monkeypatch):
    for i, place in enumerate(["Port Elvan", "Marrow Bay", "Kolden"]):
        write(tmp_path, f"{i}.txt", HARBOUR_STORY.replace("Port Elvan", place))
    real = store.add_article

    def add_article(article, **kw):
        if "Marrow Bay" in article.text:
            raise ValueError("disk says no")
        return real(article, **kw)

    monkeypatch.setattr(store, "add_article", add_article)
    report = ingest(store, [tmp_path], settings=settings)
    assert len(report.added) == 2
    assert [(r.stage, "disk says no" in r.reason) for r in report.rejected] == [("store", True)]


def test_cleaning_past_the_time_budget_is_a_rejection(store, settings, tmp_path, monkeypatch):
    write(tmp_path, "slow.txt", HARBOUR_STORY.replace("Port Elvan", "Slowtown"))
    write(tmp_path, "fine.txt", HARBOUR_STORY)
    import storyline.pipeline as pipeline

    real = pipeline.clean_text

    def clean_text(raw, **kw):
        if "Slowtown" in raw:
            time.sleep(5)
        return real(raw, **kw)

    monkeypatch.setattr(pipeline, "clean_text", clean_text)
    started = time.monotonic()
    report = ingest(store, [tmp_path], settings=settings.replace(item_time_budget=0.5))
    assert time.monotonic() - started < 4
    assert len(report.added) == 1
    assert report.rejected[0].stage == "budget" and "item_time_budget" in report.rejected[0].reason


def test_cli_refuses_empty_paths_foreign_databases_and_bad_patterns(tmp_path):
    runner = CliRunner()
    db = tmp_path / "s.db"
    result = runner.invoke(cli, ["--db", str(db), "ingest", ""])
    assert result.exit_code == 2 and "empty path" in result.output
    assert not db.exists()
    foreign = write(tmp_path, "notes.db", "these are my notes, not a database\n" * 100)
    result = runner.invoke(cli, ["--db", str(foreign), "articles"])
    assert result.exit_code == 2 and "cannot use" in result.output and "Traceback" not in result.output
    write(tmp_path / "in", "2025-03-04_nordpress_x.txt", HARBOUR_STORY)
    result = runner.invoke(cli, ["--db", str(db), "ingest", str(tmp_path / "in"), "--no-enrich",
                                 "--name-pattern", "{published}_{published}_{*}"])
    assert result.exit_code == 2 and "twice" in result.output


def test_rejects_says_how_to_fix_each_refusal(tmp_path):
    runner = CliRunner()
    db = tmp_path / "s.db"
    write(tmp_path / "in", "empty.txt", "")
    write(tmp_path / "in", "deep.json", "[" * 1000 + "]" * 1000)
    runner.invoke(cli, ["--db", str(db), "ingest", str(tmp_path / "in"), "--no-enrich"])
    result = runner.invoke(cli, ["--db", str(db), "rejects"])
    assert "fix: remove it, or save the article's text in it" in result.output
    assert "fix: flatten it, or raise max_json_depth" in result.output


@pytest.mark.parametrize(("text", "lang"), [
    ("Harbour Board Report Details Failures Before the Greyport Flood. The port's own engineers failed to warn "
     "of the risk to the sea wall, a report by the regional assembly found on Tuesday, and officials in the "
     "harbour office were not ready for the storm.", "en"),
    ("De gemeenteraad van Amsterdam heeft dinsdag besloten om de brug over het kanaal te sluiten, omdat de "
     "constructie volgens ingenieurs niet meer veilig is voor zwaar verkeer.", "nl"),
    ("Городской совет Греймута во вторник решил закрыть старый мост через реку, потому что инженеры "
     "признали его опасным для грузовиков.", "ru"),
])
def test_language_detection(text, lang):
    assert detect_language(text)[0] == lang


@pytest.mark.models
def test_an_article_that_breaks_enrichment_costs_only_itself(store, settings, tmp_path, monkeypatch):
    import storyline
    import storyline.stages as stages

    for place in ("Port Elvan", "Explodia", "Kolden"):
        write(tmp_path, f"{place}.txt", HARBOUR_STORY.replace("Port Elvan", place))
    storyline.ingest(store, [tmp_path], settings=settings)
    real = stages.enrich_batch

    def enrich_batch(batch):
        if any("Explodia" in a.text for a in batch):
            raise RuntimeError("a stage broke")
        return real(batch)

    monkeypatch.setattr(stages, "enrich_batch", enrich_batch)
    stats = stages.enrich_pending(store, settings.replace(enrich_workers=1))
    assert stats["articles"] == 3
    by_place = {a.title.split()[-1]: a.id for a in store.articles()}
    notes = {a_id: [n["note"] for n in store.stage_notes(a_id)] for a_id in by_place.values()}
    assert any("enrichment failed (RuntimeError: a stage broke)" in n for n in notes[by_place["Explodia"]])
    assert store.mentions([by_place["Kolden"]]) and not store.pending("enrich", stages.ENRICH_VERSION)
