from collections import Counter
from datetime import date

import numpy as np

from storyline.cluster.online import EventSummary
from storyline.cluster.storylines import link_storylines


def event(event_id, direction, day, size=2):
    vector = np.zeros(512, dtype=np.float32)
    vector[direction] = 1.0
    vector[100 + int(event_id[-2:])] = 0.3  # each event differs a little
    ordinal = date.fromisoformat(day).toordinal() if day else None
    return EventSummary(
        event_id=event_id,
        article_ids=tuple(f"{event_id}-a{i}" for i in range(size)),
        centroid=vector / np.linalg.norm(vector),
        entities=Counter(),
        places=Counter(),
        years=Counter(),
        first_day=ordinal,
        last_day=ordinal,
    )


# An invented strike story: the walkout, the ministry's reaction, the deal; a bakery prize
# the same week; and the same union's strike four years earlier.
WALKOUT = event("ev_000003", 0, "2025-01-10")
REACTION = event("ev_000007", 0, "2025-01-12")
DEAL = event("ev_000008", 0, "2025-01-20")
BAKERY = event("ev_000005", 1, "2025-01-11")
OLD_STRIKE = event("ev_000001", 0, "2021-06-01")

# Pair probabilities as the scorer would give them (symmetric).
PROBABILITY = {
    frozenset({"ev_000003", "ev_000007"}): 0.9,
    frozenset({"ev_000003", "ev_000008"}): 0.6,
    frozenset({"ev_000007", "ev_000008"}): 0.7,
    frozenset({"ev_000001", "ev_000003"}): 0.8,
    frozenset({"ev_000001", "ev_000007"}): 0.2,
    frozenset({"ev_000001", "ev_000008"}): 0.2,
}


def score(a, b):
    return PROBABILITY.get(frozenset({a, b}), 0.0)


def test_an_event_and_its_follow_ups_form_one_story():
    stories = {s.id: s for s in link_storylines([DEAL, BAKERY, REACTION, WALKOUT], score)}
    assert stories["sl_000003"].event_ids == ("ev_000003", "ev_000007", "ev_000008")
    assert stories["sl_000005"].event_ids == ("ev_000005",)


def test_an_event_years_earlier_is_related_never_a_member():
    stories = {s.id: s for s in link_storylines([WALKOUT, REACTION, OLD_STRIKE], score)}
    assert stories["sl_000001"].event_ids == ("ev_000001",)
    assert stories["sl_000001"].related_event_ids == ("ev_000003",)
    assert stories["sl_000003"].event_ids == ("ev_000003", "ev_000007")
    assert stories["sl_000003"].related_event_ids == ("ev_000001",)


def test_average_linkage_does_not_chain_through_one_strong_pair():
    # The deal matches the reaction well but the walkout weakly: the mean (0.35) decides.
    weak = {**PROBABILITY, frozenset({"ev_000003", "ev_000008"}): 0.0}
    stories = link_storylines([WALKOUT, REACTION, DEAL], lambda a, b: weak.get(frozenset({a, b}), 0.0),
                              threshold=0.5)
    assert [s.event_ids for s in stories] == [("ev_000003", "ev_000007"), ("ev_000008",)]


def test_a_follow_up_beyond_the_gap_starts_a_new_story():
    late_deal = event("ev_000008", 0, "2025-03-20")
    stories = link_storylines([WALKOUT, REACTION, late_deal], score, max_gap_days=21)
    assert [s.event_ids for s in stories] == [("ev_000003", "ev_000007"), ("ev_000008",)]


def test_ids_are_stable_when_events_are_added():
    before = {s.id for s in link_storylines([WALKOUT, BAKERY], score)}
    after = {s.id for s in link_storylines([WALKOUT, BAKERY, REACTION, DEAL], score)}
    assert before == after == {"sl_000003", "sl_000005"}
    assert link_storylines([], score) == []


def _previous(stories):
    return {e: s.id for s in stories for e in s.event_ids}


