"""Ingest + clean throughput on every article under ../shared/data.

    python benchmarks/ingest_throughput.py [--data DIR]

Reads the JSONL collections (ECB+, BASIL, MEANTIME, GGT) and the PolNeAR text files
into a fresh temporary store, without enrichment, and reports docs/s and peak RSS.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from _common import DATA, machine, peak_rss_mb

import storyline


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=DATA)
    args = ap.parse_args()
    settings = storyline.load_settings(env={})
    jsonl = [args.data / p for p in ("ecbplus/train.jsonl", "ecbplus/dev.jsonl", "basil/docs.jsonl",
                                      "meantime/docs.jsonl")]
    polnear = [args.data / "polnear/train/text", args.data / "polnear/dev/text"]
    ggt = args.data / "ggt-quotes/articles.jsonl"
    with tempfile.TemporaryDirectory() as tmp:
        store = storyline.open_store(Path(tmp) / "bench.db")
        t0 = time.perf_counter()
        reports = [
            storyline.ingest(store, jsonl + polnear, settings=settings),
            storyline.ingest(store, [ggt], settings=settings, fields={"text": "articleBodyText", "source": "outlet",
                                                                      "url": "articleURL", "id": "_id"}),
        ]
        elapsed = time.perf_counter() - t0
        added = sum(len(r.added) for r in reports)
        dups = sum(r.duplicates for r in reports)
        rejected = sum(len(r.rejected) for r in reports)
        chars = store.db.execute("SELECT sum(length(raw_text)) FROM articles").fetchone()[0]
        store.close()
    docs = added + dups
    print(f"machine: {machine()}")
    print(f"docs read: {docs + rejected}  stored: {added}  duplicates: {dups}  rejected: {rejected}")
    print(f"raw text: {chars / 1e6:.1f} M chars, mean {chars / max(added, 1):.0f} chars/article")
    print(f"time: {elapsed:.1f} s  throughput: {docs / elapsed:.0f} docs/s  peak RSS: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
