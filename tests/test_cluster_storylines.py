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
