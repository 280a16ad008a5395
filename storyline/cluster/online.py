"""Online event clustering: one article at a time, ids that never change.

:class:`OnlineEventClusterer` follows river's conventions: constructor arguments
are stored unchanged as attributes, learned state lives apart (underscored) and
round-trips through :meth:`~OnlineEventClusterer.to_state` /
:meth:`~OnlineEventClusterer.from_state` as plain JSON.

How an article is placed
------------------------
1. Candidates: the nearest articles by dense vector in a usearch (HNSW) index,
   split into shards of ``shard_days`` so only shards inside ``window_days`` of
   the article's publication date are searched, and old shards can be dropped
   whole. Undated articles (no ``published``) live in their own shard, which
   every query searches, and an undated query searches every shard.
2. Each candidate event gets a probability of being the same event, from the
   learned pair scorer (:mod:`storyline.cluster.scorer`, a logistic regression
   trained through the product path on gold-labelled data) over pair features:
   dense similarity to the centroid and to the nearest member, idf-weighted
   entity overlap both ways, shared salient numbers, year and place conflicts,
   the time gap, the event's age and size, and whether the languages differ.

   A core year is one named by at least ``core_year_share`` of the event's members
   that name any year: a background year one report mentions ("the 1991 war") must
   not make the event agree with every later article that names it.

   No chaining: an event stops taking articles ``event_span_days`` after its first
   article (a report weeks later opens a new event, which a story links), and the
   centroid is always weighed together with the best single member.
3. The best event wins if its probability reaches ``threshold``; otherwise the
   article opens a new event. Event ids are counters ("ev_000001") handed out
   once, so adding articles never renames an event.

Analyst overrides (:meth:`merge`, :meth:`move`, :meth:`split`) are recorded in
``overrides`` and respected: a moved article is pinned and never moved by
:meth:`recluster`, events an analyst split apart are never merged back, and an
event an analyst merged is never split automatically.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from storyline.cluster.features import VECTOR_DIM, ArticleFeatures
from storyline.errors import ConfigError, NotFound

__all__ = ["Assignment", "EventSummary", "Explanation", "OnlineEventClusterer", "ReclusterReport"]

STATE_VERSION = 2
LEXICAL_MEMBERS = 50  # an event's words are those of its latest members (bounds the cost per article)
Lexical = tuple[np.ndarray, np.ndarray]  # sorted int32 term ids, float32 weights
_UNDATED = "undated"


@dataclass(frozen=True)
class Explanation:
    """Why an article went where it went: the components of the chosen event's score
    (empty for a new event) and the best event it did *not* join."""

    components: dict[str, float] = field(default_factory=dict)
    contributions: dict[str, float] = field(default_factory=dict)
    shared_entities: tuple[str, ...] = ()
    shared_numbers: tuple[str, ...] = ()
    nearest_article: str | None = None
    gap_days: float | None = None
    runner_up: str | None = None
    runner_up_score: float | None = None
    runner_up_components: dict[str, float] = field(default_factory=dict)
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "components": self.components,
            "contributions": self.contributions,
            "shared_entities": list(self.shared_entities),
            "shared_numbers": list(self.shared_numbers),
            "nearest_article": self.nearest_article,
            "gap_days": self.gap_days,
            "runner_up": self.runner_up,
            "runner_up_score": self.runner_up_score,
            "runner_up_components": self.runner_up_components,
            "note": self.note,
        }


@dataclass(frozen=True)
class Assignment:
    """Where one article goes. ``score`` is the chosen event's score; for a new event it
    is the best existing event's score (below the threshold), or 0.0 without candidates."""

    article_id: str
    event_id: str
    score: float
    is_new: bool
    explanation: Explanation


@dataclass(frozen=True)
class EventSummary:
    """An event as storylines and reports see it."""

    event_id: str
    article_ids: tuple[str, ...]
    centroid: np.ndarray
    entities: Counter[str]
    places: Counter[str]
    years: Counter[str]
    first_day: int | None
    last_day: int | None

    @property
    def size(self) -> int:
        return len(self.article_ids)

    @property
    def first_published(self) -> str | None:
        return date.fromordinal(self.first_day).isoformat() if self.first_day is not None else None

    @property
    def last_published(self) -> str | None:
        return date.fromordinal(self.last_day).isoformat() if self.last_day is not None else None


@dataclass
class ReclusterReport:
    """What :meth:`OnlineEventClusterer.recluster` changed. ``merged`` holds
    (surviving event, absorbed event, score); ``split`` holds (event, new event,
    moved article ids)."""

    examined: int = 0
    merged: list[tuple[str, str, float]] = field(default_factory=list)
    split: list[tuple[str, str, tuple[str, ...]]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.merged or self.split)


# --- learned state records ---------------------------------------------------


@dataclass
class _Article:
    key: int
    event_id: str
    day: int | None
    shard: str
    entities: frozenset[str]
    places: frozenset[str]
    years: frozenset[str]
    numbers: frozenset[str]
    vector: np.ndarray | None = None  # kept only while the shard is in the window
    pinned: bool = False
    language: str | None = None
    lexical: Lexical | None = None  # unit tf-idf vector at insertion, kept while in the window
    seq: int = 0  # when it joined its event: members are kept in this order


