"""The outlet read from the text: agency tags under a headline, URL lines, repeated mentions,
one spelling per well-known outlet, and the outlet a text cites that is not its own."""

from __future__ import annotations

from storyline.clean.outlets import (
    canonical_outlet,
    domain_outlet,
    find_agency_tag,
    find_repeated_outlet,
    is_agency,
)
from storyline.model import ArticleDraft
from storyline.pipeline import prepare_article

BODY = ("The harbour council of Orla voted on Monday to close the old ferry pier for repairs, "
        "its chair said after a long meeting.\n"
        "Repairs will take three weeks, according to the port authority.\n")
HEADLINE = "Orla closes its ferry pier\n\n"


def _prepare(raw: str, settings):
    article, _changes = prepare_article(ArticleDraft("t.txt", "", raw), settings)
    return article


def _source(article) -> dict:
    return article.metadata["inferred"]["source"]


def test_agency_tag_under_a_headline_names_the_agency(settings):
    article = _prepare(HEADLINE + "ORLA, Velmark, March 3 (Gull Wire) — " + BODY, settings)
    assert article.source == "Gull Wire"
    assert _source(article)["how"] == "agency dateline"
    s, e = _source(article)["evidence"]
    assert article.raw_text[s:e] == "Gull Wire"
    assert article.title == "Orla closes its ferry pier"


def test_a_well_known_agency_gets_one_spelling_and_the_evidence_keeps_the_texts(settings):
    article = _prepare(HEADLINE + "ORLA (AP) — " + BODY, settings)
    assert article.source == "The Associated Press"
    assert _source(article)["evidence_text"] == "AP"


def test_a_party_tag_or_a_late_line_is_no_agency_tag():
    assert find_agency_tag("Orla pier\nSen. Ilse Vang (R-Orla) — the vote was close.\n") is None
    late = "Orla pier\nBy Jana Pell\nMarch 3\nA line of story.\nORLA (Gull Wire) — more story.\n"
    assert find_agency_tag(late) is None
    assert find_agency_tag("Orla pier\nBy Jana Pell\nORLA (GW) - story.\n") == ("GW", 29, 31)


def test_a_leading_url_names_the_page_s_outlet_even_over_wire_copy(settings):
    article = _prepare("https://www.gullcoast-news.example/2019/pier\n" + HEADLINE + "ORLA (AP) — " + BODY, settings)
    assert article.source == "gullcoast-news.example"
    assert _source(article)["how"] == "URL line"
    s, e = _source(article)["evidence"]
    assert article.raw_text[s:e] == "https://www.gullcoast-news.example/2019/pier"
    assert _prepare("http://www.huffingtonpost.com/entry/pier\n" + HEADLINE + BODY, settings).source == "HuffPost"


def test_repeated_mentions_of_one_outlet_name_it(settings):
    raw = BODY + ("The chair told the Orla Courier on Tuesday that work starts soon.\n"
                  "In an interview with the Orla Courier, the engineer said the pier was safe.\n")
    article = _prepare(raw, settings)
    assert article.source == "Orla Courier"
    assert _source(article)["how"] == "repeated mentions" and _source(article)["mentions"] == 2
    s, e = _source(article)["evidence"]
    assert article.raw_text[s:e] == "Orla Courier"


def test_an_outlet_the_text_cites_is_not_its_own(settings):
    told_twice = ("The chair told the Orla Courier on Tuesday that work starts soon.\n"
                  "In an interview with the Orla Courier, the engineer said the pier was safe.\n")
    # the same outlet cited as another's reporting
    assert _prepare(BODY + told_twice + "The Orla Courier first reported the closure.\n", settings).source is None
    # another outlet cited: the text quotes more than one newsroom, so none of them is surely its own
    assert _prepare(BODY + told_twice + "According to the Gull Coast Times, repairs cost more.\n",
                    settings).source is None
    # one mention of one kind is not enough
    assert _prepare(BODY + "The chair told the Orla Courier that work starts soon.\n", settings).source is None


def test_an_agency_is_never_a_repeated_mention():
    text = "The chair told Gull Wire and AP so. She told AP again. The engineer told AP too."
    assert find_repeated_outlet(text) is None


def test_outlet_names_and_domains():
    assert canonical_outlet("AP") == canonical_outlet("Associated Press") == "The Associated Press"
    assert canonical_outlet("the huffington post") == "HuffPost"
    assert canonical_outlet("Orla Courier") == "Orla Courier"
    assert canonical_outlet("ap") == "ap" and not is_agency("Pa.")  # an acronym counts only in capitals
    assert is_agency("UPI") and not is_agency("Politico")
    assert domain_outlet("https://edition.cnn.com/2021/a") == "CNN"
    assert domain_outlet("www.orla-courier.example/x") == "orla-courier.example"
    assert domain_outlet("no url here") is None


def test_a_short_form_is_the_one_longer_outlet_it_ends_and_a_name_stops_at_a_sentence_end():
    text = ("The chair told the Orla Post. She said work starts soon. In an interview with the Post on "
            "Monday, the engineer agreed. (Jana Pell/Orla Post)")
    assert find_repeated_outlet(text) == ("Orla Post", text.index("Orla Post"), text.index("Orla Post") + 9, 3)
    # two outlets end in "Post": "the Post" could be either, so the text names more than one
    both = text + " The mayor told the Gull Post the same."
    assert find_repeated_outlet(both) is None


def test_two_spellings_of_one_outlet_are_the_same_outlet():
    from storyline.clean.outlets import same_outlet

    assert same_outlet("RIA Novosti", "РИА Новости")
    assert same_outlet("the Interfax news agency", "Interfax")
    assert same_outlet("The Gull Post", "Gull Post")
    assert not same_outlet("Reuters", "The Associated Press")
    assert not same_outlet("Gull Wire", None)
