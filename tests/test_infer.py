"""Metadata inferred from the text, each value with its evidence in the raw text."""

from __future__ import annotations

from storyline.model import ArticleDraft
from storyline.pipeline import prepare_article

BODY = ("The harbour council of Orla voted on Monday to close the old ferry pier for repairs, "
        "its chair said after a long meeting.\n"
        "Repairs will take three weeks, according to the port authority.\n")


def _prepare(raw: str, settings, **given):
    article, _changes = prepare_article(ArticleDraft("t.txt", "", raw, **given), settings)
    return article


def test_outlet_header_is_the_source_and_the_next_line_the_title(settings):
    article = _prepare("Gull Coast News\nOrla closes its ferry pier\n" + BODY, settings)
    assert article.source == "Gull Coast News"
    assert article.title == "Orla closes its ferry pier"
    inferred = article.metadata["inferred"]
    assert inferred["source"]["how"] == "outlet header line"
    s, e = inferred["source"]["evidence"]
    assert article.raw_text[s:e] == "Gull Coast News"
    assert inferred["title"]["evidence_text"] == "Orla closes its ferry pier"


def test_a_ledger_or_bulletin_on_the_first_line_is_the_outlet(settings):
    for header in ("Northern Ledger", "Orla Bulletin"):
        article = _prepare(header + "\nOrla closes its ferry pier\n" + BODY, settings)
        assert (article.source, article.title) == (header, "Orla closes its ferry pier")


def test_a_russian_section_name_is_not_the_title(settings):
    article = _prepare("Происшествия\nПожар на пароме в Орле\n" + RU_BODY, settings)
    assert (article.title, article.metadata["section"]) == ("Пожар на пароме в Орле", "Происшествия")


def test_section_name_is_not_the_title(settings):
    article = _prepare("Local news\nOrla closes its ferry pier\n" + BODY, settings)
    assert article.title == "Orla closes its ferry pier"
    assert article.metadata["section"] == "Local news"
    assert article.source is None


def test_agency_dateline_gives_outlet_and_a_partial_date(settings):
    article = _prepare("Orla. March 3. Gull Wire - " + BODY, settings)
    inferred = article.metadata["inferred"]
    assert article.source == "Gull Wire"
    assert inferred["source"]["how"] == "agency dateline"
    assert inferred["published"] == {"value": "--03-03", "how": "dateline", "evidence": [6, 13],
                                     "evidence_text": "March 3", "partial": True}
    assert article.published is None  # a partial date is never stored as a publication date


RU_BODY = "Совет гавани Орлы в понедельник закрыл старый паромный причал на ремонт.\nРемонт займёт три недели.\n"


def test_russian_agency_datelines_give_the_agency_and_a_partial_date_in_either_script(settings):
    cases = [
        ("MOSCOW, March 12. /TASS/. " + BODY, "TASS", "--03-12", "March 12"),
        ("МОСКВА, 12 марта. /ТАСС/. " + RU_BODY, "TASS", "--03-12", "12 марта"),
        ("MOSCOW. Dec 2 (Interfax) - " + BODY, "Interfax", "--12-02", "Dec 2"),
        ("Москва. 12 марта. INTERFAX.RU - " + RU_BODY, "Interfax", "--03-12", "12 марта"),
        ("МОСКВА, 2 дек — РИА Новости. " + RU_BODY, "RIA Novosti", "--12-02", "2 дек"),
        ("MOSCOW, 2 Dec - RIA Novosti. " + BODY, "RIA Novosti", "--12-02", "2 Dec"),
        ("Moscow, March 12. /TASS/. " + BODY, "TASS", "--03-12", "March 12"),  # a listed agency: any place
    ]
    for raw, agency, date, date_text in cases:
        article = _prepare(raw, settings)
        inferred = article.metadata["inferred"]
        assert (article.source, inferred["source"]["how"]) == (agency, "agency dateline"), raw
        assert (inferred["published"]["value"], inferred["published"]["evidence_text"]) == (date, date_text), raw
        assert article.published is None
        assert article.text.startswith(("The harbour council", "Совет гавани")), raw  # the dateline is metadata


def test_a_sentence_shaped_like_a_russian_dateline_is_left_alone(settings):
    # no listed agency after the dash, no date where the date would be, no capitals and no listed agency
    for raw in ("Moscow, police said (Gull Wire) - " + BODY, "On Friday, May 5 (local time) - " + BODY,
                "МОСКВА, 2 дек — Мэр города. " + RU_BODY):
        article = _prepare(raw, settings)
        assert article.text.startswith(raw[:12]), raw
        assert "published" not in article.metadata["inferred"], raw


def test_a_newspaper_dateline_with_a_date_gives_the_date_not_a_region(settings):
    article = _prepare("ORLA, March 3 — " + BODY, settings)
    assert article.metadata["dateline"] == {"place": "ORLA", "date": "March 3"}
    assert article.metadata["inferred"]["published"]["value"] == "--03-03"
    assert article.text.startswith("The harbour council")


def test_self_reference_names_the_outlet(settings):
    raw = BODY + "The Orla Courier has reached out to the port authority for comment.\n"
    article = _prepare(raw, settings)
    assert article.source == "The Orla Courier"
    assert article.metadata["inferred"]["source"]["how"] == "self-reference"


