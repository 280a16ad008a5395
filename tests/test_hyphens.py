"""Stray-hyphen repair: joins, keeps, line breaks, evidence, Russian, offsets."""

from __future__ import annotations

import pytest

from storyline.clean.hyphens import WordEvidence, hyphen_repairs
from storyline.model import Edit, apply_edits


def repaired(text: str, evidence: WordEvidence | None = None, language: str = "en") -> str:
    return apply_edits(text, hyphen_repairs(text, evidence, language=language))[0]


@pytest.mark.parametrize(
    ("split", "word"),
    [
        ("gov-ernment", "government"),
        ("pres-ident", "president"),
        ("negotiat-ions", "negotiations"),
        ("Lav-rov", "Lavrov"),
        ("Kre-mlin", "Kremlin"),
        ("re-port", "report"),  # a prefix, but "port" alone does not explain "report"
        ("a-head", "ahead"),  # a single letter, then a word
        ("kiss-ed", "kissed"),  # a suffix after the hyphen
    ],
)
def test_joins_words_split_by_a_stray_hyphen(split: str, word: str) -> None:
    assert repaired(f"The {split} spoke on Tuesday.") == f"The {word} spoke on Tuesday."


@pytest.mark.parametrize(
    "compound",
    [
        "well-known",
        "anti-aircraft",
        "pro-Western",
        "Lieutenant-General",
        "EU-brokered",
        "Su-35",
        "long-term",
        "so-called",
        "co-founder",
        "re-election",
        "ceasefire-related",
        "40-year-old",
        "mid-March",
        "self-defence",
        "e-mail",
        "T-shirt",
        "x-ray",
        "op-ed",
        "day-to-day",
        "Mar-a-Lago",
    ],
)
def test_keeps_genuine_compounds(compound: str) -> None:
    text = f"The {compound} story ran."
    assert hyphen_repairs(text) == []


def test_edit_covers_exactly_the_hyphen() -> None:
    text = "The gov-ernment fell."
    assert hyphen_repairs(text) == [
        Edit(7, 8, "", "hyphen repair: gov-ernment -> government (joined word more common than its parts)")
    ]


def test_line_end_hyphen_is_removed_with_the_line_break_and_spaces() -> None:
    text = "The gov-\nernment and the gov- \r\n  ernment met."
    edits = hyphen_repairs(text)
    assert [(e.start, e.end, e.replacement) for e in edits] == [(7, 9, ""), (28, 34, "")]
    assert repaired(text) == "The government and the government met."


def test_compound_broken_at_a_line_end_keeps_its_hyphen_only() -> None:
    assert repaired("A well-\nknown envoy.") == "A well-known envoy."


def test_a_line_end_hyphen_between_two_words_joins_when_the_joined_word_is_common() -> None:
    # "week" and "end" are both commoner than "weekend": inline the hyphen stays (a compound is as
    # likely), at a line end print's hyphenation makes the split the likelier reading.
    assert repaired("Last week-end the ferry ran late.") == "Last week-end the ferry ran late."
    assert repaired("Last week-\nend the ferry ran late.") == "Last weekend the ferry ran late."
    assert repaired("A Thanks-\ngiving dinner.") == "A Thanksgiving dinner."


def test_a_compound_that_is_no_single_word_keeps_its_hyphen_at_a_line_end() -> None:
    assert repaired("The state-\nrun port reopened.") == "The state-run port reopened."
    assert repaired("A long-\nterm plan.") == "A long-term plan."


def test_a_capitalised_short_word_inside_a_chain_is_no_phrase_word() -> None:
    assert repaired("Five pan-Can-\nadian groups met.") == "Five pan-Canadian groups met."
    assert repaired("The day-to-day work.") == "The day-to-day work."
    assert repaired("Face-To-Face Talks Resume") == "Face-To-Face Talks Resume"
    assert repaired("THE DAY-TO-DAY WORK") == "THE DAY-TO-DAY WORK"


def test_hyphen_before_a_blank_line_is_left_alone() -> None:
    text = "the gov-\n\nernment"
    assert hyphen_repairs(text) == []


def test_spaced_dash_is_left_alone() -> None:
    text = "Tarvo Keskula - the envoy - arrived."
    assert hyphen_repairs(text) == []


def test_split_inside_a_compound_is_joined_and_the_compound_kept() -> None:
    assert repaired("A well-kno-wn envoy.") == "A well-known envoy."


def test_addresses_keep_their_hyphens() -> None:
    text = "See www.north-gate.example or write to press@north-gate.example or /news/gov-ernment today."
    assert hyphen_repairs(text) == []


