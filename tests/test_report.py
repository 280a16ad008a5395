"""The per-event report on small invented events, with a word-hash stand-in encoder
(no model is loaded here; see test_report_models.py for the real encoder)."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import numpy as np
import pytest

from storyline.report import (
    EventInput,
    build_event_report,
    render_html,
    render_markdown,
    report_to_dict,
    split_claims,
)
from storyline.report.claims import align_claims, claim_facts, content_words, word_overlap
from storyline.report.discrepancies import dates_compatible
from storyline.report.options import ReportOptions
from storyline.report.text import clause_spans, extract_numbers, negation_cues, sentence_spans
from storyline.report.timeline import date_range

from .test_report_fixtures import WordHashEncoder, article, at, citation, date, mention, quote

# ----------------------------------------------------------------------------- the invented event

GULL_TEXT = (
    "Orvel bridge collapse\n"
    "Twelve people died when the Orvel bridge collapsed on Friday evening, the Kessan fire service said. "
    "The steel bridge over the Marra river was built in 1974. "
    "According to the Lantern Daily, citing two unnamed officials, the bridge had failed an inspection in May.\n"
    "\"We will rebuild the bridge within a year,\" said Mayor Ilse Tarnovska. "
    "Rescue teams searched the river banks until midnight with dogs and boats."
)
HARBOR_TEXT = (
    "Fourteen people died when the Orvel bridge collapsed on Friday evening, the Kessan fire service said. "
    "The steel bridge over the Marra river was built in 1974 and carried four lanes. "
    "According to the Lantern Daily, citing two unnamed officials, the bridge had failed an inspection in May.\n"
    "Mayor Ilse Tarnowska said: \"We will rebuild the bridge within a year.\" "
    "The regional council is considering a new tender for the repairs of the bridge. "
    "\"The river was far too high for the divers,\" said a fire officer."
)
VELM_TEXT = (
    "Twelve people died when the Orvel bridge collapsed on Thursday evening, the Kessan fire service said. "
    "According to the Lantern Daily, citing two unnamed officials, the bridge had failed an inspection in May. "
    "The regional council is not considering a new tender for the repairs of the bridge. "
    "\"We will rebuild the bridge,\" said Mayor Tarnovska. "
    "Traffic to the port of Kessan now runs through the town of Velm and its ferry."
)


def orvel_event() -> EventInput:
    gull = article("gull1", "Gull Wire", "2025-05-31", GULL_TEXT, title="Orvel bridge collapse")
    harbor = article("harbor1", "Harbor Tribune", "2025-06-01", HARBOR_TEXT)
    velm = article("velm1", "Velm Courier", "2025-06-01", VELM_TEXT)
    mayor = "ent:tarnovska"
    mentions = [
        mention(gull, "Ilse Tarnovska", "PERSON", mayor),
        mention(harbor, "Ilse Tarnowska", "PERSON", mayor),
        mention(velm, "Tarnovska", "PERSON", mayor),
        mention(gull, "Kessan", "LOC", "ent:kessan"),
        mention(harbor, "Kessan", "LOC", "ent:kessan"),
        mention(velm, "Kessan", "LOC", "ent:kessan"),
    ]
    entities = {
        mayor: {"name": "Ilse Tarnovska", "type": "PERSON", "variants": {"Ilse Tarnovska": 1, "Ilse Tarnowska": 1,
                                                                         "Tarnovska": 1}},
        "ent:kessan": {"name": "Kessan", "type": "LOC", "variants": {"Kessan": 3}},
    }
    quotes = [
        quote(gull, "We will rebuild the bridge within a year,", "Mayor Ilse Tarnovska", mayor),
        quote(harbor, "We will rebuild the bridge within a year.", "Mayor Ilse Tarnowska", mayor),
        quote(velm, "We will rebuild the bridge,", "Mayor Tarnovska", mayor),
        quote(harbor, "The river was far too high for the divers,", "a fire officer"),
    ]
    citations = [c for a in (gull, harbor, velm) for c in (
        citation(a, "According to the Lantern Daily", "the Lantern Daily", "outlet"),
        citation(a, "citing two unnamed officials", "two unnamed officials", "anonymous"),
    )]
    dates = [
        date(gull, "Friday", "2025-05-30"),
        date(harbor, "Friday", "2025-05-30"),
        date(velm, "Thursday", "2025-05-29"),
        date(gull, "in May", "2025-05", granularity="month"),
    ]
    return EventInput("orvel", "Orvel bridge collapse", [velm, harbor, gull], mentions, entities, quotes,
                      citations, dates)


@pytest.fixture(scope="module")
def orvel():
    encoder = WordHashEncoder()
    report = build_event_report(orvel_event(), encoder=encoder)
    return report, encoder


# ----------------------------------------------------------------------------- text helpers


def test_sentences_respect_abbreviations_initials_and_lines():
    text = "Dr. Markov met J. Smith at 5 p.m. Then it rained! The U.S. envoy left.\nA heading\nLast one."
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "Dr. Markov met J. Smith at 5 p.m.", "Then it rained!", "The U.S. envoy left.", "A heading", "Last one."]


def test_long_sentence_splits_only_where_both_sides_keep_seven_words():
    text = ("The spillway gates had jammed during the night and could not be opened, and the company that runs "
            "the dam declined to comment on the report; schools stay closed.")
    parts = [text[s:e] for s, e in clause_spans(text, 0, len(text))]
    assert parts == ["The spillway gates had jammed during the night and could not be opened,",
                     "and the company that runs the dam declined to comment on the report; schools stay closed."]


@pytest.mark.parametrize(("text", "language", "expected"), [
    ("Twelve people died", "en", [(12.0, "")]),
    ("a total of 1.8 GW, or 1,800 megawatts", "en", [(1.8e9, "W"), (1.8e9, "W")]),
    ("he asked for 4.2 million dravs", "en", [(4.2e6, "")]),
    ("погибли двенадцать человек, 30 миллионов дравов", "ru", [(12.0, ""), (3e7, "")]),
    ("40.000 millones y 4,5 por ciento", "es", [(4e10, ""), (4.5, "%")]),
    ("built in 1968, at 5:40 a.m. on March 4, an F-16", "en", []),
    ("the 28-metre dam", "en", [(28.0, "m")]),
])
def test_numbers_are_normalised(text, language, expected):
    assert [(n.value, n.unit) for n in extract_numbers(text, language=language)] == expected


def test_number_qualifiers_make_bounds_compatible():
    more_than_300, exactly_320, twelve, fourteen = (
        extract_numbers(t)[0] for t in ("more than 300 people", "320 people", "12 people", "14 people"))
    assert more_than_300.qualifier == "min"
    assert more_than_300.compatible(exactly_320)
    assert not twelve.compatible(fourteen)


def test_negation_cues_english_and_russian():
    text = "He has no plans; she didn't go; он не пришёл; нет."
    assert [text[s:e] for s, e in negation_cues(text)] == ["no", "n't", "не", "нет"]


def test_partial_dates_stay_compatible_and_ranges():
    assert dates_compatible("2025-03", "2025-03-04")
    assert dates_compatible("--03-04", "2025-03-04")
    assert not dates_compatible("2025-03-03", "2025-03-04")
    assert date_range("2023-04")[1].isoformat() == "2023-04-30"
    assert date_range("--03-03", 2025)[0].isoformat() == "2025-03-03"
    assert date_range("--03-03") is None


# ----------------------------------------------------------------------------- claims


def test_claims_skip_headings_and_point_into_the_text():
    a = article("gull1", "Gull Wire", "2025-05-31", GULL_TEXT)
    claims = split_claims(a, "orvel")
    assert claims[0].text.startswith("Twelve people died")  # the headline line is not a claim
    assert [c.position for c in claims] == list(range(len(claims)))
    assert all(a.text[c.start : c.end] == c.text for c in claims)
    assert claims[0].id == "gull1:c0"


def test_one_encode_call_per_event(orvel):
    _report, encoder = orvel
    assert encoder.calls == 1


def test_same_claim_across_outlets_is_one_group(orvel):
    report, _ = orvel
    claims = {c.id: c for c in report.claims}
    death = next(g for g in report.claim_groups if any(claims[c].text.startswith("Fourteen") for c in g.claim_ids))
    assert set(death.outlets) == {"Gull Wire", "Harbor Tribune", "Velm Courier"}
    assert death.first_outlet == "Gull Wire"  # published first
    assert death.omitted_by == ()
    built = next(g for g in report.claim_groups if any("built in 1974" in claims[c].text for c in g.claim_ids))
    assert built.outlets == ("Gull Wire", "Harbor Tribune")
    assert built.omitted_by == ("Velm Courier",)
    # one claim per article in every group
    for g in report.claim_groups:
        assert len(set(g.article_ids)) == len(g.article_ids)


def test_coverage_matrix_marks_who_reports_what(orvel):
    report, _ = orvel
    cov = report.coverage
    # publication order; same-day articles keep their input order (Velm was given first)
    assert cov.outlets == ("Gull Wire", "Velm Courier", "Harbor Tribune")
    claims = {c.id: c for c in report.claims}
    col = cov.group_ids.index(next(g.id for g in report.claim_groups
                                   if any("built in 1974" in claims[c].text for c in g.claim_ids)))
    assert [row[col] is not None for row in cov.cells] == [True, False, True]


# ----------------------------------------------------------------------------- discrepancies


def _kinds(report):
    return {d.kind: d for d in report.discrepancies}


def test_number_discrepancy_lists_both_sides_with_outlets_and_spans(orvel):
    report, _ = orvel
    d = _kinds(report)["number"]
    sides = {s.value: s for s in d.sides}
    assert set(sides) == {"12", "14"}
    assert set(sides["12"].outlets) == {"Gull Wire", "Velm Courier"}
    assert sides["14"].outlets == ("Harbor Tribune",)
    assert [v.text for v in sides["14"].value_spans] == ["Fourteen"]
    assert sides["14"].value_spans[0].start == 0
    assert d.group_id is not None


def test_date_discrepancy_uses_date_mentions_inside_claims(orvel):
    report, _ = orvel
    d = _kinds(report)["date"]
    sides = {s.value: s.outlets for s in d.sides}
    assert sides == {"2025-05-30": ("Gull Wire", "Harbor Tribune"), "2025-05-29": ("Velm Courier",)}


def test_name_spelling_is_its_own_kind_not_two_people(orvel):
    report, _ = orvel
    kinds = _kinds(report)
    assert "name" not in kinds
    d = kinds["name_spelling"]
    assert d.entity_id == "ent:tarnovska"
    sides = {s.value: set(s.outlets) for s in d.sides}
    assert sides == {"Tarnovska": {"Gull Wire", "Velm Courier"}, "Tarnowska": {"Harbor Tribune"}}


def test_stance_discrepancy_is_found_with_both_cues(orvel):
    report, _ = orvel
    d = _kinds(report)["stance"]
    assert d.description == "stance: considering vs not considering"
    sides = {s.value: s for s in d.sides}
    assert sides["not considering"].outlets == ("Velm Courier",)
    assert sides["not considering"].value_spans[0].text == "not considering"
    assert sides["considering"].outlets == ("Harbor Tribune",)
    assert sides["considering"].value_spans[0].text == "considering"
    assert d.confidence == 0.8


def test_negation_mismatch_baseline_stays_available(orvel):
    _, encoder = orvel
    report = build_event_report(orvel_event(), encoder=encoder, options=ReportOptions(stance_rule="negation"))
    d = _kinds(report)["polarity"]
    sides = {s.value: s for s in d.sides}
    assert sides["negated"].value_spans[0].text == "not"
    assert sides["affirmed"].outlets == ("Harbor Tribune",)
    assert d.confidence is None


def test_no_disagreement_between_identical_articles():
    text = "Twelve people died when the Orvel bridge collapsed on Friday evening, the fire service said."
    event = EventInput("same", None, [article("x1", "A", "2025-06-01", text), article("x2", "B", "2025-06-01", text)])
    report = build_event_report(event, encoder=WordHashEncoder())
    assert report.discrepancies == ()
    assert len(report.claim_groups) == 1


# ----------------------------------------------------------------------------- quotes, sources, timeline


def test_quotes_of_one_utterance_are_grouped_and_single_ones_unique(orvel):
    report, _ = orvel
    mayor = next(g for g in report.quote_groups if g.speaker_entity_id == "ent:tarnovska")
    assert mayor.outlets == ("Gull Wire", "Velm Courier", "Harbor Tribune")
    assert not mayor.unique
    assert {q.group_id for q in mayor.quotes} == {mayor.id}
    officer = next(g for g in report.quote_groups if g.speaker == "a fire officer")
    assert officer.unique
    assert all(q.group_id for q in report.quotes)


def test_what_the_story_rests_on(orvel):
    report, _ = orvel
    # the unnamed officials appear in the Lantern Daily line, not in a line of their own
    assert [r.text for r in report.sources.reliance] == [
        "3 of 3 articles rely on Lantern Daily, citing two unnamed officials"]
    edges = {(e.source, e.target): e.count for e in report.sources.edges}
    assert edges[("o:Gull Wire", "s:outlet:lantern daily")] == 1
    assert edges[("s:outlet:lantern daily", "s:anonymous@s:outlet:lantern daily")] == 3
    people = [n.label for n in report.sources.nodes if n.layer == "person"]
    assert "Ilse Tarnovska" in people


def test_an_agency_citing_itself_is_its_own_reporting_not_a_source():
    from storyline.enrich.citations import extract_citations

    own = "The Orvel harbour master told Gull Wire the pier would reopen on Monday."
    other = "The Orvel harbour master told Gull Wire the pier would reopen next week."
    wire, daily = article("w1", "Gull Wire", "2025-06-01", own), article("d1", "Velm Courier", "2025-06-01", other)
    citations = extract_citations("w1", own, "en") + extract_citations("d1", other, "en")
    assert [(c.article_id, c.cited) for c in citations] == [("w1", "Gull Wire"), ("d1", "Gull Wire")]
    report = build_event_report(EventInput("pier", None, [wire, daily], [], {}, [], citations, []),
                                encoder=WordHashEncoder())
    assert [r.text for r in report.sources.reliance] == ["1 of 2 articles rely on Gull Wire"]


def test_timeline_sorts_event_and_publication_dates_keeping_partial_ones(orvel):
    report, _ = orvel
    assert [(t.kind, t.value) for t in report.timeline] == [
        ("event", "2025-05"), ("event", "2025-05-29"), ("event", "2025-05-30"),
        ("published", "2025-05-31"), ("published", "2025-06-01")]
    assert report.timeline[-1].outlets == ("Velm Courier", "Harbor Tribune")


def test_an_article_without_an_outlet_is_named_by_its_title_and_id_in_the_report():
    from storyline.report.claims import outlet_of

    a = article("a1f0c2d9e8", "", None, "Ferry crews in Port Elvan stayed out on Tuesday.", title="Ferry crews stay out")
    b = article("b7e2a1c3d4", "", None, "Ferry crews in Port Elvan stayed out on Tuesday.", title="Ferry crews stay out")
    untitled = article("c9d8e7f6a5", "", None, "Dock workers in Port Elvan and the operator met again on Monday evening.")
    assert outlet_of(a) == "(no outlet) Ferry crews stay out [a1f0c2d9]"
    assert outlet_of(a) != outlet_of(b)  # two unknown outlets are never one
    assert outlet_of(untitled) == "(no outlet) Dock workers in Port Elvan and [c9d8e7f6]"
    assert outlet_of(article("d1", "Gull Wire", None, "Text.")) == "Gull Wire"


def test_a_timeline_with_no_publication_dates_keeps_dates_without_a_year_in_order():
    from storyline.report.timeline import build_timeline, year_unknown

    text = "The ferry crews met again on March 12, a week after the strike began on March 5."
    later = "The crews will vote on the offer made on March 14."
    a = article("a1", "", None, text)
    b = article("b1", "", None, later)
    entries = build_timeline([a, b], [date(a, "March 12", "--03-12"), date(a, "March 5", "--03-05"),
                                      date(b, "March 14", "--03-14")])
    assert [t.value for t in entries] == ["--03-05", "--03-12", "--03-14"]
    assert all(year_unknown(t) for t in entries)
    # one dated article lends its year to the others' dates, which are then placed, not yearless
    dated = article("c1", "Gull Wire", "2024-03-15", later)
    entries = build_timeline([a, dated], [date(a, "March 5", "--03-05"), date(dated, "March 14", "--03-14")])
    assert [(t.value, t.start) for t in entries] == [("--03-05", "2024-03-05"), ("--03-14", "2024-03-14"),
                                                     ("2024-03-15", "2024-03-15")]
    assert not any(year_unknown(t) for t in entries)


def test_unique_angles_are_claims_of_one_outlet(orvel):
    report, _ = orvel
    velm = [u for u in report.unique_angles if u.outlet == "Velm Courier"]
    assert any("ferry" in u.span.text for u in velm)
    groups = {g.id: g for g in report.claim_groups}
    assert all(groups[u.group_id].outlets == (u.outlet,) for u in report.unique_angles)


# ----------------------------------------------------------------------------- summary and provenance


def test_summary_sentences_point_to_their_source_one_per_claim_group(orvel):
    report, _ = orvel
    texts = {a.id: a.text for a in report.articles}
    assert 3 <= len(report.summary) <= 7
    for s in report.summary:
        assert texts[s.span.article_id][s.span.start : s.span.end] == s.span.text
        assert s.outlets
    assert len({s.group_id for s in report.summary}) == len(report.summary)
    death = next(s for s in report.summary if "people died" in s.span.text)
    assert death.disputed_by  # the death toll is disputed
    # "Twelve people died ... on Friday evening": Harbor says fourteen, Velm says Thursday, so
    # neither is a source of this sentence, and only Gull Wire's article agrees with it
    assert death.span.text.startswith("Twelve people died when the Orvel bridge collapsed on Friday")
    assert death.outlets == ("Gull Wire",)
    assert death.support == 1
    assert set(death.disputing_outlets) == {"Harbor Tribune", "Velm Courier"}
    line = next(x for x in render_markdown([report]).splitlines() if x.startswith(f"{report.summary.index(death) + 1}. "))
    assert f"— *Gull Wire* `gull1:22-121` **disputed** by {', '.join(death.disputing_outlets)} (d1, d2)" in line


def test_lead3_baseline_is_the_first_sentences_of_the_earliest_article(orvel):
    report, _ = orvel
    assert [s.text for s in report.lead3] == [
        "Twelve people died when the Orvel bridge collapsed on Friday evening, the Kessan fire service said.",
        "The steel bridge over the Marra river was built in 1974.",
        "According to the Lantern Daily, citing two unnamed officials, the bridge had failed an inspection in May.",
    ]
    assert {s.article_id for s in report.lead3} == {"gull1"}


def test_every_span_in_the_report_matches_the_text(orvel):
    report, _ = orvel
    texts = {a.id: a.text for a in report.articles}
    data = report_to_dict(report)

    def spans(value):
        if isinstance(value, dict):
            if {"article_id", "start", "end", "text"} <= set(value):
                yield value
            for v in value.values():
                yield from spans(v)
        elif isinstance(value, list):
            for v in value:
                yield from spans(v)

    found = list(spans(data))
    assert len(found) > 40
    assert all(texts[s["article_id"]][s["start"] : s["end"]] == s["text"] for s in found)
    assert json.loads(json.dumps(data))["event_id"] == "orvel"


def test_duplicate_wire_copies_count_once_in_support():
    text = "Dock workers in Port Elvan walked out on Monday, halting all twelve cranes at the terminal."
    other = "Dock workers in Port Elvan walked out on Monday, halting all the cranes at the container terminal."
    event = EventInput("dock", None, [article("w1", "Gull Wire", "2025-01-06", text),
                                      article("w2", "Elvan Post", "2025-01-06", text),
                                      article("w3", "Bay Times", "2025-01-07", other)],
                       duplicate_groups=[["w1", "w2"]])
    report = build_event_report(event, encoder=WordHashEncoder())
    group = report.claim_groups[0]
    assert len(group.outlets) == 3
    assert group.support == 2


def test_dates_of_different_precision_do_not_disagree():
    signed = "The treaty on the Tisva border was signed in Praden on Thursday by both foreign ministers."
    talks = "The treaty on the Tisva border was signed in Praden after talks since 2021 by both foreign ministers."
    a, b = article("t1", "Coastline News", "2025-03-13", signed), article("t2", "Riverside Observer", "2025-03-14", talks)
    event = EventInput("tisva", None, [a, b], dates=[date(a, "Thursday", "2025-03-13"), date(b, "2021", "2021")])
    report = build_event_report(event, encoder=WordHashEncoder())
    assert len(report.claim_groups) == 1  # the same claim ...
    assert report.discrepancies == ()  # ... but a day and a year are not two answers to one question


def test_wire_copies_are_encoded_once():
    text = "Dock workers in Port Elvan walked out on Monday, halting all twelve cranes at the terminal."
    encoder = WordHashEncoder()
    build_event_report(EventInput("dock", None, [article("w1", "Gull Wire", "2025-01-06", text),
                                                 article("w2", "Elvan Post", "2025-01-06", text)]), encoder=encoder)
    assert encoder.texts == [text]


def test_highlighting_nests_overlapping_spans():
    from storyline.report.render import _highlighted

    text = "One <b> two. Three four."
    html = _highlighted(text, {(0, 12): "s1", (4, 7): "q1", (13, 24): "s2"})
    assert html == ('<mark id="s1">One <span id="q1"></span>&lt;b&gt; two.</mark> '
                    '<mark id="s2">Three four.</mark>')


def test_empty_event_gives_an_empty_report():
    report = build_event_report(EventInput("none", None, []), encoder=WordHashEncoder())
    assert report.claims == () and report.summary == () and report.lead3 == ()
    assert "none" in render_html([report])


# ----------------------------------------------------------------------------- rendering

EVIL_SCRIPT = "<script>alert(1)</script>"
EVIL_IMG = "<img src=x onerror=alert(1)>"


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [name for name, _ in attrs]


def evil_report():
    text = (f"Officials in Port Elvan said {EVIL_SCRIPT} the cranes stopped on Monday morning. "
            f"\"We will stay out {EVIL_IMG} until the contracts are signed,\" said union leader Mira Tansk. "
            "The port authority said the strike cost the harbour millions every single day.")
    evil = article("evil1", EVIL_IMG, "2025-01-06", text, title=EVIL_SCRIPT)
    plain = article("plain1", "Bay Times", "2025-01-07",
                    "Officials in Port Elvan said the cranes stopped on Monday morning after the walkout.")
    q = quote(evil, f"We will stay out {EVIL_IMG} until the contracts are signed,", EVIL_SCRIPT)
    event = EventInput("evil", EVIL_SCRIPT, [evil, plain], quotes=[q],
                       mentions=[mention(evil, "Port Elvan", "LOC", EVIL_IMG)],
                       entities={EVIL_IMG: {"name": EVIL_SCRIPT, "type": "LOC", "variants": {EVIL_IMG: 1}}},
                       citations=[citation(evil, "said", EVIL_SCRIPT, "official")])
    return build_event_report(event, encoder=WordHashEncoder())


def test_html_escapes_all_article_text_and_metadata():
    page = render_html([evil_report()], title=EVIL_SCRIPT)
    lowered = page.lower()
    assert "<script" not in lowered and "<img" not in lowered
    parser = _Tags()
    parser.feed(page)
    assert not {"script", "img", "iframe", "object", "link"} & set(parser.tags)
    assert not [a for a in parser.attrs if a.startswith("on")]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_html_is_self_contained_and_links_summary_to_marked_spans(orvel):
    report, _ = orvel
    page = render_html([report], title="Orvel")
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in page and " src=" not in page
    assert page.count("<svg") == 2  # source graph and timeline
    first = report.summary[0]
    anchor = f'e0-{first.span.article_id}-{first.span.start}-{first.span.end}'
    assert f'href="#{anchor}"' in page
    assert f'<mark id="{anchor}">' in page  # the link target is the highlighted sentence itself
    assert page.count("<mark id=") == page.count("</mark>") > 3


def test_markdown_has_every_section_and_escapes_markup(orvel):
    report, _ = orvel
    md = render_markdown([report])
    for heading in ("## Summary", "## Where the outlets disagree", "## Coverage", "## Quotes",
                    "## What the story rests on", "## Unique angles", "## Timeline", "## Entities"):
        assert heading in md
    assert "**14** — Harbor Tribune" in md
    evil = render_markdown([evil_report()])
    assert "<script" not in evil and "<img" not in evil
    import dataclasses

    # a code span prints a backslash as it is: an id in one is not escaped
    assert "Event id `ev_000001`." in render_markdown([dataclasses.replace(report, event_id="ev_000001")])


def test_at_helper_finds_later_occurrences():
    assert at("a b a", "a", 1) == (4, 5)


def test_content_words_are_stems_without_stop_words():
    assert content_words("The senators confirmed the nominee on Tuesday, 52 to 47.") == {
        "senato", "confir", "nomine", "tuesda", "52", "47"}
    assert word_overlap(frozenset({"a", "b"}), frozenset({"b", "c", "d"})) == 0.5
    assert word_overlap(frozenset(), frozenset({"b"})) == 0.0


def _pair_vectors(cosine: float) -> np.ndarray:
    """Two unit vectors at the given cosine."""
    return np.array([[1.0, 0.0], [cosine, (1 - cosine**2) ** 0.5]], dtype=np.float32)


def _align_two(text_a: str, text_b: str, cosine: float, language_b: str = "en") -> int:
    """How many outlets the first claim's group holds when two one-claim articles align at ``cosine``."""
    arts = [article("a1", "Orvel Post", "2025-01-02", text_a), article("b1", "Kessan Wire", "2025-01-02", text_b,
                                                                     language_b)]
    claims = [c for a in arts for c in split_claims(a, "e")]
    assert len(claims) == 2
    facts = claim_facts(claims, {a.id: a for a in arts}, [], [], {})
    groups, _ = align_claims(claims, _pair_vectors(cosine), facts, arts)
    return max(len(g.outlets) for g in groups)


