"""Batch grouping on Spark against the single ordered consumer, on the same loaded articles.

    python benchmarks/spark_grouping.py --results OUT --base loaded.db --work DIR \
        [--masters local[1],local[2]] [--partitions 4] [--out result.json]

``--results`` is the folder `storyline spark ingest` wrote (e.g. `benchmarks/spark_scale.py --size 10000`), and
``--base`` a store after `storyline load --no-run` of it (loaded, not grouped). In one session:

1. the **single consumer**: a copy of ``--base`` grouped by `grouping_stage.cluster_pending` in one run (what
   `storyline load` does without `spark group`);
2. for each master, **`storyline spark group`** on a view of ``--results`` (its own Spark session, so JVM start
   and model loading are inside the time), then **applying** the groups to another copy of ``--base``
   (`spark.groups.apply_groups`, the part `storyline load` runs on one machine, stitching included);
3. the agreement of each batch grouping with the consumer's events (B-cubed F1, the consumer as reference),
   event and story counts.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from storyline import open_store  # noqa: E402
from storyline.cluster.metrics import bcubed  # noqa: E402
from storyline.grouping_stage import cluster_pending  # noqa: E402
from storyline.settings import load_settings  # noqa: E402
from storyline.spark.grouping import spark_group  # noqa: E402
from storyline.spark.groups import apply_groups  # noqa: E402
from storyline.spark.load import MANIFEST, wave_dirs  # noqa: E402


def _copy(base: Path, work: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{work}{suffix}").unlink(missing_ok=True)  # a stale log of an earlier copy must not replay
        if Path(f"{base}{suffix}").exists():
            shutil.copy(f"{base}{suffix}", f"{work}{suffix}")


def _view(results: Path, target: Path) -> Path:
    """A folder that shows the waves of ``results`` (symlinks) with room for its own groups."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for wave in wave_dirs(results):
        (target / wave.name).symlink_to(wave.resolve())
    shutil.copy(results / MANIFEST, target / MANIFEST)
    return target


