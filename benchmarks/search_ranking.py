"""What the full-text search's rank window costs in ranking quality, and what it saves in time.

``Settings.search_rank_window`` lets BM25 rank only the newest W matches of a query (by storage
order) instead of all of them. This measures, on a store built through the product ingest
(``storyline.ingest``; no enrichment: search reads only the articles and their FTS index), for
queries drawn from the store's own titles, the windowed top 10 against exact full ranking
(``window=None``, the baseline, run in the same process):

- overlap@10: the share of the exact top-10 article ids that the windowed top 10 also has;
- tie-aware recall@10: the share of the windowed top 10 scoring at least the exact 10th score
  (copies and near-copies score alike, and which of equal scores comes first is arbitrary);
- score kept: the windowed top 10's summed BM25 over the exact top 10's;
- CPU ms per query (median), ranking the page of 10 with snippets, as the search page does.

The corpus is ``scale_store.synthetic_corpus`` (BASIL plus seeded variants: names swapped,
paragraphs recombined, dates shifted); queries are 1-3 words of a random title, seeded.

    python benchmarks/search_ranking.py --articles 100000 --keep /tmp/rank100k.db [--queries 50]
    python benchmarks/search_ranking.py --db /tmp/rank100k.db --windows 500,1000,2000,5000 [--out r.json]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine  # noqa: E402
from scale_store import synthetic_corpus  # noqa: E402

STOP = {"the", "and", "for", "with", "from", "that", "this", "are", "was", "will", "has", "have", "its", "his",
        "her", "after", "over", "into", "about", "says", "said", "not", "but", "who", "what", "new", "out"}


def build(path: Path, articles: int) -> None:
    import storyline

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "corpus.jsonl"
        src.write_text("".join(json.dumps(r) + "\n" for r in synthetic_corpus(articles)), encoding="utf-8")
        settings = storyline.load_settings(env={})
        with storyline.open_store(path) as store:
            storyline.ingest(store, [src], settings=settings.replace(enrich=False, cluster=False))


def draw_queries(store, n: int, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    titles = [a["title"] for a in store.article_meta() if a.get("title")]
    out: list[str] = []
    while len(out) < n:
        words = [w for w in re.findall(r"[A-Za-z]{3,}", rng.choice(titles)) if w.lower() not in STOP]
        if words:
            k = min(len(words), rng.choice((1, 2, 2, 3)))
            out.append(" ".join(rng.sample(words, k)))
    return out


def _cpu_ms(fn, repeats: int = 3) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        t0 = time.process_time()
        result = fn()
        times.append(time.process_time() - t0)
    return 1000 * statistics.median(times), result


def measure(db: Path, queries: int, windows: list[int]) -> dict:
    import storyline
    from storyline.errors import StorylineError

    with storyline.open_store(db) as store:
        qs = draw_queries(store, queries)
        rows = []
        refused = []
        for q in qs:
            try:
                matches = store.count_matches(q)
            except StorylineError:  # a query of stop words only (storyline/store/query.py) is refused
                refused.append(q)
                continue
            ms, exact = _cpu_ms(lambda q=q: store.search(q, 10))
            row = {"query": q, "matches": matches, "exact_cpu_ms": round(ms, 2), "windows": {}}
            ids = {h.article_id for h in exact}
            floor = exact[-1].score if exact else 0.0
            total = sum(h.score for h in exact) or 1.0
            for w in windows:
                ms, hits = _cpu_ms(lambda q=q, w=w: store.search(q, 10, window=w))
                row["windows"][w] = {
                    "cpu_ms": round(ms, 2),
                    "overlap": len(ids & {h.article_id for h in hits}) / max(1, len(exact)),
                    "tie_recall": sum(h.score >= floor - 1e-9 for h in hits) / max(1, len(exact)),
                    "score_kept": sum(h.score for h in hits) / total}
            rows.append(row)
        n_articles = store.count_articles()
    summary = {"exact": {"cpu_ms_median": statistics.median(r["exact_cpu_ms"] for r in rows)}}
    for w in windows:
        bound = [r for r in rows if r["matches"] > w]
        summary[w] = {"queries_over_window": len(bound),
                      "cpu_ms_median": statistics.median(r["windows"][w]["cpu_ms"] for r in rows)}
        for key in ("overlap", "tie_recall", "score_kept"):
            summary[w][f"{key}_all"] = round(statistics.mean(r["windows"][w][key] for r in rows), 3)
            summary[w][f"{key}_over_window"] = (round(statistics.mean(r["windows"][w][key] for r in bound), 3)
                                                if bound else None)
    return {"articles": n_articles, "queries": len(rows), "refused": refused, "machine": machine(),
            "matches_median": statistics.median(r["matches"] for r in rows),
            "matches_max": max(r["matches"] for r in rows), "summary": summary, "rows": rows}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=100_000)
    ap.add_argument("--db", type=Path, help="Measure this store instead of building one.")
    ap.add_argument("--keep", type=Path, help="Build the store at this path and keep it.")
    ap.add_argument("--queries", type=int, default=50)
    ap.add_argument("--windows", default="500,1000,2000,5000")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    windows = [int(w) for w in args.windows.split(",") if w]
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or args.keep or Path(tmp) / "rank.db"
        if not args.db:
            t0 = time.perf_counter()
            build(db, args.articles)
            print(f"built {db} in {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
        result = measure(db, args.queries, windows)
    print(json.dumps({k: v for k, v in result.items() if k != "rows"}, indent=1))
    if args.out:
        args.out.write_text(json.dumps(result, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
