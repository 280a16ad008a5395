"""The clusterer saved as rows: a batch writes only what it changed, and a clusterer loaded
from the rows continues as the one that saved them."""

from storyline import ingest
from storyline.cluster.near_duplicates import NearDuplicateIndex
from storyline.cluster.online import OnlineEventClusterer
from storyline.cluster.persist import (
    load_clusterer_rows,
    load_near_duplicate_rows,
    save_clusterer,
    save_index,
    save_near_duplicates,
    take_delta,
)
from storyline.store import open_store
from tests.conftest import write
from tests.test_cluster_online import FLOOD, article, chess, dam, near


def test_a_batch_writes_only_the_rows_it_changed():
    clusterer = OnlineEventClusterer()
    clusterer.learn_many([dam(1), chess(1), dam(2)])
    first = take_delta(clusterer)
    assert [r["article_id"] for r in first.articles] == ["chess1", "dam1", "dam2"]
    assert first.event_ids == {"ev_000001", "ev_000002"}
    clusterer.learn_one(chess(2))
    second = take_delta(clusterer)
    assert [r["article_id"] for r in second.articles] == ["chess2"]
    assert second.event_ids == {"ev_000002"}
    assert take_delta(clusterer).articles == []


def test_a_split_writes_the_moved_articles_and_both_events():
    clusterer = OnlineEventClusterer()
    clusterer.learn_many([dam(1), dam(2), dam(3), chess(1)])
    take_delta(clusterer)
    new_event = clusterer.split("ev_000001", ["dam3"])
    delta = take_delta(clusterer)
    assert [r["article_id"] for r in delta.articles] == ["dam3"]
    assert delta.articles[0]["features"]["pinned"] is True
    assert delta.event_ids == {"ev_000001", new_event}


def test_a_clusterer_loaded_from_rows_continues_like_the_saved_one(tmp_path):
    with open_store(tmp_path / "rows.db") as store:
        clusterer = OnlineEventClusterer()
        clusterer.learn_many([dam(1), chess(1), dam(2)])
        save_clusterer(store, clusterer)
        clusterer.learn_many([dam(3, published="2024-05-03")])
        clusterer.merge("ev_000001", "ev_000002")
        save_clusterer(store, clusterer)
        loaded = load_clusterer_rows(store, OnlineEventClusterer)
        assert loaded is not None
        assert loaded.assignments() == clusterer.assignments()
        assert loaded.members("ev_000001") == clusterer.members("ev_000001") == ["dam1", "dam2", "dam3", "chess1"]
        assert loaded.resolve("ev_000002") == "ev_000001" and loaded.overrides == clusterer.overrides
        later = [dam(4), chess(5, published="2024-05-04"), article("flood1", near(FLOOD, 300))]
        assert [a.event_id for a in loaded.learn_many(later)] == [a.event_id for a in clusterer.learn_many(later)]


def test_a_date_line_day_survives_rows_and_state(tmp_path):
    with open_store(tmp_path / "rows.db") as store:
        clusterer = OnlineEventClusterer()
        clusterer.learn_many([dam(1, published=None, dateline="2021-03-03"), dam(2)])
        save_clusterer(store, clusterer)
        loaded = load_clusterer_rows(store, OnlineEventClusterer)
        assert loaded is not None
        restored = OnlineEventClusterer.from_state(clusterer.to_state())
        for c in (loaded, restored):
            assert [c._articles[a].dateline_day for a in ("dam1", "dam2")] == [737852, None]


def test_the_cluster_stage_reads_a_date_line_only_when_no_date_was_given(store, settings, tmp_path):
    from storyline.grouping_stage import cluster_features, embed_pending

    body = "A harbour crane toppled onto the Velmo quay at dawn and crushed two empty containers.\n"
    write(tmp_path, "undated.txt", "Crane falls on Velmo quay\nMarch 3, 2021\n\n" + body)
    ingest(store, [tmp_path], settings=settings.replace(enrich=False, cluster=False))
    articles = store.articles()
    features = cluster_features(articles, embed_pending(store, [a.id for a in articles]))
    assert [(f.published, f.dateline) for f in features] == [(None, "2021-03-03")]


def test_near_duplicates_saved_as_rows_keep_their_groups(store, settings, tmp_path):
    text = "The ferry to Orlan sailed late on Tuesday because fog closed the harbour for four hours.\n"
    write(tmp_path, "a1.txt", "Ferry late\n" + text)
    write(tmp_path, "a2.txt", "Chess final\nOrlin beat Tessa in the chess final at the Kasto open on Sunday.\n")
    write(tmp_path, "a3.txt", "Ferry late again\n" + text + "The operator apologised to the passengers.\n")
    ingest(store, [tmp_path], settings=settings)
    ids = {a.title: a.id for a in store.articles()}
    index = NearDuplicateIndex(threshold=0.5)
    for stored in store.articles():
        index.add(stored.id, stored.text)
    first, copy = ids["Ferry late"], ids["Ferry late again"]
    rows = save_near_duplicates(store, index)
    assert rows == {first: ("dup_000001", first), copy: ("dup_000001", first)}
    loaded = load_near_duplicate_rows(store, NearDuplicateIndex)
    assert loaded is not None and loaded.group_of(copy) == "dup_000001" and loaded.threshold == 0.5
    assert save_near_duplicates(store, loaded) == {}  # nothing new to write


def test_saved_index_shards_are_restored_and_stale_ones_rebuilt(tmp_path):
    with open_store(tmp_path / "shards.db") as store:
        clusterer = OnlineEventClusterer()
        clusterer.learn_many([dam(1), chess(1), dam(2)])
        save_clusterer(store, clusterer)
        assert save_index(store, clusterer) == 1 and save_index(store, clusterer) == 0
        restored = load_clusterer_rows(store, OnlineEventClusterer)
        assert restored is not None and restored._dirty_shards == set()  # restored, not rebuilt
        clusterer.learn_one(chess(2))
        save_clusterer(store, clusterer)  # a run stopped before its index save
        rebuilt = load_clusterer_rows(store, OnlineEventClusterer)
        assert rebuilt is not None and rebuilt._dirty_shards == {clusterer._articles["chess2"].shard}
        probe = dam(7)
        assert rebuilt.predict_one(probe) == clusterer.predict_one(probe)


def test_word_frequencies_are_read_from_the_store_when_needed(tmp_path):
    with open_store(tmp_path / "df.db") as store:
        clusterer = OnlineEventClusterer()
        clusterer.learn_many([dam(1), dam(2), chess(1)])
        save_clusterer(store, clusterer)
        loaded = load_clusterer_rows(store, OnlineEventClusterer)
        assert loaded is not None and len(loaded._term_df) == 0  # none read yet
        later = dam(3)
        assert loaded.learn_one(later) == clusterer.learn_one(later)
        assert {k: loaded._term_df[k] for k in later.terms} == {k: clusterer._term_df[k] for k in later.terms}


def test_the_second_look_follows_the_run_settings_for_a_store_grouped_before(tmp_path):
    from storyline.grouping_stage import load_clusterer
    from storyline.settings import Settings

    with open_store(tmp_path / "rows.db") as store:
        clusterer = OnlineEventClusterer(second_look=True)
        clusterer.learn_many([dam(1), dam(2)])
        save_clusterer(store, clusterer)
        assert load_clusterer(store).second_look is True  # no settings: as saved
        assert load_clusterer(store, Settings(cluster_second_look=False)).second_look is False
        assert load_clusterer(store, Settings(cluster_second_look=True)).second_look is True