def test_same_language_pair_needs_shared_words_unless_close_paraphrase():
    same_fact = ("The Orvel council approved the harbour budget on Monday.",
                 "On Monday the council of Orvel approved a budget for the harbour.")
    other_statement = ("The Orvel council approved the harbour budget on Monday.",
                       "Mayor Dana Brill criticised the opposition for delaying repairs.")
    assert _align_two(*same_fact, cosine=0.75) == 2
    assert _align_two(*other_statement, cosine=0.75) == 1  # same story, another statement
    assert _align_two(*other_statement, cosine=0.85) == 2  # close enough to need no shared words


def test_numbers_of_the_same_thing_support_a_pair_that_shares_few_words():
    # the discrepancy finder needs "twelve people died" and "fourteen persons were killed" together
    assert _align_two("Twelve people died when the Orvel bridge fell.",
                      "Fourteen persons were killed as a span gave way.", cosine=0.75) == 2


def test_pairs_in_two_languages_keep_the_cosine_rule():
    assert _align_two("The Orvel council approved the harbour budget on Monday.",
                      "Городской совет Орвела в понедельник утвердил бюджет порта.", cosine=0.65,
                      language_b="ru") == 2


def _ferry_event(second_text: str) -> EventInput:
    a1 = article("f1", "Gull Wire", "2025-06-01", "The ferry Marta ran aground near Tarvik on Monday morning, the coast guard said.")
    a2 = article("f2", "Harbour Post", "2025-06-01", second_text)
    places = {"e_tarvik": {"name": "Tarvik", "type": "LOC", "variants": {"Tarvik": 1}},
              "e_olmen": {"name": "Olmen", "type": "LOC", "variants": {"Olmen": 1}}}
    mentions = [mention(a1, "Tarvik", "LOC", "e_tarvik"), mention(a2, "Olmen", "LOC", "e_olmen")]
    if "Tarvik" in second_text:
        mentions.append(mention(a2, "Tarvik", "LOC", "e_tarvik"))
    return EventInput("ferry", None, [a1, a2], mentions=mentions, entities=places)