def test_a_name_before_the_agency_slash_of_a_photo_credit_is_no_address() -> None:
    # a path segment has an address character in front ("/news/gov-ernment/"), a credit's name a space
    assert repaired("(Photo: Orla Vaug-\nhan/Kessan Press)") == "(Photo: Orla Vaughan/Kessan Press)"
    assert hyphen_repairs("read example.org/news/gov-ernment/ today") == []


def test_name_seen_unhyphenated_elsewhere_in_the_document_is_joined() -> None:
    # "Brandmoor" is unknown to the word list and both halves are words, so
    # only the document can tell.
    alone = "Minister Brand-moor said no."
    assert hyphen_repairs(alone) == []
    text = "Minister Brandmoor arrived. Later Brand-moor said no."
    assert repaired(text) == "Minister Brandmoor arrived. Later Brandmoor said no."


def test_hyphenated_form_repeated_in_the_document_is_kept() -> None:
    once = "Sales moved on-line last year."
    assert repaired(once) == "Sales moved online last year."
    text = "Sales moved on-line. The on-line shop grew. Its on-line team hired."
    assert hyphen_repairs(text) == []


def test_corpus_evidence_is_merged_with_the_document() -> None:
    text = "Later Brand-moor said no."
    corpus = WordEvidence.from_texts(["Minister Brandmoor arrived.", "Brandmoor left."])
    evidence = WordEvidence.from_text(text).merged(corpus)
    assert repaired(text, evidence) == "Later Brandmoor said no."


def test_word_evidence_counts_words_and_hyphenated_forms() -> None:
    evidence = WordEvidence.from_text("The well-known Envoy met the envoy. A gov-\nernment fell.")
    assert evidence.word_count("ENVOY") == 2
    assert evidence.hyphenated_count("Well", "Known") == 1
    assert evidence.hyphenated_count("gov", "ernment") == 0  # a line-end hyphen is layout
    corpus = WordEvidence()
    merged = evidence.merged(corpus)
    corpus.add_text("envoy well-known")
    assert merged.word_count("envoy") == 3
    assert merged.hyphenated_count("well", "known") == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Это прави-тельство решило.", "Это правительство решило."),
        ("Это прави-\nтельство решило.", "Это правительство решило."),
        ("Глава мини-стерства выступил.", "Глава министерства выступил."),
        ("Северо-запад и кто-то по-русски.", "Северо-запад и кто-то по-русски."),
        ("Генерал-лейтенант прибыл в Ростов-на-Дону.", "Генерал-лейтенант прибыл в Ростов-на-Дону."),
        ("Вице-премьер сказал из-за погоды.", "Вице-премьер сказал из-за погоды."),
    ],
)
def test_russian(text: str, expected: str) -> None:
    assert repaired(text, language="ru") == expected


def test_language_without_word_list_uses_document_evidence_only() -> None:
    # Swahili: wordfreq has no list, so only the document decides.
    assert hyphen_repairs("Seri-kali ilisema.", language="sw") == []
    assert repaired("Serikali ilisema. Seri-kali ilikubali.", language="sw") == (
        "Serikali ilisema. Serikali ilikubali."
    )
    # A line-end hyphen is usually a split word in print.
    assert repaired("Seri-\nkali ilisema.", language="sw") == "Serikali ilisema."
    # An undetected language (None) is treated the same way.
    assert repaired("Serikali ilisema. Seri-kali ilikubali.", language=None) == (
        "Serikali ilisema. Serikali ilikubali."
    )


def test_apply_edits_gives_clean_text_and_offsets_back_to_the_raw_text() -> None:
    raw = (
        "The well-known envoy Tarvo Keskula told the Northgate Courier that the gov-\n"
        "ernment's pres-ident backed the EU-brokered, long-term deal in mid-March, "
        "while Lav-rov's pro-Western critics stayed quiet."
    )
    clean, offsets = apply_edits(raw, hyphen_repairs(raw))
    assert clean == (
        "The well-known envoy Tarvo Keskula told the Northgate Courier that the "
        "government's president backed the EU-brokered, long-term deal in mid-March, "
        "while Lavrov's pro-Western critics stayed quiet."
    )
    president = clean.index("president")
    assert raw[offsets.to_source(president) : offsets.to_source(president) + 4] == "pres"
    ident = president + len("pres")
    assert raw[offsets.to_source(ident) : offsets.to_source(ident) + 5] == "ident"


def test_text_without_hyphens_gives_no_edits() -> None:
    assert hyphen_repairs("No hyphen here at all.") == []
