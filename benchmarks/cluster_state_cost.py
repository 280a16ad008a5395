"""What saving and loading the clusterer costs as the store grows: state as rows (now) against
the one JSON value of before, on the same clusterer in the same process.

    python benchmarks/cluster_state_cost.py --sizes 10000,30000,100000 --per-day 1000

For each size, a clusterer is preloaded with that many synthetic articles
(benchmarks/scale_clustering.py's generator: events of 5 articles, entity keys, hashed words,
``--per-day`` articles a day), saved once to a temporary SQLite store as rows, and then
``--batches`` batches of 64 new articles (the ingest batch) are learned. After each batch both
ways of saving are timed:

* rows: ``persist.save_clusterer`` (the changed rows, in one transaction);
* the index shards that changed are written once per run (``persist.save_index``);
* blob: ``to_state()`` written to one kv row (``store.set_kv``), as ``cluster_pending`` did
  before schema 6.

Loading is timed the same two ways (``load_clusterer_rows`` vs ``from_state(json.loads(...))``).
Medians over the batches; the ratio blob/rows is what the change buys per batch."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale_clustering import synthetic  # noqa: E402

from storyline.cluster.online import OnlineEventClusterer  # noqa: E402
from storyline.cluster.persist import load_clusterer_rows, save_clusterer, save_index  # noqa: E402
from storyline.store import open_store  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,30000,100000")
    parser.add_argument("--per-day", type=int, default=1000)
    parser.add_argument("--batches", type=int, default=5)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(11)
    print(f"load average before: {os.getloadavg()}", flush=True)
    print("| articles | in index | save rows ms (p50) | save blob ms (p50) | blob/rows | blob MB "
          "| index save per run s | load rows s | load blob s | load avg |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for size in (int(s) for s in args.sizes.split(",")):
        clusterer = OnlineEventClusterer()
        for start in range(0, size, 10_000):
            features, event_ids = synthetic(min(10_000, size - start), start, args.per_day, rng, False)
            clusterer.load_assigned(features, event_ids)
        clusterer.build_index()
        with tempfile.TemporaryDirectory() as tmp, open_store(Path(tmp) / "state.db") as store:
            save_clusterer(store, clusterer)
            save_index(store, clusterer)
            rows_ms, blob_ms, blob_mb = [], [], 0.0
            for b in range(args.batches):
                batch, _ = synthetic(64, size + 64 * b, args.per_day, rng, False)
                clusterer.learn_many(batch)
                t0 = time.perf_counter()
                save_clusterer(store, clusterer)
                rows_ms.append((time.perf_counter() - t0) * 1000)
                t0 = time.perf_counter()
                store.set_kv("benchmark.blob", clusterer.to_state())  # what cluster_pending did before schema 6
                blob_ms.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            save_index(store, clusterer)
            index_s = time.perf_counter() - t0
            blob = json.dumps(store.get_kv("benchmark.blob"))
            blob_mb = len(blob) / 1e6
            t0 = time.perf_counter()
            loaded = load_clusterer_rows(store, OnlineEventClusterer)
            load_rows = time.perf_counter() - t0
            t0 = time.perf_counter()
            OnlineEventClusterer.from_state(json.loads(blob))
            load_blob = time.perf_counter() - t0
            assert loaded is not None and loaded.n_articles == clusterer.n_articles
        r, bl = statistics.median(rows_ms), statistics.median(blob_ms)
        print(f"| {size + 64 * args.batches:,} | {clusterer.n_indexed:,} | {r:.0f} | {bl:.0f} | {bl / r:.1f}x "
              f"| {blob_mb:.0f} | {index_s:.2f} | {load_rows:.1f} | {load_blob:.1f} | {os.getloadavg()[0]:.1f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