@dataclass
class _Event:
    event_id: str
    row: int
    members: list[str] = field(default_factory=list)
    entities: Counter[str] = field(default_factory=Counter)
    places: Counter[str] = field(default_factory=Counter)
    years: Counter[str] = field(default_factory=Counter)
    numbers: Counter[str] = field(default_factory=Counter)
    languages: Counter[str] = field(default_factory=Counter)
    dated_members: int = 0  # members that name (or were published in) some year
    first_day: int | None = None
    last_day: int | None = None
    locked: bool = False  # an analyst merged it: never split automatically
    cannot_link: set[str] = field(default_factory=set)


def parse_day(published: str | None) -> int | None:
    """Proleptic ordinal of an ISO date; partial dates take the middle of their span."""
    if not published:
        return None
    text = str(published).strip()[:10]
    try:
        if len(text) >= 10:
            return date.fromisoformat(text).toordinal()
        if len(text) == 7:
            return date.fromisoformat(text + "-15").toordinal()
        if len(text) == 4:
            return date(int(text), 7, 1).toordinal()
    except ValueError:
        pass
    raise ValueError(
        f"published {published!r} is not an ISO date (YYYY-MM-DD); fix the article's date or leave it empty"
    )


def _article_years(features: ArticleFeatures) -> frozenset[str]:
    years = {d[:4] for d in features.dates if len(d) >= 4 and d[:4].isdigit()}
    if features.published:
        years.add(str(features.published)[:4])
    return frozenset(years)


