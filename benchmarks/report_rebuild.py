"""What a later run pays to rebuild the report of a large event that gained one article.

    python benchmarks/report_rebuild.py [--articles 50] [--rounds 3] [--work DIR] [--out FILE]

A store holds one event of ``--articles`` articles (a BASIL event retold by that many outlets:
``scale_store.big_event_rows``), every stage run. Each round, in a fresh process (so no parse
or stance is left in memory from the run that built the store, as on a server that runs the
pipeline from a timer), copies the store, ingests one more retelling and runs every stage; the
event's report is rebuilt. The round reports each stage's wall and CPU seconds; the report
stage builds one or two reports, in this process (under the report workers' threshold), so its
CPU seconds are the whole cost. Run the same script with another tree on the path to compare
code (the store is built by the code under test).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def _run_stages(store, settings) -> dict:
    from storyline import api

    out = {}
    for name, stage in api._stages(settings):
        w0, c0 = time.perf_counter(), time.process_time()
        stats = stage(store, settings, None)
        out[name] = {"wall_s": round(time.perf_counter() - w0, 3), "cpu_s": round(time.process_time() - c0, 3)}
        if name == "reports":
            out[name]["materialised"] = stats.get("materialised")
    return out


def prepare(work: Path, n: int) -> None:
    from scale_store import big_event_rows

    import storyline

    rows = big_event_rows(n + 1)
    (work / "base.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows[:n]), encoding="utf-8")
    (work / "new.jsonl").write_text(json.dumps(rows[n]) + "\n", encoding="utf-8")
    settings = storyline.load_settings(env={})
    with storyline.open_store(work / "base.db") as store:
        storyline.ingest(store, [work / "base.jsonl"], settings=settings.replace(enrich=False, cluster=False))
        stages = _run_stages(store, settings)
        largest = max(len(e["article_ids"]) for e in store.events())
    print(json.dumps({"prepared": stages, "largest_event": largest}))


def one_round(work: Path, k: int) -> None:
    import storyline

    db = work / f"round{k}.db"
    shutil.copy(work / "base.db", db)
    settings = storyline.load_settings(env={})
    with storyline.open_store(db) as store:
        storyline.ingest(store, [work / "new.jsonl"], settings=settings.replace(enrich=False, cluster=False))
        stages = _run_stages(store, settings)
        largest = max(len(e["article_ids"]) for e in store.events())
    db.unlink()
    print(json.dumps({"stages": stages, "largest_event": largest}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--work", type=Path, help="keep the store here (default: a temporary directory)")
    ap.add_argument("--out", type=Path, help="also write the result (JSON) here")
    ap.add_argument("--phase", choices=["prepare", "round"], help=argparse.SUPPRESS)
    ap.add_argument("--round", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.phase == "prepare":
        return prepare(args.work, args.articles)
    if args.phase == "round":
        return one_round(args.work, args.round)
    work = args.work or Path(tempfile.mkdtemp(prefix="rebuild-"))
    work.mkdir(parents=True, exist_ok=True)
    me = [sys.executable, __file__, "--work", str(work), "--articles", str(args.articles)]
    prepared = json.loads(subprocess.run([*me, "--phase", "prepare"], check=True, capture_output=True,
                                         text=True).stdout.strip().splitlines()[-1])
    rounds = []
    for k in range(args.rounds):
        out = subprocess.run([*me, "--phase", "round", "--round", str(k)], check=True, capture_output=True, text=True)
        rounds.append(json.loads(out.stdout.strip().splitlines()[-1]))
    reports_cpu = [r["stages"]["reports"]["cpu_s"] for r in rounds]
    result = {"articles": args.articles, "prepared": prepared, "rounds": rounds,
              "reports_cpu_median_s": statistics.median(reports_cpu),
              "reports_wall_median_s": statistics.median(r["stages"]["reports"]["wall_s"] for r in rounds)}
    print(json.dumps(result, indent=1))
    if args.out:
        args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
