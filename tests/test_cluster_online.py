import json
import math

import numpy as np
import pytest

from storyline.cluster.features import ArticleFeatures, term_counts
from storyline.cluster.online import OnlineEventClusterer, parse_day
from storyline.errors import ConfigError, NotFound

DIM = 512


def direction(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(DIM).astype(np.float32)


def near(base: np.ndarray, seed: int, noise: float = 0.25) -> np.ndarray:
    """A vector with cosine about 1/sqrt(1 + noise^2) to ``base`` (0.97 at 0.25)."""
    base = base / np.linalg.norm(base)
    jitter = np.random.default_rng(seed).standard_normal(DIM).astype(np.float32)
    return base + noise * jitter / np.linalg.norm(jitter)


DAM, CHESS, FLOOD = direction(1), direction(2), direction(3)


def article(article_id, vector, published="2024-05-02", entities=(), dates=(), text="", **extra):
    return ArticleFeatures(
        article_id=article_id,
        vector=vector,
        published=published,
        entities=frozenset(entities),
        dates=frozenset(dates),
        terms=term_counts(text),
        **extra,
    )


# Invented reports: what the words of the whole text look like to the clusterer.
DAM_TEXT = "The Velmo dam burst above Kasto; floodwater reached the valley villages and crews evacuated {i} streets."
CHESS_TEXT = "Orlin beat Tessa in the chess final at the Kasto open, a {i}-move win with the black pieces."


def dam(i, **kw):
    kw.setdefault("entities", {"velmo", "kasto"})
    kw.setdefault("text", DAM_TEXT.format(i=i))
    return article(f"dam{i}", near(DAM, 100 + i), **kw)


def chess(i, **kw):
    kw.setdefault("entities", {"orlin", "tessa"})
    kw.setdefault("text", CHESS_TEXT.format(i=i))
    return article(f"chess{i}", near(CHESS, 200 + i), **kw)


def test_constructor_arguments_are_stored_unchanged():
    clusterer = OnlineEventClusterer(0.7, window_days=3.0, event_span_days=5.0)
    assert (clusterer.threshold, clusterer.window_days, clusterer.event_span_days) == (0.7, 3.0, 5.0)
    assert clusterer.clone(threshold=0.9).threshold == 0.9 and clusterer.clone().window_days == 3.0


def test_similar_articles_join_and_different_ones_open_events():
    clusterer = OnlineEventClusterer()
    first = clusterer.learn_one(dam(1))
    assert (first.event_id, first.is_new, first.score) == ("ev_000001", True, 0.0)
    second = clusterer.learn_one(dam(2))
    assert (second.event_id, second.is_new) == ("ev_000001", False)
    third = clusterer.learn_one(chess(1))
    assert (third.event_id, third.is_new) == ("ev_000002", True)
    assert clusterer.members("ev_000001") == ["dam1", "dam2"]


def test_explanation_names_components_shared_entities_and_runner_up():
    clusterer = OnlineEventClusterer()
    clusterer.learn_many([dam(1), chess(1)])
    assignment = clusterer.learn_one(dam(2))
    explanation = assignment.explanation
    assert explanation.shared_entities == ("kasto", "velmo")
    assert explanation.nearest_article == "dam1"
    assert explanation.gap_days == 0.0
    assert set(explanation.components) >= {
        "dense_centroid",
        "dense_member",
        "entities",
        "date_conflict",
        "gap_log",
    }
    assert explanation.components["entities"] == 1.0
    # The model's contributions to the log-odds add up to the probability it gave.
    logit = sum(explanation.contributions.values())
    assert 1 / (1 + math.exp(-logit)) == pytest.approx(assignment.score, abs=1e-3)
    assert explanation.runner_up == "ev_000002"
    assert explanation.runner_up_score < assignment.score
    assert json.loads(json.dumps(explanation.to_json()))["runner_up"] == "ev_000002"


def test_predict_one_changes_nothing():
    clusterer = OnlineEventClusterer()
    clusterer.learn_one(dam(1))
    before = json.dumps(clusterer.to_state(), sort_keys=True)
    prediction = clusterer.predict_one(dam(2))
    assert (prediction.event_id, prediction.is_new) == ("ev_000001", False)
    new = clusterer.predict_one(chess(1))
    assert new.is_new and new.event_id == ""
    assert json.dumps(clusterer.to_state(), sort_keys=True) == before


def test_learning_the_same_article_twice_changes_nothing():
    clusterer = OnlineEventClusterer()
    clusterer.learn_one(dam(1))
    again = clusterer.learn_one(dam(1))
    assert (again.event_id, again.is_new, clusterer.n_articles) == ("ev_000001", False, 1)


def test_same_kind_of_event_in_another_year_is_another_event():
    clusterer = OnlineEventClusterer()
    clusterer.learn_one(dam(1, published="2019-04-10"))
    later = clusterer.learn_one(dam(2, published="2024-04-10"))
    assert later.is_new and later.explanation.note == "no event within the time window"


def test_mentioned_years_that_disagree_count_against_undated_articles():
    clusterer = OnlineEventClusterer()
    clusterer.learn_one(dam(1, published=None, dates={"2019-04-10"}))
    agreeing = clusterer.predict_one(dam(2, published=None, dates={"2019"}))
    disagreeing = clusterer.predict_one(dam(3, published=None, dates={"2024"}))
    assert agreeing.explanation.components["date_conflict"] == 0.0
    assert disagreeing.explanation.runner_up_components.get("date_conflict", 0.0) == 1.0 or (
        disagreeing.explanation.components["date_conflict"] == 1.0
    )
    # A year conflict lowers the log-odds; the model learned by how much.
    assert disagreeing.explanation.contributions["date_conflict"] < agreeing.explanation.contributions["date_conflict"]


def test_date_lines_tell_undated_look_alikes_apart_and_a_missing_one_is_no_evidence():
    clusterer = OnlineEventClusterer()
    clusterer.learn_one(dam(1, published=None, dateline="2019-04-10"))
    weeks_on = dict(clusterer.pair_features(dam(2, published=None, dateline="2019-05-30")))["ev_000001"]
    months_on = dict(clusterer.pair_features(dam(3, published=None, dateline="2019-07-19")))["ev_000001"]
    years_on = dict(clusterer.pair_features(dam(4, published=None, dateline="2024-04-10")))["ev_000001"]
    no_line = dict(clusterer.pair_features(dam(5, published=None)))["ev_000001"]
    # Only the days beyond 60 count (50 days: none; 100 days: 40), at most 365 of them.
    assert [c["text_gap_log"] for c in (weeks_on, months_on, years_on, no_line)] == [
        0.0, round(math.log1p(40), 4), round(math.log1p(365), 4), 0.0]
    assert clusterer.contributions(weeks_on)["text_gap_log"] == clusterer.contributions(no_line)["text_gap_log"] == 0
    assert clusterer.contributions(years_on)["text_gap_log"] < clusterer.contributions(months_on)["text_gap_log"] < 0
    # Given publication dates decide the window; a date line never adds to them.
    clusterer.learn_one(chess(1, dateline="2019-01-01"))
    assert clusterer._articles["chess1"].dateline_day is None


def test_publication_gap_beyond_the_window_is_never_joined():
    clusterer = OnlineEventClusterer(window_days=7)
    clusterer.learn_one(dam(1, published="2024-05-01"))
    assert not clusterer.learn_one(dam(2, published="2024-05-06")).is_new
    assert clusterer.learn_one(dam(3, published="2024-05-20")).is_new


def test_event_ids_stay_stable_across_batches_and_save_load():
    clusterer = OnlineEventClusterer()
    batch_one = {a.article_id: a.event_id for a in clusterer.learn_many([dam(1), chess(1), dam(2)])}
    restored = OnlineEventClusterer.from_state(json.loads(json.dumps(clusterer.to_state())))
    batch_two = [dam(3), chess(2), article("flood1", near(FLOOD, 300))]
    original_ids = [a.event_id for a in clusterer.learn_many(batch_two)]
    restored_ids = [a.event_id for a in restored.learn_many(batch_two)]
    assert original_ids == restored_ids == ["ev_000001", "ev_000002", "ev_000003"]
    for cl in (clusterer, restored):
        assert {k: cl.event_of(k) for k in batch_one} == batch_one
    # Index bytes may differ in padding; everything else is identical, and so are the answers.
    saved, reloaded = clusterer.to_state(), restored.to_state()
    assert {k: v for k, v in saved.items() if k != "shards"} == {
        k: v for k, v in reloaded.items() if k != "shards"
    }
    probe = dam(9)
    assert restored.predict_one(probe) == clusterer.predict_one(probe)


def test_state_keeps_parameters_and_overrides():
    clusterer = OnlineEventClusterer(0.8, window_days=5.0)
    clusterer.learn_many([dam(1), chess(1)])
    clusterer.merge("ev_000001", "ev_000002")
    restored = OnlineEventClusterer.from_state(json.loads(json.dumps(clusterer.to_state())))
    assert (restored.threshold, restored.window_days) == (0.8, 5.0)
    assert restored.overrides == [{"op": "merge", "into": "ev_000001", "other": "ev_000002"}]
    assert restored.resolve("ev_000002") == "ev_000001"


def test_merge_keeps_the_first_id_and_aliases_the_other():
    clusterer = OnlineEventClusterer()
    clusterer.learn_many([dam(1), chess(1)])
    assert clusterer.merge("ev_000001", "ev_000002") == "ev_000001"
    assert clusterer.event_of("chess1") == "ev_000001"
    assert clusterer.members("ev_000002") == ["dam1", "chess1"]  # the old id resolves to the survivor
    assert clusterer.n_events == 1
    # A new chess article still finds the (merged) event and gets the surviving id.
    assert clusterer.learn_one(chess(2)).event_id == "ev_000001"


def test_moved_article_stays_moved_through_recluster():
    clusterer = OnlineEventClusterer()
    clusterer.learn_many([dam(1), dam(2), dam(3), chess(1)])
    assert clusterer.move("dam3", "ev_000002") == "ev_000002"
    clusterer.recluster()
    assert clusterer.event_of("dam3") == "ev_000002"
    assert clusterer.overrides[-1] == {"op": "move", "article_id": "dam3", "to_event": "ev_000002"}


def test_move_to_none_opens_a_new_event():
    clusterer = OnlineEventClusterer()
    clusterer.learn_many([dam(1), dam(2)])
    assert clusterer.move("dam2", None) == "ev_000002"
    assert clusterer.members("ev_000001") == ["dam1"]


def test_split_events_are_not_merged_back_by_recluster():
    clusterer = OnlineEventClusterer()
    clusterer.learn_many([dam(1), dam(2), dam(3), dam(4)])
    new_event = clusterer.split("ev_000001", ["dam3", "dam4"])
    assert new_event == "ev_000002"
    report = clusterer.recluster()
    assert report.merged == []
    assert clusterer.members("ev_000001") == ["dam1", "dam2"]
    assert clusterer.members("ev_000002") == ["dam3", "dam4"]


def test_two_articles_an_analyst_set_apart_are_not_joined_by_recluster():
    clusterer = OnlineEventClusterer()
    clusterer.learn_many([dam(1), dam(2), dam(3), dam(4)])
    alone = clusterer.split("ev_000001", ["dam3"])
    elsewhere = clusterer.move("dam4", None)
    assert clusterer.recluster(merge_threshold=0.0).merged == []
    assert (clusterer.members(alone), clusterer.members(elsewhere)) == (["dam3"], ["dam4"])


def test_recluster_may_bring_others_into_an_analysts_event_but_never_absorbs_it():
    clusterer = OnlineEventClusterer()
    clusterer.load_assigned([dam(1), dam(2), dam(3)], ["ev_000001", "ev_000001", "ev_000002"])
    clusterer.move("dam3", None)  # dam3 alone in a new event, pinned: the larger dam event must come to it
    report = clusterer.recluster(merge_threshold=0.0)
    assert clusterer.event_of("dam3") == report.merged[0][0] != "ev_000001"


def test_splitting_out_every_article_or_none_is_a_clear_error():
    clusterer = OnlineEventClusterer()
    clusterer.learn_many([dam(1), dam(2)])
    with pytest.raises(ConfigError, match="would leave it empty"):
        clusterer.split("ev_000001", ["dam1", "dam2"])
    with pytest.raises(ConfigError, match="at least one article"):
        clusterer.split("ev_000001", [])


def test_a_merge_carries_the_absorbed_events_cannot_links_to_the_survivor():
    clusterer = OnlineEventClusterer()
    clusterer.learn_many([dam(1), dam(2), dam(3), chess(1)])
    split_off = clusterer.split("ev_000001", ["dam3"])  # ev_000003: never to join ev_000001 again
    clusterer.merge("ev_000002", "ev_000001")  # the analyst joins the dam event into the chess one
    # The split-off event now stays apart from the survivor, and the link names no retired id.
    assert clusterer._events[split_off].cannot_link == {"ev_000002"}
    assert clusterer._events["ev_000002"].cannot_link == {split_off}
    assert clusterer.recluster().merged == []


def test_overrides_reject_unknown_ids_with_a_clear_error():
    clusterer = OnlineEventClusterer()
    clusterer.learn_one(dam(1))
    with pytest.raises(NotFound, match="ev_000009"):
        clusterer.merge("ev_000001", "ev_000009")
    with pytest.raises(NotFound, match="nope"):
        clusterer.move("nope", "ev_000001")
    with pytest.raises(ConfigError, match="empty"):  # a StorylineError: a CLI error line, an HTTP 400
        clusterer.split("ev_000001", ["dam1"])


def test_recluster_merges_events_that_turned_out_to_be_one():
    clusterer = OnlineEventClusterer()
    # Rebuilt from a store that (wrongly) kept one event in two: recluster joins them.
    clusterer.load_assigned(
        [dam(1), dam(2), dam(3), chess(1)], ["ev_000001", "ev_000001", "ev_000002", "ev_000003"]
    )
    report = clusterer.recluster(recent_window=30)
    assert report.merged == [("ev_000001", "ev_000002", report.merged[0][2])]
    assert clusterer.event_of("dam3") == "ev_000001"
    assert clusterer.event_of("chess1") == "ev_000003"
    assert clusterer.learn_one(chess(2)).event_id == "ev_000003"
    assert clusterer.learn_one(article("flood1", near(FLOOD, 300))).event_id == "ev_000004"


def test_recluster_merges_only_at_its_own_threshold_when_given_one():
    def loaded():
        c = OnlineEventClusterer()
        c.load_assigned([dam(1), dam(2), dam(3), chess(1)], ["ev_000001", "ev_000001", "ev_000002", "ev_000003"])
        return c

    score = loaded().recluster(recent_window=30).merged[0][2]  # rounded to 4 places
    assert loaded().recluster(recent_window=30, merge_threshold=1.01).merged == []
    assert len(loaded().recluster(recent_window=30, merge_threshold=score - 0.001).merged) == 1


def test_the_packaged_recluster_threshold_is_the_one_chosen_on_training_streams():
    from storyline.settings import Settings, load_settings

    assert Settings().recluster_merge_threshold == load_settings(env={}).recluster_merge_threshold == 0.9


def test_recluster_splits_an_event_that_drifted_into_two():
    clusterer = OnlineEventClusterer()
    clusterer.load_assigned([dam(1), dam(2), chess(1), chess(2)], ["ev_000001"] * 4)
    report = clusterer.recluster()
    assert report.split == [("ev_000001", "ev_000002", ("chess1", "chess2"))]
    assert clusterer.members("ev_000001") == ["dam1", "dam2"]
    assert clusterer.recluster().changed is False


def test_parse_day_accepts_partial_dates_and_rejects_junk():
    assert parse_day("2024-05-02T10:00:00Z") == parse_day("2024-05-02")
    assert parse_day("2024") is not None and parse_day(None) is None
    with pytest.raises(ValueError, match="not an ISO date"):
        parse_day("yesterday")


def test_zero_vector_is_refused():
    with pytest.raises(ValueError, match="zero"):
        ArticleFeatures("a", np.zeros(DIM))


def test_a_background_year_named_by_one_report_is_not_a_core_year():
    clusterer = OnlineEventClusterer()
    for i in range(1, 4):
        clusterer.learn_one(dam(i, published=None, dates={"2011"}))
    clusterer.learn_one(dam(4, published=None, dates={"2011", "1991"}))
    assert clusterer.n_events == 1
    background_only = clusterer.predict_one(dam(5, published=None, dates={"1991"}))
    components = background_only.explanation.components or background_only.explanation.runner_up_components
    assert components["date_conflict"] == 1.0
    lenient = OnlineEventClusterer(core_year_share=0.0)
    for i in range(1, 5):
        lenient.learn_one(dam(i, published=None, dates={"2011", "1991"} if i == 4 else {"2011"}))
    assert (
        lenient.predict_one(dam(5, published=None, dates={"1991"})).explanation.components["date_conflict"]
        == 0.0
    )


def test_load_assigned_defers_the_index_and_never_builds_shards_that_left_the_window():
    clusterer = OnlineEventClusterer(window_days=7, shard_days=7)
    old = [dam(i, published="2024-01-02") for i in range(1, 4)]
    clusterer.load_assigned(old, ["ev_000001"] * 3)
    assert clusterer.n_indexed == 3
    recent = [chess(i, published="2024-03-01") for i in range(1, 3)]
    clusterer.load_assigned(recent, ["ev_000002"] * 2)
    # The January shard fell out of the window before anything searched it: never inserted.
    assert (clusterer.n_indexed, clusterer.n_articles) == (2, 5)
    assert clusterer.build_index() == 2 and clusterer.build_index() == 0
    joined = clusterer.learn_one(chess(3, published="2024-03-02"))
    assert (joined.event_id, joined.is_new) == ("ev_000002", False)
    assert clusterer.event_of("dam1") == "ev_000001"


def test_loaded_articles_are_searchable_without_an_explicit_build():
    clusterer = OnlineEventClusterer()
    clusterer.load_assigned([dam(1), dam(2)], ["ev_000007", "ev_000007"])
    assigned = clusterer.learn_one(dam(3))
    assert (assigned.event_id, assigned.is_new) == ("ev_000007", False)
    assert clusterer.learn_one(chess(1)).event_id == "ev_000008"


def test_runner_style_features_with_canonical_entities_and_replaced_places_score_place_conflicts():
    import dataclasses

    from storyline.cluster.features import fallback_features

    text = "Floodgates at the Kastov dam were opened on Monday after days of rain."

    def runner_features(article_id, seed, places):
        # As storyline/grouping_stage.py does: canonical entity ids in, then places replaced by LOC ids.
        features = fallback_features(
            article_id, near(DAM, seed), text, published="2024-05-02", entities=["E:kastov_dam"]
        )
        return dataclasses.replace(features, places=frozenset(places))

    clusterer = OnlineEventClusterer()
    clusterer.learn_one(runner_features("a1", 1, {"L:velmora"}))
    same_place = clusterer.predict_one(runner_features("a2", 2, {"L:velmora"}))
    other_place = clusterer.predict_one(runner_features("a3", 3, {"L:ostrin"}))
    assert same_place.explanation.shared_entities == ("E:kastov_dam",)
    assert same_place.explanation.components["place_conflict"] == 0.0
    other = other_place.explanation.components or other_place.explanation.runner_up_components
    assert other["place_conflict"] == 1.0


def test_second_look_moves_a_lone_early_article_into_the_event_it_would_join_now():
    clusterer = OnlineEventClusterer()
    clusterer.learn_many([dam(1), dam(2), chess(1), chess(2)])
    clusterer.learn_assigned(dam(3), "ev_early")  # alone, as if it had come before the others
    # An analyst's decision: chess2 is pinned alone and never merged back with chess1's event.
    assert clusterer.move("chess2", None) == "ev_000003"
    moved = clusterer.look_again([dam(3), chess(1), chess(2)])
    assert list(moved) == ["dam3"]
    assert (moved["dam3"].event_id, moved["dam3"].is_new) == ("ev_000001", False)
    assert moved["dam3"].explanation.note.startswith("second look") and moved["dam3"].explanation.components
    assert clusterer.members("ev_000001") == ["dam1", "dam2", "dam3"]
    assert clusterer.resolve("ev_early") == "ev_000001"
    assert (clusterer.event_of("chess1"), clusterer.event_of("chess2")) == ("ev_000002", "ev_000003")


def test_learn_batch_looks_again_at_an_article_that_came_before_the_rest_of_its_event():
    # Invented: "a" and "b" each tell half of the dam story; "c" tells both halves.
    a = article("a", near(DAM, 11, 0.6), entities={"velmo"},
                text="The Velmo dam burst in the night; engineers blamed the spillway gates.")
    b = article("b", near(DAM, 12, 0.6), entities={"kasto"},
                text="Floodwater reached Kasto villages as crews evacuated streets near the river.")
    c = article("c", near(DAM, 13, 0.25), entities={"velmo", "kasto"},
                text="The Velmo dam burst above Kasto; floodwater reached villages, spillway gates failed "
                     "and crews evacuated streets.")
    once = OnlineEventClusterer(second_look=False)
    assert [x.event_id for x in once.learn_batch([a, b, c])] == ["ev_000001", "ev_000002", "ev_000002"]
    twice = OnlineEventClusterer()
    got = twice.learn_batch([a, b, c])
    assert [(x.event_id, x.is_new) for x in got] == [("ev_000002", False), ("ev_000002", True), ("ev_000002", False)]
    assert twice.members("ev_000002") == ["b", "c", "a"] and twice.resolve("ev_000001") == "ev_000002"
    assert OnlineEventClusterer.from_state(once.to_state()).second_look is False


def test_an_undated_article_sees_the_dated_articles_of_its_own_batch_however_old():
    # Invented: two dated dam reports, a chess report ten weeks later, then an undated agency copy of the
    # dam story, in one batch (dated articles come first). The chess report moves the clock past the
    # dam reports' window; the undated copy must still find them: the batch is decided together.
    batch = [dam(1, published="2024-03-12"), dam(2, published="2024-03-12"), chess(1, published="2024-05-21"),
             dam(3, published=None)]
    clusterer = OnlineEventClusterer()
    got = clusterer.learn_batch(batch)
    assert [(x.event_id, x.is_new) for x in got] == [
        ("ev_000001", True), ("ev_000001", False), ("ev_000002", True), ("ev_000001", False)]
    assert clusterer.n_indexed == 2  # once the batch is in, the dam reports' shard leaves the window
    one_at_a_time = OnlineEventClusterer()
    one_at_a_time.learn_many(batch[:3])
    assert one_at_a_time.n_indexed == 1  # outside a batch, an article leaves the window at once
