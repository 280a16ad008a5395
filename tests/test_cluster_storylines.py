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