def test_relinking_from_a_point_equals_linking_everything():
    """A later batch relinks only the events after the earliest change, and gets the stories a
    full linking would give (the scores of earlier pairs are unchanged)."""
    from storyline.cluster.storylines import relink_storylines, sort_key

    first = relink_storylines([OLD_STRIKE, WALKOUT, BAKERY], score, threshold=0.5, max_gap_days=21)
    everything = [OLD_STRIKE, WALKOUT, BAKERY, REACTION, DEAL]
    full = link_storylines(everything, score, threshold=0.5, max_gap_days=21)
    later = relink_storylines(everything, score, threshold=0.5, max_gap_days=21,
                              from_key=sort_key(REACTION.first_day, REACTION.event_id),
                              previous_story=_previous(first.storylines), previous_links=first.links)
    assert later.relinked == frozenset({"ev_000007", "ev_000008"})
    assert later.storylines == full
    assert later.links == []  # the old strike's link was found by the first run and is kept by the caller
    assert {s.id: s.related_event_ids for s in later.storylines}["sl_000001"] == ("ev_000003",)


def test_an_event_that_moves_earlier_relinks_from_its_new_place():
    from storyline.cluster.storylines import relink_storylines, sort_key

    first = relink_storylines([WALKOUT, BAKERY, REACTION], score, threshold=0.5, max_gap_days=21)
    bakery_earlier = event("ev_000005", 1, "2025-01-09")
    events = [WALKOUT, bakery_earlier, REACTION]
    start = min(sort_key(BAKERY.first_day, "ev_000005"), sort_key(bakery_earlier.first_day, "ev_000005"))
    later = relink_storylines(events, score, threshold=0.5, max_gap_days=21, from_key=start,
                              previous_story=_previous(first.storylines), previous_links=first.links)
    assert later.relinked == frozenset({"ev_000005", "ev_000003", "ev_000007"})
    assert later.storylines == link_storylines(events, score, threshold=0.5, max_gap_days=21)


def _exhaustive_stories(events, score, threshold, max_gap_days):
    """The linking rule as first written: every earlier event scored, no pruning, no bound."""
    ordered = sorted(events, key=lambda e: (e.first_day is None, e.first_day or 0, e.event_id))
    stories, story_of = [], []
    for i, ev in enumerate(ordered):
        best, best_mean = None, threshold
        for s, members in enumerate(stories):
            gaps = [max(0, ev.first_day - ordered[m].last_day, ordered[m].first_day - ev.last_day)
                    for m in members if None not in (ev.first_day, ordered[m].first_day)]
            if gaps and min(gaps) > max_gap_days:
                continue
            near = [m for m in members if float(ordered[m].centroid @ ev.centroid) >= 0.3]
            if not near:
                continue
            mean = sum(score(ordered[m].event_id, ev.event_id) for m in near) / len(members)
            if mean >= best_mean:
                best, best_mean = s, mean
        if best is None:
            stories.append([i])
            story_of.append(len(stories) - 1)
        else:
            stories[best].append(i)
            story_of.append(best)
    return sorted(tuple(ordered[m].event_id for m in members) for members in stories)


def test_pruned_linking_groups_exactly_as_scoring_every_earlier_event():
    """Skipping stories out of the gap, or with too few near members to reach the threshold,
    changes nothing: 60 random events over 90 days, random pair probabilities."""
    rng = np.random.default_rng(7)
    topics = rng.normal(size=(4, 512)).astype(np.float32)
    events, probability = [], {}
    for k in range(60):
        vector = topics[k % 4] + 0.8 * rng.normal(size=512).astype(np.float32)
        day = None if k % 13 == 0 else 739000 + int(rng.integers(0, 90))
        events.append(EventSummary(event_id=f"ev_{k:06d}", article_ids=(f"a{k}",),
                                   centroid=vector / np.linalg.norm(vector), entities=Counter(),
                                   places=Counter(), years=Counter(), first_day=day, last_day=day))
    for a in events:
        for b in events:
            probability.setdefault(frozenset({a.event_id, b.event_id}), float(rng.random()) ** 0.3)

    def random_score(a, b):
        return probability[frozenset({a, b})]

    for threshold in (0.5, 0.8):
        linked = sorted(s.event_ids for s in link_storylines(events, random_score, threshold=threshold,
                                                             max_gap_days=10, related_top_k=60))
        assert linked == _exhaustive_stories(events, random_score, threshold, 10)
        assert any(len(s) > 1 for s in linked) and len(linked) > 4


