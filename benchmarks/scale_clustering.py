"""Assignment latency and memory of OnlineEventClusterer with many articles already clustered.

    python benchmarks/scale_clustering.py --sizes 10000,100000,1000000 --per-day 10000 --dtype f16

Synthetic data: events of 5 articles around random unit directions (cosine about
0.8 to their centre), 6 entity keys per article from a 50,000-key vocabulary,
``--per-day`` articles a day. The clusterer is preloaded with
``load_assigned`` (batch index inserts, no scoring), then ``--probe`` fresh
articles go through ``learn_one`` one by one and each call is timed.

With the default sliding window (14 days, shards of 7 days, shards older than two
windows dropped) only the recent articles stay in the index; ``--no-window``
puts every article on one day, so all of them stay in the searched index (the
worst case).
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import time
from datetime import date, timedelta

import numpy as np

from storyline.cluster.features import ArticleFeatures
from storyline.cluster.online import OnlineEventClusterer

DIM = 512


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def synthetic(n: int, start: int, per_day: int, rng: np.random.Generator, no_window: bool):
    first_day = date(2024, 1, 1)
    vocabulary = 50_000
    events = (start + np.arange(n)) // 5
    centres_rng = np.random.default_rng(12345)
    features, event_ids = [], []
    block = 20_000
    for offset in range(0, n, block):
        count = min(block, n - offset)
        ev = events[offset : offset + count]
        unique = np.unique(ev)
        centres = {}
        for e in unique:
            centres[e] = np.random.default_rng(int(e) + 1).standard_normal(DIM).astype(np.float32)
        base = np.vstack([centres[e] for e in ev])
        base /= np.linalg.norm(base, axis=1, keepdims=True)
        noise = rng.standard_normal((count, DIM)).astype(np.float32)
        noise /= np.linalg.norm(noise, axis=1, keepdims=True)
        vectors = base + 0.75 * noise
        for i in range(count):
            index = start + offset + i
            day = first_day if no_window else first_day + timedelta(days=index // per_day)
            e = int(ev[i])
            entity_rng = np.random.default_rng(e)
            keys = {f"k{x}" for x in entity_rng.integers(0, vocabulary, 4)} | {
                f"k{x}" for x in rng.integers(0, vocabulary, 2)
            }
            features.append(
                ArticleFeatures(
                    article_id=f"a{index}",
                    vector=vectors[i],
                    published=day.isoformat(),
                    entities=frozenset(keys),
                )
            )
            event_ids.append(f"ev_{e + 1:06d}")
    del centres_rng
    return features, event_ids


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--per-day", type=int, default=10_000)
    parser.add_argument("--probe", type=int, default=1000)
    parser.add_argument("--dtype", default="f16", choices=["f32", "f16", "i8"])
    parser.add_argument(
        "--no-window", action="store_true", help="all articles on one day: all stay in the index"
    )
    args = parser.parse_args(argv)
    rng = np.random.default_rng(7)
    print(
        "| articles clustered | in index | build s | p50 ms | p99 ms | index bytes/article | RSS MB | RSS KB/article |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for size in [int(s) for s in args.sizes.split(",")]:
        gc.collect()
        rss_before = rss_mb()
        clusterer = OnlineEventClusterer(index_dtype=args.dtype)
        started = time.perf_counter()
        chunk = 50_000
        for offset in range(0, size, chunk):
            features, event_ids = synthetic(
                min(chunk, size - offset), offset, args.per_day, rng, args.no_window
            )
            clusterer.load_assigned(features, event_ids)
            del features, event_ids
            print(
                f"  loaded {offset + chunk:,} ({time.perf_counter() - started:.0f} s)",
                file=sys.stderr,
                flush=True,
            )
        build = time.perf_counter() - started
        probes, _ = synthetic(args.probe, size, args.per_day, rng, args.no_window)
        timings = []
        for features in probes:
            t0 = time.perf_counter()
            clusterer.learn_one(features)
            timings.append((time.perf_counter() - t0) * 1000)
        in_index = sum(len(index) for index in clusterer._shards.values())
        index_bytes = sum(index.memory_usage for index in clusterer._shards.values())
        rss = rss_mb() - rss_before
        print(
            f"| {size:,} | {in_index:,} | {build:.0f} | {np.percentile(timings, 50):.2f} | {np.percentile(timings, 99):.2f} | "
            f"{index_bytes / max(in_index, 1):.0f} | {rss:.0f} | {rss * 1024 / size:.2f} |",
            flush=True,
        )
        del clusterer, probes
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
