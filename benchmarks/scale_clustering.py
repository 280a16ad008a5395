"""Assignment latency and memory of OnlineEventClusterer with many articles already clustered.

    python benchmarks/scale_clustering.py --sizes 10000,100000,1000000 --per-day 10000 --dtype i8

Synthetic data: events of 5 articles around random unit directions (cosine about
0.8 to their centre), 6 entity keys per article from a 50,000-key vocabulary, 200
hashed words per article (60 shared by the event's reports),
``--per-day`` articles a day. The history is preloaded in chunks with
``load_assigned`` (records only, no scoring); the index inserts are deferred, so
shards that leave the sliding window while the history loads are never built, and
``build_index`` then inserts the articles still inside the window in one batched
usearch ``add`` per shard. Then ``--probe`` fresh articles (published on the
newest day) go through ``learn_one`` one by one and each call is timed.

``--modes arrival,batch,alone`` times the second look too: in the batch modes the probes
arrive as the grouping stage delivers them, ``--batch`` (64) at a time, and each article's
cost includes its second look (``learn_batch``): an article that opened an event and is
still alone when its batch is in is decided again (``look_again``, timed per article). In
"alone" every probe is a one-article event, so every probe is looked at twice: the worst
case. The modes alternate over ``--rounds`` on one loaded clusterer.

With the default sliding window (14 days, shards of 7 days, shards older than two
windows dropped) only the recent articles stay in the index; ``--no-window``
puts every article on one day, so all of them stay in the searched index (the
worst case).

Columns: "in index" = articles in the HNSW shards; "searched" = articles in the
shards a probe searches; "load s" = building the Python records; "index s" =
the batched inserts; "index B/art (file)" = serialised index bytes per indexed
article (vectors + graph); "index B/art (usearch)" = usearch ``memory_usage``
(includes its reserved capacity); RSS = process growth over the whole run, per
article clustered.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from datetime import date, timedelta

import numpy as np

from storyline.cluster.features import ArticleFeatures
from storyline.cluster.online import OnlineEventClusterer

DIM = 512
VOCABULARY = 50_000


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def synthetic(
    n: int, start: int, per_day: int, rng: np.random.Generator, no_window: bool, event_size: int = 5
):
    """``n`` articles numbered from ``start``: ``event_size`` per event, vectors near the
    event's centre, 4 entity keys shared by the event plus 2 random ones."""
    first_day = date(2024, 1, 1)
    index = start + np.arange(n)
    # events of later probes never collide with the history's (numbered past any size used)
    events = index // 5 if event_size == 5 else 10**8 + index // event_size
    unique, inverse = np.unique(events, return_inverse=True)
    centres = np.vstack(
        [np.random.default_rng(int(e) + 1).standard_normal(DIM).astype(np.float32) for e in unique]
    )
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    noise = rng.standard_normal((n, DIM)).astype(np.float32)
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    vectors = centres[inverse] + 0.75 * noise
    # Event keys by a fixed hash of the event number, so all 5 articles of an event share them.
    event_keys = (events[:, None] * 2654435761 + np.arange(4)[None, :] * 40503) % VOCABULARY
    random_keys = rng.integers(0, VOCABULARY, (n, 2))
    keys = np.hstack([event_keys, random_keys])
    # Words of the whole text: 60 an event's reports share, 140 of their own (hashed ids).
    event_terms = (events[:, None] * 2246822519 + np.arange(60)[None, :] * 3266489917) % (1 << 22)
    own_terms = rng.integers(0, 1 << 22, (n, 140))
    terms = np.hstack([event_terms, own_terms])
    features, event_ids = [], []
    for i in range(n):
        day = first_day if no_window else first_day + timedelta(days=int(index[i]) // per_day)
        features.append(
            ArticleFeatures(
                article_id=f"a{index[i]}",
                vector=vectors[i],
                published=day.isoformat(),
                entities=frozenset(f"k{k}" for k in keys[i]),
                terms=dict.fromkeys(terms[i].tolist(), 1.0),
            )
        )
        event_ids.append(f"ev_{int(events[i]) + 1:06d}")
    return features, event_ids


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--per-day", type=int, default=10_000)
    parser.add_argument("--probe", type=int, default=1000)
    parser.add_argument("--dtype", default="i8", choices=["f32", "f16", "i8"])
    parser.add_argument("--modes", default="arrival",
                        help="comma list: arrival (learn_one), batch (batches with the second look), "
                             "alone (the same, every probe a one-article event)")
    parser.add_argument("--batch", type=int, default=64, help="articles per batch in the batch modes")
    parser.add_argument("--rounds", type=int, default=1, help="probe rounds; the modes alternate")
    parser.add_argument("--connectivity", type=int, default=16)
    parser.add_argument("--expansion-add", type=int, default=64)
    parser.add_argument(
        "--no-window", action="store_true", help="all articles on one day: all stay in the index"
    )
    args = parser.parse_args(argv)
    rng = np.random.default_rng(7)
    print(f"load average before: {os.getloadavg()}", flush=True)
    print(
        "| mode | articles clustered | in index | searched | load s | index s | p50 ms | p99 ms "
        "| looked again / moved | index B/art (file) | index B/art (usearch) | RSS MB | RSS KB/article | load avg |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for size in [int(s) for s in args.sizes.split(",")]:
        gc.collect()
        rss_before = rss_mb()
        clusterer = OnlineEventClusterer(
            index_dtype=args.dtype, connectivity=args.connectivity, expansion_add=args.expansion_add
        )
        started = time.perf_counter()
        chunk = 50_000
        for offset in range(0, size, chunk):
            features, event_ids = synthetic(
                min(chunk, size - offset), offset, args.per_day, rng, args.no_window
            )
            clusterer.load_assigned(features, event_ids)
            del features, event_ids
            print(
                f"  loaded {min(offset + chunk, size):,} ({time.perf_counter() - started:.0f} s)",
                file=sys.stderr,
                flush=True,
            )
        loaded = time.perf_counter()
        inserted = clusterer.build_index()
        indexed = time.perf_counter()
        print(f"  indexed {inserted:,} ({indexed - loaded:.0f} s)", file=sys.stderr, flush=True)
        modes = args.modes.split(",")
        timings: dict[str, list[float]] = {mode: [] for mode in modes}
        looked = dict.fromkeys(modes, 0)
        moved = dict.fromkeys(modes, 0)
        next_id = size
        searched = 0
        # modes alternate round by round, so a change of machine load hits each of them alike
        for _ in range(args.rounds):
            for mode in modes:
                event_size = 1 if mode == "alone" else 5
                probes, _ = synthetic(args.probe, next_id, args.per_day, rng, args.no_window, event_size)
                next_id += args.probe
                probe_day = clusterer._shards_for(int(date.fromisoformat(probes[0].published).toordinal()))
                searched = sum(len(clusterer._shards[name]) for name in probe_day)
                step = args.batch if mode != "arrival" else len(probes)
                for first in range(0, len(probes), step):
                    batch = probes[first:first + step]
                    costs, new = [], []
                    for features in batch:
                        t0 = time.perf_counter()
                        assignment = clusterer.learn_one(features)
                        costs.append((time.perf_counter() - t0) * 1000)
                        new.append(assignment.is_new)
                    if mode != "arrival":
                        # learn_batch's second look, article by article in arrival order (what
                        # learn_batch does over the batch), each timed and added to its article's cost
                        for i, features in enumerate(batch):
                            if not new[i]:
                                continue
                            t0 = time.perf_counter()
                            moved[mode] += len(clusterer.look_again([features]))
                            costs[i] += (time.perf_counter() - t0) * 1000
                            looked[mode] += 1
                    timings[mode].extend(costs)
        in_index = clusterer.n_indexed
        file_bytes = sum(len(index.save()) for index in clusterer._shards.values())
        usearch_bytes = sum(index.memory_usage for index in clusterer._shards.values())
        rss = rss_mb() - rss_before
        load1 = os.getloadavg()[0]
        for mode in modes:
            print(
                f"| {mode} | {size:,} | {in_index:,} | {searched:,} | {loaded - started:.0f} | {indexed - loaded:.0f} | "
                f"{np.percentile(timings[mode], 50):.2f} | {np.percentile(timings[mode], 99):.2f} | "
                f"{looked[mode]} / {moved[mode]} | "
                f"{file_bytes / max(in_index, 1):.0f} | {usearch_bytes / max(in_index, 1):.0f} | "
                f"{rss:.0f} | {rss * 1024 / size:.2f} | {load1:.1f} |",
                flush=True,
            )
        del clusterer
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
