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
