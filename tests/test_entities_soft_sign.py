"""Round 13: names spelled with a soft-sign apostrophe, a title before a name the model types as a
place, and a French transliteration, through mentions, the resolver and the product path.

Every text here is invented."""

from __future__ import annotations

import pytest

import storyline
from storyline.enrich.entities import _ner_word, extract_mentions, mentions_from_doc, titled_name_split

FERRY = (
    "A fire on a river ferry near Dolmask injured nine people, Velsk Governor Pavel Pel'shin said on Tuesday.\n\n"
    "«All passengers have been taken ashore», Pel'shin said.\n\n"
    "Opposition deputies criticised a plan by Governor Pavel Pel'shin to build a new pier."
)


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("Pel'shin", "Pelshin"),
        ("Il'ya", "Ilya"),
        ("Tat’yana", "Tatyana"),  # a curly apostrophe
        ("Vasil'ev", "Vasilev"),
        ("O'Brien", "O'Brien"),  # before a capital: not a soft sign
        ("D'Angelo", "D'Angelo"),
        ("Sana'a", "Sana'a"),  # one letter after it
        ("We're", "We're"),  # a contraction
        ("rock'n'roll", "rock'n'roll"),  # not a name
    ],
)
def test_the_model_reads_a_soft_sign_apostrophe_as_no_letter(word, expected):
    assert _ner_word(word) == expected


@pytest.mark.parametrize(
    ("span", "head", "name"),
    [
        ("Velsk Governor Pavel Pel'shin", "Velsk", "Pavel Pel'shin"),
        ("Texas Gov. Greg Abbott", "Texas", "Greg Abbott"),
        ("Deputy Prime Minister Ivan Ivanov", None, "Ivan Ivanov"),
        ("Governor Pavel Pelshin", None, "Pavel Pelshin"),
        ("Mayor Daley Center", None, None),  # a building's name
        ("King George Island", None, None),  # "King" opens places' names too
        ("President Kennedy", None, None),  # one word after the title
        ("Ministry of Defence", None, None),
    ],
)
def test_a_title_inside_an_organisation_span_splits_off_the_name(span, head, name):
    found = titled_name_split(span, 0, len(span))
    if name is None:
        assert found is None
        return
    got_head, got_name = found
    assert (span[slice(*got_head)] if got_head else None, span[slice(*got_name)]) == (head, name)


@pytest.mark.models
def test_soft_sign_names_are_found_by_the_recognizer_and_by_enrichment():
    from storyline.stages import english_docs

    [found] = extract_mentions([("f1", FERRY, "en")])
    [doc] = english_docs([FERRY])
    for mentions in (found, mentions_from_doc("f1", FERRY, doc)):
        assert all(FERRY[m.start : m.end] == m.text for m in mentions)
        people = [m.text for m in mentions if m.label == "PERSON"]
        # before: no mention at all of Pel'shin in any of the three sentences
        assert people.count("Pavel Pel'shin") == 2
        assert "Pel'shin" in people


@pytest.mark.models
def test_every_spelling_finds_the_governor_and_all_his_quotes(tmp_path, settings):
    from .conftest import write

    write(tmp_path / "in", "interfax.txt", "Ferry fire near Dolmask\n" + FERRY + "\n")
    write(tmp_path / "in", "ria.txt", "Nine hurt in ferry fire\nNine people suffered in a fire on a ferry in the "
          "Velsk region, the governor Pavel Pelchine reported.\n\n— All passengers were evacuated, — said "
          "Pelchine.\n")
    write(tmp_path / "in", "herald.txt", "Velsk governor on the ferry fire\nGovernor Pavel Pelshin said on "
          "Wednesday the ferry had passed its inspection. \"We will find the cause,\" Pelshin said.\n")
    with storyline.open_store(tmp_path / "s.db") as store:
        storyline.ingest(store, [tmp_path / "in"], settings=settings)
        storyline.run_pipeline(store, settings)
        ids = {storyline.find_entity(store, name)["id"]
               for name in ("Pel'shin", "Pel’shin", "Pelshin", "Pelchine", "Pavel Pelchine", "Пельшин")}
        assert len(ids) == 1
        [entity_id] = ids
        entity = storyline.find_entity(store, "Pelshin")
        assert entity["type"] == "PERSON"  # "Pavel Pelchine" after "the governor" was typed LOC
        said = [q for q in store.quotes() if entity_id == q.speaker_entity_id]
        assert len(said) >= 4  # two in each wire copy at least
        assert not [q for q in store.quotes() if q.speaker and "Pel" in q.speaker and q.speaker_entity_id is None]
