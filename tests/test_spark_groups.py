"""Applying batch groups to a store (storyline.spark.groups), without Spark: a partition's
decision is redone where another partition's events are near, and the rest is kept."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq

import storyline
from storyline.api import DEMO_NAME_PATTERN
from storyline.cluster.metrics import bcubed
from storyline.cluster.near_duplicates import NearDuplicateIndex
from storyline.cluster.partitioned import features_to_json
from storyline.grouping_stage import CLUSTER_VERSION, cluster_features, cluster_pending, embed_pending
from storyline.spark.grouping import GROUPS_FILE, GROUPS_MANIFEST, GROUPS_VERSION
from storyline.spark.groups import apply_groups

from .conftest import demo_corpus_copy


def _write_groups(out, rows):
    schema = pa.schema([("id", pa.string()), ("partition", pa.int32()), ("event", pa.string()), ("score", pa.float64()),
                        ("is_new", pa.bool_()), ("explanation", pa.string()), ("features", pa.string()),
                        ("signature", pa.binary())])
    pq.write_table(pa.table({c: [r[c] for r in rows] for c in schema.names}, schema=schema), out / GROUPS_FILE)
    (out / GROUPS_MANIFEST).write_text(json.dumps({"version": GROUPS_VERSION,
                                                   "near_duplicates": NearDuplicateIndex().params()}))


def _batch_store(tmp_path, settings, location=None):
    store = storyline.open_store(location or tmp_path / "batch.db")
    storyline.ingest(store, [demo_corpus_copy(tmp_path)], settings=settings.replace(enrich=False, cluster=False),
                     name_pattern=DEMO_NAME_PATTERN)
    return store


def _partition_rows(store, events_of, *, cut=None):
    """Group rows for the store's pending articles: two partitions by (the consumer's) event,
    except that the ``cut`` event's reports after its second fell into the other partition,
    which opened an event of its own for them."""
    articles = store.articles(ids=store.pending("cluster", CLUSTER_VERSION))  # publication order
    vectors = embed_pending(store, [a.id for a in articles])
    events = sorted(set(events_of.values()))
    signatures = NearDuplicateIndex()
    rows, seen = [], {}
    for a, f in zip(articles, cluster_features(articles, vectors), strict=True):
        event = events_of[a.id]
        partition = events.index(event) % 2
        seen[event] = seen.get(event, 0) + 1
        first = seen[event] == 1
        if event == cut and seen[event] > 2:
            partition, event, first = 1 - partition, f"cut:{event}", seen[event] == 3
        rows.append({"id": a.id, "partition": partition, "event": f"{partition}:{event}", "score": 0.5,
                     "is_new": first, "explanation": "{}", "features": features_to_json(f),
                     "signature": signatures.signature(a.text).astype("<u8").tobytes()})
    return rows, seen


def test_an_event_cut_by_a_partition_boundary_comes_out_whole(tmp_path, demo_store):
    """Partitions as the single consumer's events would give them, but the largest event cut
    in two by the boundary: applied, the events are the single consumer's again."""
    settings = storyline.load_settings(env={}).replace(reports=False)
    theirs = demo_store.event_assignments()
    largest = max(set(theirs.values()), key=lambda e: sum(v == e for v in theirs.values()))
    store = _batch_store(tmp_path, settings)
    rows, seen = _partition_rows(store, theirs, cut=largest)
    assert seen[largest] >= 4  # the cut really moved reports
    _write_groups(tmp_path, rows)
    applied = apply_groups(store, tmp_path, settings)
    assert applied["applied"] == 15
    # The cut's first report was placed as the consumer places it, and its partition event followed.
    assert applied["first articles joined across partitions"] >= 1
    mine = store.event_assignments()
    assert set(mine) == set(theirs)
    assert bcubed(mine, theirs)[2] == 1.0
    assert len(set(mine.values())) == 4
    assert {e["id"] for e in store.events()} == set(mine.values())
    store.close()


def test_a_batch_into_a_store_that_holds_events_joins_them_as_the_consumer_would(tmp_path, demo_store,
                                                                               any_store_url):
    """The first seven reports grouped by the online clusterer, the other eight applied from
    partitions that never saw the stored events: the single consumer's events over all 15, in
    SQLite and in PostgreSQL."""
    settings = storyline.load_settings(env={}).replace(reports=False)
    theirs = demo_store.event_assignments()
    store = _batch_store(tmp_path, settings, any_store_url)
    pending = store.pending
    store.pending = lambda stage, version: pending(stage, version)[:7]
    cluster_pending(store, settings)
    del store.pending  # the store's own method again
    rows, _seen = _partition_rows(store, theirs)
    assert len(rows) == 8
    _write_groups(tmp_path, rows)
    applied = apply_groups(store, tmp_path, settings)
    assert applied["applied"] == 8 and applied["articles near other partitions"] >= 1
    mine = store.event_assignments()
    assert set(mine) == set(theirs) and bcubed(mine, theirs)[2] == 1.0
    assert {e["id"] for e in store.events()} == set(mine.values())
    store.close()


def test_the_load_takes_the_consumers_second_look_at_the_end_of_its_batch(tmp_path):
    """A partition that (wrongly) left every report alone, with no other partition to correct it
    on arrival: the second look at the end of the consumer's batch joins the reports that belong
    together; with the look off, every report stays alone."""
    counts = {}
    for look in (True, False):
        work = tmp_path / str(look)
        work.mkdir()
        settings = storyline.load_settings(env={}).replace(reports=False, cluster_second_look=look)
        store = _batch_store(work, settings)
        rows, _seen = _partition_rows(store, {a: a for a in store.pending("cluster", CLUSTER_VERSION)})
        rows = [r | {"partition": 0, "event": f"0:{r['id']}", "is_new": True} for r in rows]
        _write_groups(work, rows)
        applied = apply_groups(store, work, settings)
        counts[look] = (applied["articles joined on the second look"], len(set(store.event_assignments().values())))
        store.close()
    # 10 of the 15 join on the look (5 events; the consumer makes 4, deciding them on arrival). The two
    # 2023 reports join too: the batch's 2025 reports no longer push them out of the index before the look.
    assert counts == {True: (10, 5), False: (0, 15)}
