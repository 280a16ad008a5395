"""The corruption harness: seeded corruptions, and a small seeded run with floors (CI gate)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from storyline.corrupt import CATALOGUE, corrupt_text, name_variants
from storyline.robustness import evaluate_robustness, speaker_correct

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"

TEXT = ("The council met on Monday.\n\n"
        "\u201cThe talks went well,\u201d Sergey Volkovsky said. \u201cWe will meet again.\u201d\n\n"
        "Volkovsky added that Sergey would travel to the harbour — with the mayor.\n")


def test_name_variants_cover_the_transliteration_groups():
    assert name_variants("Sergey") == ["Sergie", "Sergi"]
    assert name_variants("Volkovsky") == ["Volkovskiy", "Volkovskii"]
    assert name_variants("Zhukov") == ["Jukov"]
    assert name_variants("Yulia") == ["Iulia"]
    assert name_variants("Smith") == []


def test_corruption_is_seeded_and_recorded():
    a = corrupt_text(TEXT, random.Random(3), names=["Sergey Volkovsky"])
    b = corrupt_text(TEXT, random.Random(3), names=["Sergey Volkovsky"])
    assert a == b
    assert a.text != TEXT
    for line in a.boilerplate:
        assert line in a.text.split("\n")
    for variant, original in a.names.items():
        assert original in ("Sergey", "Volkovsky")
        assert variant in a.text


def test_kinds_apply_alone():
    only_names = corrupt_text(TEXT, random.Random(0), ["names"], names=["Sergey Volkovsky"])
    assert only_names.boilerplate == [] and only_names.hyphenated == []
    assert only_names.text.replace("\n", "") != TEXT.replace("\n", "") or not only_names.names
    only_lines = corrupt_text(TEXT, random.Random(0), ["boilerplate"])
    kept = [line for line in only_lines.text.split("\n") if line not in only_lines.boilerplate]
    assert "\n".join(kept).strip() == TEXT.strip()
    with pytest.raises(ValueError, match="unknown corruption kinds"):
        corrupt_text(TEXT, random.Random(0), ["typos"])


def test_catalogue_covers_the_issue_kinds():
    kinds = {k for k, _t in CATALOGUE}
    assert {"tag line", "see all", "comment form", "newsletter", "share bar", "related links", "cookie notice",
            "photo credit", "byline"} <= kinds


def test_speaker_scoring_accepts_either_spelling():
    people = ["Sergey Volkovsky"]
    assert speaker_correct("Sergey Volkovskii", "Sergey Volkovsky", "Volkovsky", people,
                           {"Volkovskii": "Volkovsky"})
    assert not speaker_correct("Sergey Volkovskii", "Sergey Volkovsky", "Volkovsky", people)
    assert not speaker_correct(None, "Sergey Volkovsky", "Volkovsky", people)


def test_an_outlet_counts_as_named_and_inferred_right_by_its_distinctive_words():
    from storyline.outlet_eval import names_outlet as _names_outlet
    from storyline.outlet_eval import same_outlet as _same_outlet
    from storyline.robustness import _score_outlets, _Stored

    assert _names_outlet("Asked by VWN on Monday, the mayor declined.", "VWNNews")
    assert _names_outlet("Velm News has learned...", "VelmNews")  # "Velm" alone is a place, not the outlet
    assert not _names_outlet("Velm is calm.", "VelmNews")
    assert _names_outlet("He told the Velm on Monday.", "TheVelm")  # one word: only after "the"
    assert _names_outlet("The Harbour and Tide has learned that...", "The Harbour And Tide")
    assert not _names_outlet("The harbour was calm.", "TheHarbour")
    assert _same_outlet("VWN", "VWNNews") and _same_outlet("Harbour Tide", "HarbourTide")
    assert not _same_outlet("Gull Wire", "VWNNews") and not _same_outlet(None, "VWNNews")
    rows = [{"_id": "a", "outlet": "VWNNews", "articleBodyText": "VWN has reached out to the port."},
            {"_id": "b", "outlet": "HarbourTide", "articleBodyText": "The port was quiet."},
            {"_id": "c", "outlet": "VWNNews", "articleBodyText": "Nothing names it."}]
    stored = {"a": _Stored("", "", "VWN", [], [], []), "b": _Stored("", "", "Gull Wire", [], [], []),
              "c": _Stored("", "", None, [], [], [])}
    # a names its outlet and got it; of the two outlets the product has, one is right
    assert _score_outlets(rows, stored) == (1.0, 0.5, 1, 2)


@pytest.mark.skipif(not (DATA / "ggt-quotes" / "articles.jsonl").exists(), reason="needs ../shared/data")
def test_seeded_subset_stays_above_floors(settings, tmp_path):
    report = evaluate_robustness(DATA, settings, seed=0, limit=12, workdir=tmp_path)
    got = {(s.stage, s.metric): s for s in report.scores}
    assert report.articles == 12
    # Floors a little under the figures measured on this seed (benchmarks/results/robustness.md).
    floors = {("boilerplate", "removed"): 0.9, ("boilerplate", "genuine kept"): 0.99, ("quotes", "F1"): 0.78,
              ("quotes", "speaker accuracy"): 0.70, ("names", "merge precision"): 0.95, ("names", "merge recall"): 0.9,
              ("hyphens", "split words restored"): 0.96}
    for key, floor in floors.items():
        value = got[key].corrupted
        assert value is not None and value >= floor, f"{key}: {value} < floor {floor}"


def test_gold_mentions_are_found_in_either_spelling():
    from storyline.robustness_ecb import is_name, locate_mentions

    assert is_name("Sergey Volkovsky") and is_name("the Gulf of Kessan")
    assert not is_name("rep") and not is_name("his") and not is_name("the actress")
    text = "Sergey Volkovskii met the mayor. Later Volkovsky left, and Volkovskii came back."
    gold = [{"tokens_str": "Sergey Volkovsky", "sent_id": 0, "tokens_number": [0]},
            {"tokens_str": "Volkovsky", "sent_id": 1, "tokens_number": [1]},
            {"tokens_str": "Volkovsky", "sent_id": 1, "tokens_number": [5]}]
    found = locate_mentions(text, gold, {"Volkovsky": {"Volkovskii"}})
    assert sorted(text[a:b] for _m, a, b in found) == ["Sergey Volkovskii", "Volkovskii", "Volkovsky"]
    assert locate_mentions(text, gold) == [(gold[1], 39, 48)]  # without the respelling only one is found


@pytest.mark.skipif(not (DATA / "ecbplus" / "dev.jsonl").exists(), reason="needs ../shared/data")
def test_ecb_events_and_entity_chains_stay_above_floors(settings, tmp_path):
    from storyline.robustness_ecb import evaluate_ecb

    got = {(s.stage, s.metric): s for s in evaluate_ecb(DATA, settings, seed=0, topics=1, workdir=tmp_path)}
    # Floors a little under the figures measured on this seed and topic (benchmarks/results/robustness.md).
    floors = {("events (ECB+ dev)", "B-cubed F1"): (0.9, 0.6),
              ("entities (ECB+ dev)", "chain B-cubed F1"): (0.74, 0.74),
              ("entities (ECB+ dev)", "merge precision"): (0.98, 0.98)}
    for key, (clean, corrupted) in floors.items():
        assert got[key].clean >= clean, f"{key} clean: {got[key].clean} < {clean}"
        assert got[key].corrupted >= corrupted, f"{key} corrupted: {got[key].corrupted} < {corrupted}"
    baseline = got[("entities (ECB+ dev)", "chain B-cubed F1, same-string baseline")]
    assert got[("entities (ECB+ dev)", "chain B-cubed F1")].corrupted > baseline.corrupted


def test_a_split_word_counts_as_repaired_only_when_its_split_form_is_gone():
    from storyline.robustness import _split_forms

    assert _split_forms("Last week-\nend, and the week-end before.", "weekend") == 2
    assert _split_forms("Last weekend, a weak endorsement.", "weekend") == 0
