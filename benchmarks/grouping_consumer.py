"""The online clusterer as the single ordered consumer: grouping a loaded store in bulk and as a stream.

    python benchmarks/grouping_consumer.py --base loaded.db --mode bulk --out bulk.json
    python benchmarks/grouping_consumer.py --base loaded.db --mode stream --wave 500 --out stream.json

``--base`` is a store after `storyline load` and before grouping (e.g. `storyline load` of the Parquet that
`benchmarks/spark_scale.py --size 10000` writes). It is copied, and the copy is grouped by
`grouping_stage.cluster_pending` (the product's grouping stage): ``bulk`` groups every article in one run, as after a bulk
load; ``stream`` groups ``--wave`` articles per run in publication order, as a consumer fed batch after batch.
Story linking is timed and its scorer calls counted by wrapping `storylines.relink_storylines`. With
``--postgres`` the copy goes into a throwaway PostgreSQL server (`storyline migrate`'s copy) and is grouped there.
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

import storyline.cluster.storylines as storylines  # noqa: E402
from storyline import open_store  # noqa: E402
from storyline.grouping_stage import cluster_pending  # noqa: E402
from storyline.settings import load_settings  # noqa: E402

STATS = {"score_calls": 0, "related_calls": 0, "linking_s": 0.0, "rescored": 0}
_relink = storylines.relink_storylines


def _counted_relink(events, score, *, related=None, **options):
    def counted_score(a, b):
        STATS["score_calls"] += 1
        return score(a, b)

    def counted_related(a, b):
        STATS["related_calls"] += 1
        return related(a, b)

    started = time.perf_counter()
    update = _relink(events, counted_score, related=counted_related if related else None, **options)
    STATS["linking_s"] += time.perf_counter() - started
    STATS["rescored"] += getattr(update, "redecided", len(update.relinked))
    return update


def _copy(base: Path, work: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{base}{suffix}").exists():
            shutil.copy(f"{base}{suffix}", f"{work}{suffix}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", type=Path, required=True, help="a loaded, not yet grouped store (SQLite)")
    parser.add_argument("--mode", choices=["bulk", "stream"], default="bulk")
    parser.add_argument("--wave", type=int, default=500, help="articles per run in stream mode")
    parser.add_argument("--work", type=Path, help="where the copy goes (default: next to --base)")
    parser.add_argument("--postgres", action="store_true", help="group in a throwaway PostgreSQL server")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    storylines.relink_storylines = _counted_relink
    if not args.postgres:
        work = args.work or args.base.with_name(f"grouped-{args.mode}.db")
        _copy(args.base, work)
        return _group(str(work), args)
    from storyline.store.pg_cluster import throwaway_cluster
    from storyline.store.transfer import copy_store

    with throwaway_cluster(options=("-c synchronous_commit=off", "-c shared_buffers=512MB")) as cluster:
        url = cluster.create_database("grouping")
        started = time.perf_counter()
        with open_store(args.base) as src, open_store(url) as dst:
            copy_store(src, dst)
        print(json.dumps({"copied_to_postgres_s": round(time.perf_counter() - started, 1)}), flush=True)
        return _group(url, args)


def _group(location: str, args: argparse.Namespace) -> int:
    settings = load_settings()
    rows = []
    with open_store(location) as store:
        order = store.pending("cluster", "benchmark")
        size = len(order) if args.mode == "bulk" else args.wave
        for begin in range(0, len(order), size):
            chunk = order[begin:begin + size]
            store.pending = lambda stage, version, chunk=chunk: chunk  # type: ignore[method-assign]
            for key in STATS:
                STATS[key] = 0
            started, cpu = time.perf_counter(), time.process_time()
            result = cluster_pending(store, settings)
            wall = time.perf_counter() - started
            rows.append({"stored": begin + len(chunk), "articles": len(chunk), "wall_s": round(wall, 2),
                         "cpu_s": round(time.process_time() - cpu, 2), "articles_per_s": round(len(chunk) / wall, 1),
                         "events": result["events"], "relinked": result["events relinked"],
                         **{k: round(v, 2) for k, v in STATS.items()}, "load": round(os.getloadavg()[0], 1)})
            print(json.dumps(rows[-1]), flush=True)
        stories = store.storylines()
        summary = {"mode": args.mode, "store": "postgresql" if args.postgres else "sqlite", "articles": len(order), "wall_s": round(sum(r["wall_s"] for r in rows), 1),
                   "articles_per_s": round(len(order) / sum(r["wall_s"] for r in rows), 1),
                   "stories": len(stories), "multi_event_stories": sum(len(s["event_ids"]) > 1 for s in stories),
                   "look_alike_links": len(store.story_links())}
    print(json.dumps(summary))
    if args.out:
        args.out.write_text(json.dumps({"summary": summary, "runs": rows}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
