"""Entities under web noise: no mention across a line break; demonyms are not name spellings."""

from __future__ import annotations

from storyline.enrich.entities import line_pieces
from storyline.enrich.names import demonym_pair


def test_line_pieces_cut_a_span_at_its_line_breaks():
    text = "Harbor Council\nTobias Renn said"
    assert line_pieces(text, 0, 26) == [(0, 14), (15, 26)]
    assert line_pieces(text, 0, 14) == [(0, 14)]
    assert line_pieces("A\n\nB", 0, 4) == [(0, 1), (3, 4)]


def test_demonyms_and_adjectives_are_not_spellings_of_a_country():
    assert demonym_pair("Russia", "Russian")
    assert demonym_pair("Ukrainian", "Ukraine")
    assert demonym_pair("China", "Chinese")
    assert not demonym_pair("Arkady", "Arkadiy")
    assert not demonym_pair("Lavrov", "Lavrova")
    assert not demonym_pair("Volkovsky", "Volkovskiy")


def test_no_name_spelling_finding_between_a_country_and_its_adjective():
    from storyline.report.discrepancies import _variant_of

    assert not _variant_of("Russia", "Russian")
    assert _variant_of("Voloshenko", "Voloshchenko")


def test_the_cases_of_a_russian_name_are_one_spelling():
    from storyline.report.discrepancies import _same_spelling

    assert _same_spelling("Юрий", "Юрия") and _same_spelling("Юрия", "Юрию")
    assert _same_spelling("Корнеева", "Корнеевой")
    assert not _same_spelling("Олег", "Ольга")
    assert not _same_spelling("Завадский", "Заводской")


def test_a_tag_line_never_becomes_one_invented_person():
    import pytest

    pytest.importorskip("spacy")
    from storyline.enrich.entities import extract_mentions

    text = ("Velmont Party\nTobias Renn\nIlse Marandi\n"
            "The harbour council of Orla met on Monday, and Tobias Renn said the vote would wait.\n")
    mentions = extract_mentions([("a", text, "en")])[0]
    assert all("\n" not in m.text for m in mentions)


def test_transliteration_key_joins_the_spellings_of_one_name_word():
    from storyline.enrich.names import translit_key

    assert translit_key("Zhukovskiy") == translit_key("Jukovsky") == translit_key("Zhukovskii")
    assert translit_key("Pelosi") == translit_key("Pelosie") == translit_key("Pelosey")
    assert translit_key("Yulia") == translit_key("Iulia")
    assert translit_key("Smith") != translit_key("Smyth")


def test_surname_variants_merge_within_an_article_when_given_names_agree():
    from storyline.enrich.canonical import EntityResolver
    from storyline.model import Mention

    text = ("Konrad Volkovsky spoke first. Later Konrad Volkovskiy said more. Volkovskii agreed. "
            "Marta Volkovskaya left early.")
    mentions = []
    for name in ("Konrad Volkovsky", "Konrad Volkovskiy", "Volkovskii", "Marta Volkovskaya"):
        at = text.find(name)
        mentions.append(Mention("a", at, at + len(name), name, "PERSON"))
    resolution = EntityResolver().resolve({"a": mentions}, texts={"a": text})
    ids = [resolution.entity_id(m) for m in mentions]
    assert ids[0] == ids[1] == ids[2]
    assert ids[3] != ids[0]
