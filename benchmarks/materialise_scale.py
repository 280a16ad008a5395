"""What a run of the pipeline's ``reports`` stage costs on a large store when nothing, or one
event, changed: the "which events changed" step is what grows with the store.

Works on a store built by ``benchmarks/web_load.py --keep`` (copies of the demo corpus: copy
``i`` has article ids ``<10 chars><i:06x>`` and event ids ``<base>_<i:05d>``).

    python benchmarks/materialise_scale.py --db /tmp/w100k.db fill
    python benchmarks/materialise_scale.py --db /tmp/w100k.db measure --runs 3 [--out result.json]

``fill`` gives every event a stored report without building 26k reports (3 h here): the
reports of copy 0 are built for real, and each other copy gets copy 0's report with its ids
rewritten, stored under the fingerprint of *its own* inputs (so the store's stale check sees
a current report). Those copied reports keep copy 0's dates in their text: good for timing
the stale check, not for reading. ``measure`` then runs ``materialise_reports`` with no
change, and after retitling one article (one event changed), ``--runs`` times each, and
prints CPU and wall seconds. It uses whichever storyline is importable, so the same command
measures an older tree (``PYTHONPATH=/path/to/old``) for a before/after.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine  # noqa: E402


def fill(db: Path) -> dict:
    import storyline
    from storyline import materialise

    t0 = time.perf_counter()
    with storyline.open_store(db) as s:
        events = s.events()
        base = [e for e in events if e["id"].endswith("_00000")]
        for e in base:  # copy 0: built for real
            materialise.current_report(s, e)
        stored = {e["id"]: (s.stored_report(e["id"], "data")[1], s.stored_report(e["id"], "view")[1]) for e in base}
        built = time.perf_counter() - t0
        copies = 0
        for e in events:
            stem, _, copy = e["id"].rpartition("_")
            if copy == "00000" or f"{stem}_00000" not in stored:
                continue
            data, view = stored[f"{stem}_00000"]
            text_data, text_view = json.dumps(data, ensure_ascii=False), json.dumps(view, ensure_ascii=False)
            for aid in e["article_ids"]:
                old = aid[:10] + "000000"
                text_data, text_view = text_data.replace(old, aid), text_view.replace(old, aid)
            text_data = text_data.replace(f"{stem}_00000", e["id"])
            text_view = text_view.replace(f"{stem}_00000", e["id"])
            fp = materialise.event_fingerprint(e, s.article_digests(e["article_ids"]))
            s.put_report(e["id"], fp, materialise.REPORT_VERSION, json.loads(text_data), json.loads(text_view))
            copies += 1
    return {"built": len(base), "built_s": round(built, 1), "copied": copies,
            "wall_s": round(time.perf_counter() - t0, 1)}


def _timed(fn) -> tuple[dict, float, float]:
    t, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.process_time() - c, time.perf_counter() - t


def measure(db: Path, runs: int) -> dict:
    import storyline
    from storyline import api

    out: dict = {"runs": runs, "load_before": os.getloadavg()[0]}
    with storyline.open_store(db) as s:
        first, cpu, wall = _timed(lambda: api.materialise_reports(s))
        out["first_run"] = {"cpu_s": round(cpu, 2), "wall_s": round(wall, 2), "materialised": first["materialised"]}
        print("first run (brings the store to a steady state):", out["first_run"], flush=True)
        event = max(s.events()[:50], key=lambda e: len(e["article_ids"]))
        for name in ("no change", "one event changed"):
            cpus, walls, built = [], [], []
            for i in range(runs):
                if name == "one event changed":
                    s.update_article(event["article_ids"][0], title=f"Headline corrected, take {i} {time.time()}")
                stats, cpu, wall = _timed(lambda: api.materialise_reports(s))
                cpus.append(cpu)
                walls.append(wall)
                built.append(stats["materialised"])
            out[name] = {"cpu_s": [round(x, 2) for x in cpus], "wall_s": [round(x, 2) for x in walls],
                         "median_cpu_s": round(statistics.median(cpus), 3),
                         "median_wall_s": round(statistics.median(walls), 3), "materialised": built}
            print(f"{name}: {out[name]}", flush=True)
        out["articles"], out["events"] = s.count_articles(), len(s.events())
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    out["load_after"] = os.getloadavg()[0]
    out["storyline"] = str(Path(storyline.__file__).parent)
    out["machine"] = machine()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("action", choices=("fill", "measure"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    result = fill(args.db) if args.action == "fill" else measure(args.db, args.runs)
    print(json.dumps(result), flush=True)
    if args.out:
        args.out.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
