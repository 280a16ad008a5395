"""PostgreSQL vs SQLite at 10k, 30k and 100k articles: ingest, report reads and search,
through the store interface the product uses (issue 12).

Per backend, one store grows through the sizes:
- **ingest**: the real ingest path (`storyline.ingest`: read, clean, store; no enrichment) of
  the first ``--ingest`` synthetic articles (BASIL and its seeded variants, scale_store.py),
  and again of 1,000 new articles once the store holds the largest size (does writing slow
  down as the store grows?). Cleaning is the same work for both backends; the difference is
  the store.
- **fill**: the store grows to each size with relabelled copies of the ingested articles (new
  id, content hash and title, same text) written by ``store.add_article`` in transactions of
  ``batch_size`` with a savepoint per article, as the ingest loop does: the store write path
  without re-cleaning 100k texts (which would take an hour on this shared machine).
- **report reads**: events of three articles each, their reports stored with their real
  fingerprints (the demo corpus's four materialised report views as payloads); then
  ``api.event_report_view`` (what /api/events/{id}/report serves: event, article digests,
  stored view) for random events, and ``store.article`` and a 50-article page.
- **search**: 40 seeded one- and two-word queries from the corpus titles, ``store.search``.

PostgreSQL runs in a throwaway cluster on this machine (storyline/store/pg_cluster.py) with
``synchronous_commit=off`` (like SQLite's WAL with synchronous=NORMAL: a crash may lose the
last transactions, never corrupts) and shared_buffers=512MB; both stores on the same disk.

    python benchmarks/scale_postgres.py --sizes 10000,30000,100000 --out benchmarks/results/postgres.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine  # noqa: E402
from scale_store import synthetic_corpus  # noqa: E402

REPEATS = 3  # each latency sample is taken this many times; medians are reported


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def _ms(values: list[float]) -> dict:
    return {"p50_ms": round(1000 * statistics.median(values), 2), "p95_ms": round(1000 * _pct(values, 0.95), 2)}


def demo_views() -> list[dict]:
    """The demo corpus's materialised report views (real payload sizes for the stored reports)."""
    import storyline
    from storyline.api import DEMO_NAME_PATTERN, demo_corpus_path

    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        for f in demo_corpus_path().iterdir():
            if f.suffix in (".txt", ".json", ".jsonl", ".html") and f.name not in ("README.md", "EXPECTED.md"):
                (corpus / f.name).write_bytes(f.read_bytes())
        settings = storyline.load_settings(env={})
        with storyline.open_store(Path(tmp) / "demo.db") as s:
            storyline.ingest(s, [corpus], settings=settings, name_pattern=DEMO_NAME_PATTERN)
            storyline.run_pipeline(s, settings)
            return [v for _, v in s.iter_report_views()]


def copies(articles: list, start: int, count: int) -> list:
    """``count`` relabelled copies of ``articles`` (round robin), numbered from ``start``."""
    out = []
    for n in range(start, start + count):
        a = articles[n % len(articles)]
        digest = hashlib.sha256(f"{a.content_hash}:{n}".encode()).hexdigest()
        out.append(a.__class__(**{**a.__dict__, "id": digest[:16], "content_hash": digest,
                                  "title": f"{a.title or ''} (copy {n})"}))
    return out


def fill(store, articles: list, batch_size: int) -> float:
    """Write ``articles`` as the ingest loop does; seconds taken."""
    t0 = time.perf_counter()
    for i in range(0, len(articles), batch_size):
        with store.transaction():
            for a in articles[i : i + batch_size]:
                with store.savepoint():
                    store.add_article(a, item="bench")
    return time.perf_counter() - t0


def add_events_and_reports(store, views: list[dict], seen: set[str]) -> int:
    """Events of three articles (in publication order) for the articles not in an event yet,
    each with a stored report under its real fingerprint."""
    from storyline.materialise import event_fingerprint

    meta = [m for m in store.article_meta() if m["id"] not in seen]
    events = []
    for i in range(0, len(meta) - 2, 3):
        group = meta[i : i + 3]
        seen.update(m["id"] for m in group)
        events.append({"id": f"ev_{len(seen):07d}", "title": group[0]["title"], "article_ids": [m["id"] for m in group],
                       "first_published": group[0]["published"], "last_published": group[-1]["published"],
                       "outlets": sorted({m["source"] or "?" for m in group}), "languages": ["en"],
                       "duplicate_groups": []})
    existing = store.events()
    store.replace_events(existing + events, [])
    for k, e in enumerate(events):
        fp = event_fingerprint(e, store.article_digests(e["article_ids"]))
        view = views[k % len(views)]
        store.put_report(e["id"], fp, "bench", {}, view)
    return len(existing) + len(events)


