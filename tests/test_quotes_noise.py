"""Quotes under machine-translation punctuation noise, and nominal speakers kept nominal."""

from __future__ import annotations

import pytest

from storyline.clean import clean_text
from storyline.clean.normalize import repair_punctuation_spacing
from storyline.model import apply_edits


def _repaired(text: str) -> str:
    return apply_edits(text, repair_punctuation_spacing(text))[0]


def test_glued_closing_mark_goes_back_after_its_clause():
    assert _repaired('"The talks went well, "General Orr said.') == '"The talks went well," General Orr said.'
    assert _repaired("«I am honoured, »Wang said.") == "«I am honoured,» Wang said."


def test_a_mark_after_a_closed_quote_opens_the_next_one():
    text = 'He said "yes." "The next quote" came later.'
    assert _repaired(text) == text


def test_detached_opening_mark_and_spaces_before_punctuation():
    assert _repaired('She said: " We left , then."') == 'She said: "We left, then."'
    assert _repaired("Line one\n .\nLine two") == "Line one\n .\nLine two"  # a separator line stays


@pytest.mark.models
def test_two_quotes_around_a_glued_mark_stay_two():
    from storyline.enrich.quotes import extract_quotes
    from storyline.stages import english_docs

    text = clean_text("\u201cThe talks went well, \u201dGeneral Ivo Kral said. \u201cWe meet again in May.\u201d").text
    quotes = extract_quotes("a", text, "en", english_docs([text])[0])
    assert [(q.text, q.speaker) for q in quotes] == [("The talks went well,", "General Ivo Kral"),
                                                      ("We meet again in May.", "General Ivo Kral")]


@pytest.mark.models
def test_a_quote_mark_is_never_a_speaker():
    from storyline.enrich.quotes import extract_quotes
    from storyline.stages import english_docs

    text = clean_text("The pier opened. «We never built a pier this long before, but it was a good "
                      "experience for the whole crew, »says engineer Mila Ostrova, who led the work.").text
    quotes = extract_quotes("a", text, "en", english_docs([text])[0])
    assert [q.speaker for q in quotes] == ["engineer Mila Ostrova"]


@pytest.mark.models
def test_nominal_speakers_are_not_linked_to_the_nearest_person(settings, store, tmp_path):
    from storyline.api import run_pipeline
    from storyline.pipeline import ingest

    (tmp_path / "a.txt").write_text(
        "Orla talks\nPresident Dana Orr met the harbour delegation in Orla on Monday.\n\n"
        '"We are not ready to sign anything yet," a White House official said.\n\n'
        '"It was a good day for the harbour and for Orla," the Orr administration official said.\n\n'
        '"We will sign when the terms are fair," President Dana Orr said.\n', "utf-8")
    fast = settings.replace(cluster=False, reports=False)
    ingest(store, [tmp_path], settings=fast)
    run_pipeline(store, fast)
    linked = {q.speaker: q.speaker_entity_id for _qid, q in store.quotes_with_ids()}
    orr = [e["id"] for e in store.entities("PERSON") if e["name"] == "Dana Orr"]
    assert linked["a White House official"] is None
    assert linked["the Orr administration official"] is None
    assert linked["President Dana Orr"] == orr[0]
