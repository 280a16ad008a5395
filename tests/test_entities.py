"""Entity mention extraction: offsets, titles, languages, long texts."""

from __future__ import annotations

import pytest

from storyline.enrich.entities import (
    EntityRecognizer,
    NerResult,
    _chunks,
    extract_mentions,
    no_model_reason,
    trim_mention,
)


def trimmed(text: str, label: str = "PERSON") -> str:
    start, end = trim_mention(text, 0, len(text), label)
    return text[start:end]


@pytest.mark.parametrize(
    ("span", "label", "expected"),
    [
        ("Defence Minister Sergei Shoigu", "PERSON", "Sergei Shoigu"),
        ("Gen. Charles Brown", "PERSON", "Charles Brown"),
        ("Mr. Pavel Orlov", "PERSON", "Pavel Orlov"),
        ("President Emmanuel Macron", "PERSON", "Emmanuel Macron"),
        ("Dr. Anna Lind's", "PERSON", "Anna Lind"),
        ("Gov.Sarah Palin", "PERSON", "Sarah Palin"),
        ("г-н Иванов", "PERSON", "Иванов"),
        ("президент Владимир Путин", "PERSON", "Владимир Путин"),
        ("John Major", "PERSON", "John Major"),  # a title word as a surname stays
        ("the New York Times", "ORG", "New York Times"),
        ("the Kremlin's", "ORG", "Kremlin"),
        ("«Коммерсантъ»", "ORG", "Коммерсантъ"),
        ("Minister", "PERSON", "Minister"),  # nothing after the title: left for the caller to judge
    ],
)
def test_trim_mention(span, label, expected):
    assert trimmed(span, label) == expected


def test_trim_mention_moves_offsets_inside_the_text():
    text = "Yesterday Defence Minister Sergei Shoigu's plane landed."
    start = text.index("Defence")
    end = text.index(" plane")
    new_start, new_end = trim_mention(text, start, end, "PERSON")
    assert (new_start, new_end) == (27, 40)
    assert text[new_start:new_end] == "Sergei Shoigu"


def test_no_model_reason():
    assert no_model_reason("en") is None
    assert no_model_reason("ru") is None
    assert no_model_reason("en-GB") is None
    assert no_model_reason("de") == "no NER model for language de"
    assert no_model_reason(None) == "no NER model: the article's language is unknown"


def test_unsupported_languages_and_empty_texts_load_no_model():
    results = EntityRecognizer().predict(
        [("a1", "Angela Merkel sprach in Berlin.", "de"), ("a2", "  ", "en")]
    )
    assert results == [
        NerResult("a1", [], "no NER model for language de"),
        NerResult("a2", [], None),
    ]


def test_chunks_cut_at_line_or_sentence_ends_and_cover_the_text():
    text = ("First line of words here.\n" * 10) + ("A sentence goes on. " * 20)
    pieces = list(_chunks(text, 100))
    assert "".join(p for _, p in pieces) == text
    assert all(text[offset : offset + len(p)] == p for offset, p in pieces)
    assert all(len(p) <= 100 for _, p in pieces)
    assert pieces[0][1].endswith("\n")
    assert pieces[-2][1].endswith(".")


@pytest.mark.models
def test_english_mentions():
    text = (
        "Defence Minister Sergei Shoigu met Gen. Charles Brown in Moscow on Monday. "
        "Shoigu's aides said the New York Times (NYT) had reported the talks."
    )
    [mentions] = extract_mentions([("a1", text, "en")])
    assert all(text[m.start : m.end] == m.text and m.article_id == "a1" for m in mentions)
    found = {(m.text, m.label) for m in mentions}
    assert {
        ("Sergei Shoigu", "PERSON"),
        ("Charles Brown", "PERSON"),
        ("Moscow", "LOC"),
        ("Shoigu", "PERSON"),
        ("New York Times", "ORG"),
        ("NYT", "ORG"),
    } <= found
    assert not any(m.text.lower().startswith("the ") or m.text.endswith("'s") for m in mentions)
    assert all(m.normal == m.text for m in mentions)


@pytest.mark.models
def test_russian_mentions_carry_the_nominative():
    text = (
        "Министр обороны Сергей Шойгу встретился с г-ном Ивановым в Министерстве обороны. "
        "Сергея Шойгу видели в Москве."
    )
    [mentions] = extract_mentions([("r1", text, "ru")])
    assert all(text[m.start : m.end] == m.text for m in mentions)
    assert [(m.text, m.label, m.normal) for m in mentions] == [
        ("Сергей Шойгу", "PERSON", "Сергей Шойгу"),
        ("Ивановым", "PERSON", "Иванов"),
        ("Министерстве обороны", "ORG", "Министерство обороны"),
        ("Сергея Шойгу", "PERSON", "Сергей Шойгу"),
        ("Москве", "LOC", "Москва"),
    ]


@pytest.mark.models
def test_batch_keeps_order_and_languages_apart():
    batch = [
        ("ru1", "Анна Петрова приехала в Казань.", "ru"),
        ("de1", "Anna Petrowa kam nach Kasan.", "de"),
        ("en1", "Anna Petrova arrived in Kazan.", "en"),
        ("en2", "it rained all day and nobody came.", "en"),
    ]
    results = EntityRecognizer().predict(batch)
    assert [r.article_id for r in results] == ["ru1", "de1", "en1", "en2"]
    assert [m.text for m in results[0].mentions] == ["Анна Петрова", "Казань"]
    assert results[1].skipped == "no NER model for language de"
    assert [m.text for m in results[2].mentions] == ["Anna Petrova", "Kazan"]
    assert results[3].mentions == [] and results[3].skipped is None


@pytest.mark.models
def test_long_text_is_processed_in_chunks_with_exact_offsets():
    filler = "The committee met again and the weather stayed calm over the harbour. " * 400
    text = "Anna Petrova opened the session.\n" + filler + "\nThe delegates then flew to Kazan.\n" + filler
    [result] = EntityRecognizer(chunk_chars=2_000).predict([("long", text, "en")])
    assert [(m.text, m.label, m.start) for m in result.mentions] == [
        ("Anna Petrova", "PERSON", 0),
        ("Kazan", "LOC", text.index("Kazan")),
    ]
    assert text.index("Kazan") > 10 * 2_000  # found well past the first chunks


@pytest.mark.models
def test_russian_person_span_loses_the_genitive_place_in_front():
    # natasha tags "Велории Марина Светлова" and "Тарсии Олег Бирюков" as one PER span each
    text = (
        "Министр иностранных дел Велории Марина Светлова и глава МИД Тарсии Олег Бирюков "
        "подписали договор в Кальме. Оппозиция в Тарсии выступила против. По словам Бирюкова, это важный шаг."
    )
    [mentions] = extract_mentions([("r1", text, "ru")])
    assert all(text[m.start : m.end] == m.text for m in mentions)
    people = [(m.text, m.normal) for m in mentions if m.label == "PERSON"]
    assert people == [
        ("Марина Светлова", "Марина Светлова"),  # "Велории": genitive before nominative name words
        ("Олег Бирюков", "Олег Бирюков"),  # "Тарсии": a place of the article
        ("Бирюкова", "Бирюков"),
    ]
    places = [m.text for m in mentions if m.label == "LOC"]
    assert places.count("Тарсии") == 2  # the cut place is kept as a place mention
