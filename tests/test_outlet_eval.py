"""Outlets inferred from the text, through the product's ingest, with floors (CI gate, issue 9).

Figures measured with `python benchmarks/eval_outlets.py` (benchmarks/results/robustness.md,
"Outlets"): GGT, the set the rules were read from, 6 right and 6 wire of 12 inferred, recall 0.4
where the text names its outlet; BASIL (held out) 3 right of 3. A wrong outlet is worse than none,
so the floors guard precision first.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from storyline.outlet_eval import evaluate_outlets, score_outlets

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def test_scoring_counts_right_wire_and_wrong():
    records = [{"id": "a", "text": "Orla Courier has learned it.", "gold": ["OrlaCourier"]},
               {"id": "b", "text": "Nothing.", "gold": ["OrlaCourier"]},
               {"id": "c", "text": "Nothing.", "gold": ["Gull Wire"]},
               {"id": "d", "text": "Nothing.", "gold": ["Gull Wire"]}]
    got = score_outlets(records, {"a": "Orla Courier", "b": "The Associated Press", "c": "Velm Daily", "d": None})
    assert (got["names it"], got["inferred"], got["right"], got["wire"], got["wrong"]) == (1, 3, 1, 1, 1)
    assert got["recall where named"] == 1.0 and got["wrong values"] == ["Velm Daily"]


@pytest.mark.skipif(not (DATA / "basil" / "docs.jsonl").exists(), reason="needs ../shared/data")
@pytest.mark.parametrize(("name", "most_wrong", "min_recall"), [("ggt", 1, 0.3), ("basil", 1, 0.03)])
def test_outlets_inferred_without_metadata_stay_above_floors(settings, name, most_wrong, min_recall):
    got = evaluate_outlets(DATA, name, settings.replace(enrich=False, cluster=False, reports=False))
    assert got["wrong"] <= most_wrong, got["wrong values"]
    assert got["recall where named"] >= min_recall