class OnlineEventClusterer:
    """Assign articles to events one at a time (see the module docstring for the score).

    ``threshold`` is a probability from the learned scorer (``model``: a model file,
    or None for the packaged one); its default was chosen on the training data
    (benchmarks/results/clustering.md). Articles published more than
    ``window_days`` from an event's nearest member, or ``event_span_days`` after
    its first, never join it.

    >>> clusterer = OnlineEventClusterer(threshold=0.5)
    >>> clusterer.threshold
    0.5
    """

    def __init__(
        self,
        threshold: float | None = None,
        *,
        window_days: float = 7.0,
        event_span_days: float = 10.0,
        shard_days: int = 7,
        candidates: int = 10,
        core_year_share: float = 1 / 3,
        merge_threshold: float | None = None,
        split_similarity: float = 0.4,
        model: str | None = None,
        index_dtype: str = "i8",
        connectivity: int = 16,
        expansion_add: int = 64,
    ):
        self.threshold = threshold
        self.window_days = window_days
        self.event_span_days = event_span_days
        self.shard_days = shard_days
        self.candidates = candidates
        self.core_year_share = core_year_share
        self.merge_threshold = merge_threshold
        self.split_similarity = split_similarity
        self.model = model
        self.index_dtype = index_dtype
        self.connectivity = connectivity
        self.expansion_add = expansion_add
        self._check_params()
        self._reset()

    # --- parameters and state -------------------------------------------------

    def _params(self) -> dict[str, Any]:
        return {
            "threshold": self.threshold,
            "window_days": self.window_days,
            "event_span_days": self.event_span_days,
            "shard_days": self.shard_days,
            "candidates": self.candidates,
            "core_year_share": self.core_year_share,
            "merge_threshold": self.merge_threshold,
            "split_similarity": self.split_similarity,
            "model": self.model,
            "index_dtype": self.index_dtype,
            "connectivity": self.connectivity,
            "expansion_add": self.expansion_add,
        }

    def _check_params(self) -> None:
        if self.index_dtype not in {"f32", "f16", "i8"}:
            raise ConfigError(f"index_dtype {self.index_dtype!r} is not one of f32, f16, i8")
        if self.shard_days < 1 or self.window_days <= 0:
            raise ConfigError(
                f"shard_days={self.shard_days} and window_days={self.window_days} must be positive; "
                "the window is how far apart (in days) two articles of one event may be published"
            )
        if self.threshold is not None and not 0.0 <= self.threshold <= 1.0:
            raise ConfigError(f"threshold={self.threshold} is a probability and must lie in [0, 1]")
        if self.event_span_days <= 0:
            raise ConfigError(f"event_span_days={self.event_span_days} must be positive")
        from storyline.cluster.scorer import load_scorer

        self._scorer = load_scorer(self.model)
        # None: the threshold chosen with the model, on its training data (kept in the model file).
        self._threshold = (
            float(self._scorer.meta.get("threshold", 0.5)) if self.threshold is None else self.threshold
        )
        if not 0.0 <= self.core_year_share <= 1.0:
            raise ConfigError(
                f"core_year_share={self.core_year_share} must lie in [0, 1] "
                "(0: any year an event's article names counts as the event's)"
            )

    def _reset(self) -> None:
        self._events: dict[str, _Event] = {}
        self._aliases: dict[str, str] = {}  # absorbed event -> survivor
        self._articles: dict[str, _Article] = {}
        self._key_to_article: dict[int, str] = {}
        self._shards: dict[str, Any] = {}
        self._centroids = np.zeros((64, VECTOR_DIM), dtype=np.float32)  # unnormalised sums, one row per event
        self._rows_used = 0
        self._free_rows: list[int] = []
        self._pending: dict[str, tuple[list[int], list[np.ndarray]]] = {}
        self._entity_df: Counter[str] = Counter()
        self._term_df: Counter[int] = Counter()
        self._documents = 0
        self._next_event = 1
        self._next_key = 0
        self._clock: int | None = None  # latest publication day seen
        self.overrides: list[dict[str, Any]] = []
        self._seq = 0
        # What changed since the last save (storyline.cluster.persist writes only these rows).
        self._dirty_articles: set[str] = set()
        self._dirty_events: set[str] = set()
        self._removed_events: set[str] = set()
        self._dirty_entity_df: set[str] = set()
        self._dirty_term_df: set[int] = set()
        self._dirty_shards: set[str] = set()
        self._removed_shards: set[str] = set()
        # Where word frequencies not in memory come from (the store, for a loaded clusterer):
        # a long history has millions of distinct words, and a batch needs a few thousand.
        self.term_df_source: Any = None

    def clone(self, **changes: Any) -> OnlineEventClusterer:
        """A fresh, unfitted clusterer with the same parameters, some changed."""
        return OnlineEventClusterer(**{**self._params(), **changes})

    # --- public queries --------------------------------------------------------

    @property
    def n_events(self) -> int:
        return len(self._events)

    @property
    def n_articles(self) -> int:
        return len(self._articles)

    def resolve(self, event_id: str) -> str:
        """The surviving id of an event, following merges."""
        seen = set()
        while event_id in self._aliases and event_id not in seen:
            seen.add(event_id)
            event_id = self._aliases[event_id]
        return event_id

    def event_of(self, article_id: str) -> str:
        try:
            return self._articles[article_id].event_id
        except KeyError:
            raise NotFound(f"article {article_id!r} has not been clustered; call learn_one first") from None

    def members(self, event_id: str) -> list[str]:
        return list(self._event(event_id).members)

    def assignments(self) -> dict[str, str]:
        """Every article id with its event id."""
        return {article_id: record.event_id for article_id, record in self._articles.items()}

    def events(self) -> list[EventSummary]:
        """Summaries of all current events, oldest id first."""
        return [self._summary(ev) for ev in sorted(self._events.values(), key=lambda e: e.event_id)]

    def event(self, event_id: str) -> EventSummary:
        return self._summary(self._event(event_id))

    # --- learning ----------------------------------------------------------------

    def predict_one(self, features: ArticleFeatures) -> Assignment:
        """Where ``features`` would go now, without changing any state. An article already
        clustered returns its current event."""
        if features.article_id in self._articles:
            event_id = self._articles[features.article_id].event_id
            return Assignment(
                features.article_id, event_id, 1.0, False, Explanation(note="already clustered")
            )
        return self._decide(features)[0]

    def learn_one(self, features: ArticleFeatures) -> Assignment:
        """Place ``features`` in an existing event or a new one, and remember it. Learning an
        article id twice returns its current event and changes nothing."""
        if features.article_id in self._articles:
            return self.predict_one(features)
        assignment, _ = self._decide(features)
        event_id = assignment.event_id
        if assignment.is_new:
            event_id = self._new_event_id()
            assignment = Assignment(
                assignment.article_id, event_id, assignment.score, True, assignment.explanation
            )
        self._add(features, event_id)
        return assignment

    def learn_many(self, features: Iterable[ArticleFeatures]) -> list[Assignment]:
        return [self.learn_one(f) for f in features]

    def load_assigned(self, features: Sequence[ArticleFeatures], event_ids: Sequence[str]) -> None:
        """Add articles whose events are already decided (rebuilding from a store, or
        preloading a benchmark) without scoring them. Unknown event ids are created
        with that id; the id counter moves past numeric ids so new ids never collide."""
        if len(features) != len(event_ids):
            raise ValueError(f"{len(features)} articles but {len(event_ids)} event ids")
        # Articles already outside the window are recorded but never indexed: the index
        # would drop them at once anyway.
        days = [d for d in (parse_day(f.published) for f in features) if d is not None]
        newest = max([*days, *([self._clock] if self._clock is not None else [])], default=None)
        horizon = None if newest is None else (newest - 2 * self.window_days) // self.shard_days
        for feats, event_id in zip(features, event_ids, strict=True):
            if feats.article_id in self._articles:
                continue
            event_id = self.resolve(event_id)
            if event_id not in self._events:
                self._create_event(event_id)
                if event_id.startswith("ev_") and event_id[3:].isdigit():
                    self._next_event = max(self._next_event, int(event_id[3:]) + 1)
            day = parse_day(feats.published)
            stale = horizon is not None and day is not None and day // self.shard_days < horizon
            self._add(feats, event_id, batch=True, index=not stale)
        # The index inserts wait for the first search (or build_index): a long history loaded
        # in chunks drops whole shards from the window before anyone pays to index them.

    # --- scoring -------------------------------------------------------------------

    def _decide(
        self, features: ArticleFeatures
    ) -> tuple[Assignment, list[tuple[float, str, dict[str, Any]]]]:
        day = parse_day(features.published)
        hits = self._neighbours(features.vector, day)
        by_event: dict[str, tuple[float, str]] = {}
        for article_id, similarity in hits:
            event_id = self._articles[article_id].event_id
            if event_id not in by_event or similarity > by_event[event_id][0]:
                by_event[event_id] = (similarity, article_id)
        years = _article_years(features)
        lexical = self._tfidf(features.terms) if by_event else None  # once per article, not per candidate
        scored: list[tuple[float, str, dict[str, Any]]] = []
        for event_id, (member_similarity, nearest) in by_event.items():
            detail = self._score(features, years, day, self._events[event_id], member_similarity, nearest, lexical)
            if detail is None:
                continue
            detail["nearest_article"] = nearest
            scored.append((detail["score"], event_id, detail))
        scored.sort(key=lambda item: (-item[0], item[1]))
        best = scored[0] if scored else None
        runner = scored[1] if len(scored) > 1 else None
        if best is not None and best[0] >= self._threshold:
            explanation = Explanation(
                components=best[2]["components"],
                contributions=self.contributions(best[2]["components"]),
                shared_entities=best[2]["shared_entities"],
                shared_numbers=best[2]["shared_numbers"],
                nearest_article=best[2]["nearest_article"],
                gap_days=best[2]["gap_days"],
                runner_up=runner[1] if runner else None,
                runner_up_score=round(runner[0], 4) if runner else None,
                runner_up_components=runner[2]["components"] if runner else {},
            )
            return Assignment(features.article_id, best[1], round(best[0], 4), False, explanation), scored
        note = (
            "no event within the time window"
            if best is None
            else f"best probability below threshold {self._threshold}"
        )
        explanation = Explanation(
            runner_up=best[1] if best else None,
            runner_up_score=round(best[0], 4) if best else None,
            runner_up_components=best[2]["components"] if best else {},
            note=note,
        )
        return Assignment(
            features.article_id, "", round(best[0], 4) if best else 0.0, True, explanation
        ), scored

    def _tfidf(self, terms: dict[int, float]) -> Lexical | None:
        """A unit tf-idf vector (sorted term ids, weights) with the document frequencies seen so far."""
        if not terms:
            return None
        ids = sorted(terms)
        if self.term_df_source is not None:
            missing = [k for k in ids if k not in self._term_df]
            if missing:
                found = self.term_df_source(missing)
                for k in missing:
                    self._term_df[k] = found.get(k, 0)
        df = np.array([self._term_df.get(k, 0) for k in ids], dtype=np.float32)
        tf = np.array([terms[k] for k in ids], dtype=np.float32)
        weights = tf * (np.log((1 + self._documents) / (1 + df)) + 1.0)
        norm = float(np.linalg.norm(weights))
        return (np.array(ids, dtype=np.int32), weights / norm) if norm else None

    def _event_lexical(self, event: _Event) -> Lexical | None:
        """The sum of the unit tf-idf vectors of the event's latest members still in the
        window, computed when asked (bounded by ``LEXICAL_MEMBERS``, so memory holds one
        compact vector per article, not one dictionary per event)."""
        parts = [self._articles[m].lexical for m in event.members[-LEXICAL_MEMBERS:]]
        parts = [p for p in parts if p is not None]
        if not parts:
            return None
        if len(parts) == 1:
            return parts[0]
        keys, inverse = np.unique(np.concatenate([k for k, _ in parts]), return_inverse=True)
        sums = np.bincount(inverse, weights=np.concatenate([w for _, w in parts])).astype(np.float32)
        return keys.astype(np.int32), sums

    @staticmethod
    def _lexical_cos(a: Lexical | None, b: Lexical | None) -> float:
        if a is None or b is None:
            return 0.0
        _common, ia, ib = np.intersect1d(a[0], b[0], assume_unique=True, return_indices=True)
        dot = float(np.dot(a[1][ia], b[1][ib]))
        norm = float(np.linalg.norm(a[1]) * np.linalg.norm(b[1]))
        return dot / norm if norm else 0.0

    def _idf(self, entity: str) -> float:
        return math.log((1 + self._documents) / (1 + self._entity_df.get(entity, 0))) + 1.0

    def _score(
        self,
        features: ArticleFeatures,
        years: frozenset[str],
        day: int | None,
        event: _Event,
        member_similarity: float,
        nearest: str | None = None,
        article_lexical: Lexical | None = None,
    ) -> dict[str, Any] | None:
        gap = age = None
        if day is not None and event.first_day is not None and event.last_day is not None:
            gap = float(max(0, event.first_day - day, day - event.last_day))
            age = float(max(0, day - event.first_day))
            if gap > self.window_days or age > self.event_span_days:
                return None  # the event is over: a later report opens a new event, and a story links them
        centroid = self._centroids[event.row]
        norm = float(np.linalg.norm(centroid))
        centroid_similarity = float(np.dot(features.vector, centroid) / norm) if norm else member_similarity
        shared = sorted(e for e in features.entities if e in event.entities)
        if features.entities:
            total = sum(self._idf(e) for e in features.entities)
            entity_share = sum(self._idf(e) for e in shared) / total
        else:
            entity_share = 0.0
        # The other direction: how much of what the event is consistently about appears here.
        # Two bouts of the same champion share him, but not the challenger every report names.
        core = [e for e, count in event.entities.items() if count * 2 >= len(event.members)]
        core_total = sum(self._idf(e) for e in core)
        entity_coverage = (
            sum(self._idf(e) for e in core if e in features.entities) / core_total if core_total else 0.0
        )
        shared_numbers = sorted(n for n in features.numbers if n in event.numbers)
        # Agreeing years prove little (many events share a year); disjoint years are strong evidence.
        core_years = self._core_years(event)
        cross_lingual = bool(features.language and event.languages and features.language not in event.languages)
        # Across languages shared words are an accident of script (Spanish and Italian share
        # names and numbers, Russian and English share nothing): the model gets no lexical
        # evidence there and must decide from the cross-lingual embedding, entities and numbers.
        lexical = None if cross_lingual else article_lexical
        nearest_lexical = self._articles[nearest].lexical if nearest in self._articles else None
        components = {
            "dense_centroid": centroid_similarity,
            "dense_member": member_similarity,
            "lexical_centroid": self._lexical_cos(lexical, self._event_lexical(event)) if lexical else 0.0,
            "lexical_member": self._lexical_cos(lexical, nearest_lexical),
            "entities": entity_share,
            "entity_coverage": entity_coverage,
            "numbers": min(len(shared_numbers), 2) / 2,
            "date_conflict": 1.0 if years and core_years and not any(y in core_years for y in years) else 0.0,
            "place_conflict": (
                1.0 if features.places and event.places and not (features.places & event.places.keys()) else 0.0
            ),
            "dated": 1.0 if gap is not None else 0.0,
            "gap_log": math.log1p(gap) if gap is not None else 0.0,
            "age_log": math.log1p(age) if age is not None else 0.0,
            "size_log": math.log1p(len(event.members)),
            "cross_lingual": float(cross_lingual),
        }
        return {
            "score": self._scorer.probability(components),
            "components": {k: round(v, 4) for k, v in components.items()},
            "shared_entities": tuple(shared),
            "shared_numbers": tuple(shared_numbers),
            "gap_days": gap,
        }

    def pair_features(self, features: ArticleFeatures) -> list[tuple[str, dict[str, float]]]:
        """The pair features of ``features`` against every candidate event, as the scorer
        sees them (for training and for ``--why``); changes no state."""
        return [(event_id, detail["components"]) for _score, event_id, detail in self._decide(features)[1]]

    def contributions(self, components: dict[str, float]) -> dict[str, float]:
        """Each feature's share of the log-odds for one pair (see :mod:`storyline.cluster.scorer`)."""
        return {k: round(v, 4) for k, v in self._scorer.logit_terms(components).items()}

    def _core_years(self, event: _Event) -> set[str]:
        """Years named by at least ``core_year_share`` of the event's members that name a year."""
        needed = self.core_year_share * event.dated_members
        return {year for year, count in event.years.items() if count >= needed}

    # --- the index -----------------------------------------------------------------

    def _shard_name(self, day: int | None) -> str:
        return _UNDATED if day is None else str(day // self.shard_days)

    def _shards_for(self, day: int | None) -> list[str]:
        if day is None:
            return sorted(self._shards)
        low = int((day - self.window_days) // self.shard_days)
        high = int((day + self.window_days) // self.shard_days)
        names = [str(p) for p in range(low, high + 1) if str(p) in self._shards]
        if _UNDATED in self._shards:
            names.append(_UNDATED)
        return names

    def _new_index(self) -> Any:
        from usearch.index import Index

        return Index(
            ndim=VECTOR_DIM,
            metric="cos",
            dtype=self.index_dtype,
            connectivity=self.connectivity,
            expansion_add=self.expansion_add,
        )

    def _neighbours(self, vector: np.ndarray, day: int | None) -> list[tuple[str, float]]:
        if self._pending:
            self._flush_batches()
        hits: list[tuple[str, float]] = []
        for name in self._shards_for(day):
            index = self._shards[name]
            if len(index) == 0:
                continue
            matches = index.search(vector, min(self.candidates, len(index)))
            for key, distance in zip(matches.keys, matches.distances, strict=True):
                article_id = self._key_to_article.get(int(key))
                if article_id is not None:
                    hits.append((article_id, 1.0 - float(distance)))
        return hits

    # --- mutation helpers ------------------------------------------------------------

    def _new_event_id(self) -> str:
        event_id = f"ev_{self._next_event:06d}"
        self._next_event += 1
        return event_id

    def _create_event(self, event_id: str) -> _Event:
        if self._free_rows:
            row = self._free_rows.pop()
        else:
            row = self._rows_used
            self._rows_used += 1
            if row >= self._centroids.shape[0]:
                grown = np.zeros((self._centroids.shape[0] * 2, VECTOR_DIM), dtype=np.float32)
                grown[: self._centroids.shape[0]] = self._centroids
                self._centroids = grown
        self._centroids[row] = 0.0
        event = _Event(event_id=event_id, row=row)
        self._events[event_id] = event
        self._dirty_events.add(event_id)
        self._removed_events.discard(event_id)
        return event

    def _event(self, event_id: str) -> _Event:
        resolved = self.resolve(event_id)
        try:
            return self._events[resolved]
        except KeyError:
            raise NotFound(f"event {event_id!r} does not exist; list events with .events()") from None

    def _add(
        self, features: ArticleFeatures, event_id: str, *, batch: bool = False, index: bool = True
    ) -> None:
        day = parse_day(features.published)
        if event_id not in self._events:
            self._create_event(event_id)
        key = self._next_key
        self._next_key += 1
        shard = self._shard_name(day)
        record = _Article(
            key=key,
            event_id=event_id,
            day=day,
            shard=shard,
            entities=features.entities,
            places=features.places,
            years=_article_years(features),
            numbers=features.numbers,
            vector=features.vector.astype(np.float32),
            language=features.language,
        )
        self._articles[features.article_id] = record
        record.lexical = self._tfidf(features.terms)
        self._documents += 1
        self._entity_df.update(features.entities)
        self._term_df.update(features.terms.keys())
        self._dirty_entity_df.update(features.entities)
        self._dirty_term_df.update(features.terms.keys())
        if not index:
            self._attach(features.article_id, record, self._events[event_id])
            record.vector = None
            record.lexical = None
            if day is not None and (self._clock is None or day > self._clock):
                self._clock = day
            return
        self._key_to_article[key] = features.article_id
        if shard not in self._shards:
            self._shards[shard] = self._new_index()
        self._dirty_shards.add(shard)
        self._removed_shards.discard(shard)
        if batch:
            self._pending.setdefault(shard, ([], []))
            self._pending[shard][0].append(key)
            self._pending[shard][1].append(record.vector)
        else:
            self._shards[shard].add(key, record.vector)
        self._attach(features.article_id, record, self._events[event_id])
        if day is not None and (self._clock is None or day > self._clock):
            self._clock = day
            self._evict()

    def build_index(self) -> int:
        """Insert the articles that :meth:`load_assigned` queued into the index now (searches
        do it anyway, on first use). Returns how many articles were inserted."""
        queued = sum(len(keys) for keys, _ in self._pending.values())
        self._flush_batches()
        return queued

    @property
    def n_indexed(self) -> int:
        """Articles in the searchable index (inside the window), including queued ones."""
        return sum(len(index) for index in self._shards.values()) + sum(
            len(keys) for keys, _ in self._pending.values()
        )

    def _flush_batches(self) -> None:
        for shard, (keys, vectors) in self._pending.items():
            if shard in self._shards and keys:
                self._shards[shard].add(np.asarray(keys, dtype=np.uint64), np.vstack(vectors))
        self._pending = {}

    def _attach(self, article_id: str, record: _Article, event: _Event) -> None:
        record.event_id = event.event_id
        record.seq = self._seq
        self._seq += 1
        event.members.append(article_id)
        self._dirty_articles.add(article_id)
        self._dirty_events.add(event.event_id)
        if record.vector is not None:
            self._centroids[event.row] += record.vector
        event.entities.update(record.entities)
        event.places.update(record.places)
        event.years.update(record.years)
        event.dated_members += bool(record.years)
        event.numbers.update(record.numbers)
        if record.language:
            event.languages[record.language] += 1
        if record.day is not None:
            event.first_day = record.day if event.first_day is None else min(event.first_day, record.day)
            event.last_day = record.day if event.last_day is None else max(event.last_day, record.day)

    def _detach(self, article_id: str, record: _Article, event: _Event) -> None:
        event.members.remove(article_id)
        self._dirty_articles.add(article_id)
        self._dirty_events.add(event.event_id)
        if record.vector is not None:
            self._centroids[event.row] -= record.vector
        event.entities.subtract(record.entities)
        event.places.subtract(record.places)
        event.years.subtract(record.years)
        event.dated_members -= bool(record.years)
        event.numbers.subtract(record.numbers)
        if record.language:
            event.languages[record.language] -= 1
        for counter in (event.entities, event.places, event.years, event.numbers, event.languages):
            for key in [k for k, v in counter.items() if v <= 0]:
                del counter[key]
        days = [self._articles[m].day for m in event.members if self._articles[m].day is not None]
        event.first_day = min(days) if days else None
        event.last_day = max(days) if days else None

    def _evict(self) -> None:
        """Drop shards that fell out of the window: their articles keep their event, but
        can no longer be candidates, and their vectors and words are forgotten (memory stays
        flat with history)."""
        if self._clock is None:
            return
        horizon = (self._clock - 2 * self.window_days) // self.shard_days
        for name in [n for n in self._shards if n != _UNDATED and int(n) < horizon]:
            index = self._shards.pop(name)
            self._dirty_shards.discard(name)
            self._removed_shards.add(name)
            pending_keys, _ = self._pending.pop(name, ([], []))
            for key in [*index.keys, *pending_keys]:
                article_id = self._key_to_article.pop(int(key), None)
                if article_id is not None:
                    record = self._articles[article_id]
                    record.vector = None
                    record.lexical = None
                    self._dirty_articles.add(article_id)

    def _summary(self, event: _Event) -> EventSummary:
        centroid = self._centroids[event.row].copy()
        norm = float(np.linalg.norm(centroid))
        return EventSummary(
            event_id=event.event_id,
            article_ids=tuple(event.members),
            centroid=centroid / norm if norm else centroid,
            entities=Counter(event.entities),
            places=Counter(event.places),
            years=Counter(event.years),
            first_day=event.first_day,
            last_day=event.last_day,
        )

    def _retire(self, absorbed: _Event, survivor: _Event) -> None:
        del self._events[absorbed.event_id]
        self._dirty_events.discard(absorbed.event_id)
        self._removed_events.add(absorbed.event_id)
        self._aliases[absorbed.event_id] = survivor.event_id
        self._centroids[absorbed.row] = 0.0
        self._free_rows.append(absorbed.row)

    # --- analyst overrides -------------------------------------------------------------

    def merge(self, into: str, other: str) -> str:
        """Merge event ``other`` into ``into`` (an analyst decision). ``into`` keeps its id;
        ``other`` becomes an alias of it. Returns the surviving id."""
        survivor, absorbed = self._event(into), self._event(other)
        if survivor is absorbed:
            return survivor.event_id
        self._merge_events(survivor, absorbed)
        survivor.locked = True
        self._dirty_events.add(survivor.event_id)
        self.overrides.append({"op": "merge", "into": survivor.event_id, "other": absorbed.event_id})
        return survivor.event_id

    def _merge_events(self, survivor: _Event, absorbed: _Event) -> None:
        for article_id in list(absorbed.members):
            record = self._articles[article_id]
            self._detach(article_id, record, absorbed)
            self._attach(article_id, record, survivor)
        survivor.cannot_link |= absorbed.cannot_link
        for event in self._events.values():
            if absorbed.event_id in event.cannot_link:
                event.cannot_link.discard(absorbed.event_id)
                event.cannot_link.add(survivor.event_id)
                self._dirty_events.add(event.event_id)
        survivor.locked = survivor.locked or absorbed.locked
        self._retire(absorbed, survivor)

    def move(self, article_id: str, to_event: str | None) -> str:
        """Move one article to ``to_event`` (or to a new event when None). The article is
        pinned: recluster never moves it again. Returns the article's event id."""
        if article_id not in self._articles:
            raise NotFound(f"article {article_id!r} has not been clustered; call learn_one first")
        record = self._articles[article_id]
        target = self._create_event(self._new_event_id()) if to_event is None else self._event(to_event)
        source = self._events[record.event_id]
        if source is not target:
            self._detach(article_id, record, source)
            self._attach(article_id, record, target)
            if not source.members:
                self._retire(source, target)
            else:
                # The analyst said this article is not about ``source``: never merge the two back.
                source.cannot_link.add(target.event_id)
                target.cannot_link.add(source.event_id)
        record.pinned = True
        self._dirty_articles.add(article_id)
        self.overrides.append({"op": "move", "article_id": article_id, "to_event": target.event_id})
        return target.event_id

    def split(self, event_id: str, article_ids: Sequence[str]) -> str:
        """Move ``article_ids`` out of ``event_id`` into a new event (an analyst decision).
        The two events are never merged back automatically. Returns the new event's id."""
        source = self._event(event_id)
        chosen = list(dict.fromkeys(article_ids))
        missing = [a for a in chosen if a not in source.members]
        if missing:
            raise NotFound(f"articles {missing} are not in event {source.event_id}")
        if len(chosen) == len(source.members):
            raise ValueError(
                f"splitting all {len(chosen)} articles out of {source.event_id} would leave it empty"
            )
        if not chosen:
            raise ValueError("split needs at least one article id")
        target = self._create_event(self._new_event_id())
        self._move_members(source, target, chosen)
        for article_id in chosen:
            self._articles[article_id].pinned = True
        source.cannot_link.add(target.event_id)
        target.cannot_link.add(source.event_id)
        self.overrides.append(
            {"op": "split", "event_id": source.event_id, "new_event": target.event_id, "article_ids": chosen}
        )
        return target.event_id

    def _move_members(self, source: _Event, target: _Event, article_ids: Sequence[str]) -> None:
        for article_id in article_ids:
            record = self._articles[article_id]
            self._detach(article_id, record, source)
            self._attach(article_id, record, target)

    # --- re-examination ---------------------------------------------------------------

    def recluster(self, recent_window: float | None = None) -> ReclusterReport:
        """Re-examine events active in the last ``recent_window`` days (all events with
        articles still in the index when None): merge events that turned out to be one,
        split events whose articles drifted into two groups. Surviving events keep their
        ids; analyst overrides are respected."""
        report = ReclusterReport()
        recent = self._recent_events(recent_window)
        report.examined = len(recent)
        merge_threshold = self._threshold if self.merge_threshold is None else self.merge_threshold
        for event_id in recent:
            if event_id not in self._events:
                continue
            event = self._events[event_id]
            for other_id, score in self._similar_events(event):
                other = self._events.get(other_id)
                if other is None or other is event or score < merge_threshold:
                    continue
                if other_id in event.cannot_link or event_id in other.cannot_link:
                    continue
                survivor, absorbed = sorted((event, other), key=lambda e: (-len(e.members), e.event_id))
                self._merge_events(survivor, absorbed)
                report.merged.append((survivor.event_id, absorbed.event_id, round(score, 4)))
                if absorbed is event:
                    break
                event = survivor
        for event_id in recent:
            event = self._events.get(event_id)
            if event is None or event.locked or len(event.members) < 3:
                continue
            group = self._drifted_group(event)
            if group:
                target = self._create_event(self._new_event_id())
                self._move_members(event, target, group)
                report.split.append((event.event_id, target.event_id, tuple(group)))
        return report

    def _recent_events(self, recent_window: float | None) -> list[str]:
        recent = set()
        for record in self._articles.values():
            if record.vector is None:
                continue
            if recent_window is not None and self._clock is not None and record.day is not None:
                if record.day < self._clock - recent_window:
                    continue
            recent.add(record.event_id)
        return sorted(recent)

    def _similar_events(self, event: _Event) -> list[tuple[str, float]]:
        """Events whose centroid is near ``event``'s, with an event-to-event score."""
        centroid = self._centroids[event.row]
        norm = float(np.linalg.norm(centroid))
        if not norm:
            return []
        unit = centroid / norm
        day = event.last_day
        candidates: set[str] = set()
        for article_id, _ in self._neighbours(unit, day):
            candidates.add(self._articles[article_id].event_id)
        scored = []
        for other_id in sorted(candidates - {event.event_id}):
            other = self._events[other_id]
            scored.append((other_id, self._event_pair_score(event, other)))
        scored.sort(key=lambda item: -item[1])
        return scored

    def story_probability(self, a: str, b: str) -> float:
        """P(same happening) for two events, without the event time window: what stories
        are linked by (:mod:`storyline.cluster.storylines`)."""
        return self._event_pair_score(self._event(a), self._event(b), bounded=False)

    def lookalike_probability(self, a: str, b: str) -> float:
        """P(same happening) for two events as if they had happened at the same time: how
        alike they are apart from when (an older look-alike is *related* to a story)."""
        return self._event_pair_score(self._event(a), self._event(b), bounded=False, timeless=True)

    def _event_pair_score(self, a: _Event, b: _Event, *, bounded: bool = True, timeless: bool = False) -> float:
        """P(same event) for two events, from the same scorer: the smaller event plays the
        article (its centroid, its core entities), so merges obey the article rule."""
        small, large = sorted((a, b), key=lambda e: (len(e.members), e.event_id))
        cs, cl = self._centroids[small.row], self._centroids[large.row]
        ns, nl = float(np.linalg.norm(cs)), float(np.linalg.norm(cl))
        dense = float(np.dot(cs, cl) / (ns * nl)) if ns and nl else 0.0
        best_member = max((float(np.dot(cs / ns, self._articles[m].vector)) for m in large.members
                           if ns and self._articles[m].vector is not None), default=dense)
        es = {e for e, c in small.entities.items() if c * 2 >= len(small.members)} or set(small.entities)
        el = {e for e, c in large.entities.items() if c * 2 >= len(large.members)} or set(large.entities)
        total_s, total_l = sum(map(self._idf, es)), sum(map(self._idf, el))
        years_s, years_l = self._core_years(small), self._core_years(large)
        cross_lingual = bool(small.languages and large.languages
                             and not (small.languages.keys() & large.languages.keys()))
        lexical_similarity = self._lexical_cos(self._event_lexical(small), self._event_lexical(large))
        gap = age = None
        if None not in (small.first_day, small.last_day, large.first_day, large.last_day):
            gap = float(max(0, small.first_day - large.last_day, large.first_day - small.last_day))
            age = float(abs(small.first_day - large.first_day))
            if bounded and (gap > self.window_days or age > self.event_span_days):
                return 0.0
        components = {
            "dense_centroid": dense,
            "dense_member": best_member,
            "lexical_centroid": 0.0 if cross_lingual else lexical_similarity,
            "lexical_member": 0.0 if cross_lingual else lexical_similarity,
            "entities": sum(self._idf(e) for e in es & el) / total_s if total_s else 0.0,
            "entity_coverage": sum(self._idf(e) for e in es & el) / total_l if total_l else 0.0,
            "numbers": min(len(set(small.numbers) & set(large.numbers)), 2) / 2,
            "date_conflict": 1.0 if years_s and years_l and not years_s & years_l else 0.0,
            "place_conflict": 1.0 if small.places and large.places
            and not (small.places.keys() & large.places.keys()) else 0.0,
            "dated": 1.0 if gap is not None or timeless else 0.0,
            "gap_log": math.log1p(gap) if gap is not None and not timeless else 0.0,
            "age_log": math.log1p(age) if age is not None and not timeless else 0.0,
            "size_log": math.log1p(len(large.members)),
            "cross_lingual": float(cross_lingual),
        }
        return self._scorer.probability(components)

    def _drifted_group(self, event: _Event) -> list[str]:
        """Members that form a second group far from the event's origin (two-means seeded
        by the earliest member and the member least like it); pinned members stay."""
        active = [m for m in event.members if self._articles[m].vector is not None]
        if len(active) < 3:
            return []
        vectors = np.vstack([self._articles[m].vector for m in active])
        origin = 0  # members are kept in arrival order: the first one founded the event
        far = int(np.argmin(vectors @ vectors[origin]))
        centres = vectors[[origin, far]].copy()
        labels = np.zeros(len(active), dtype=int)
        for _ in range(5):
            labels = np.argmax(vectors @ centres.T, axis=1)
            labels[origin] = 0
            for side in (0, 1):
                if np.any(labels == side):
                    mean = vectors[labels == side].mean(axis=0)
                    centres[side] = mean / (np.linalg.norm(mean) or 1.0)
        moving = [
            m for m, label in zip(active, labels, strict=True) if label == 1 and not self._articles[m].pinned
        ]
        if not moving or len(moving) == len(event.members):
            return []
        if float(np.dot(centres[0], centres[1])) >= self.split_similarity:
            return []
        return moving

    # --- persistence (storyline.cluster.persist) ------------------------------------------

    def to_state(self) -> dict[str, Any]:
        """Everything learned, as JSON-able data (vectors and indexes as base64)."""
        from .persist import clusterer_to_state

        return clusterer_to_state(self)

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> OnlineEventClusterer:
        """Rebuild a clusterer saved by :meth:`to_state`; it continues exactly where it stopped."""
        from .persist import clusterer_from_state

        return clusterer_from_state(cls, state)
