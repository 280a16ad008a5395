"""Quotes: quote-mark styles, attribution patterns, pronouns, indirect speech, Russian."""

from __future__ import annotations

import pytest

from storyline.enrich.quotes import MAX_QUOTE_CHARS, extract_quotes, find_quoted_spans


def quotes(
    text: str, language: str = "en", doc: object = None
) -> list[tuple[str, str | None, str | None, str]]:
    found = extract_quotes("a1", text, language, doc)
    for q in found:
        assert text[q.start : q.end] == q.text
        if q.speaker is not None:
            assert text[q.speaker_start : q.speaker_end] == q.speaker
    return [(q.text, q.speaker, q.cue, q.kind) for q in found]


# ----------------------------------------------------------------------------- quote marks


@pytest.mark.parametrize(
    ("text", "content"),
    [
        ("He said: “We will rebuild the bridge.”", "We will rebuild the bridge."),
        ('He said: "We will rebuild the bridge."', "We will rebuild the bridge."),
        ("Он сказал: «Мы восстановим мост».", "Мы восстановим мост"),
        ("Er sagte: „Wir bauen die Brücke wieder auf.“", "Wir bauen die Brücke wieder auf."),
        ("He said: ‘We will rebuild the bridge’.", "We will rebuild the bridge"),
        ("«Слово „мост“ здесь ни при чем», — сказал он.", "Слово „мост“ здесь ни при чем"),
    ],
)
def test_quote_mark_styles(text: str, content: str) -> None:
    assert [text[s:e] for s, e in find_quoted_spans(text)] == [content]


def test_apostrophes_do_not_close_single_quotes() -> None:
    text = "She said: ‘We don’t know who’s in charge’ and left."
    assert [text[s:e] for s, e in find_quoted_spans(text)] == ["We don’t know who’s in charge"]


def test_unclosed_mark_records_nothing_and_swallows_nothing() -> None:
    text = (
        'He opened the "door and left.\n\nThe council met later. "We agree on the budget now," said Ann Ruiz.'
    )
    assert quotes(text) == [("We agree on the budget now,", "Ann Ruiz", "said", "direct")]


def test_overlong_quote_is_dropped() -> None:
    text = "“" + "word " * (MAX_QUOTE_CHARS // 5 + 10) + "” said Ann Ruiz."
    assert find_quoted_spans(text) == []


def test_quote_spanning_paragraphs() -> None:
    text = (
        "“The first paragraph of a long quote does not close.\n\n“The second one closes it,” said Maria Lind."
    )
    # one quote per paragraph, both with the cue and speaker of the whole (as GGT annotates them)
    assert quotes(text) == [
        ("The first paragraph of a long quote does not close.", "Maria Lind", "said", "direct"),
        ("The second one closes it,", "Maria Lind", "said", "direct"),
    ]


def test_mangled_closing_mark_from_translation() -> None:
    text = "“The roads will be safer, ”the minister said."
    assert quotes(text) == [("The roads will be safer, ", "the minister", "said", "direct")]


# ----------------------------------------------------------------------------- attribution (regex path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '"We are ready for talks at any moment," said Lu Kang, a ministry spokesman.',
            ("We are ready for talks at any moment,", "Lu Kang", "said", "direct"),
        ),
        (
            '"We are ready for talks at any moment," Lu Kang said.',
            ("We are ready for talks at any moment,", "Lu Kang", "said", "direct"),
        ),
        (
            '"The attack came at night," Ivan Orlov told TASS.',
            ("The attack came at night,", "Ivan Orlov", "told", "direct"),
        ),
        (
            '"The attack came at night," Ivan Orlov added.',
            ("The attack came at night,", "Ivan Orlov", "added", "direct"),
        ),
        (
            '"The attack came at night," a defence official said.',
            ("The attack came at night,", "a defence official", "said", "direct"),
        ),
        (
            "“Nothing has changed in our plans,” the newspaper’s interlocutor said.",
            ("Nothing has changed in our plans,", "the newspaper’s interlocutor", "said", "direct"),
        ),
        (
            'Anna Petrova warned: "This is only the beginning of a long road."',
            ("This is only the beginning of a long road.", "Anna Petrova", "warned", "direct"),
        ),
        (
            "Mayor John Abbot said that the bridge would reopen in May.",
            ("the bridge would reopen in May", "Mayor John Abbot", "said", "indirect"),
        ),
        (
            "According to Tom Reyes, the army will leave the town by Friday.",
            ("the army will leave the town by Friday", "Tom Reyes", "According to", "indirect"),
        ),
    ],
)
def test_english_attribution_without_parse(text: str, expected: tuple[str, str, str, str]) -> None:
    assert quotes(text) == [expected]


