"""Storylines: events linked over time by the same actors and subject.

Two events belong to one storyline when their centroids are close
(``min_similarity``), they share at least ``min_shared_entities`` of their core
entities (the keys most of an event's articles mention), and they are at most
``max_gap_days`` apart: an arrest, the charges a week later and the trial
months later. Linking is transitive (single link), so a storyline can run for
months while each step is short.

An event that matches but lies further back than ``max_gap_days`` (last year's
earthquake in the same region) is recorded as *related*, never merged.

Storyline ids are "sl_" plus the number of the storyline's oldest event id
("ev_000042" -> "sl_000042"). Event ids never change and a storyline's oldest
event only changes when two storylines join, so ids are stable as events are
added; when two join, the older id survives.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from storyline.cluster.online import EventSummary

__all__ = ["Storyline", "link_storylines"]


@dataclass(frozen=True)
class Storyline:
    id: str
    event_ids: tuple[str, ...]  # in time order (undated events last, by id)
    related_event_ids: tuple[str, ...] = ()


def _core_entities(event: EventSummary) -> set[str]:
    if not event.entities:
        return set()
    core = {e for e, count in event.entities.items() if count * 2 >= event.size}
    return core or {e for e, _ in event.entities.most_common(5)}


def _storyline_id(event_id: str) -> str:
    suffix = event_id[3:] if event_id.startswith("ev_") else event_id
    return f"sl_{suffix}"


def link_storylines(
    events: Sequence[EventSummary],
    *,
    min_similarity: float = 0.5,
    min_shared_entities: int = 1,
    max_gap_days: float = 120.0,
) -> list[Storyline]:
    """Group events into storylines; one storyline per group, singletons included, oldest first."""
    if not events:
        return []
    ordered = sorted(events, key=lambda e: (e.first_day is None, e.first_day or 0, e.event_id))
    ids = [e.event_id for e in ordered]
    centroids = np.vstack([e.centroid for e in ordered]).astype(np.float32)
    norms = np.linalg.norm(centroids, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    similarities = (centroids / norms) @ (centroids / norms).T
    cores = [_core_entities(e) for e in ordered]

    parent = list(range(len(ordered)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    related: list[tuple[int, int]] = []
    for i in range(len(ordered)):
        for j in np.nonzero(similarities[i, i + 1 :] >= min_similarity)[0] + i + 1:
            j = int(j)
            if cores[i] and cores[j] and len(cores[i] & cores[j]) < min_shared_entities:
                continue
            gap = _gap_days(ordered[i], ordered[j])
            if gap is not None and gap > max_gap_days:
                related.append((i, j))
            else:
                parent[find(j)] = find(i)

    groups: dict[int, list[int]] = {}
    for i in range(len(ordered)):
        groups.setdefault(find(i), []).append(i)
    related_of: dict[int, set[str]] = {}
    for i, j in related:
        ri, rj = find(i), find(j)
        if ri != rj:
            related_of.setdefault(ri, set()).add(ids[j])
            related_of.setdefault(rj, set()).add(ids[i])
    storylines = []
    for root, members in groups.items():
        event_ids = tuple(ids[m] for m in members)
        storylines.append(
            Storyline(
                id=_storyline_id(min(event_ids)),
                event_ids=event_ids,
                related_event_ids=tuple(sorted(related_of.get(root, ()))),
            )
        )
    storylines.sort(key=lambda s: s.id)
    return storylines


def _gap_days(a: EventSummary, b: EventSummary) -> float | None:
    if None in (a.first_day, a.last_day, b.first_day, b.last_day):
        return None
    gap = max(0, b.first_day - a.last_day, a.first_day - b.last_day)  # type: ignore[operator]
    return float(gap) if math.isfinite(gap) else None
