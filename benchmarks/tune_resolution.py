"""Tuning incremental entity resolution (issue 10) on a corpus that is not the reported one:
each variant resolves the same three batches of 50 invented articles against the same
stored corpus, and is scored against one full resolution of the whole store (B3 F1 of the
batches' mentions, as ``scale_resolution.py`` scores it), with the CPU seconds per batch.

    python benchmarks/tune_resolution.py --size 3000 --seed 12 --variants 0,3,2,2:2,2:none

A variant is ``per_surname[:roles[:per_entity]]``: ``resolve_incremental``'s cap on
surname-mates, the role words kept per stored profile (``none``: the profiles' roles are not
used; empty or default: all the profile keeps, ``storyline.resolve.ROLES_KEPT``), and the
articles whose mentions stand for each touched entity (``per_entity``, default 4). ``--code DIR`` runs the variants
with another checkout's storyline (the same batches, a store it can open), for a baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine  # noqa: E402
from scale_resolution import Corpus, add_articles  # noqa: E402

BATCHES = [[f"b{b}-{i:03d}" for i in range(50)] for b in range(3)]


def _grouping(store) -> dict[str, str | None]:
    return {f"{m.article_id}:{m.start}": m.entity_id for m in store.mentions([a for b in BATCHES for a in b])}


def b3_f1(ours: dict, gold: dict) -> float:
    from storyline.cluster.metrics import bcubed

    keys = sorted(k for k in ours if ours[k] and gold.get(k))
    return round(bcubed([ours[k] for k in keys], [gold[k] for k in keys])[2], 4)


def prepare(work: Path, size: int, seed: int) -> None:
    """A store of ``size`` resolved articles plus the three batches unresolved, and the full
    resolution's grouping of the batches (the reference)."""
    import storyline
    from storyline.stages import resolve_entities

    store = storyline.open_store(work / "pending.db")
    corpus = Corpus(seed)
    add_articles(store, corpus, [f"a{i:06d}" for i in range(size)])
    resolve_entities(store)
    for batch in BATCHES:
        add_articles(store, corpus, batch)
    store.db.commit()
    store.db.execute(f"VACUUM INTO '{work / 'full.db'}'")
    store.close()
    full = storyline.open_store(work / "full.db")
    resolve_entities(full)
    (work / "full.json").write_text(json.dumps(_grouping(full)))
    full.close()


def run_variant(work: Path, variant: str) -> dict:
    """One variant's three batches (called in a child process: see main)."""
    import storyline
    from storyline.resolve import resolve_incremental

    cap, roles, per_entity = (variant.split(":") + ["", ""])[:3]
    path = work / f"run-{os.getpid()}.db"
    shutil.copy(work / "pending.db", path)
    import storyline.store.schema as schema

    with sqlite3.connect(path) as db:  # an older checkout opens the store at its own schema version
        db.execute(f"PRAGMA user_version = {min(schema.MIGRATIONS[-1][0], db.execute('PRAGMA user_version').fetchone()[0])}")
    store = storyline.open_store(path)
    if roles and hasattr(store, "entity_profiles"):
        real = store.entity_profiles
        keep = 0 if roles == "none" else int(roles)
        store.entity_profiles = lambda ids: {  # type: ignore[method-assign]
            e: {"roles": dict(sorted(p["roles"].items(), key=lambda kv: (-kv[1], kv[0]))[:keep])}
            for e, p in real(ids).items()}
    cpu, touched = [], []
    for batch in BATCHES:
        c0 = time.process_time()
        res = resolve_incremental(store, batch, **({"per_surname": int(cap)} if cap else {}),
                                  **({"per_entity": int(per_entity)} if per_entity else {}))
        cpu.append(round(time.process_time() - c0, 2))
        touched.append(res["touched"])
    out = {"variant": variant or "this code's defaults", "cpu_s": cpu, "touched": touched,
           "b3_f1": b3_f1(_grouping(store), json.loads((work / "full.json").read_text()))}
    store.close()
    path.unlink()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=12, help="12 tunes; 11 is the corpus scale_resolution.py reports.")
    ap.add_argument("--variants", default="0,3,2")
    ap.add_argument("--code", help="Run the variants with the storyline of this checkout instead.")
    ap.add_argument("--workdir", type=Path, help="Keep (and reuse) the prepared stores here.")
    ap.add_argument("--run-one", nargs=2, help=argparse.SUPPRESS)  # (workdir, variant): the child process
    args = ap.parse_args()
    if args.run_one:
        print(json.dumps(run_variant(Path(args.run_one[0]), args.run_one[1])))
        return
    print(f"machine: {machine()}")
    print(f"command: python benchmarks/tune_resolution.py {' '.join(sys.argv[1:])}".rstrip())
    work = args.workdir or Path(tempfile.mkdtemp())
    work.mkdir(parents=True, exist_ok=True)
    if not (work / "full.json").exists():
        prepare(work, args.size, args.seed)
    env = dict(os.environ, **({"PYTHONPATH": args.code} if args.code else {}))
    for variant in [v for v in args.variants.split(",")] or [""]:
        out = subprocess.run([sys.executable, __file__, "--run-one", str(work), variant], env=env, check=True,
                             capture_output=True, text=True).stdout.strip().splitlines()[-1]
        print(json.dumps({"size": args.size, "seed": args.seed, "code": args.code or "this", **json.loads(out)}),
              flush=True)
    if not args.workdir:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
