"""Citations: every pattern of the invented fixture, plus literal spot checks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from storyline.enrich.citations import classify_source, extract_citations

FIXTURE = Path(__file__).parent / "fixtures" / "attributions.jsonl"
ROWS = [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("row", ROWS, ids=[r["id"] for r in ROWS])
def test_fixture_sentence(row: dict) -> None:
    found = extract_citations(row["id"], row["text"], row["language"])
    for c in found:
        assert row["text"][c.start : c.end] == c.text
    assert [(c.text, c.cited, c.kind) for c in found] == [
        (g["text"], g["cited"], g["kind"]) for g in row["citations"]
    ]


def test_fixture_has_enough_sentences_and_negatives() -> None:
    assert len(ROWS) >= 40
    assert sum(1 for r in ROWS if not r["citations"]) >= 6
    assert {r["language"] for r in ROWS} == {"en", "ru"}


def test_offsets_point_into_a_longer_article() -> None:
    text = "Fog closed the airport.\n\nThe runway stays shut, Reuters reported."
    [c] = extract_citations("a1", text, "en")
    assert (c.start, c.end, c.cited, c.kind) == (48, 64, "Reuters", "outlet")


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("a New York Times report", ("New York Times", "outlet")),
        ("the newspaper «Vedomosti»", ("Vedomosti", "outlet")),
        ("a senior defence official", ("a senior defence official", "anonymous")),
        ("a report by the audit chamber", ("a report by the audit chamber", "document")),
        ("Mayor Tom Reyes", ("Mayor Tom Reyes", "official")),
        ("источника в Кремле", ("источника в Кремле", "anonymous")),
        ("агентства Bloomberg", ("Bloomberg", "outlet")),
    ],
)
def test_classify_source(phrase: str, expected: tuple[str, str]) -> None:
    assert classify_source(phrase) == expected


def test_an_outlet_citing_a_source_is_two_citations_and_the_word_decides_whether_the_pattern_runs() -> None:
    text = "The Harbour Gazette, citing two port officials, reported that the Tarn ferry would stop in May."
    assert [(c.start, c.end, c.cited, c.kind) for c in extract_citations("a", text, "en")] == [
        (0, 56, "Harbour Gazette", "outlet"), (21, 46, "two port officials", "anonymous")]
    # without the word "citing" that pattern is not run, and no other takes the phrase
    plain = "The Harbour Gazette, quoting two port officials, reported that the Tarn ferry would stop in May."
    assert [(c.start, c.end, c.cited) for c in extract_citations("a", plain, "en")] == []
