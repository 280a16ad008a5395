"""Event clustering: the online clusterer against two batch baselines.

    python benchmarks/eval_clustering.py --tune-on ../shared/data/ecbplus/train.jsonl \\
        --dataset ../shared/data/ecbplus/dev.jsonl --dataset ../shared/data/basil/docs.jsonl \\
        --dataset ../shared/data/meantime/docs.jsonl --mixed

Every method is tuned on the --tune-on file only (grid search on B-cubed F1) and
then run unchanged on each --dataset, never told the number of events. MEANTIME
takes its publication dates from the date line under each headline; ECB+ has no
dates and is fed in file order. --mixed adds one stream of all datasets in date
order. Embeddings are cached under --cache (default /tmp/storyline_cluster_cache).
Prints a Markdown table; --json FILE writes the figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from storyline.cluster.datasets import cached_embeddings, load_dataset, mixed_stream
from storyline.cluster.evaluate import BASELINE_DEFAULTS, METHODS, cluster_with, tune
from storyline.cluster.metrics import score_clustering

ONLINE_GRID = {
    "threshold": [0.7, 0.75, 0.8, 0.85, 0.9],
    "centroid_weight": [0.3, 0.6],
    "entity_weight": [0.15, 0.3, 0.5],
    "coverage_weight": [0.0, 0.2, 0.4],
    "date_weight": [0.1],
}
BASELINE_GRIDS = {
    "tfidf": {"distance_threshold": [0.6, 0.65, 0.7, 0.75, 0.8, 0.825, 0.85, 0.875, 0.9, 0.95]},
    "hdbscan": {"min_cluster_size": [2, 3, 4, 5], "min_samples": [1, 2, 3], "epsilon": [0.0, 0.2]},
}


def _name(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--dataset", action="append", type=Path, default=[], help="JSON Lines file with gold events"
    )
    parser.add_argument("--tune-on", type=Path, help="tune every method on this file first")
    parser.add_argument(
        "--mixed", action="store_true", help="also run one mixed stream of all datasets in date order"
    )
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--cache", type=Path, default=Path("/tmp/storyline_cluster_cache"))
    parser.add_argument("--json", type=Path, help="write all figures here")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", category=FutureWarning)
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]

    def load(path: Path):
        docs = load_dataset(path, dates_from_text=path.parent.name == "meantime")
        return docs, cached_embeddings(docs, lead_words=120, cache_dir=args.cache)

    chosen: dict[str, dict] = {"online": {}, **{m: dict(p) for m, p in BASELINE_DEFAULTS.items()}}
    report: dict = {"tuning": {}, "results": []}
    if args.tune_on:
        docs, vectors = load(args.tune_on)
        for method in methods:
            grid = ONLINE_GRID if method == "online" else BASELINE_GRIDS[method]
            started = time.perf_counter()
            best, scores, tried = tune(method, docs, vectors, grid)
            chosen[method] = best
            report["tuning"][method] = {
                "on": _name(args.tune_on),
                "params": best,
                "bcubed_f1": scores.bcubed_f1,
                "settings_tried": len(tried),
                "seconds": round(time.perf_counter() - started, 1),
            }
            print(
                f"tuned {method} on {_name(args.tune_on)}: {best} -> B3 F1 {scores.bcubed_f1:.3f}",
                file=sys.stderr,
            )

    runs = []
    loaded = [(path, *load(path)) for path in args.dataset]
    for path, docs, vectors in loaded:
        runs.append((_name(path), docs, vectors))
    if args.mixed and loaded:
        stream = mixed_stream([docs for _, docs, _ in loaded])
        by_id = {}
        for _, docs, vectors in loaded:
            for doc, vector in zip(docs, vectors, strict=True):
                by_id[f"{doc.dataset}:{doc.id}"] = vector
        runs.append(("mixed stream", stream, np.vstack([by_id[d.id] for d in stream])))

    rows = []
    for name, docs, vectors in runs:
        gold = [d.gold for d in docs]
        for method in methods:
            started = time.perf_counter()
            labels = cluster_with(method, docs, vectors, chosen[method])
            seconds = time.perf_counter() - started
            scores = score_clustering(labels, gold)
            rows.append((name, method, scores, seconds))
            report["results"].append(
                {"dataset": name, "method": method, "seconds": round(seconds, 2), **scores.to_json()}
            )

    print(
        "| dataset | method | pairwise P | pairwise R | pairwise F1 | B3 P | B3 R | B3 F1 | clusters (pred/gold) | docs | s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name, method, s, seconds in rows:
        print(
            f"| {name} | {method} | {s.pairwise_precision:.3f} | {s.pairwise_recall:.3f} | {s.pairwise_f1:.3f} | "
            f"{s.bcubed_precision:.3f} | {s.bcubed_recall:.3f} | **{s.bcubed_f1:.3f}** | "
            f"{s.predicted_clusters}/{s.gold_clusters} | {s.documents} | {seconds:.1f} |"
        )
    print("\nparameters:", json.dumps(chosen, sort_keys=True))
    report["params"] = chosen
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
