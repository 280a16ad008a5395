"""Event and story grouping on every shared dev set, through the product path, beside the baselines.

    python benchmarks/eval_clustering.py [--enrich] [--model FILE] [--embedding usem3|e5-small]
        [--out benchmarks/results/clustering_runs.json]

Each row is one `storyline eval clustering` run (storyline.api.evaluate_clustering):
the dataset is ingested into a temporary store by `storyline ingest`'s code with the
packaged settings, and the store's events and stories are scored; TF-IDF +
agglomerative and embeddings + HDBSCAN run on the same stored articles. Every
dataset runs twice: as given, and with metadata stripped (id and text only) and the
records shuffled (seed 7). Enrichment is off unless --enrich: grouping reads nothing
enrichment writes (tests/test_eval_path.py checks the groups are equal).

Datasets: ECB+ dev (topics never trained on); AllSides (dev: never trained on);
the held-out halves of BASIL and MEANTIME (the model trained on the other halves);
tgpairs (pair accuracy); and a mixed stream of all of these at once.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DATA, machine  # noqa: E402

from storyline.api import evaluate_clustering  # noqa: E402
from storyline.evaluate import load_gold_records  # noqa: E402
from storyline.settings import load_settings  # noqa: E402

SETS = [
    ("ECB+ dev", "ecbplus/dev.jsonl", {}),
    ("AllSides (story gold)", "allsides/docs.jsonl", {}),
    ("BASIL held-out half", "basil/docs.jsonl", {"subset": "heldout"}),
    ("MEANTIME held-out half", "meantime/docs.jsonl", {"subset": "heldout"}),
    ("tgpairs", "tgpairs/docs.jsonl", {"pairs": "tgpairs/pairs.jsonl"}),
]


def mixed_stream(path: Path, subsets: dict[str, str] | None = None) -> Path:
    """All dev sets in one file, ids and gold events prefixed by their dataset; ``subsets``
    replaces a set's subset (benchmarks/kfold_clustering.py: one AllSides fold)."""
    with path.open("w", encoding="utf-8") as out:
        for _name, rel, options in SETS:
            if "pairs" in options:
                continue
            for g in load_gold_records(DATA / rel, subset=(subsets or {}).get(rel, options.get("subset"))):
                record = {**g.record, "id": f"{rel.split('/')[0]}:{g.record['id']}",
                          "event": f"{rel.split('/')[0]}:{g.event}"}
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--enrich", action="store_true", help="run enrichment too (slower, same groups)")
    parser.add_argument("--model", help="same-event model file instead of the packaged one (cluster_model)")
    parser.add_argument("--embedding", default="usem3", help="cluster_embedding: usem3 or e5-small")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/clustering_runs.json"))
    args = parser.parse_args(argv)
    settings = load_settings(env={}, enrich=args.enrich, cluster_embedding=args.embedding)
    if args.model:
        settings = settings.replace(cluster_model=str(Path(args.model).resolve()))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        sets = [*SETS, ("mixed stream", str(mixed_stream(Path(tmp) / "mixed.jsonl")), {})]
        print(f"machine: {machine()}", flush=True)
        print("| dataset | input | method | level | pair P | pair R | pair F1 | B3 P | B3 R | B3 F1 | pred | gold "
              "| pair acc | seconds |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for name, rel, options in sets:
            for variant, extra in (("given", {}), ("stripped+shuffled", {"strip_metadata": True, "shuffle_seed": 7})):
                opts = {**options, **extra}
                if "pairs" in opts:
                    opts["pairs"] = DATA / opts["pairs"]
                run, results = evaluate_clustering(DATA / rel, settings, **opts)
                for r in results:
                    s = r.scores
                    acc = f"{r.pairs['accuracy']:.3f}" if r.pairs else ""
                    print(f"| {name} | {variant} | {r.method} | {r.level} | {s.pairwise_precision:.3f} | "
                          f"{s.pairwise_recall:.3f} | {s.pairwise_f1:.3f} | {s.bcubed_precision:.3f} | "
                          f"{s.bcubed_recall:.3f} | **{s.bcubed_f1:.3f}** | {s.predicted_clusters} | "
                          f"{s.gold_clusters} | {acc} | {r.seconds:.1f} |", flush=True)
                    rows.append({"dataset": name, "input": variant, "documents": len(run.article_ids),
                                 **r.to_json()})
    args.out.write_text(json.dumps(rows, indent=1) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
