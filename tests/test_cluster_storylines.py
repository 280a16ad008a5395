from collections import Counter
from datetime import date

import numpy as np

from storyline.cluster.online import EventSummary
from storyline.cluster.storylines import link_storylines


def event(event_id, direction, day, entities, size=2):
    vector = np.zeros(512, dtype=np.float32)
    vector[direction] = 1.0
    vector[100 + int(event_id[-2:])] = 0.3  # each event differs a little
    ordinal = date.fromisoformat(day).toordinal() if day else None
    return EventSummary(
        event_id=event_id,
        article_ids=tuple(f"{event_id}-a{i}" for i in range(size)),
        centroid=vector / np.linalg.norm(vector),
        entities=Counter({e: size for e in entities}),
        places=Counter(),
        years=Counter(),
        first_day=ordinal,
        last_day=ordinal,
    )


ARREST = event("ev_000003", 0, "2025-01-10", {"verri", "greyp"})
CHARGES = event("ev_000007", 0, "2025-01-24", {"verri", "court"})
TRIAL = event("ev_000020", 0, "2025-04-02", {"verri", "court"})
OLD_CASE = event("ev_000001", 0, "2021-06-01", {"verri", "greyp"})
BAKERY = event("ev_000005", 1, "2025-01-12", {"linde"})
OTHER_NAME = event("ev_000009", 0, "2025-01-15", {"tansk", "porte"})


def test_events_continuing_over_months_form_one_storyline():
    storylines = {s.id: s for s in link_storylines([TRIAL, BAKERY, CHARGES, ARREST])}
    assert storylines["sl_000003"].event_ids == ("ev_000003", "ev_000007", "ev_000020")
    assert storylines["sl_000005"].event_ids == ("ev_000005",)


def test_an_event_years_earlier_is_related_not_merged():
    storylines = {s.id: s for s in link_storylines([ARREST, CHARGES, OLD_CASE])}
    assert storylines["sl_000001"].event_ids == ("ev_000001",)
    assert storylines["sl_000001"].related_event_ids == ("ev_000003", "ev_000007")
    assert storylines["sl_000003"].related_event_ids == ("ev_000001",)


def test_similar_subject_with_other_actors_is_not_linked():
    storylines = link_storylines([ARREST, OTHER_NAME])
    assert [s.event_ids for s in storylines] == [("ev_000003",), ("ev_000009",)]


def test_ids_are_stable_when_events_are_added():
    before = {s.id for s in link_storylines([ARREST, BAKERY])}
    after = {s.id for s in link_storylines([ARREST, BAKERY, CHARGES, TRIAL])}
    assert before == after == {"sl_000003", "sl_000005"}
    assert link_storylines([]) == []