def test_pronoun_resolves_to_the_last_named_person() -> None:
    text = 'Defence Minister Sergei Shoigu spoke in Omsk. "We will not retreat from our positions," he said.'
    [q] = extract_quotes("a1", text, "en")
    assert (q.speaker, q.speaker_start, q.speaker_end) == ("Defence Minister Sergei Shoigu", 0, 30)


def test_floating_quote_continues_the_previous_speaker() -> None:
    text = '"The dam will hold this spring," said Ann Ruiz.\n\n"We checked every gate twice last week."'
    assert quotes(text) == [
        ("The dam will hold this spring,", "Ann Ruiz", "said", "direct"),
        ("We checked every gate twice last week.", "Ann Ruiz", None, "direct"),
    ]


def test_scare_quotes_are_not_quotes() -> None:
    assert quotes('Critics called the plan "bold" and moved on.') == []


# ----------------------------------------------------------------------------- English with the spaCy parse


@pytest.fixture(scope="module")
def nlp():  # type: ignore[no-untyped-def]
    from storyline.nlp import english

    return english()


@pytest.mark.models
def test_parse_gives_indirect_speech_with_reversed_order(nlp) -> None:  # type: ignore[no-untyped-def]
    text = "The plan is failing badly in the east, a source said."
    assert quotes(text, doc=nlp(text)) == [
        ("The plan is failing badly in the east", "a source", "said", "indirect")
    ]


@pytest.mark.models
def test_parse_prefers_the_named_apposition(nlp) -> None:  # type: ignore[no-untyped-def]
    text = '"We will not retreat," said the minister, Sergei Shoigu.'
    assert quotes(text, doc=nlp(text)) == [("We will not retreat,", "Sergei Shoigu", "said", "direct")]


@pytest.mark.models
def test_parse_resolves_he_said_to_the_last_named_person(nlp) -> None:  # type: ignore[no-untyped-def]
    text = "Mayor Ann Ruiz visited the dam. She told reporters that the gates would stay shut until May."
    [q] = extract_quotes("a1", text, "en", nlp(text))
    assert (q.text, q.speaker, q.cue, q.kind) == (
        "the gates would stay shut until May",
        "Ann Ruiz",
        "told",
        "indirect",
    )
    assert (q.speaker_start, q.speaker_end) == (6, 14)


# ----------------------------------------------------------------------------- Russian (natasha for names)


@pytest.mark.models
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "«Ситуация под контролем», — заявил собеседник издания.",
            ("Ситуация под контролем", "собеседник издания", "заявил", "direct"),
        ),
        (
            "Дмитрий Песков заявил: «Решение пока не принято».",
            ("Решение пока не принято", "Дмитрий Песков", "заявил", "direct"),
        ),
        (
            "«Мы готовы к диалогу», — сказал Песков журналистам.",
            ("Мы готовы к диалогу", "Песков", "сказал", "direct"),
        ),
        (
            "Глава района Олег Ветров заявил, что мост откроют в среду.",
            ("мост откроют в среду", "Олег Ветров", "заявил", "indirect"),
        ),
        (
            "По словам источника, встреча пройдет в закрытом режиме.",
            ("встреча пройдет в закрытом режиме", "источника", "По словам", "indirect"),
        ),
    ],
)
def test_russian(text: str, expected: tuple[str, str, str, str]) -> None:
    assert quotes(text, "ru") == [expected]


@pytest.mark.models
def test_russian_pronoun_resolves_to_the_last_named_person() -> None:
    text = "Министр обороны Сергей Шойгу выступил в Омске. «Мы не отступим», — сказал он."
    assert quotes(text, "ru") == [("Мы не отступим", "Сергей Шойгу", "сказал", "direct")]


@pytest.mark.models
def test_pronoun_skips_a_person_of_the_other_gender(nlp) -> None:  # type: ignore[no-untyped-def]
    text = (
        "Ms. Vera Lind runs the shelter and says she has no beds left. Tom Abbot, the mayor, visited it with his aides.\n\n"
        '"We need forty more beds before the winter comes," she said.'
    )
    [_, q] = extract_quotes("a1", text, "en", nlp(text))
    assert (q.text, q.speaker, q.cue) == (
        "We need forty more beds before the winter comes,",
        "Vera Lind",
        "said",
    )


@pytest.mark.models
def test_definite_title_points_back_to_the_titled_person(nlp) -> None:  # type: ignore[no-untyped-def]
    text = 'Mayor Doug Reyes opened the bridge. "It took us nine years to build it," the mayor said.'
    [q] = extract_quotes("a1", text, "en", nlp(text))
    assert (q.speaker, q.speaker_start, q.speaker_end) == ("Doug Reyes", 6, 16)
