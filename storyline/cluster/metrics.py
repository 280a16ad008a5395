"""Clustering scores against gold events.

* Pairwise precision/recall/F1 over document pairs (Miranda et al., EMNLP 2018):
  a pair is positive when both documents share a cluster.
* B-cubed precision/recall/F1 (Bagga & Baldwin 1998; Amigó et al. 2009): per
  document, the share of its predicted cluster that belongs to its gold event
  (precision) and the share of its gold event found in its predicted cluster
  (recall), averaged over documents.

Conventions: with no predicted pairs, pairwise precision is 1.0 (nothing was
claimed, nothing was wrong); with no gold pairs, pairwise recall is 1.0. F1 is 0.0
when precision and recall are both 0.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

__all__ = ["ClusteringScores", "bcubed", "pairwise", "score_clustering"]


@dataclass(frozen=True)
class ClusteringScores:
    pairwise_precision: float
    pairwise_recall: float
    pairwise_f1: float
    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float
    predicted_clusters: int
    gold_clusters: int
    documents: int

    def to_json(self) -> dict[str, float | int]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def _f1(precision: float, recall: float) -> float:
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def _aligned(
    predicted: Sequence[Hashable] | Mapping[str, Hashable], gold: Sequence[Hashable] | Mapping[str, Hashable]
):
    if isinstance(predicted, Mapping) and isinstance(gold, Mapping):
        missing = set(gold) - set(predicted)
        if missing:
            raise ValueError(
                f"{len(missing)} gold documents have no predicted cluster, e.g. {sorted(missing)[:3]}"
            )
        keys = list(gold)
        return [predicted[k] for k in keys], [gold[k] for k in keys]
    if isinstance(predicted, Mapping) or isinstance(gold, Mapping):
        raise TypeError("pass both labellings as sequences, or both as {document: cluster} mappings")
    if len(predicted) != len(gold):
        raise ValueError(f"{len(predicted)} predicted labels but {len(gold)} gold labels")
    return list(predicted), list(gold)


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def pairwise(predicted, gold) -> tuple[float, float, float]:
    """Pairwise (precision, recall, F1); labels as equal-length sequences or id->label mappings."""
    pred, true = _aligned(predicted, gold)
    joint = Counter(zip(pred, true, strict=True))
    true_positive = sum(_pairs(n) for n in joint.values())
    predicted_pairs = sum(_pairs(n) for n in Counter(pred).values())
    gold_pairs = sum(_pairs(n) for n in Counter(true).values())
    precision = true_positive / predicted_pairs if predicted_pairs else 1.0
    recall = true_positive / gold_pairs if gold_pairs else 1.0
    return precision, recall, _f1(precision, recall)


def bcubed(predicted, gold) -> tuple[float, float, float]:
    """B-cubed (precision, recall, F1), averaged over documents."""
    pred, true = _aligned(predicted, gold)
    if not pred:
        return 1.0, 1.0, 1.0
    joint = Counter(zip(pred, true, strict=True))
    pred_sizes, gold_sizes = Counter(pred), Counter(true)
    precision = sum(n * n / pred_sizes[p] for (p, _), n in joint.items()) / len(pred)
    recall = sum(n * n / gold_sizes[g] for (_, g), n in joint.items()) / len(pred)
    return precision, recall, _f1(precision, recall)


def score_clustering(predicted, gold) -> ClusteringScores:
    pred, true = _aligned(predicted, gold)
    pp, pr, pf = pairwise(pred, true)
    bp, br, bf = bcubed(pred, true)
    return ClusteringScores(
        pairwise_precision=pp,
        pairwise_recall=pr,
        pairwise_f1=pf,
        bcubed_precision=bp,
        bcubed_recall=br,
        bcubed_f1=bf,
        predicted_clusters=len(set(pred)),
        gold_clusters=len(set(true)),
        documents=len(pred),
    )
