"""Which outlets the report credits: a disagreement's sides, what the story rests on, unique
angles (invented events, word-hash stand-in encoder; see test_report.py)."""

from __future__ import annotations

from storyline.report import EventInput, build_event_report, render_markdown

from .test_report_fixtures import WordHashEncoder, article, citation, date, quote

MILL_A = ("Nine workers died when the Tessel flour mill burned down on Friday night, the Brask fire service said. "
          "The mill had stood on the Ouse canal since 1911.")
MILL_B = ("Eleven workers died when the Tessel flour mill burned down on Friday night, the Brask fire service said. "
          "The mill had stood on the Ouse canal since 1911.")
# the same toll in a sentence of its own, which the aligner keeps out of the toll's group
MILL_C = ("The Tessel flour mill on the Ouse canal burned down on Friday night. "
          "Nine workers were killed, the Brask fire service said.")
# nine of something else, far from the toll sentence
MILL_D = ("Nine fire engines came from the city of Holm to the Tessel flour mill. "
          "The mill had stood on the Ouse canal since 1911.")


def test_a_side_lists_an_outlet_stating_the_value_in_a_sentence_of_another_group():
    a = article("a1", "Brask Ledger", "2025-02-08", MILL_A)
    b = article("b1", "Ouse Herald", "2025-02-08", MILL_B)
    c = article("c1", "Canal Post", "2025-02-09", MILL_C)
    d = article("d1", "Holm Evening News", "2025-02-09", MILL_D)
    dates = [date(x, "Friday", "2025-02-07") for x in (a, b, c)]
    report = build_event_report(EventInput("mill", None, [a, b, c, d], [], {}, [], [], dates),
                                encoder=WordHashEncoder())
    toll = next(x for x in report.claims if x.text.startswith("Nine workers were killed"))
    first = next(x for x in report.claims if x.text.startswith("Nine workers died"))
    assert toll.group_id != first.group_id  # the premise: alignment did not pair them
    (number,) = [x for x in report.discrepancies if x.kind == "number"]
    assert [(s.value, s.outlets) for s in number.sides] == [
        ("9", ("Brask Ledger", "Canal Post")), ("11", ("Ouse Herald",))]
    assert [(v.article_id, v.text) for v in number.sides[0].value_spans] == [("a1", "Nine"), ("c1", "Nine")]
    assert "**9** — Brask Ledger, Canal Post" in render_markdown([report])


TOLL_A = ("Nine workers died when the Tessel flour mill burned down, the Brask fire service said. "
          "Divers searched the Ouse canal next to the mill until dark. "
          "He said divers would resume the search on Wednesday.")
TOLL_B = ("Nine workers died in the Tessel flour mill fire, according to the Brask fire service. "
          "Mayor Olek Brandt, who toured the burned site with two ministers and the regional fire chief, "
          "said divers would resume the search.")
TOLL_C = ("The Tessel flour mill burned down and nine workers died, officials said. "
          "Bakeries across the region expect flour prices to rise this spring.")


def _quoted_event():
    a = article("a1", "Brask Ledger", "2025-02-08", TOLL_A)
    b = article("b1", "Ouse Herald", "2025-02-08", TOLL_B)
    c = article("c1", "Canal Post", "2025-02-09", TOLL_C)
    brandt = "ent:brandt"
    quotes = [
        quote(a, "Nine workers died when the Tessel flour mill burned down", "the Brask fire service", kind="indirect"),
        quote(c, "The Tessel flour mill burned down and nine workers died", "officials", kind="indirect"),
        quote(a, "divers would resume the search on Wednesday", "Olek Brandt", brandt, kind="indirect"),
        quote(b, "divers would resume the search", "Mayor Olek Brandt", brandt, kind="indirect"),
    ]
    citations = [citation(b, "according to the Brask fire service", "the Brask fire service", "official")]
    entities = {brandt: {"name": "Olek Brandt", "type": "PERSON"}}
    return build_event_report(EventInput("mill", None, [a, b, c], [], entities, quotes, citations, []),
                              encoder=WordHashEncoder())


def test_a_quoted_source_counts_in_what_the_story_rests_on():
    report = _quoted_event()
    # Ouse Herald cites the fire service ("according to"), Brask Ledger quotes it ("..., the Brask
    # fire service said."), Canal Post's "officials said" is grouped with that quote
    assert [(g.speaker, g.outlets) for g in report.quote_groups] == [
        ("the Brask fire service", ("Brask Ledger", "Canal Post")), ("Olek Brandt", ("Brask Ledger", "Ouse Herald"))]
    assert [r.text for r in report.sources.reliance] == ["3 of 3 articles rely on Brask fire service"]
    assert report.sources.reliance[0].article_ids == ("a1", "b1", "c1")


