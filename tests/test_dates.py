"""Date mentions: exact spans, values normalised against the publication date."""

from __future__ import annotations

import pytest

from storyline.enrich.dates import extract_dates, parse_published

PUBLISHED = "2022-03-05"  # a Saturday


def found(
    text: str, language: str = "en", published: str | None = PUBLISHED
) -> list[tuple[str, str | None, str]]:
    mentions = extract_dates("a1", text, language, published)
    for m in mentions:
        assert text[m.start : m.end] == m.text
    return [(m.text, m.value, m.granularity) for m in mentions]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The deal was signed on 3 March 2022.", [("3 March 2022", "2022-03-03", "day")]),
        ("The deal was signed on March 3, 2022.", [("March 3, 2022", "2022-03-03", "day")]),
        ("Talks resumed on March 3.", [("March 3", "2022-03-03", "day")]),
        ("Talks resumed on Mar. 3rd.", [("Mar. 3rd", "2022-03-03", "day")]),
        ("Officials met on Tuesday.", [("Tuesday", "2022-03-01", "day")]),
        ("The town was shelled on Saturday.", [("Saturday", "2022-03-05", "day")]),
        ("They met last Saturday.", [("last Saturday", "2022-02-26", "day")]),
        ("They will meet next Friday.", [("next Friday", "2022-03-11", "day")]),
        (
            "Two days ago, on March 3, the army attacked.",
            [("Two days ago", "2022-03-03", "day"), ("March 3", "2022-03-03", "day")],
        ),
        ("The bridge collapsed yesterday.", [("yesterday", "2022-03-04", "day")]),
        ("The vote is today.", [("today", "2022-03-05", "day")]),
        ("The mayor resigned last week.", [("last week", "2022-W08", "week")]),
        ("The plant closed three weeks ago.", [("three weeks ago", "2022-W06", "week")]),
        ("Prices rose earlier this month.", [("earlier this month", "2022-03", "month")]),
        ("Prices rose last month.", [("last month", "2022-02", "month")]),
        ("Crimea was annexed in 2014.", [("2014", "2014", "year")]),
        ("The fleet left in March 2021.", [("March 2021", "2021-03", "month")]),
        ("Elections are due in December.", [("December", "2021-12", "month")]),
        ("Records from 2021-11-30 were lost.", [("2021-11-30", "2021-11-30", "day")]),
    ],
)
def test_english_expressions(text: str, expected: list[tuple[str, str | None, str]]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Переговоры прошли 3 марта.", [("3 марта", "2022-03-03", "day")]),
        ("Договор подписан 3 марта 2022 года.", [("3 марта 2022 года", "2022-03-03", "day")]),
        ("Министры встретились во вторник.", [("вторник", "2022-03-01", "day")]),
        ("Мост обрушился вчера.", [("вчера", "2022-03-04", "day")]),
        ("Крым был аннексирован в 2014 году.", [("2014 году", "2014", "year")]),
        ("Завод закрыли в марте.", [("марте", "2022-03", "month")]),
        ("Взрыв произошел два дня назад.", [("два дня назад", "2022-03-03", "day")]),
        ("Мэр ушел в отставку на прошлой неделе.", [("на прошлой неделе", "2022-W08", "week")]),
        ("Цены выросли в прошлом месяце.", [("в прошлом месяце", "2022-02", "month")]),
    ],
)
def test_russian_expressions(text: str, expected: list[tuple[str, str | None, str]]) -> None:
    assert found(text, "ru") == expected


def test_month_day_without_publication_date_stays_partial() -> None:
    assert found("Talks resumed on March 3.", published=None) == [("March 3", "--03-03", "day")]
    assert found("Переговоры прошли 3 марта.", "ru", published=None) == [("3 марта", "--03-03", "day")]


def test_relative_dates_without_publication_date_are_unresolved() -> None:
    assert found("Officials met on Tuesday and the bridge fell yesterday.", published=None) == [
        ("Tuesday", None, "day"),
        ("yesterday", None, "day"),
    ]


def test_month_day_takes_the_year_closest_to_publication() -> None:
    assert found("The fire started on December 30.", published="2023-01-04") == [
        ("December 30", "2022-12-30", "day")
    ]


def test_impossible_dates_are_dropped() -> None:
    assert found("Nothing happened on 31 February 2022.") == []


def test_lower_case_may_is_not_a_month() -> None:
    assert found("The ceasefire may 3 times fail.") == []


def test_bare_numbers_are_not_years() -> None:
    assert found("The army lost 2014 vehicles.") == []


def test_is_event_marks_dates_next_to_event_verbs() -> None:
    mentions = extract_dates(
        "a1", "Rebels attacked the base on Tuesday. The museum dates from 1900.", "en", PUBLISHED
    )
    assert [(m.text, m.is_event) for m in mentions] == [("Tuesday", True), ("1900", False)]


def test_russian_is_event() -> None:
    mentions = extract_dates(
        "a1", "Во вторник произошел взрыв. Здание построено в 1900 году.", "ru", PUBLISHED
    )
    assert [(m.text, m.is_event) for m in mentions] == [("вторник", True), ("1900 году", False)]


def test_published_may_be_a_datetime() -> None:
    assert parse_published("2022-03-05T14:00:00+03:00").isoformat() == "2022-03-05"
    assert parse_published("March 2022") is None
