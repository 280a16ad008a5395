"""PolNeAR dev in the corruption harness: token-bag content F1 and one invented brat article."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from storyline.robustness_polnear import content_f1, evaluate_polnear


def _bag(text: str) -> Counter[str]:
    return Counter(text.lower().split())


def test_content_f1_matches_half_of_the_gold_tokens_one_to_one():
    gold = [[_bag("the ferry will run all winter"), _bag("no money is left")]]
    # the first prediction holds 4 of 6 gold tokens, the second none of the other gold span
    predicted = [[_bag("ferry will run all"), _bag("the harbor closes")]]
    assert round(content_f1(gold, predicted), 4) == 0.5  # P 1/2, R 1/2
    assert content_f1(gold, [[_bag("ferry run")]]) == 0.0  # 2 of 6 tokens: no match
    assert content_f1([[]], [[]]) == 0.0


def test_polnear_rows_come_from_the_product_runs(settings, tmp_path):
    dev = tmp_path / "polnear" / "dev"
    (dev / "text").mkdir(parents=True)
    (dev / "attributions").mkdir()
    text = ("Orla Vendt, the harbor master of Kessan, said the ferry would run all winter. "
            "The council has not answered her letter.\n")
    (dev / "text" / "a1.txt").write_text(text, encoding="utf-8")
    start = text.index("the ferry")
    end = text.index(" winter") + len(" winter")
    cue = text.index("said")
    (dev / "attributions" / "a1_x.ann").write_text(
        f"T1\tSource 0 10\tOrla Vendt\nT2\tCue {cue} {cue + 4}\tsaid\nT3\tContent {start} {end}\t{text[start:end]}\n"
        f"E1\tAttribution:T2 Content:T3 Cue:T2 Source:T1\n", encoding="utf-8")
    rows = evaluate_polnear(tmp_path, settings, seed=0, kinds=(), workdir=tmp_path)
    assert [(r.stage, r.metric, r.count) for r in rows] == [("quotes (PolNeAR dev)", "content F1", 1)]
    assert rows[0].clean == rows[0].corrupted == 1.0  # no corruption kind: the same text twice, its quote found


DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


@pytest.mark.skipif(not (DATA / "polnear" / "dev").exists(), reason="needs ../shared/data")
def test_seeded_polnear_subset_stays_above_floors(settings, tmp_path):
    """The first 10 PolNeAR dev articles, clean and with every corruption kind (seed 0): measured
    content F1 0.688 clean, 0.665 corrupted (benchmarks/results/robustness.md, round 6)."""
    from storyline.corrupt import KINDS

    rows = evaluate_polnear(DATA, settings, seed=0, kinds=KINDS, limit=10, workdir=tmp_path)
    assert rows[0].count == 224
    assert rows[0].clean >= 0.64 and rows[0].corrupted >= 0.62, rows[0].to_json()
