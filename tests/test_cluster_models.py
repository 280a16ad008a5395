"""Cross-lingual event grouping with the real sentence encoder (invented articles)."""

import pytest

from storyline.cluster.features import embed_articles, fallback_features
from storyline.cluster.online import OnlineEventClusterer

pytestmark = pytest.mark.models

ARTICLES = [
    # (id, language, title, text, gold event)
    (
        "en-dam-1",
        "en",
        "Velmora dam bursts, flooding villages",
        "The Kastov reservoir dam in Velmora province burst on Tuesday after a week of heavy rain, flooding "
        "twelve villages and forcing 3,000 people from their homes, governor Ilsa Marrenko said.",
        "dam",
    ),
    (
        "ru-dam-1",
        "ru",
        "В Вельморе прорвало плотину, затоплены деревни",
        "Во вторник после недели проливных дождей прорвало плотину Кастовского водохранилища в провинции "
        "Вельмора. Затоплены двенадцать деревень, из домов эвакуированы 3000 человек, сообщила губернатор "
        "Ильса Марренко.",
        "dam",
    ),
    (
        "en-chess-1",
        "en",
        "Orlina Tessa wins the Harbin Open chess title",
        "Sixteen-year-old Orlina Tessa won the Harbin Open chess tournament on Sunday, beating the top seed "
        "in a tense final game that lasted six hours.",
        "chess",
    ),
    (
        "en-dam-2",
        "en",
        "Thousands evacuated as Velmora reservoir dam fails",
        "Rescue teams in Velmora province evacuated about 3,000 residents after the Kastov dam failed on "
        "Tuesday; twelve villages are under water, officials said.",
        "dam",
    ),
    (
        "ru-chess-1",
        "ru",
        "Орлина Тесса выиграла шахматный турнир Harbin Open",
        "Шестнадцатилетняя Орлина Тесса в воскресенье выиграла шахматный турнир Harbin Open, обыграв первого "
        "сеянного в напряжённой финальной партии, длившейся шесть часов.",
        "chess",
    ),
    (
        "ru-dam-2",
        "ru",
        "Спасатели эвакуировали жителей Вельморы после прорыва плотины",
        "Около 3000 жителей провинции Вельмора эвакуированы после прорыва Кастовской плотины во вторник; "
        "двенадцать деревень ушли под воду, сообщили чиновники.",
        "dam",
    ),
]


def test_english_and_russian_reports_of_one_event_land_together():
    vectors = embed_articles([(title, text) for _, _, title, text, _ in ARTICLES])
    clusterer = OnlineEventClusterer()
    events = {}
    for (article_id, language, title, text, _gold), vector in zip(ARTICLES, vectors, strict=True):
        features = fallback_features(
            article_id, vector, text, title=title, published="2025-03-04", language=language
        )
        events[article_id] = clusterer.learn_one(features).event_id
    assert events == {
        "en-dam-1": "ev_000001",
        "ru-dam-1": "ev_000001",
        "en-chess-1": "ev_000002",
        "en-dam-2": "ev_000001",
        "ru-chess-1": "ev_000002",
        "ru-dam-2": "ev_000001",
    }
