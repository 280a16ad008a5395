"""Batch grouping on Spark against the single ordered consumer, scored on gold: the same Spark output grouped both ways.

    python benchmarks/spark_grouping_quality.py [--sets ecb,allsides,mixed] [--partitions 4,8] [--out result.json]

For each dev set (records as `storyline eval clustering` reads them, `storyline.evaluate.load_gold_records`):
`storyline spark ingest` (local[2]) once, then
* **consumer**: `storyline load` of that output into a new store (the online clusterer groups it);
* **spark group, K partitions**: `storyline spark group --partitions K` on a copy of the output, then `storyline load`
  (the groups applied, stitching included), into another new store.
Each store's events are scored against the gold events (B-cubed F1, the product's export of event ids), and the
batch grouping against the consumer's events. Same Spark output, same settings: only the grouping differs.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _common import DATA  # noqa: E402
from eval_clustering import mixed_stream  # noqa: E402

from storyline import open_store  # noqa: E402
from storyline.api import run_pipeline  # noqa: E402
from storyline.cluster.metrics import bcubed  # noqa: E402
from storyline.evaluate import load_gold_records  # noqa: E402
from storyline.settings import load_settings  # noqa: E402
from storyline.spark.grouping import spark_group  # noqa: E402
from storyline.spark.groups import apply_groups  # noqa: E402
from storyline.spark.load import load_results  # noqa: E402
from storyline.spark.runner import spark_ingest, spark_session  # noqa: E402

SETS = {"ecb": ("ECB+ dev", "ecbplus/dev.jsonl", None), "allsides": ("AllSides dev", "allsides/docs.jsonl", None),
        "mixed": ("mixed stream", None, None)}


def _events(store_path: Path, out: Path, settings, gold: dict[str, str], *, grouped: bool) -> tuple[dict, dict]:
    with open_store(store_path) as store:
        load_results(store, out)
        applied = apply_groups(store, out, settings) if grouped else {}
        run_pipeline(store, settings)
        by_article = store.event_assignments()
        events = {a.external_id: by_article.get(a.id, f"none:{a.id}") for a in store.articles()
                  if a.external_id in gold}
    return events, applied


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", default="ecb,allsides,mixed")
    parser.add_argument("--partitions", default="4,8")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    settings = load_settings(env={}).replace(reports=False)
    session = spark_session("local[2]")
    rows = []
    try:
        for key in args.sets.split(","):
            name, rel, subset = SETS[key]
            with tempfile.TemporaryDirectory() as tmp:
                root = Path(tmp)
                source = root / "input.jsonl"
                if rel is None:
                    mixed_stream(source)
                    records = load_gold_records(source)
                else:
                    records = load_gold_records(DATA / rel, subset=subset)
                with source.open("w", encoding="utf-8") as f:
                    for g in records:
                        f.write(json.dumps(g.record, ensure_ascii=False) + "\n")
                gold = {g.record["id"]: g.event for g in records}
                started = time.perf_counter()
                spark_ingest([source], root / "out", settings, spark=session)
                ingest_s = time.perf_counter() - started
                started = time.perf_counter()
                consumer, _ = _events(root / "consumer.db", root / "out", settings, gold, grouped=False)
                row = {"set": name, "articles": len(consumer), "gold_events": len(set(gold.values())),
                       "spark_ingest_s": round(ingest_s, 1), "consumer": {
                           "bcubed_f1": round(bcubed(consumer, {a: gold[a] for a in consumer})[2], 4),
                           "events": len(set(consumer.values())), "load_s": round(time.perf_counter() - started, 1)}}
                for k in [int(x) for x in args.partitions.split(",")]:
                    out = root / f"out{k}"
                    shutil.copytree(root / "out", out)
                    started = time.perf_counter()
                    report = spark_group(out, settings, spark=session, partitions=k)
                    group_s = time.perf_counter() - started
                    started = time.perf_counter()
                    batch, applied = _events(root / f"batch{k}.db", out, settings, gold, grouped=True)
                    row[f"spark group, {k} partitions"] = {
                        "bcubed_f1": round(bcubed(batch, {a: gold[a] for a in batch})[2], 4),
                        "events": len(set(batch.values())), "partitions": report.partitions,
                        "partition_sizes": report.partition_sizes, "group_s": round(group_s, 1),
                        "load_s": round(time.perf_counter() - started, 1),
                        "first_articles_joined": applied.get("first articles joined across partitions"),
                        "events_joined": applied.get("events joined across partitions"),
                        "moved": applied.get("articles moved across partitions"),
                        "near_other_partitions": applied.get("articles near other partitions"),
                        "joined_on_second_look": applied.get("articles joined on the second look"),
                        "agreement_with_consumer_f1": round(bcubed(batch, {a: consumer[a] for a in batch})[2], 4)}
                rows.append(row)
                print(json.dumps(row), flush=True)
    finally:
        session.stop()
    if args.out:
        args.out.write_text(json.dumps(rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
