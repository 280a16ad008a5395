"""The enrichment stage on awkward input: it never crashes and records what it skipped."""

from __future__ import annotations

import pytest

import storyline
from storyline.stages import enrich_pending

from .conftest import write

pytestmark = pytest.mark.models


@pytest.fixture
def enriched(store, settings, tmp_path):
    def run(files: dict[str, str]):
        for name, text in files.items():
            write(tmp_path, name, text)
        report = storyline.ingest(store, [tmp_path], settings=settings)
        stats = enrich_pending(store, settings)
        return report, stats

    return run


def test_language_without_a_model_is_recorded_not_fatal(store, enriched):
    finnish = ("Satama suljettiin\nSatama suljettiin maanantaina myrskyn takia, kertoi kaupungin tiedottaja. "
               "Laivat odottavat redillä, ja lautat eivät kulje ennen keskiviikkoa. ") * 2
    report, stats = enriched({"fi.txt": finnish})
    [article] = store.articles()
    assert article.language == "fi"
    assert stats["articles"] == 1
    notes = store.stage_notes(article.id)
    assert notes and "no NER model for language fi" in notes[0]["note"]


def test_article_without_names_or_sentence_ends(store, enriched):
    text = "nothing here\n" + "lower case words without any names or full stops and no quote marks at all " * 5
    enriched({"plain.txt": text})
    [article] = store.articles()
    assert store.mentions([article.id]) == []
    assert store.quotes([article.id]) == []


def test_quote_marks_that_never_close_do_not_swallow_the_article(store, enriched):
    text = ("Ferry dispute\nThe union leader Mira Tansk said: \"We will stay out until the contracts are signed. "
            + "The harbour board met again on Tuesday and the talks went on for hours. " * 60)
    enriched({"open.txt": text})
    quotes = store.quotes()
    assert all(len(q.text) < 3000 for q in quotes)


def test_very_long_article_is_enriched_in_pieces(store, enriched):
    paragraph = ("Mayor Ilse Varga said on Tuesday the harbour would reopen, John Smith told Reuters in London. "
                 "The cranes were idle for a second day and the ferries stayed in port. ")
    long_text = "Harbour report\n" + "\n".join(paragraph for _ in range(4000))  # about 100k words
    enriched({"long.txt": long_text})
    [article] = store.articles()
    assert len(article.text.split()) > 90_000
    mentions = store.mentions([article.id])
    assert sum(m.text == "Ilse Varga" for m in mentions) > 1000
    assert all(article.text[m.start:m.end] == m.text for m in mentions)
    notes = store.stage_notes(article.id)
    assert "without parse" in notes[0]["note"]


def test_report_escapes_hostile_markup(store, settings, tmp_path):
    hostile = ("<script>alert(1)</script> Port board <img src=x onerror=alert(2)>\n"
               "PORT ELVAN (Gull Wire) - The port board met on Monday. \"<script>alert(3)</script> we will reopen,\" "
               "said Mira Tansk <img src=x onerror=alert(4)>. The harbour stayed closed for a second day.\n")
    write(tmp_path, "a.txt", hostile)
    write(tmp_path, "b.txt", hostile.replace("second day", "second day, officials said"))
    storyline.ingest(store, [tmp_path], settings=settings, defaults={"source": "<b onmouseover=alert(5)>Wire</b>"})
    storyline.run_pipeline(store, settings)
    from storyline.api import write_report

    html = write_report(store, tmp_path / "r.html", "html").read_text()
    for raw in ("<script>alert", "<img src=x", "<b onmouseover"):
        assert raw not in html
    assert "&lt;script&gt;alert(1)" in html


# ----------------------------------------------------------------------------- partial parse

_HARBOUR = (
    "Harbour talks\n"
    "The harbour board of Port Elvan met on Monday. Its chair Mira Tansk opened the session at noon.\n"
    "\"We will reopen the ferry berths by Friday,\" said Mira Tansk. Dockers in Elvan stayed home.\n"
    "According to Jonas Brell, the cranes need new cables. Rain fell at dusk."
)


def test_rough_sentences_cut_at_end_marks_and_line_breaks_not_at_abbreviations():
    import spacy

    from storyline.stages import _rough_sentences

    doc = spacy.blank("en")("Mr. Brell came. He left.\nNext line \"Ok.\" Then more. and lower")
    cuts = [doc[s:e].text.strip() for s, e in _rough_sentences(doc)]
    assert cuts == ["Mr. Brell came.", "He left.", "Next line \"Ok.\"", "Then more. and lower"]


def test_partial_parse_keeps_offsets_entities_and_quotes_of_the_full_parse():
    from storyline.enrich.quotes import extract_quotes
    from storyline.nlp import english
    from storyline.stages import english_docs

    [doc] = english_docs([_HARBOUR])
    full = english()(_HARBOUR)
    assert doc.text == _HARBOUR
    assert [(e.start_char, e.end_char, e.label_) for e in doc.ents] == [
        (e.start_char, e.end_char, e.label_) for e in full.ents
    ]
    assert [s.text for s in doc.sents][0].startswith("Harbour talks")
    assert sum(len(s) for s in doc.sents) == len(doc)
    partial_quotes = [(q.start, q.end, q.speaker) for q in extract_quotes("a", _HARBOUR, "en", doc)]
    assert partial_quotes == [(q.start, q.end, q.speaker) for q in extract_quotes("a", _HARBOUR, "en", full)]
    assert {q[2] for q in partial_quotes} == {"Mira Tansk", "Jonas Brell"}


def test_sentences_without_quote_marks_or_cue_words_are_not_parsed():
    from storyline.stages import english_docs

    [doc] = english_docs([_HARBOUR])
    quiet = _HARBOUR.index("Rain fell")  # no cue word of the rules or the attribution tagger
    cue = _HARBOUR.index("said")
    assert all(t.tag_ == "" and t.dep_ in ("ROOT", "dep") for t in doc if t.idx >= quiet)
    assert next(t for t in doc if t.idx == cue).tag_ == "VBD"