def test_only_the_nearest_older_lookalikes_are_checked():
    """Related links are looked for among the related_top_k earlier events most like the new one
    beyond the story gap, so a bulk load costs the same per event however many look-alikes
    the corpus holds: with k = 2 the least alike of three old strikes is not linked."""
    def strike(event_id, day, drift):
        vector = np.zeros(512, dtype=np.float32)
        vector[0], vector[200] = 1.0, drift
        ordinal = date.fromisoformat(day).toordinal()
        return EventSummary(event_id=event_id, article_ids=(f"{event_id}-a0",),
                            centroid=vector / np.linalg.norm(vector), entities=Counter(), places=Counter(),
                            years=Counter(), first_day=ordinal, last_day=ordinal)

    olds = [strike("ev_000011", "2019-03-01", 0.1), strike("ev_000012", "2020-03-01", 0.2),
            strike("ev_000013", "2021-03-01", 0.9)]
    new = strike("ev_000020", "2025-01-10", 0.0)

    def alike(a, b):
        return 0.95

    def related_of(k):
        stories = {s.id: s for s in link_storylines([*olds, new], lambda a, b: 0.0, related=alike,
                                                    threshold=0.9, related_top_k=k)}
        return stories["sl_000020"].related_event_ids

    assert related_of(10) == ("ev_000011", "ev_000012", "ev_000013")
    assert related_of(2) == ("ev_000011", "ev_000012")


def _random_events(rng, n, days, topics):
    events = []
    for k in range(n):
        vector = topics[k % len(topics)] + 0.8 * rng.normal(size=512).astype(np.float32)
        day = None if k % 29 == 0 else 739000 + int(rng.integers(0, days))
        events.append(EventSummary(event_id=f"ev_{k:06d}", article_ids=(f"a{k}",),
                                   centroid=vector / np.linalg.norm(vector), entities=Counter(),
                                   places=Counter(), years=Counter(), first_day=day, last_day=day))
    return events


def test_a_batch_rescores_only_events_near_a_change_and_links_as_a_full_pass():
    """With the changed events named, unchanged events after the change keep their story
    unscored unless a story near them changed; the stories equal a full linking of the new
    state (200 random events over 300 days; 3 changed, 4 new, 1 vanished around day 150)."""
    from storyline.cluster.storylines import relink_storylines, sort_key

    rng = np.random.default_rng(11)
    topics = rng.normal(size=(12, 512)).astype(np.float32)
    events = _random_events(rng, 200, 300, topics)
    probability = {}

    def random_score(a, b):
        key = frozenset({a, b})
        if key not in probability:
            probability[key] = float(rng.random()) ** 0.25
        return probability[key]

    first = relink_storylines(events, random_score, threshold=0.6, max_gap_days=10)
    by_day = sorted((e for e in events if e.first_day is not None), key=lambda e: e.first_day)
    middle = by_day[100:103]
    vanished = by_day[110]
    changed_events = {}
    for e in middle:  # an event that grew: a new centroid, new scores with everyone
        vector = e.centroid + 0.5 * topics[0]
        changed_events[e.event_id] = EventSummary(
            event_id=e.event_id, article_ids=(*e.article_ids, "extra"), centroid=vector / np.linalg.norm(vector),
            entities=Counter(), places=Counter(), years=Counter(), first_day=e.first_day, last_day=e.first_day + 1)
        for key in [k for k in probability if e.event_id in k]:
            del probability[key]
    fresh = _random_events(rng, 4, 1, topics)
    fresh = [EventSummary(event_id=f"ev_9{k:05d}", article_ids=(f"n{k}",), centroid=f.centroid, entities=Counter(),
                          places=Counter(), years=Counter(), first_day=middle[0].first_day,
                          last_day=middle[0].first_day) for k, f in enumerate(fresh)]
    after = [changed_events.get(e.event_id, e) for e in events if e.event_id != vanished.event_id] + fresh
    touched = [*changed_events.values(), *fresh]
    keys = [sort_key(e.first_day, e.event_id) for e in [*touched, *middle, vanished]]
    later = relink_storylines(after, random_score, threshold=0.6, max_gap_days=10, from_key=min(keys),
                              previous_story=_previous(first.storylines), previous_links=first.links,
                              changed={e.event_id for e in touched} | {vanished.event_id})
    full = relink_storylines(after, random_score, threshold=0.6, max_gap_days=10)
    assert sorted(s.event_ids for s in later.storylines) == sorted(s.event_ids for s in full.storylines)
    assert any(len(s.event_ids) > 1 for s in full.storylines)
    assert len(later.relinked) > 90 and later.redecided < 0.6 * len(later.relinked)
