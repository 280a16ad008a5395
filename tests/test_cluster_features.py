import numpy as np
import pytest

from storyline.cluster.features import (
    ArticleFeatures,
    entity_key,
    fallback_features,
    lead_text,
    mentioned_dates,
    salient_numbers,
    surface_entities,
)

DAM_REPORT = (
    "Velmora dam fails after week of rain\n"
    "The Kastov reservoir dam in Velmora province gave way on Tuesday, March 4, 2025, flooding 23 villages, "
    "governor Ilsa Marrenko said. Repairs will cost $40 billion, the Velmora Water Board estimated."
)


def test_entity_keys_meet_across_inflection_and_transliteration():
    assert entity_key("Путина") == entity_key("Putin's") == "putin"
    assert entity_key("Навального") == entity_key("Navalny") == "naval"
    assert entity_key("Шойгу") == entity_key("Shoigu")
    assert entity_key("Zürich") == "zuric"


def test_surface_entities_keep_names_and_drop_common_capitalised_words():
    keys = surface_entities(DAM_REPORT, "en")
    assert {"velmo", "kasto", "ilsa", "marre", "board"} <= keys
    assert not keys & {"the", "tuesd", "march"}


def test_mentioned_dates_are_iso_and_may_be_partial():
    text = "On March 4, 2025 the dam failed; an older one broke in June 2019 and in 2004; records from 2011-11-12."
    assert mentioned_dates(text) == {"2025-03-04", "2019-06", "2004", "2011-11-12"}
    assert mentioned_dates("Землетрясение 12 мая 2010 года") == {"2010-05-12"}


def test_salient_numbers_normalise_amounts_and_skip_years_and_small_counts():
    assert salient_numbers(DAM_REPORT) == {"23", "4e+10"}
    assert salient_numbers("A 6.1 quake hit; 1,200 people and 3 млрд рублей; 15% in 2019") == {
        "6.1",
        "1200",
        "3e+09",
        "15%",
    }


def test_lead_text_adds_the_title_once_and_cuts_the_body():
    assert lead_text("Dam fails", "Dam fails\nWater everywhere now") == "Dam fails Water everywhere now"
    assert lead_text("Dam fails", "one two three four", words=2) == "Dam fails\none two"


def test_fallback_features_use_given_entities_when_there_are_any():
    vector = np.ones(512, dtype=np.float32)
    features = fallback_features("a1", vector, DAM_REPORT, published="2025-03-05", language="en")
    assert "velmo" in features.entities and "2025-03-04" in features.dates and "23" in features.numbers
    assert float(np.linalg.norm(features.vector)) == pytest.approx(1.0)
    given = fallback_features("a1", vector, DAM_REPORT, entities=["Q1", "Q2"])
    assert given.entities == {"Q1", "Q2"}


def test_article_features_coerce_sets_and_normalise():
    features = ArticleFeatures("a", [3.0, 4.0] + [0.0] * 510, entities=["x", "x"])  # type: ignore[arg-type]
    assert features.entities == frozenset({"x"})
    assert features.vector.dtype == np.float32 and features.vector[:2].tolist() == pytest.approx([0.6, 0.8])


def test_fallback_dates_come_from_the_whole_text_unless_asked_for_the_lead():
    vector = np.ones(512, dtype=np.float32)
    report = "Flood waters rose again. " + "More rain fell. " * 50 + "It was the worst flood since 1987."
    whole = fallback_features("a1", vector, report, lead_words=20)
    lead_only = fallback_features("a1", vector, report, lead_words=20, dates_from_full_text=False)
    assert whole.dates == {"1987"} and lead_only.dates == frozenset()


def test_fallback_features_take_enrichment_places_and_dates_when_given():
    vector = np.ones(512, dtype=np.float32)
    given = fallback_features(
        "a1", vector, DAM_REPORT, entities=["Q1"], places=["Q9"], dates=["2025-03-04", "--03-04", ""]
    )
    assert given.places == {"Q9"} and given.dates == {"2025-03-04", "--03-04"}
    bare = fallback_features("a1", vector, DAM_REPORT, places=None, dates=None)
    assert bare.places == frozenset() and "2025-03-04" in bare.dates
