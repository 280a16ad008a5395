"""Transliteration spellings of one name join within an article (issue 9, names under noise)."""

from __future__ import annotations

import re

from storyline.enrich.canonical import EntityResolver
from storyline.model import Mention

TEXT = ("Demi met Sydney Hale in Kessan. Demie said the talks went well. Later Sydnie left. "
        "Katie Orr and Katey Orr spoke. Tanour Barry and Ibrahima Barri met.")


def _mention(text: str, words: str, occurrence: int = 0) -> Mention:
    start = [m.start() for m in re.finditer(rf"\b{re.escape(words)}\b", text)][occurrence]
    return Mention("a1", start, start + len(words), words, "PERSON", normal=words)


def _entities(*words: str) -> dict[str, str]:
    mentions = [_mention(TEXT, w) for w in words]
    resolution = EntityResolver().resolve({"a1": mentions}, texts={"a1": TEXT})
    return {m.text: m.entity_id for m in resolution.annotate(mentions)}


def test_a_lone_name_and_its_respelling_are_one_person():
    got = _entities("Demi", "Demie")
    assert got["Demi"] == got["Demie"]


def test_a_first_name_spelled_another_way_joins_the_one_person_with_it():
    got = _entities("Sydney Hale", "Sydnie")
    assert got["Sydney Hale"] == got["Sydnie"]


def test_full_names_whose_given_names_are_spellings_of_one_name_join():
    got = _entities("Katie Orr", "Katey Orr")
    assert got["Katie Orr"] == got["Katey Orr"]


def test_other_given_names_keep_two_people_apart():
    got = _entities("Tanour Barry", "Ibrahima Barri")
    assert got["Tanour Barry"] != got["Ibrahima Barri"]


def test_a_respelled_surname_typed_as_an_organisation_joins_the_person():
    text = "Sven Baertschi scored twice. Baertschie said the ice was soft. Tony Harris agreed, Toniy added."
    mentions = [_mention(text, "Sven Baertschi"), _mention(text, "Tony Harris")]
    for words in ("Baertschie", "Toniy"):
        start = text.index(words)
        mentions.append(Mention("a1", start, start + len(words), words, "ORG", normal=words))
    resolution = EntityResolver().resolve({"a1": mentions}, texts={"a1": text})
    got = {m.text: (m.entity_id, m.label) for m in resolution.annotate(mentions)}
    assert got["Baertschie"][0] == got["Sven Baertschi"][0]
    assert got["Toniy"][0] == got["Tony Harris"][0]


def test_an_organisation_whose_name_is_not_a_spelling_of_a_person_stays_an_organisation():
    text = "Sven Baertschi signed with Kessan Energy. Kessan said the deal was done."
    start = text.index("Kessan said")
    mentions = [_mention(text, "Sven Baertschi"), Mention("a1", start, start + 6, "Kessan", "ORG", normal="Kessan")]
    resolution = EntityResolver().resolve({"a1": mentions}, texts={"a1": text})
    got = {m.text: m.entity_id for m in resolution.annotate(mentions)}
    assert got["Kessan"] != got["Sven Baertschi"]


def test_the_same_word_typed_as_a_place_is_not_a_respelling():
    text = "Michael Jordan flew to Amman. Jordan closed its border on Monday."
    start = text.index("Jordan closed")
    mentions = [_mention(text, "Michael Jordan"), Mention("a1", start, start + 6, "Jordan", "LOC", normal="Jordan")]
    resolution = EntityResolver().resolve({"a1": mentions}, texts={"a1": text})
    got = {m.text: (m.entity_id, m.label) for m in resolution.annotate(mentions)}
    assert got["Jordan"][1] == "LOC"