def test_told_an_outlet_is_not_a_self_reference(settings):
    article = _prepare(BODY + "The chair told the Gull Coast Times on Tuesday that work starts soon.\n", settings)
    assert article.source is None


def test_told_a_capitalised_outlet_is_not_a_self_reference_either(settings):
    article = _prepare(BODY + "The chair told The Gull Coast Times on Tuesday that work starts soon.\n", settings)
    assert article.source is None


def test_a_newsroom_that_has_learned_or_not_verified_is_the_outlet(settings):
    assert _prepare(BODY + "Orla Radio News has learned that the pier will reopen.\n", settings).source == \
        "Orla Radio News"
    assert _prepare(BODY + "The Orla Courier has not independently verified the claim.\n", settings).source == \
        "The Orla Courier"
    # the same verbs after a name that is no outlet
    assert _prepare(BODY + "The Harbour Council could not confirm the date.\n", settings).source is None
    assert _prepare(BODY + "The OPRA could not confirm the date.\n", settings).source is None  # an acronym alone
    assert _prepare(BODY + "Port Authority Chair Ilse Vang has reviewed the plans.\n", settings).source is None


def test_a_photo_credit_line_is_no_outlet_header(settings):
    article = _prepare("(Photo by Jana Pell/Orla Daily)\n" + BODY, settings)
    assert article.source is None


def test_two_staff_photo_credits_name_the_outlet_one_or_an_agencys_do_not(settings):
    two = BODY + "The old pier in May. (Jana Pell/Orla Courier)\nThe chair. (Ilse Vang/Orla Courier)\n"
    article = _prepare(two, settings)
    assert article.source == "Orla Courier"
    inferred = article.metadata["inferred"]["source"]
    assert inferred["how"] == "staff photo credits" and inferred["credits"] == 2
    s, e = inferred["evidence"]
    assert article.raw_text[s:e] == "Orla Courier"
    assert _prepare(BODY + "The old pier in May. (Jana Pell/Orla Courier)\n", settings).source is None
    agency = BODY + "The pier. (Jana Pell/The Associated Press)\nThe chair. (Ilse Vang/The Associated Press)\n"
    assert _prepare(agency, settings).source is None


def test_date_line_under_the_headline_is_the_publication_date(settings):
    article = _prepare("Orla closes its ferry pier\nPublished June 22, 2019\n" + BODY, settings)
    assert article.published == "2019-06-22"
    inferred = article.metadata["inferred"]["published"]
    assert inferred["value"] == "2019-06-22" and inferred["partial"] is False
    assert inferred["how"] == "date line" and inferred["evidence_text"] == "Published June 22, 2019"
    assert "Published" not in article.text


def test_relative_date_gives_a_partial_publication_date(settings):
    raw = BODY + "The pier was last inspected a week ago, on March 3, by two engineers.\n"
    article = _prepare(raw, settings)
    assert article.metadata["inferred"]["published"]["value"] == "--03-10"
    assert article.published is None


def test_given_values_are_never_inferred(settings):
    article = _prepare("Gull Coast News\n" + BODY, settings, source="Orla Daily", published="2020-01-02",
                       title="Pier", language="en")
    assert article.source == "Orla Daily" and article.published == "2020-01-02" and article.title == "Pier"
    assert "inferred" not in article.metadata


def test_timeline_orders_partial_dates_and_shows_inferred_publication(settings, store, tmp_path):
    import json

    from click.testing import CliRunner

    from storyline.api import run_pipeline
    from storyline.cli import cli
    from storyline.pipeline import ingest

    (tmp_path / "a.txt").write_text(
        "Orla pier closes\nThe harbour council of Orla closed the ferry pier on March 9 after a storm, "
        "the chair said.\nThe pier was last inspected a week ago, on March 3, by two engineers.\n", "utf-8")
    (tmp_path / "b.txt").write_text(
        "Orla pier reopens\nFerries returned to Orla on April 2 after repairs, the port authority said.\n"
        "Engineers had first inspected the damage on March 12, the authority said.\n", "utf-8")
    ingest(store, [tmp_path], settings=settings.replace(cluster=False, reports=False))
    run_pipeline(store, settings.replace(cluster=False, reports=False))
    result = CliRunner().invoke(cli, ["--db", store.path, "timeline", "--all", "--json"], catch_exceptions=False)
    rows = json.loads(result.output)
    assert [r["value"] for r in rows] == ["--03-03", "--03-09", "--03-12", "--04-02"]
    assert rows[0]["published_inferred"] == "--03-10"
    shown = CliRunner().invoke(cli, ["--db", store.path, "timeline", "--all"]).output
    assert "(published ~--03-10," in shown


def test_agency_byline_header_gives_the_agency_and_a_sentence_start_is_no_outlet(settings):
    article = _prepare("Jana Pell, The Gull Press\nOrla closes its ferry pier\n" + BODY, settings)
    assert article.source == "The Gull Press"
    raw = BODY + "When the council has reached out to the port authority for comment, it heard nothing.\n"
    assert _prepare(raw, settings).source is None
