"""Split contractions and detached punctuation from upstream tokenisers, repaired inside cleaning."""

from __future__ import annotations

import pytest

from storyline import ingest
from storyline.clean import clean_text
from storyline.clean.contractions import contraction_repairs
from storyline.model import apply_edits
from storyline.stages import enrich_pending

from .conftest import write


def repaired(text: str) -> str:
    return apply_edits(text, contraction_repairs(text))[0]


@pytest.mark.parametrize("raw, expected", [
    ("The ferry didn ' t sail.", "The ferry didn't sail."),  # spaced on both sides
    ("The ferry didn 't sail.", "The ferry didn't sail."),  # before only
    ("The ferry didn' t sail.", "The ferry didn't sail."),  # after only
    ("The ferry did n't sail.", "The ferry didn't sail."),  # Penn Treebank
    ("We ca n't wait and they wo n't stop.", "We can't wait and they won't stop."),
    ("The pilots can ' t land, it ' s foggy.", "The pilots can't land, it's foggy."),
    ("The mayor ' s office said we ' re ready, they ' ve left, you ' ll see, I ' m here, she ' d gone.",
     "The mayor's office said we're ready, they've left, you'll see, I'm here, she'd gone."),
    ("Crews hadn ' t (yet) arrived, nor had the harbour ' s tugs.",
     "Crews hadn't (yet) arrived, nor had the harbour's tugs."),
    ("THE PIER ISN ' T SAFE, IT ' S CLOSED", "THE PIER ISN'T SAFE, IT'S CLOSED"),
    ("Doesn ' t matter.", "Doesn't matter."),
])
def test_split_contractions_are_rejoined(raw, expected):
    assert repaired(raw) == expected


@pytest.mark.parametrize("raw", [
    "The ferry didn't sail and it's foggy.",  # ordinary text
    "She called it ' the worst storm in years ' on Monday.",  # a quotation in spaced single quotes
    "The captain said ' stay below ' and left.",
    "The letter ' s ' was missing from the sign.",  # a quoted letter
    "They call it the ' M ' road.",  # a quoted capital
    "The mast is 5 ' 11 tall.",  # digits: feet, not a clitic
    "Ferries from Oran ' t were late.",  # not an English auxiliary before n't
    "The race won 'the cup' for them.",  # "won" followed by a quoted word
    "Critics called it an 's-curve' budget.",  # a quoted word that starts with a clitic's letter
    "The crews' s-shaped wake.",
    "Pupils' desks and the boys ' hats.",  # plural possessives stay as written
    "Officials avoided the so-called 'd word' all week.",  # a quoted word after a space, closed soon after
])
def test_text_that_is_not_a_split_contraction_is_untouched(raw):
    assert contraction_repairs(raw) == []


def test_curly_apostrophes_are_rejoined_after_normalisation():
    result = clean_text("The tug didn \u2019 t move and the crew \u2019 s boat sank.", language="en")
    assert result.text == "The tug didn't move and the crew's boat sank."
    assert result.metadata["normalised"]["contraction"] == 4  # one count per space removed
    assert result.changes == ()


def test_other_languages_keep_their_apostrophes():
    text = "Der Hafen ' s Kran stand still, und das war ' s."
    assert clean_text(text, language="de").text == text
    russian = "Паром не вышел в море ' s утра, сообщил капитан."
    assert clean_text(russian, language="ru").text == russian
    # undetected text is judged by the English patterns, which only match Latin letters
    assert clean_text("The ferry didn ' t sail.", language=None).text == "The ferry didn't sail."


def test_offsets_map_every_clean_character_to_its_raw_character():
    raw = "Divers hadn ' t found the wreck, the coastguard ' s chief said."
    result = clean_text(raw, language="en")
    assert result.text == "Divers hadn't found the wreck, the coastguard's chief said."
    for word in ("hadn't", "wreck", "coastguard's", "chief"):
        start = result.text.index(word)
        # only spaces were deleted, so each clean character is the raw character it maps to
        assert all(raw[result.offset_map.to_source(start + i)] == ch for i, ch in enumerate(word))


def test_spaces_before_punctuation_after_numbers():
    assert clean_text("The pier opened in 2009 , the mayor said ; 40 boats came !").text == \
        "The pier opened in 2009, the mayor said; 40 boats came!"
    # a spaced colon after a number is a score or a ratio
    assert clean_text("The harbour team won 3 : 1 on Sunday.").text == "The harbour team won 3 : 1 on Sunday."
    assert clean_text("Berths 4 , 5 and 6 reopened.").text == "Berths 4, 5 and 6 reopened."


def test_stored_spans_point_into_the_repaired_clean_text(store, settings, tmp_path):
    write(tmp_path, "tugs.txt", "Tugs return to Port Elvan\n"
          "PORT ELVAN (Gull Wire) - The tugs didn ' t leave the harbour on Monday, Mayor Ilse Varga told Reuters "
          "in London.\n\"We couldn ' t risk it , \" Ilse Varga said. \"The storm ' s not over.\"\n")
    report = ingest(store, [tmp_path], settings=settings)
    assert report.ok
    enrich_pending(store, settings, None)  # the enrich stage alone: quotes and mentions, no clustering
    article = store.article("tugs")
    assert "didn't leave" in article.text and "couldn't risk" in article.text and "storm's not" in article.text
    quotes = store.quotes([article.id])
    mentions = store.mentions([article.id])
    assert quotes and mentions
    for span in [*quotes, *mentions]:
        assert article.text[span.start:span.end] == span.text
    # the closing mark moved back to its clause, so the quotation stops there and has its speaker
    assert [(q.text, q.speaker) for q in quotes if "risk" in q.text] == [("We couldn't risk it,", "Ilse Varga")]


@pytest.mark.parametrize("raw, expected", [
    ('"We will sail at dawn , " the captain said.', '"We will sail at dawn," the captain said.'),
    ('The sign read "closed for repairs " all week.', 'The sign read "closed for repairs" all week.'),
    ('She answered " yes " twice.', 'She answered "yes" twice.'),
    ('"The tide is high . "\nThe boats stayed in.', '"The tide is high."\nThe boats stayed in.'),
    # three marks on the line: which one closes is unknown, so the space before the second stays
    ('"It was late , " she said, "and cold', '"It was late, " she said, "and cold'),
    # a single quote closing inside a double one, spaced as some copy nests them
    ('"He called it \'a quiet week,\' " the clerk said.', '"He called it \'a quiet week,\' " the clerk said.'),
])
def test_closing_quote_detached_from_its_clause(raw, expected):
    assert clean_text(raw, language="en").text == expected
