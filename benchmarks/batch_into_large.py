"""Adding 1,000 articles to a store of 100k against adding them to an empty store (issue 10:
"within 1.5x"): the whole product path, timed per stage, wall and CPU seconds.

Two steps:

    python benchmarks/batch_into_large.py prepare --copies /tmp/w100k.db --out /tmp/large100k.db
    python benchmarks/batch_into_large.py run --large /tmp/large100k.db --batch 1000 [--rounds 1] [--together] [--out r.json]

``prepare`` starts from a store of demo-corpus copies built by ``benchmarks/web_load.py --keep``
(articles, annotations, sentence vectors, entity links, events and stored reports; no NLP) and
adds, through the product's own code, the state a pipeline-built store has and the copies lack:
article embeddings (copy 0's, from ``grouping_stage.embed_pending``, given to every copy of the same
text), the clusterer rows (``OnlineEventClusterer.load_assigned`` with every article's own
features from ``grouping_stage.cluster_features`` and its stored event, saved with
``persist.save_clusterer`` and ``save_index``), the near-duplicate signatures (each copy's
MinHash, ``persist.save_near_duplicates``), entity blocking keys (``resolve.file_all_entity_keys``),
the demo store's entity profiles, and every stage's done marks. One pipeline run with nothing
to do then settles the store (untimed).

``run`` ingests the same ``--batch`` articles (``scale_store.synthetic_corpus``: BASIL and
seeded variants, dates moved to begin the day after the large store's newest article) into
(i) an empty store and (ii) a fresh copy of the large store, each in its own process, in
alternating order over ``--rounds``: ``storyline.ingest`` and then every stage of the
pipeline (enrich with entity resolution, sentence vectors, clustering with events and story
links, report materialisation), the same calls as ``storyline ingest``. Per stage: wall
seconds, this process's CPU seconds and the enrichment workers' CPU seconds.

What a copy store cannot show: its 100k articles name only the demo's 51 entities, so entity
resolution meets few stored namesakes (``benchmarks/scale_resolution.py`` measures that growth).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, peak_rss_mb  # noqa: E402


def _copy_of(article_id: str, base_by_prefix: dict[str, str]) -> str:
    return base_by_prefix[article_id[:10]]


def prepare(copies: Path, out: Path) -> dict:
    import storyline
    from storyline import api
    from storyline.cluster.near_duplicates import NearDuplicateIndex
    from storyline.cluster.online import OnlineEventClusterer
    from storyline.cluster.persist import save_clusterer, save_index, save_near_duplicates
    from storyline.grouping_stage import (
        CLUSTER_VERSION,
        _embedding_model_id,
        cluster_features,
        clusterer_params,
        embed_pending,
    )
    from storyline.materialise import SENTENCE_VERSION, sentence_model_id
    from storyline.resolve import PROFILES_VERSION, PROFILES_VERSION_KV, file_all_entity_keys
    from storyline.stages import ENRICH_VERSION

    t0 = time.perf_counter()
    shutil.copyfile(copies, out)
    settings = storyline.load_settings(env={})
    with tempfile.TemporaryDirectory() as tmp, storyline.open_store(out) as store:
        demo = api.run_demo(Path(tmp) / "demo", settings, say=lambda _m: None)
        with storyline.open_store(demo.db_path) as src:  # the entity profiles the copies' entities had
            profiles = src.entity_profiles({e["id"] for e in src.entities()})
        meta = sorted(store.article_meta(), key=lambda a: (a["published"] or "", a["id"]))
        base = [a["id"] for a in meta if a["id"].endswith("000000")]
        base_by_prefix = {b[:10]: b for b in base}
        vectors = embed_pending(store, base)  # copy 0, product embeddings; copies share the text
        model = _embedding_model_id()
        ids = [a["id"] for a in meta]
        for start in range(0, len(ids), 10_000):
            chunk = ids[start:start + 10_000]
            store.put_embeddings({a: vectors[_copy_of(a, base_by_prefix)] for a in chunk if a not in vectors},
                                 model=model)
        features0 = {f.article_id: f for f in cluster_features(store.articles(ids=base), vectors)}
        events = store.event_assignments()
        clusterer = OnlineEventClusterer(**clusterer_params(settings))
        near_dups = NearDuplicateIndex()
        signature = {b: near_dups._minhash(store.article(b).text).hashvalues for b in base}
        for start in range(0, len(meta), 10_000):
            chunk = meta[start:start + 10_000]
            feats = [dataclasses.replace(features0[_copy_of(a["id"], base_by_prefix)], article_id=a["id"],
                                         published=a["published"]) for a in chunk]
            clusterer.load_assigned(feats, [events[a["id"]] for a in chunk])
            for a in chunk:
                near_dups.restore_one(a["id"], signature[_copy_of(a["id"], base_by_prefix)], a["published"],
                                      len(near_dups))
            near_dups._new = [a["id"] for a in chunk]  # written as if just added
            save_near_duplicates(store, near_dups)
        clusterer.build_index()
        save_clusterer(store, clusterer)
        save_index(store, clusterer)
        file_all_entity_keys(store)
        store.put_entity_profiles(profiles, replace_all=True)
        store.set_kv(PROFILES_VERSION_KV, PROFILES_VERSION)
        for stage, version in (("enrich", ENRICH_VERSION), ("sentences", f"{SENTENCE_VERSION} {sentence_model_id()}"),
                               ("cluster", CLUSTER_VERSION)):
            store.mark_done(ids, stage, version)
        prepared = time.perf_counter() - t0
        t1 = time.perf_counter()
        settle = api.run_pipeline(store, settings)  # nothing pending: clears marks, settles the shards
        result = {"articles": len(ids), "events": len(set(events.values())), "prepare_s": round(prepared, 1),
                  "settle_s": round(time.perf_counter() - t1, 1), "settle": str(settle)[:400],
                  "newest": meta[-1]["published"]}
    print(json.dumps(result), flush=True)
    return result


def batch_corpus(size: int, after: str) -> list[dict]:
    """``size`` synthetic articles, their dates moved to begin the day after ``after``."""
    from scale_store import synthetic_corpus

    corpus = synthetic_corpus(size, start_variant=1)
    first = min(date.fromisoformat(r["published"][:10]) for r in corpus if r.get("published"))
    days = (date.fromisoformat(after[:10]) - first).days + 1
    for r in corpus:
        if r.get("published"):
            r["published"] = (date.fromisoformat(r["published"][:10]) + timedelta(days=days)).isoformat()
    return corpus


def _cpu() -> tuple[float, float]:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime


def one(store_path: Path, corpus_path: Path) -> dict:
    """Ingest the corpus into the store and run every pipeline stage, timed (one process)."""
    import storyline
    from storyline import api
    from storyline.nlp import english, sentence_encoder

    english(), sentence_encoder().encode(["warm up"])  # model loading is not the store's cost
    settings = storyline.load_settings(env={})
    out: dict = {"load_before": os.getloadavg()[0]}
    with storyline.open_store(store_path) as store:
        out["articles_before"] = store.count_articles()
        steps = [("ingest", lambda: storyline.ingest(store, [corpus_path],
                                                     settings=settings.replace(enrich=False, cluster=False)))]
        steps += [(name, lambda stage=stage: stage(store, settings, None)) for name, stage in api._stages(settings)]
        for name, step in steps:
            w, (c, k) = time.perf_counter(), _cpu()
            step()
            c2, k2 = _cpu()
            out[name] = {"wall_s": round(time.perf_counter() - w, 2), "cpu_s": round(c2 - c, 2),
                         "workers_cpu_s": round(k2 - k, 2)}
            print(f"  {name}: {out[name]}", file=sys.stderr, flush=True)
        out["articles_after"] = store.count_articles()
    out["total"] = {k: round(sum(v[k] for v in out.values() if isinstance(v, dict)), 2)
                    for k in ("wall_s", "cpu_s", "workers_cpu_s")}
    out["peak_rss_mb"] = round(peak_rss_mb())
    out["load_after"] = os.getloadavg()[0]
    return out


def run(large: Path, batch: int, rounds: int, workdir: Path, together: bool = False) -> dict:
    """``rounds`` of both runs, in alternating order, or with ``together`` both at once (the
    same machine load for both: the way to compare on a busy machine)."""
    import storyline

    with storyline.open_store(large) as s:
        newest = max(a["published"] or "" for a in s.article_meta())
    corpus = workdir / "batch.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in batch_corpus(batch, newest)), encoding="utf-8")
    results: dict = {"batch": batch, "large": str(large), "machine": machine(), "together": together, "runs": []}
    for r in range(rounds):
        kinds = ("empty", "large") if r % 2 == 0 else ("large", "empty")
        procs = []
        for kind in kinds:
            db = workdir / f"{kind}-{r}.db"
            if kind == "large":
                shutil.copyfile(large, db)
            print(f"round {r + 1}, {kind} store", file=sys.stderr, flush=True)
            procs.append((kind, db, subprocess.Popen(
                [sys.executable, __file__, "one", "--store", str(db), "--corpus", str(corpus)],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)))
            if not together:
                procs[-1] = (kind, db, procs[-1][2], procs[-1][2].communicate())
        for kind, db, proc, *done in procs:
            stdout, stderr = done[0] if done else proc.communicate()
            sys.stderr.write(stderr[-3000:])
            if proc.returncode:
                raise SystemExit(f"{kind} run failed (exit {proc.returncode}); see above")
            results["runs"].append({"round": r + 1, "store": kind, **json.loads(stdout.splitlines()[-1])})
            db.unlink()
            print(json.dumps(results["runs"][-1]), flush=True)
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--copies", type=Path, required=True, help="A store kept by web_load.py --keep.")
    p.add_argument("--out", type=Path, required=True)
    r = sub.add_parser("run")
    r.add_argument("--large", type=Path, required=True)
    r.add_argument("--batch", type=int, default=1000)
    r.add_argument("--rounds", type=int, default=1)
    r.add_argument("--workdir", type=Path, help="Where the store copies go (default: a temporary folder).")
    r.add_argument("--together", action="store_true", help="Run the empty and the large store at once.")
    r.add_argument("--out", type=Path)
    o = sub.add_parser("one")
    o.add_argument("--store", type=Path, required=True)
    o.add_argument("--corpus", type=Path, required=True)
    args = ap.parse_args()
    if args.command == "prepare":
        prepare(args.copies, args.out)
    elif args.command == "one":
        print(json.dumps(one(args.store, args.corpus)))
    else:
        with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
            result = run(args.large, args.batch, args.rounds, Path(tmp), args.together)
        if args.out:
            args.out.write_text(json.dumps(result, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
