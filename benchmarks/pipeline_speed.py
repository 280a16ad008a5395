"""Speed of each pipeline stage on real news text from ../shared/data.

    python benchmarks/pipeline_speed.py [--data DIR] [--limit N] [--dataset basil/docs.jsonl]

Ingests N articles into a fresh store, then times enrichment (NER, parse for quote
attribution, quotes, citations, dates, entity resolution) and clustering (embedding,
near-duplicates, online assignment, storylines) separately. Reports docs/s per stage,
end to end, the mean article length, and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from _common import DATA, machine, peak_rss_mb

import storyline
from storyline.grouping_stage import cluster_pending
from storyline.stages import enrich_pending


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--dataset", default="basil/docs.jsonl")
    ap.add_argument("--limit", type=int, default=200)
    ap.add_argument("--enrich-workers", type=int, default=2)
    args = ap.parse_args()
    settings = storyline.load_settings(env={}, enrich_workers=args.enrich_workers)
    with tempfile.TemporaryDirectory() as tmp:
        sample = Path(tmp) / "sample.jsonl"
        with open(args.data / args.dataset, encoding="utf-8") as src, open(sample, "w", encoding="utf-8") as out:
            for i, line in enumerate(src):
                if i >= args.limit:
                    break
                out.write(line)
        store = storyline.open_store(Path(tmp) / "bench.db")
        from storyline.nlp import english, sentence_encoder

        t0 = time.perf_counter()
        english(), sentence_encoder().encode(["warm up"])  # model loading, reported apart
        t_load = time.perf_counter() - t0
        t0 = time.perf_counter()
        report = storyline.ingest(store, [sample], settings=settings)
        t_ingest = time.perf_counter() - t0
        n = len(report.added)
        words = store.db.execute("SELECT avg(length(text) - length(replace(text, ' ', '')) + 1) FROM articles").fetchone()[0]
        t0 = time.perf_counter()
        enrich_stats = enrich_pending(store, settings)
        t_enrich = time.perf_counter() - t0
        t0 = time.perf_counter()
        cluster_stats = cluster_pending(store, settings)
        t_cluster = time.perf_counter() - t0
        store.close()
    total = t_ingest + t_enrich + t_cluster
    result = {
        "machine": machine(), "dataset": args.dataset, "enrich_workers": args.enrich_workers, "articles": n, "mean_words": round(words or 0),
        "model_load_s": round(t_load, 1),
        "ingest_docs_per_s": round(n / t_ingest, 1), "enrich_docs_per_s": round(n / t_enrich, 1),
        "cluster_docs_per_s": round(n / t_cluster, 1), "end_to_end_docs_per_s": round(n / total, 1),
        "peak_rss_mb": round(peak_rss_mb()), "enrich": enrich_stats, "cluster": cluster_stats,
    }
    print(json.dumps(result, indent=1, default=str))


if __name__ == "__main__":
    main()
