"""A boosted-trees same-event scorer, stored as plain JSON (nothing pickled).

The logistic regression of :mod:`storyline.cluster.scorer` adds each feature's evidence
independently, so one threshold has to serve pairs where the evidence means different
things: an undated pair of reports on one topic (ECB+: words decide, almost any probability
is enough) and an undated pair of reports on one company (MEANTIME: the same words mean a
look-alike). Shallow boosted trees can weigh the words by what else is known about the pair.
To keep them from learning the training streams' accidents, every evidence feature is
constrained to raise the probability and every conflict or time gap to lower it
(:data:`MONOTONIC`), and the trees are shallow with large leaves.

Trained by scikit-learn's ``HistGradientBoostingClassifier`` (:func:`storyline.training.fit_tree_scorer`,
``benchmarks/screen_clustering.py --learner trees``; screened in round 12 and not the packaged model,
``benchmarks/results/clustering.md``); what is stored is each tree's splits and leaf values, evaluated here in
pure Python (a few microseconds a pair, no scikit-learn at run time). The output is the
log-loss model's probability. ``logit_terms`` splits the log-odds exactly into one share per
feature by following the pair's path (each split's change of the node's expected value goes
to the split's feature: Saabas' attribution), so ``storyline event ID --why`` still adds up.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from storyline.errors import ConfigError

from .scorer import FEATURES, check_features, expand_features

__all__ = ["MONOTONIC", "TreeScorer", "trees_from_sklearn"]

KIND = "boosted-trees"

# +1: more of it can only make "same event" likelier; -1: only less likely; 0: free.
_RAISING = {"dense_centroid", "dense_member", "lexical_centroid", "lexical_member", "entities",
            "entity_coverage", "numbers"}
_LOWERING = {"date_conflict", "place_conflict", "gap_log", "text_gap_log"}
MONOTONIC = tuple(1 if f in _RAISING else -1 if f in _LOWERING else 0 for f in FEATURES)


@dataclass(frozen=True)
class _Tree:
    """One tree as parallel lists; node 0 is the root, a leaf has ``left == -1``."""

    feature: tuple[int, ...]
    threshold: tuple[float, ...]
    left: tuple[int, ...]
    right: tuple[int, ...]
    value: tuple[float, ...]  # a leaf's value; an inner node's expected value (count-weighted leaves)

    def path(self, row: Sequence[float]) -> list[int]:
        node, nodes = 0, [0]
        while self.left[node] >= 0:
            node = self.left[node] if row[self.feature[node]] <= self.threshold[node] else self.right[node]
            nodes.append(node)
        return nodes


@dataclass(frozen=True)
class TreeScorer:
    """Boosted trees over :data:`~storyline.cluster.scorer.FEATURES` (raw, not standardised)."""

    features: tuple[str, ...]
    baseline: float
    trees: tuple[_Tree, ...]
    version: str = "same_event-trees"
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        check_features(self.features, self.version)

    def logit(self, raw: Mapping[str, float]) -> float:
        row = expand_features(raw)
        total = self.baseline
        for tree in self.trees:
            node = 0
            while tree.left[node] >= 0:
                node = tree.left[node] if row[tree.feature[node]] <= tree.threshold[node] else tree.right[node]
            total += tree.value[node]
        return total

    def probability(self, raw: Mapping[str, float]) -> float:
        z = self.logit(raw)
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def logit_terms(self, raw: Mapping[str, float]) -> dict[str, float]:
        """Each feature's share of the log-odds (the trees' expected value under ``"bias"``)."""
        row = expand_features(raw)
        terms = {"bias": self.baseline, **{name: 0.0 for name in self.features}}
        for tree in self.trees:
            nodes = tree.path(row)
            terms["bias"] += tree.value[0]
            for parent, child in zip(nodes, nodes[1:], strict=False):
                terms[self.features[tree.feature[parent]]] += tree.value[child] - tree.value[parent]
        return terms

    def to_json(self) -> dict[str, Any]:
        return {"kind": KIND, "version": self.version, "features": list(self.features), "baseline": self.baseline,
                "trees": [{"feature": list(t.feature), "threshold": list(t.threshold), "left": list(t.left),
                           "right": list(t.right), "value": list(t.value)} for t in self.trees],
                "meta": self.meta}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TreeScorer:
        try:
            trees = tuple(_Tree(tuple(map(int, t["feature"])), tuple(map(float, t["threshold"])),
                                tuple(map(int, t["left"])), tuple(map(int, t["right"])), tuple(map(float, t["value"])))
                          for t in data["trees"])
            return cls(tuple(data["features"]), float(data["baseline"]), trees, str(data.get("version", "?")),
                       dict(data.get("meta", {})))
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"not a storyline boosted-trees model ({exc}); retrain with `storyline train clustering`"
                              ) from None


def trees_from_sklearn(model: Any, meta: dict[str, Any], version: str) -> TreeScorer:
    """Read a fitted binary ``HistGradientBoostingClassifier`` into a :class:`TreeScorer`."""
    trees = []
    for (predictor,) in model._predictors:  # one predictor per iteration for a binary model
        nodes = predictor.nodes
        leaf = [bool(n) for n in nodes["is_leaf"]]
        left = [int(v) if not leaf[i] else -1 for i, v in enumerate(nodes["left"])]
        right = [int(v) if not leaf[i] else -1 for i, v in enumerate(nodes["right"])]
        value = [float(v) for v in nodes["value"]]
        _expected_values(0, left, right, value, [float(c) for c in nodes["count"]])
        trees.append(_Tree(tuple(int(f) for f in nodes["feature_idx"]), tuple(float(t) for t in nodes["num_threshold"]),
                           tuple(left), tuple(right), tuple(value)))
    baseline = float(model._baseline_prediction.ravel()[0])
    return TreeScorer(FEATURES, baseline, tuple(trees), version=version, meta=meta)


def _expected_values(node: int, left: list[int], right: list[int], value: list[float], count: list[float]) -> float:
    """Set each inner node's value to the count-weighted mean of the leaf values under it.

    scikit-learn stores an inner node's value before shrinkage, not on the leaves' scale; the
    attribution in :meth:`TreeScorer.logit_terms` needs the mean leaf value reached from it."""
    if left[node] < 0:
        return value[node]
    a = _expected_values(left[node], left, right, value, count)
    b = _expected_values(right[node], left, right, value, count)
    weight = count[left[node]] + count[right[node]]
    value[node] = (a * count[left[node]] + b * count[right[node]]) / max(weight, 1.0)
    return value[node]
