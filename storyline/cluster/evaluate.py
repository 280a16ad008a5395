"""Score the online clusterer and the baselines on gold-labelled datasets.

``storyline eval clustering --dataset FILE`` is meant to call
:func:`evaluate_file`; benchmarks/eval_clustering.py drives
:func:`evaluate` and :func:`tune` for the figures in
benchmarks/results/clustering.md.

The online clusterer sees articles one at a time in publication order (undated
ones in file order) and is never told the number of events; entity keys come from
the regex fallback in :mod:`storyline.cluster.features`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from storyline.cluster.datasets import EvalDoc, cached_embeddings, load_dataset
from storyline.cluster.features import LEAD_WORDS, fallback_features
from storyline.cluster.metrics import ClusteringScores, score_clustering
from storyline.cluster.online import OnlineEventClusterer

__all__ = [
    "BASELINE_DEFAULTS",
    "METHODS",
    "MethodResult",
    "cluster_with",
    "evaluate",
    "evaluate_file",
    "publication_order",
    "tune",
]

METHODS = ("online", "tfidf", "hdbscan")

# Tuned on ECB+ train (benchmarks/eval_clustering.py --tune); see clustering.md.
BASELINE_DEFAULTS: dict[str, dict[str, Any]] = {
    "tfidf": {"distance_threshold": 0.85},
    "hdbscan": {"min_cluster_size": 2, "min_samples": 1, "epsilon": 0.0},
}


@dataclass
class MethodResult:
    method: str
    params: dict[str, Any]
    scores: ClusteringScores
    labels: list[str] = field(repr=False, default_factory=list)


def publication_order(docs: Sequence[EvalDoc]) -> list[int]:
    """Indices of ``docs`` in publication order: a stable sort by date in which an
    undated document takes the date of the document before it, so undated documents
    stay where the file put them (ECB+, which has no dates, is fed in file order)."""
    keys: list[str] = []
    last = ""
    for doc in docs:
        last = doc.published or last
        keys.append(last)
    return sorted(range(len(docs)), key=lambda i: keys[i])


def cluster_with(
    method: str,
    docs: Sequence[EvalDoc],
    vectors: np.ndarray,
    params: Mapping[str, Any] | None = None,
    *,
    lead_words: int = LEAD_WORDS,
    enrichment: Mapping[str, Mapping[str, Iterable[str]]] | None = None,
) -> list[str]:
    """Cluster labels (one per doc, in the order of ``docs``) from one method.

    ``enrichment`` maps a doc id to enrichment output (``entities``, ``places``,
    ``dates``) that replaces the regex stand-ins for the online method."""
    params = dict(params or {})
    if method == "online":
        clusterer = OnlineEventClusterer(**params)
        labels = [""] * len(docs)
        for i in publication_order(docs):
            doc = docs[i]
            extra = (enrichment or {}).get(doc.id, {})
            features = fallback_features(
                doc.id,
                vectors[i],
                doc.text,
                title=doc.title,
                published=doc.published,
                language=doc.language,
                lead_words=lead_words,
                entities=extra.get("entities"),
                places=extra.get("places"),
                dates=extra.get("dates"),
            )
            labels[i] = clusterer.learn_one(features).event_id
        return labels
    if method == "tfidf":
        from storyline.cluster.baselines import tfidf_agglomerative

        return [str(x) for x in tfidf_agglomerative([f"{d.title or ''}\n{d.text}" for d in docs], **params)]
    if method == "hdbscan":
        from storyline.cluster.baselines import embedding_hdbscan

        return [str(x) for x in embedding_hdbscan(vectors, **params)]
    raise ValueError(f"unknown clustering method {method!r}; choose one of {', '.join(METHODS)}")


def evaluate(
    docs: Sequence[EvalDoc],
    *,
    methods: Iterable[str] = METHODS,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    vectors: np.ndarray | None = None,
    cache_dir: str | Path | None = None,
    lead_words: int = LEAD_WORDS,
) -> list[MethodResult]:
    """Run each method on ``docs`` and score it against the gold events."""
    if vectors is None:
        vectors = cached_embeddings(docs, lead_words=lead_words, cache_dir=cache_dir)
    gold = [d.gold for d in docs]
    results = []
    for method in methods:
        chosen = dict((params or {}).get(method) or ({} if method == "online" else BASELINE_DEFAULTS[method]))
        labels = cluster_with(method, docs, vectors, chosen, lead_words=lead_words)
        results.append(MethodResult(method, chosen, score_clustering(labels, gold), labels))
    return results


def tune(
    method: str,
    docs: Sequence[EvalDoc],
    vectors: np.ndarray,
    grid: Mapping[str, Sequence[Any]],
    *,
    base: Mapping[str, Any] | None = None,
    lead_words: int = LEAD_WORDS,
    enrichment: Mapping[str, Mapping[str, Iterable[str]]] | None = None,
) -> tuple[dict[str, Any], ClusteringScores, list[tuple[dict[str, Any], float]]]:
    """Grid search on B-cubed F1: (best params, their scores, every (params, F1) tried)."""
    gold = [d.gold for d in docs]
    names = sorted(grid)
    tried: list[tuple[dict[str, Any], float]] = []
    best: tuple[float, dict[str, Any], ClusteringScores] | None = None
    for values in itertools.product(*(grid[n] for n in names)):
        params = {**(base or {}), **dict(zip(names, values, strict=True))}
        try:
            labels = cluster_with(method, docs, vectors, params, lead_words=lead_words, enrichment=enrichment)
        except (TypeError, ValueError):
            continue  # sklearn's HDBSCAN rejects some epsilon values; skip them
        scores = score_clustering(labels, gold)
        tried.append((params, scores.bcubed_f1))
        if best is None or scores.bcubed_f1 > best[0]:
            best = (scores.bcubed_f1, params, scores)
    if best is None:
        raise ValueError(f"no parameter setting in the grid worked for {method}")
    return best[1], best[2], tried


def evaluate_file(
    path: str | Path,
    *,
    methods: Iterable[str] = ("online",),
    dates_from_text: bool = False,
    cache_dir: str | Path | None = None,
    params: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[MethodResult]:
    """Load a JSON Lines dataset (see ../shared/data/README.md) and evaluate on it."""
    docs = load_dataset(path, dates_from_text=dates_from_text)
    return evaluate(docs, methods=methods, params=params, cache_dir=cache_dir)
