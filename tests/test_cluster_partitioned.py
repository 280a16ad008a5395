"""Batch grouping in partitions (storyline.cluster.partitioned): one partition is the single
consumer, word rarity counts every partition, and stitching joins what a boundary cut."""

from __future__ import annotations

from collections import Counter

import numpy as np

from storyline.cluster.online import OnlineEventClusterer, parse_day
from storyline.cluster.partitioned import (
    DayFrequencies,
    PartitionItem,
    fit_partitions,
    group_partition,
    partition_of,
    stitch_event,
)

from .test_cluster_online import CHESS, DAM, chess, dam

# Two invented stories over three days, in publication order.
STREAM = [dam(0, published="2024-05-02"), chess(0, published="2024-05-02"), dam(1, published="2024-05-03"),
          chess(1, published="2024-05-03"), dam(2, published="2024-05-04"), chess(2, published="2024-05-04"),
          dam(3, published="2024-05-04")]


def _items(features):
    return [PartitionItem((f.published, 0, i), parse_day(f.published), f) for i, f in enumerate(features)]


def _day_frequencies(features):
    days: dict[int, DayFrequencies] = {}
    for f in features:
        days.setdefault(parse_day(f.published), DayFrequencies()).add(DayFrequencies.of(f))
    return days


def test_one_partition_gives_the_single_consumers_events_and_scores():
    consumer = OnlineEventClusterer()
    expected = [(a.article_id, f"0:{a.event_id}", round(a.score, 6)) for a in consumer.learn_many(STREAM)]
    rows = group_partition(_items(STREAM), _day_frequencies(STREAM), {})
    assert [(r["id"], r["event"], round(r["score"], 6)) for r in rows] == expected
    assert [r["event"] for r in rows] == ["0:ev_000001", "0:ev_000002"] * 3 + ["0:ev_000001"]


def test_a_partition_counts_the_other_partitions_articles_of_earlier_days():
    dams = [f for f in STREAM if f.article_id.startswith("dam")]
    clusterer = OnlineEventClusterer()
    group_partition(_items(dams), _day_frequencies(STREAM), {}, clusterer=clusterer)
    # Days 2 and 3 whole (two dam and two chess reports), and the dam reports of day 4: not
    # the chess report of day 4, which the single consumer would not have seen either.
    assert clusterer._documents == 6
    assert clusterer._entity_df["orlin"] == 2 and clusterer._entity_df["velmo"] == 4


def test_stitching_joins_an_event_a_boundary_cut_and_keeps_each_partitions_own_decisions():
    clusterer = OnlineEventClusterer()
    clusterer.load_assigned([dam(0), dam(1), dam(2), dam(3), chess(0), chess(1), dam(4), dam(5)],
                            ["ev_000001", "ev_000001", "ev_000002", "ev_000002", "ev_000003", "ev_000003", "ev_000004", "ev_000004"])
    partitions = {"ev_000001": {0}, "ev_000002": {1}, "ev_000003": {1}, "ev_000004": {0}}
    merged = stitch_event(clusterer, "ev_000002", partitions)
    assert [(survivor, absorbed) for survivor, absorbed, _p in merged] == [("ev_000001", "ev_000002")]
    assert clusterer.event_of("dam3") == "ev_000001" and partitions["ev_000001"] == {0, 1}
    # The chess final is another happening; ev_4 was kept apart by partition 0's own clusterer.
    assert stitch_event(clusterer, "ev_000003", partitions) == []
    assert stitch_event(clusterer, "ev_000004", partitions) == []
    assert clusterer.event_of("chess0") == "ev_000003" and clusterer.event_of("dam5") == "ev_000004"


def test_partitions_follow_the_vectors_and_never_outnumber_them():
    vectors = np.vstack([f.vector for f in STREAM])
    centroids = fit_partitions(vectors, 2)
    parts = {f.article_id: partition_of(f.vector, centroids) for f in STREAM}
    assert len({parts[a] for a in parts if a.startswith("dam")}) == 1
    assert len({parts[a] for a in parts if a.startswith("chess")}) == 1
    assert parts["dam0"] != parts["chess0"]
    assert partition_of(DAM, centroids) == parts["dam0"] and partition_of(CHESS, centroids) == parts["chess0"]
    assert len(fit_partitions(np.vstack([DAM, DAM, DAM]), 3)) == 1


def test_the_target_stores_frequencies_are_counted_first():
    dams = [f for f in STREAM if f.article_id.startswith("dam")]
    clusterer = OnlineEventClusterer()
    stored = DayFrequencies(40, Counter({"velmo": 9}), Counter())
    group_partition(_items(dams), _day_frequencies(STREAM), {}, clusterer=clusterer, stored=stored)
    assert clusterer._documents == 40 + 6 and clusterer._entity_df["velmo"] == 9 + 4


class _Batch:
    """Stands in for the Spark RDD of (item, signature) pairs (flatMap, distinct, collect)."""

    def __init__(self, values):
        self.values = list(values)

    def flatMap(self, fn):  # noqa: N802 - Spark's name
        return _Batch(v for x in self.values for v in fn(x))

    def distinct(self):
        return _Batch(dict.fromkeys(self.values))

    def collect(self):
        return self.values


def test_spark_group_reads_the_stores_frequencies_of_the_batchs_words_only(tmp_path):
    from storyline import open_store
    from storyline.cluster.persist import save_clusterer
    from storyline.spark.grouping import _stored_frequencies

    store = open_store(tmp_path / "s.db")
    batch = _Batch((PartitionItem(("2024-05-05", 0, i), 0, f), b"") for i, f in enumerate(STREAM[:2]))
    assert _stored_frequencies(store, batch) is None  # nothing grouped yet
    grouped = OnlineEventClusterer()
    grouped.learn_many(STREAM)
    save_clusterer(store, grouped)
    stored = _stored_frequencies(store, batch)
    assert stored.documents == 7
    assert stored.entities == Counter({"velmo": 4, "kasto": 4, "orlin": 3, "tessa": 3})
    assert set(stored.terms) <= set(STREAM[0].terms) | set(STREAM[1].terms) and stored.terms
    store.close()