def test_a_claim_whose_quote_other_outlets_carry_is_not_a_unique_angle():
    report = _quoted_event()
    alone = {x.text for x in report.claims if sum(y.group_id == x.group_id for y in report.claims) == 1}
    assert "He said divers would resume the search on Wednesday." in alone  # the aligner kept it alone
    assert [(u.outlet, u.span.text) for u in report.unique_angles] == [
        ("Brask Ledger", "Divers searched the Ouse canal next to the mill until dark."),
        ("Canal Post", "Bakeries across the region expect flour prices to rise this spring.")]
    assert [(o.name, o.unique_claims) for o in report.outlets] == [
        ("Brask Ledger", 1), ("Ouse Herald", 0), ("Canal Post", 1)]


def test_first_outlets_tie_on_a_day_without_times():
    from storyline.report.claims import first_label, first_outlets

    same_day = [("2026-05-14", "Tarnvale Gazette"), ("2026-05-14", "Kesmark Daily Bulletin"),
                ("2026-05-15", "Northmere Courier"), (None, "Undated Wire")]
    assert first_outlets(same_day) == ("Tarnvale Gazette", "Kesmark Daily Bulletin")
    assert first_label(first_outlets(same_day), "Tarnvale Gazette") == "Tarnvale Gazette, Kesmark Daily Bulletin (tie)"
    timed = [("2026-05-14T09:30:00", "Tarnvale Gazette"), ("2026-05-14T07:05:00", "Kesmark Daily Bulletin")]
    assert first_outlets(timed) == ("Kesmark Daily Bulletin",)
    # a date alone cannot be put before or after a time on the same day; midnight is a date alone
    assert first_outlets([("2026-05-14T07:05:00", "A"), ("2026-05-14", "B")]) == ("A", "B")
    assert first_outlets([("2026-05-14T07:05:00", "A"), ("2026-05-14T00:00:00", "B")]) == ("A", "B")
    assert first_outlets([(None, "A"), ("", "B")]) == ()
    # times with zones are instants: 09:00 in Moscow was before 08:00 in London, 01:00 on the 15th there the 14th
    assert first_outlets([("2026-05-14T09:00:00+03:00", "A"), ("2026-05-14T08:00:00+00:00", "B")]) == ("A",)
    assert first_outlets([("2026-05-15T01:00:00+03:00", "A"), ("2026-05-14T23:30:00Z", "B")]) == ("A",)
    assert first_outlets([("2026-05-14T09:00", "A"), ("2026-05-14T09:00:00", "B")]) == ("A", "B")


def test_same_day_articles_are_a_tie_in_the_coverage_and_on_the_outlet_page(monkeypatch):
    from storyline import analysis

    a = article("a1", "Brask Ledger", "2026-05-14", MILL_A)
    b = article("b1", "Ouse Herald", "2026-05-14", MILL_B)
    c = article("c1", "Canal Post", "2026-05-15", MILL_C)
    report = build_event_report(EventInput("mill", None, [a, b, c], [], {}, [], [], []), encoder=WordHashEncoder())
    shared = [g for g in report.claim_groups if len(g.outlets) > 1]
    assert shared and all(g.first_outlets == ("Brask Ledger", "Ouse Herald") for g in shared)
    assert "| Brask Ledger, Ouse Herald (tie) |" in render_markdown([report])

    class Store:
        def article_meta(self):
            return [{"id": x.id, "source": x.source, "published": x.published, "language": "en"} for x in (a, b, c)]

        def events(self):
            return [{"id": "ev_000001", "article_ids": ["a1", "b1", "c1"],
                     "outlets": ["Brask Ledger", "Ouse Herald", "Canal Post"]}]

    monkeypatch.setattr(analysis, "volume_by_day", lambda store, meta=None: [])
    monkeypatch.setattr(analysis, "citation_edges", lambda store, ids: [])
    views = {o: analysis.outlet_view(Store(), o) for o in ("Brask Ledger", "Ouse Herald", "Canal Post")}
    assert {o: (v["first_total"], v["first_tied"], v["first_share"]) for o, v in views.items()} == {
        "Brask Ledger": (1, 1, 1.0), "Ouse Herald": (1, 1, 1.0), "Canal Post": (0, 0, 0.0)}


def test_a_number_disagreement_without_a_shared_counted_word_takes_no_claim_of_another_group():
    # "Nine workers" / "Eleven died": the two numbers count no word in common, so the disagreement
    # is weaker evidence of one quantity, and another group's "Nine workers" does not join it
    a = article("a1", "Brask Ledger", "2025-02-08", MILL_A)
    b = article("b1", "Ouse Herald", "2025-02-08", MILL_B.replace("Eleven workers died", "Eleven died"))
    c = article("c1", "Canal Post", "2025-02-09", MILL_C)
    report = build_event_report(EventInput("mill", None, [a, b, c], [], {}, [], [], []), encoder=WordHashEncoder())
    (number,) = [x for x in report.discrepancies if x.kind == "number"]
    assert number.description == "number"
    assert [(s.value, s.outlets) for s in number.sides] == [("9", ("Brask Ledger",)), ("11", ("Ouse Herald",))]