def _outcome(store) -> dict:
    stories = store.storylines()
    return {"events": len(store.events()), "stories": len(stories),
            "multi_event_stories": sum(len(s["event_ids"]) > 1 for s in stories)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--results", type=Path, required=True, help="a `storyline spark ingest` output folder")
    parser.add_argument("--base", type=Path, required=True, help="that output loaded into a store, not grouped")
    parser.add_argument("--work", type=Path, required=True, help="a folder for the copies")
    parser.add_argument("--masters", default="local[1],local[2]")
    parser.add_argument("--partitions", type=int, help="partitions per run (default: twice the master's cores)")
    parser.add_argument("--consumer-db", type=Path, help="reuse a store the consumer already grouped")
    parser.add_argument("--stream", type=int, metavar="N",
                        help="instead: cut the input into N batches (by input order) and group them one after "
                             "another into one store, by the consumer and by spark group + load (first master)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    settings = load_settings()
    args.work.mkdir(parents=True, exist_ok=True)
    if args.stream:
        return _stream(args, settings)
    rows = []
    consumer_db = args.consumer_db
    if consumer_db is None:
        consumer_db = args.work / "consumer.db"
        _copy(args.base, consumer_db)
        with open_store(consumer_db) as store:
            started = time.perf_counter()
            done = cluster_pending(store, settings)
            wall = time.perf_counter() - started
            rows.append({"run": "single consumer", "articles": done["articles"], "wall_s": round(wall, 1),
                         "articles_per_s": round(done["articles"] / wall, 1), **_outcome(store),
                         "load": round(os.getloadavg()[0], 1)})
            print(json.dumps(rows[-1]), flush=True)
    with open_store(consumer_db) as store:
        reference = store.event_assignments()
    for master in args.masters.split(","):
        view = _view(args.results, args.work / f"results-{master.strip('[]').replace('[', '')}")
        started = time.perf_counter()
        report = spark_group(view, settings, master=master, partitions=args.partitions)
        group_wall = time.perf_counter() - started
        target = args.work / f"batch-{master.replace('[', '').replace(']', '')}.db"
        _copy(args.base, target)
        with open_store(target) as store:
            started, cpu = time.perf_counter(), time.process_time()
            applied = apply_groups(store, view, settings)
            apply_wall, apply_cpu = time.perf_counter() - started, time.process_time() - cpu
            rest = cluster_pending(store, settings)  # undated articles: the online clusterer
            mine = store.event_assignments()
            shared = sorted(set(mine) & set(reference))
            _p, _r, f1 = bcubed({a: mine[a] for a in shared}, {a: reference[a] for a in shared})
            rows.append({"run": f"spark group {master}", "partitions": report.partitions,
                         "partition_sizes": report.partition_sizes, "articles": report.articles,
                         "group_wall_s": round(group_wall, 1), "group_articles_per_s": round(report.articles / group_wall, 1),
                         "apply_wall_s": round(apply_wall, 1), "apply_cpu_s": round(apply_cpu, 1),
                         "apply_articles_per_s": round(applied["applied"] / apply_wall, 1),
                         "first_articles_joined": applied.get("first articles joined across partitions", 0),
                         "events_joined": applied.get("events joined across partitions", 0),
                         "moved": applied.get("articles moved across partitions"),
                         "near_other_partitions": applied.get("articles near other partitions"),
                         "left_to_consumer": rest["articles"], "bcubed_f1_vs_consumer": round(f1, 4),
                         **_outcome(store), "load": round(os.getloadavg()[0], 1)})
            print(json.dumps(rows[-1]), flush=True)
    if args.out:
        args.out.write_text(json.dumps(rows, indent=1))
    return 0


def _stream(args: argparse.Namespace, settings) -> int:
    """A day's batch into a running store, N times: the consumer grouping each batch (its ids only) against
    the store, and `spark group` of the same batch applied to another copy of the store."""
    import pyarrow.parquet as pq

    waves = wave_dirs(args.results)
    size = -(-len(waves) // args.stream)
    batches = [waves[i:i + size] for i in range(0, len(waves), size)]
    consumer_db, batch_db = args.work / "stream-consumer.db", args.work / "stream-batch.db"
    _copy(args.base, consumer_db)
    _copy(args.base, batch_db)
    master = args.masters.split(",")[0]
    rows = []
    with open_store(consumer_db) as consumer, open_store(batch_db) as batch:
        for number, part in enumerate(batches):
            view = args.work / f"stream-{number}"
            if view.exists():
                shutil.rmtree(view)
            view.mkdir(parents=True)
            for wave in part:
                (view / wave.name).symlink_to(wave.resolve())
            shutil.copy(args.results / MANIFEST, view / MANIFEST)
            ids = {r["id"] for w in part for r in pq.read_table(w, columns=["id", "kind"]).to_pylist()
                   if r["kind"] == "article"}
            pending = consumer.pending
            consumer.pending = lambda stage, version, ids=ids, pending=pending: [  # type: ignore[method-assign]
                a for a in pending(stage, version) if a in ids]
            started = time.perf_counter()
            done = cluster_pending(consumer, settings)
            consumer_s = time.perf_counter() - started
            del consumer.pending
            started = time.perf_counter()
            report = spark_group(view, settings, master=master, partitions=args.partitions, store=batch)
            group_s = time.perf_counter() - started
            started = time.perf_counter()
            applied = apply_groups(batch, view, settings)
            apply_s = time.perf_counter() - started
            mine, theirs = batch.event_assignments(), consumer.event_assignments()
            shared = sorted(set(mine) & set(theirs))
            rows.append({"batch": number, "articles": done["articles"],
                         "stored_before": sum(r["articles"] for r in rows), "consumer_s": round(consumer_s, 1), "consumer_articles_per_s": round(done["articles"] / consumer_s, 1),
                         "group_s": round(group_s, 1), "partitions": report.partitions,
                         "apply_s": round(apply_s, 1), "apply_articles_per_s": round(applied["applied"] / apply_s, 1),
                         "near_other_partitions": applied.get("articles near other partitions"),
                         "bcubed_f1_vs_consumer": round(bcubed({a: mine[a] for a in shared},
                                                               {a: theirs[a] for a in shared})[2], 4),
                         "events": len(set(mine.values())), "consumer_events": len(set(theirs.values())),
                         "load": round(os.getloadavg()[0], 1)})
            print(json.dumps(rows[-1]), flush=True)
    if args.out:
        args.out.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
