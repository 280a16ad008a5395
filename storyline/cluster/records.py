"""The online clusterer's records: what it returns (assignments, explanations, event
summaries) and what it keeps per article and per event."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from storyline.cluster.features import ArticleFeatures

__all__ = ["Assignment", "EventSummary", "Explanation", "ReclusterReport", "parse_day"]

Lexical = tuple[np.ndarray, np.ndarray]  # sorted int32 term ids, float32 weights


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
    dateline_day: int | None = None  # the day its text's date line gives, when no publication date was given


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
