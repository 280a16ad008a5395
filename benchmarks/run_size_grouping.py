"""How the size of the pipeline runs changes the events: one dataset ingested and grouped in runs of N articles.

    python benchmarks/run_size_grouping.py [--dataset ecbplus/dev.jsonl] [--sizes 197,16,1] [--shuffle 7]

Each run is what a timer-driven deployment does: `storyline.ingest` of the next N records, then
`run_pipeline` (enrichment and reports off: grouping reads nothing they write). Records are stripped
of metadata and shuffled as `storyline eval clustering --strip-metadata --shuffle S` gives them; the
store's events are scored against the gold (B-cubed F1), with `cluster_second_look` on and off.
Without the second look the groups depend on the order of arrival only, so every run size scores
the same; with it, on where the batches fall too (benchmarks/results/clustering.md, round 10).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DATA  # noqa: E402

import storyline  # noqa: E402
from storyline.api import run_pipeline  # noqa: E402
from storyline.cluster.metrics import score_clustering  # noqa: E402
from storyline.evaluate import load_gold_records  # noqa: E402


def grouped_in_runs(records: list, size: int, second_look: bool) -> float:
    settings = storyline.load_settings(env={}, enrich=False, reports=False, cluster_second_look=second_look)
    with tempfile.TemporaryDirectory() as tmp, storyline.open_store(Path(tmp) / "runs.db") as store:
        for start in range(0, len(records), size):
            part = Path(tmp) / f"run{start}.jsonl"
            part.write_text("".join(json.dumps(g.record) + "\n" for g in records[start:start + size]), "utf-8")
            storyline.ingest(store, [str(part)], settings=settings)
            run_pipeline(store, settings)
        gold = {g.record["id"]: g.event for g in records}
        events = store.event_assignments()
        articles = [a for a in store.articles() if a.external_id in gold]
        return score_clustering([events[a.id] for a in articles], [gold[a.external_id] for a in articles]).bcubed_f1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dataset", default="ecbplus/dev.jsonl")
    ap.add_argument("--sizes", default="197,16,1")
    ap.add_argument("--shuffle", type=int, default=7)
    args = ap.parse_args()
    records = load_gold_records(DATA / args.dataset, strip_metadata=True, shuffle_seed=args.shuffle)
    for size in map(int, args.sizes.split(",")):
        for look in (False, True):
            print(json.dumps({"dataset": args.dataset, "run_size": size, "second_look": look,
                              "bcubed_f1": round(grouped_in_runs(records, size, look), 4)}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
