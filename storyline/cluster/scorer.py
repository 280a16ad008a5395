"""The learned same-event scorer: P(article belongs to event | pair features).

A logistic regression over the pair features of :data:`FEATURES` (dense
similarities, entity and number overlap, conflicts, time gap, event age and
size, language pair), trained on gold-labelled data that went through the
product's own ingest, cleaning and feature code (``storyline train clustering``,
:mod:`storyline.cluster.training`). Logistic regression rather than boosted
trees: the training data is small (a few thousand pairs), its output is a
calibrated probability, so ``threshold = 0.5`` means "more likely the same event
than not", and each feature's contribution to the log-odds is exact, which is
what ``storyline event ID --why`` shows.

The model is a small JSON file in ``storyline/cluster/models`` with its version,
training command, data and scores; nothing is pickled.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from storyline.errors import ConfigError

__all__ = ["DEFAULT_MODEL", "EVIDENCE_FEATURES", "FEATURES", "FEATURE_LABELS", "LATE_FEATURES", "PACKAGED_MODELS",
           "PairScorer", "check_features", "expand_features", "load_scorer"]

DEFAULT_MODEL = "same_event-v3.json"
# The packaged model for each article embedding (its dense features are cosines of that embedding).
PACKAGED_MODELS = {"usem3": DEFAULT_MODEL, "e5-small": "same_event-e5-v1.json"}

# Raw pair features, computed by the clusterer for an (article, event) or (event, event) pair.
BASE_FEATURES = (
    "dense_centroid",   # cos(article, event centroid)
    "dense_member",     # cos(article, nearest member)
    "lexical_centroid", # tf-idf cosine of the whole text with the event's members (0 across languages)
    "lexical_member",   # tf-idf cosine with the nearest member (0 across languages)
    "entities",         # idf-weighted share of the article's entity keys found in the event
    "entity_coverage",  # idf-weighted share of the event's core entities found in the article
    "numbers",          # shared salient numbers, min(n, 2) / 2
    "date_conflict",    # both name years, none of the article's is a core year of the event
    "place_conflict",   # both name places, none shared
    "dated",            # both have publication dates
    "gap_log",          # log1p(days between the article and the event's nearest member), 0 when undated
    "age_log",          # log1p(days since the event's first article), 0 when undated
    "size_log",         # log1p(event size)
    "cross_lingual",    # the article's language is none of the event's
    "text_gap_log",     # no given gap, both have a day (given or a date line): log1p(days beyond 60, at most 365)
)
# The features that are evidence of one happening (similarities, shared names and numbers), in the
# words an analyst reads on an event page; the others (time, size, language, conflicts) weigh it.
FEATURE_LABELS = {
    "dense_centroid": "lead close to the event's", "dense_member": "lead close to one member's",
    "lexical_centroid": "words shared with the event", "lexical_member": "words shared with one member",
    "entities": "its names found in the event", "entity_coverage": "the event's names found in it",
    "numbers": "numbers shared",
}
EVIDENCE_FEATURES = frozenset(FEATURE_LABELS)
# Fitted after the others, with the others' weights held and without centring, so a pair that
# lacks this evidence (no date line on one side: every dated stream, AllSides, BASIL) is scored
# exactly as by the model without it. Fitted together, the other weights and the threshold moved
# and an undated look-alike joined the wrong event (benchmarks/results/clustering.md, rounds 4-6).
LATE_FEATURES = ("text_gap_log",)
# Products that let a linear model say "a cosine means less across languages / over a long gap".
INTERACTIONS = (
    ("dense_member", "cross_lingual"),
    ("dense_centroid", "cross_lingual"),
    ("dense_centroid", "age_log"),
    ("entities", "cross_lingual"),
)
FEATURES = BASE_FEATURES + tuple(f"{a}*{b}" for a, b in INTERACTIONS)


def check_features(features: tuple[str, ...], version: str) -> None:
    """A model file must have been trained on the features this storyline computes."""
    if features != FEATURES:
        raise ConfigError(f"scorer {version} was trained on features {list(features)}, this storyline computes "
                          f"{list(FEATURES)}; retrain it with `storyline train clustering`")


def expand_features(raw: Mapping[str, float]) -> list[float]:
    """The model's input row for one pair: the base features plus their interactions."""
    row = [float(raw.get(name, 0.0)) for name in BASE_FEATURES]
    row += [float(raw.get(a, 0.0)) * float(raw.get(b, 0.0)) for a, b in INTERACTIONS]
    return row


@dataclass(frozen=True)
class PairScorer:
    """A fitted logistic regression on standardised :data:`FEATURES`."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    version: str = "same_event-v3"
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        check_features(self.features, self.version)

    def logit_terms(self, raw: Mapping[str, float]) -> dict[str, float]:
        """Each feature's contribution to the log-odds (intercept under ``"bias"``)."""
        row = expand_features(raw)
        terms = {"bias": self.intercept}
        for name, value, mean, scale, coef in zip(self.features, row, self.mean, self.scale, self.coef, strict=True):
            terms[name] = coef * (value - mean) / scale
        return terms

    def probability(self, raw: Mapping[str, float]) -> float:
        z = sum(self.logit_terms(raw).values())
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def to_json(self) -> dict[str, Any]:
        return {"version": self.version, "features": list(self.features), "mean": list(self.mean),
                "scale": list(self.scale), "coef": list(self.coef), "intercept": self.intercept, "meta": self.meta}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PairScorer:
        try:
            return cls(tuple(data["features"]), tuple(data["mean"]), tuple(data["scale"]), tuple(data["coef"]),
                       float(data["intercept"]), str(data.get("version", "?")), dict(data.get("meta", {})))
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"not a storyline pair-scorer model ({exc}); retrain with `storyline train clustering`"
                              ) from None


@lru_cache(maxsize=8)
def load_scorer(path: str | None = None, embedding: str = "usem3") -> Any:
    """The model packaged for ``embedding`` (``path`` None) or a model file; loaded once per process."""
    packaged = PACKAGED_MODELS.get(embedding, DEFAULT_MODEL)
    try:
        if path:
            text = Path(path).read_text("utf-8")
        else:
            text = resources.files("storyline.cluster").joinpath("models", packaged).read_text("utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read the same-event model {path or packaged}: {exc}; "
                          "train one with `storyline train clustering`") from None
    data = json.loads(text)
    if isinstance(data, dict) and data.get("kind") == "boosted-trees":
        from .tree_scorer import TreeScorer

        scorer: Any = TreeScorer.from_json(data)
    else:
        scorer = PairScorer.from_json(data)
    trained_on = scorer.meta.get("embedding", "usem3")
    if trained_on != embedding:
        raise ConfigError(f"the same-event model {path or packaged} was trained on {trained_on} vectors, not "
                          f"{embedding}; retrain it with `storyline train clustering` under this cluster_embedding")
    return scorer