def measure_reads(store, rng: random.Random, n: int = 60) -> dict:
    from storyline import api

    event_ids = [e["id"] for e in store.events()]
    ids = [m["id"] for m in store.article_meta()]
    picks = rng.sample(event_ids, min(n, len(event_ids)))
    report, article, page = [], [], []
    for eid in picks:
        for _ in range(REPEATS):
            t0 = time.perf_counter()
            view = api.event_report_view(store, eid)
            report.append(time.perf_counter() - t0)
        assert view, eid
    for aid in rng.sample(ids, n):
        t0 = time.perf_counter()
        store.article(aid)
        article.append(time.perf_counter() - t0)
    for _ in range(20):
        offset = rng.randrange(0, max(1, len(ids) - 50))
        t0 = time.perf_counter()
        store.articles(limit=50, offset=offset)
        page.append(time.perf_counter() - t0)
    return {"report_view": _ms(report), "article": _ms(article), "page_of_50": _ms(page)}


def queries(titles: list[str], rng: random.Random, n: int = 40) -> list[str]:
    words = sorted({w.lower() for t in titles for w in t.split() if w.isalpha() and len(w) > 4})
    one = rng.sample(words, n // 2)
    two = [f"{a} {b}" for a, b in zip(rng.sample(words, n // 2), rng.sample(words, n // 2), strict=True)]
    return one + two


def measure_search(store, qs: list[str]) -> dict:
    times, hits = [], []
    for q in qs:
        for _ in range(REPEATS):
            t0 = time.perf_counter()
            found = store.search(q, 20)
            times.append(time.perf_counter() - t0)
        hits.append(len(found))
    return _ms(times) | {"mean_hits": round(statistics.mean(hits), 1)}


def size_on_disk(store, path: Path | None) -> float:
    if path is not None:
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 1e6
    return float(store.db.execute("SELECT pg_database_size(current_database())").fetchone()[0]) / 1e6


def run_backend(name: str, location: str, db_file: Path | None, corpus: Path, extra: Path, sizes: list[int],
                views: list[dict], settings) -> dict:
    import storyline

    rng = random.Random(11)
    out: dict = {"backend": name, "sizes": []}
    with storyline.open_store(location) as store:
        t0 = time.perf_counter()
        report = storyline.ingest(store, [corpus], settings=settings)
        took = time.perf_counter() - t0
        assert not report.rejected, report.rejected[:3]
        out["ingest"] = {"articles": len(report.added), "seconds": round(took, 1),
                         "articles_per_s": round(len(report.added) / took, 1)}
        print(name, "ingest", out["ingest"], flush=True)
        base = store.articles()
        seen: set[str] = set()
        qs = queries([a.title or "" for a in base], random.Random(5))
        have, fill_s = len(base), 0.0
        for size in sizes:
            if size > have:
                batch = copies(base, have, size - have)
                fill_s = fill(store, batch, settings.batch_size)
                written = len(batch)
                have = store.count_articles()
            else:
                written = 0
            events = add_events_and_reports(store, views, seen)
            row = {"articles": have, "events": events,
                   "fill_articles_per_s": round(written / fill_s, 1) if written else None,
                   "reads": measure_reads(store, rng), "search": measure_search(store, qs),
                   "size_mb": round(size_on_disk(store, db_file), 1)}
            out["sizes"].append(row)
            print(name, json.dumps(row), flush=True)
        t0 = time.perf_counter()
        more = storyline.ingest(store, [extra], settings=settings)
        took = time.perf_counter() - t0
        out["ingest_at_largest"] = {"articles": len(more.added), "seconds": round(took, 1),
                                    "articles_per_s": round(len(more.added) / took, 1)}
        print(name, "ingest at largest", out["ingest_at_largest"], flush=True)
    return out


def main() -> None:
    import storyline
    from storyline.store.pg_cluster import throwaway_cluster

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10000,30000,100000")
    ap.add_argument("--ingest", type=int, default=10000, help="Articles through the real ingest path first.")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    settings = storyline.load_settings(env={}).replace(enrich=False, cluster=False)
    views = demo_views()
    result: dict = {"machine": machine(), "sizes": sizes, "ingest_articles": args.ingest, "backends": []}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        rows = synthetic_corpus(args.ingest + 1000)
        corpus, extra = work / "corpus", work / "extra"
        # Files of 1,000 lines: ingest refuses files over 20 MB.
        for folder, part in ((corpus, rows[: args.ingest]), (extra, rows[args.ingest:])):
            folder.mkdir()
            for i in range(0, len(part), 1000):
                (folder / f"part{i // 1000:03d}.jsonl").write_text(
                    "".join(json.dumps(r) + "\n" for r in part[i : i + 1000]), encoding="utf-8")
        result["backends"].append(run_backend("sqlite", str(work / "bench.db"), work / "bench.db", corpus, extra,
                                              sizes, views, settings))
        with throwaway_cluster(options=("-c synchronous_commit=off", "-c shared_buffers=512MB")) as cluster:
            url = cluster.create_database("bench")
            result["backends"].append(run_backend("postgres", url, None, corpus, extra, sizes, views, settings))
    text = json.dumps(result, indent=1)
    if args.out:
        args.out.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
