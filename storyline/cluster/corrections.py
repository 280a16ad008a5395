"""Analyst corrections (merge, move, split) and the re-examination of recent events, as a
mixin of :class:`storyline.cluster.online.OnlineEventClusterer`; also the event-to-event
probability that merges and stories use.

Corrections are recorded in ``overrides`` and respected: a moved article is pinned and never
moved by :meth:`recluster`, events an analyst split apart are never merged back, and an event
an analyst merged is never split automatically."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from storyline.cluster.records import ReclusterReport, _Event
from storyline.errors import ConfigError, NotFound

__all__ = ["EventCorrections"]


class EventCorrections:
    """Mixed into OnlineEventClusterer: it works on that class's state (see online.py)."""

    _events: dict[str, _Event]
    _articles: dict[str, Any]
    _centroids: np.ndarray
    _dirty_articles: set[str]
    _dirty_events: set[str]
    overrides: list[dict[str, Any]]
    window_days: float
    event_span_days: float
    merge_threshold: float | None
    split_similarity: float | None
    _split_similarity: float  # resolved for the embedding (OnlineEventClusterer._check_params)
    _clock: int | None
    _threshold: float
    _scorer: Any

    # The helpers these methods use live on OnlineEventClusterer.
    _event: Any
    _detach: Any
    _attach: Any
    _retire: Any
    _create_event: Any
    _new_event_id: Any
    _neighbours: Any
    _decide: Any
    _idf: Any
    _core_years: Any
    _lexical_cos: Any
    _event_lexical: Any

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
        # move and split record a cannot-link on both events, so the events that name the absorbed
        # one are those it names: no scan of every event (that made each second-look merge cost
        # ~100 ms at 1M articles, benchmarks/results/clustering.md, round 11)
        for other_id in sorted(absorbed.cannot_link):
            event = self._events.get(other_id)
            if event is not None and absorbed.event_id in event.cannot_link:
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
            raise ConfigError(
                f"splitting all {len(chosen)} articles out of {source.event_id} would leave it empty; "
                "name only the articles that belong elsewhere"
            )
        if not chosen:
            raise ConfigError("split needs at least one article id")
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

    def recluster(self, recent_window: float | None = None, merge_threshold: float | None = None) -> ReclusterReport:
        """Re-examine events active in the last ``recent_window`` days (all events with
        articles still in the index when None): merge events that turned out to be one
        (their event-pair score reaches ``merge_threshold``, else the clusterer's own merge
        threshold), split events whose articles drifted into two groups. Surviving events keep
        their ids; analyst overrides are respected."""
        report = ReclusterReport()
        recent = self._recent_events(recent_window)
        report.examined = len(recent)
        if merge_threshold is None:
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
                # an article an analyst placed stays where it was put: its event may take others in,
                # never be absorbed (two such events are left as the analyst left them)
                placed = [any(self._articles[m].pinned for m in e.members) for e in (event, other)]
                if all(placed):
                    continue
                survivor, absorbed = sorted((event, other), key=lambda e: (-len(e.members), e.event_id))
                if any(self._articles[m].pinned for m in absorbed.members):
                    survivor, absorbed = absorbed, survivor
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

    def look_again(self, batch: Sequence[Any]) -> dict[str, Any]:
        """Decide again, once the whole batch is in, for each article of ``batch`` (its
        ArticleFeatures, in arrival order: the articles that opened an event in this batch)
        that is still alone in it: an article that came before the rest of its event was
        compared with less than the event became. It joins the best other event by the same
        rule and threshold as on arrival, and its one-article event is retired (an alias of the
        one it joined). Returns the new Assignment of each article that moved."""
        moved: dict[str, Any] = {}
        for features in batch:
            record = self._articles.get(features.article_id)
            if record is None or record.pinned:
                continue
            own = self._events.get(record.event_id)
            if own is None or own.locked or len(own.members) != 1:
                continue
            assignment, _ = self._decide(features, exclude=own.event_id)
            target = self._events[assignment.event_id] if not assignment.is_new else None
            if target is None or own.event_id in target.cannot_link:
                continue
            self._merge_events(target, own)
            # --why says so: the article joined on the second look, not on arrival
            moved[features.article_id] = dataclasses.replace(assignment, explanation=dataclasses.replace(
                assignment.explanation, note="second look: alone on arrival, joined once its batch was in"))
        return moved

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
        if float(np.dot(centres[0], centres[1])) >= self._split_similarity:
            return []
        return moving