def test_place_discrepancy_when_outlets_name_different_places():
    event = _ferry_event("The ferry Marta ran aground near Olmen on Monday morning, the coast guard said.")
    report = build_event_report(event, encoder=WordHashEncoder())
    [place] = [d for d in report.discrepancies if d.kind == "place"]
    assert sorted(side.value for side in place.sides) == ["Olmen", "Tarvik"]


def test_no_place_discrepancy_when_the_outlet_names_both_places():
    event = _ferry_event("The ferry Marta ran aground near Olmen on Monday morning, the coast guard said. "
                         "It had left Tarvik an hour earlier.")
    report = build_event_report(event, encoder=WordHashEncoder())
    assert [d for d in report.discrepancies if d.kind == "place"] == []


def test_quote_group_speaker_ties_go_to_the_earliest_article_in_every_process():
    # Five outlets quote one sentence under five spellings of one speaker, each once: the
    # label must not depend on string hashing (it did: set order changes per process).
    from storyline.report.quote_groups import group_quotes

    spellings = ["Mara Voss", "M. Voss", "Dr Mara Voss", "Mara K. Voss", "Ms Voss"]
    said = "The sluice gates will stay shut until the engineers finish their survey."
    arts = [article(f"v{i}", f"Outlet {i}", f"2025-03-0{i + 1}", f'"{said}" said {name}.')
            for i, name in enumerate(spellings)]
    quotes = [quote(a, said, name) for a, name in zip(arts, spellings, strict=True)]
    vectors = np.ones((len(quotes), 4), dtype=np.float32) / 2.0
    groups, _ = group_quotes(quotes, vectors, arts, {})
    assert [(len(g.quotes), g.speaker) for g in groups] == [(5, "Mara Voss")]
