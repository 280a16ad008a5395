"""The report stage alone, built in one process or in forked workers (issue 10, report materialisation).

    python benchmarks/report_pool_speed.py prepare --out STORE [--limit 200]
    python benchmarks/report_pool_speed.py run --store STORE --workers N

``prepare`` ingests the first ``--limit`` BASIL articles and runs the pipeline without reports
(the product path: enrichment, clustering, then the sentence vectors the report stage reads). ``run`` copies STORE and runs
`storyline.materialise.materialise_reports` on the copy with ``enrich_workers = N`` (the setting
the report pool follows: 1 builds every report in this process), then prints the reports built,
wall and CPU seconds (this process and its joined workers) as JSON. Pair two ``run`` commands
(workers 1 and 2) as whole processes to compare them on a noisy machine.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DATA  # noqa: E402


def _cpu() -> float:
    own, done = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + done.ru_utime + done.ru_stime


def prepare(out: Path, limit: int) -> None:
    from storyline.api import run_pipeline
    from storyline.materialise import embed_sentences
    from storyline.pipeline import ingest
    from storyline.settings import load_settings
    from storyline.store.sqlite import open_store

    settings = load_settings(env={}).replace(reports=False)
    rows = [json.loads(line) for line in (DATA / "basil" / "docs.jsonl").open(encoding="utf-8")][:limit]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "input.jsonl"
        path.write_text("".join(json.dumps({k: v for k, v in r.items() if k != "event"}, ensure_ascii=False) + "\n"
                                for r in rows), encoding="utf-8")
        with open_store(out) as store:
            ingest(store, [path], settings=settings, command="report pool speed")
            run_pipeline(store, settings)
            embed_sentences(store, settings)  # the stage before reports: reports read these vectors
            print(json.dumps({"articles": len(rows), "events": len(list(store.events()))}))


def run(store_path: Path, workers: int) -> None:
    from storyline.materialise import materialise_reports
    from storyline.settings import load_settings
    from storyline.store.sqlite import open_store

    settings = load_settings(env={}).replace(enrich_workers=workers)
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "store.db"
        shutil.copy(store_path, copy)
        with open_store(copy) as store:
            wall, cpu = time.perf_counter(), _cpu()
            counts = materialise_reports(store, settings, full=True)
            wall, cpu = time.perf_counter() - wall, _cpu() - cpu
    print(json.dumps({"workers": workers, "built": counts.get("materialised"), "wall_s": round(wall, 2),
                      "cpu_s": round(cpu, 2)}))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="action", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--limit", type=int, default=200)
    r = sub.add_parser("run")
    r.add_argument("--store", type=Path, required=True)
    r.add_argument("--workers", type=int, required=True)
    args = ap.parse_args(argv)
    if args.action == "prepare":
        prepare(args.out, args.limit)
    else:
        run(args.store, args.workers)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
