"""Scale benchmark of the stored results: pipeline stages, report materialisation, stored
report reads, exports and semantic search at several corpus sizes.

The corpus is BASIL (../shared/data/basil, 234 full articles in 78 three-outlet events)
plus seeded synthetic variants of each event: dates shifted by months, the event's most
frequent names swapped for invented ones (consistently within a variant, so the variant
stays one realistic event), and paragraphs recombined between the event's articles. No
text is written into the repository; the corpus lives in a temporary folder.

Every time is also given as a ratio to a reference measured in the same run on the same
texts: spaCy's English NER alone (one process), the floor of enrichment.

    python benchmarks/scale_store.py --sizes 200,500,1000 [--queries 40] [--out results.json]
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
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DATA, machine, peak_rss_mb  # noqa: E402

SYLLABLES = ["var", "nos", "kel", "dra", "mi", "lor", "tan", "bre", "vo", "sha", "rin", "gal", "tes", "mur", "pe",
             "dov", "ka", "len", "zo", "ter"]


def _name(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


def _frequent_names(texts: list[str], n: int = 4) -> list[str]:
    """The event's most frequent capitalised words that are not sentence starts (names, mostly)."""
    counts: Counter[str] = Counter()
    for t in texts:
        for m in re.finditer(r"(?<=[a-z,] )([A-Z][a-z]{3,})\b", t):
            counts[m.group(1)] += 1
    return [w for w, c in counts.most_common(n) if c >= 2]


def _shift(date: str | None, days: int) -> str | None:
    import datetime as dt

    if not date:
        return date
    try:
        return (dt.date.fromisoformat(date[:10]) + dt.timedelta(days=days)).isoformat()
    except ValueError:
        return date


def synthetic_corpus(size: int, seed: int = 7, start_variant: int = 0) -> list[dict]:
    """``size`` articles: BASIL first (variant 0), then variants 1, 2, ... of every event."""
    rows = [json.loads(line) for line in (DATA / "basil" / "docs.jsonl").open(encoding="utf-8")]
    events: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        events[r["event"]].append(r)
    out: list[dict] = []
    variant = start_variant
    while len(out) < size:
        for event_id, arts in sorted(events.items()):
            rng = random.Random(f"{seed}:{variant}:{event_id}")
            names = _frequent_names([a["text"] for a in arts]) if variant else []
            swap = {w: _name(rng) for w in names}
            pattern = re.compile(r"\b(" + "|".join(map(re.escape, swap)) + r")\b") if swap else None
            paragraphs = [a["text"].split("\n") for a in arts]
            days = variant * 97 + rng.randint(0, 20)
            for i, a in enumerate(arts):
                paras = list(paragraphs[i])
                if variant and len(arts) > 1 and len(paras) > 3:
                    j = rng.choice([k for k in range(len(arts)) if k != i])
                    p = rng.randrange(2, len(paras))
                    if p < len(paragraphs[j]):
                        paras[p] = paragraphs[j][p]  # a paragraph from another outlet's story of the event
                text, title = "\n".join(paras), a["title"] or ""
                if pattern:
                    text = pattern.sub(lambda m, swap=swap: swap[m.group(1)], text)
                    title = pattern.sub(lambda m, swap=swap: swap[m.group(1)], title)
                if variant:
                    title = f"{title} [{variant}]"  # content stays unique even when nothing was swapped
                out.append({"id": f"{a['id']}~{variant}", "title": title, "text": text, "source": a["source"],
                            "published": _shift(a.get("published"), days), "language": "en"})
                if len(out) >= size:
                    return out
        variant += 1
    return out


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def ner_reference(texts: list[str]) -> float:
    """Seconds per article of spaCy NER alone (one process) on these texts."""
    from storyline.nlp import english

    nlp = english()
    list(nlp.get_pipe("ner").pipe((nlp.make_doc(t) for t in texts[:20]), batch_size=32))  # warm
    t0 = time.perf_counter()
    list(nlp.get_pipe("ner").pipe((nlp.make_doc(t) for t in texts), batch_size=32))
    return (time.perf_counter() - t0) / len(texts)


_RESOLVE: dict = {"s": 0.0, "last": None}


def _time_resolution() -> None:
    """Time entity resolution apart from the rest of enrichment (it runs inside that stage)."""
    import storyline.resolve
    import storyline.stages

    full, incremental = storyline.stages.resolve_entities, storyline.resolve.resolve_incremental

    def timed(store, new_ids=None, **options):
        t0 = time.perf_counter()
        try:
            return full(store, new_ids, **options)
        finally:
            _RESOLVE["s"] += time.perf_counter() - t0

    def spied(store, new_ids, **options):
        out = incremental(store, new_ids, **options)
        _RESOLVE["last"] = {k: v for k, v in out.items() if k != "touched_ids"} if out else "full"
        return out

    storyline.stages.resolve_entities = timed
    storyline.resolve.resolve_incremental = spied


def run_size(size: int, workdir: Path, queries: int, ner_per_doc: float) -> dict:
    import storyline
    from storyline import api
    from storyline.export import build_export, iter_jsonl, write_parquet
    from storyline.nlp import sentence_encoder
    from storyline.semantic import SentenceIndex, _hits, exact_search

    corpus = synthetic_corpus(size)
    # The reference again for each size: the machine's load drifts, the ratios must not.
    ner_per_doc = ner_reference([r["text"] for r in corpus[:120]])
    src = workdir / f"corpus-{size}.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in corpus), encoding="utf-8")
    settings = storyline.load_settings(env={})
    store = storyline.open_store(workdir / f"store-{size}.db")
    res: dict = {"size": size, "ner_ms_per_article": 1000 * ner_per_doc}
    _RESOLVE["s"] = 0.0
    t0 = time.perf_counter()
    storyline.ingest(store, [src], settings=settings.replace(enrich=False, cluster=False))
    res["ingest_s"] = time.perf_counter() - t0
    for name, stage in api._stages(settings):
        t0 = time.perf_counter()
        stats = stage(store, settings, None)
        res[f"{name}_s"] = time.perf_counter() - t0
        if name == "reports":
            res["events"] = stats["events"]
    res["entity_resolution_s"] = _RESOLVE["s"]  # part of enrich_s
    res["pipeline_docs_per_s"] = size / sum(res[k] for k in res if k.endswith("_s") and k != "entity_resolution_s")
    res["enrich_vs_ner"] = res["enrich_s"] / size / ner_per_doc
    res["after_ingest_vs_ner"] = sum(res[k] for k in ("enrich_s", "sentences_s", "cluster_s", "reports_s")) / size / ner_per_doc

    # Reports: stored reads against fresh builds (with and without the stored vectors) of the largest events.
    events = sorted(store.events(), key=lambda e: -len(e["article_ids"]))[:10]
    res["largest_event_articles"] = len(events[0]["article_ids"])
    reads, views, fresh_stored, fresh_encode = [], [], [], []
    from storyline.materialise import event_input
    from storyline.report import build_event_report

    for e in events:
        for _ in range(3):
            t0 = time.perf_counter()
            api.event_report_view(store, e["id"])
            views.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            api.event_report(store, e["id"])
            reads.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        api.compute_event_report(store, e["id"])
        fresh_stored.append(time.perf_counter() - t0)
    for e in events[:3]:
        t0 = time.perf_counter()
        build_event_report(event_input(store, e["id"]))  # re-encodes every sentence, as before
        fresh_encode.append(time.perf_counter() - t0)
    res["report_view_p50_ms"], res["report_view_p95_ms"] = 1000 * _pct(views, 0.5), 1000 * _pct(views, 0.95)
    res["report_object_p50_ms"], res["report_object_p95_ms"] = 1000 * _pct(reads, 0.5), 1000 * _pct(reads, 0.95)
    res["report_build_stored_vectors_median_ms"] = 1000 * statistics.median(fresh_stored)
    res["report_build_encoding_median_ms"] = 1000 * statistics.median(fresh_encode)
    res["materialise_per_event_ms"] = 1000 * res["reports_s"] / max(1, res["events"])

    # Exports.
    t0 = time.perf_counter()
    doc = build_export(store)
    res["export_json_s"] = time.perf_counter() - t0
    del doc
    t0 = time.perf_counter()
    lines = iter_jsonl(store)
    next(lines)
    next(lines)
    res["jsonl_first_record_s"] = time.perf_counter() - t0
    n = 2 + sum(1 for _ in lines)
    res["export_jsonl_s"], res["jsonl_lines"] = time.perf_counter() - t0, n
    t0 = time.perf_counter()
    write_parquet(store, workdir / f"parquet-{size}")
    res["export_parquet_s"] = time.perf_counter() - t0

    # Semantic search: queries are stored sentences lightly cut (their first 12 words).
    index = SentenceIndex(store)
    t0 = time.perf_counter()
    res["indexed_sentences"] = index.sync()
    res["index_build_s"] = time.perf_counter() - t0
    rng = random.Random(size)
    arts = store.articles()
    qs = []
    while len(qs) < queries:
        a = rng.choice(arts)
        sv = store.sentence_vectors([a.id]).get(a.id)
        if sv and sv[0]:
            s, e = rng.choice(sv[0])
            qs.append(" ".join(a.text[s:e].split()[:12]))
    enc = sentence_encoder()
    lat, exact_lat, recall, text_recall = [], [], [], []
    for q in qs:
        t0 = time.perf_counter()
        vec = enc.encode([q])[0]
        ann = index.search(vec, 10)
        lat.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        ex = exact_search(store, vec, 10)
        exact_lat.append(time.perf_counter() - t0)
        recall.append(len({k for k, _ in ann} & {k for k, _ in ex}) / max(1, len(ex)))
        # The variants repeat sentences word for word: equal texts score equal, and which copy
        # an index returns is arbitrary, so recall is also counted over distinct texts.
        ann_t = {h.text for h in _hits(store, ann)}
        ex_t = {h.text for h in _hits(store, ex)}
        text_recall.append(len(ann_t & ex_t) / max(1, len(ex_t)))
    res["search_p50_ms"], res["search_p95_ms"] = 1000 * _pct(lat, 0.5), 1000 * _pct(lat, 0.95)
    res["exact_search_p50_ms"] = 1000 * _pct(exact_lat, 0.5)
    res["recall_at_10"] = statistics.mean(recall)
    res["recall_at_10_texts"] = statistics.mean(text_recall)

    # Marginal cost: a batch of 50 new articles (a new variant) through the whole pipeline.
    extra = synthetic_corpus(50, start_variant=90)
    src2 = workdir / f"extra-{size}.jsonl"
    src2.write_text("".join(json.dumps(r) + "\n" for r in extra), encoding="utf-8")
    _RESOLVE["s"] = 0.0
    t0 = time.perf_counter()
    storyline.ingest(store, [src2], settings=settings.replace(enrich=False, cluster=False))
    steps = {}
    for name, stage in api._stages(settings):
        t1 = time.perf_counter()
        stats = stage(store, settings, None)
        steps[name] = round(time.perf_counter() - t1, 2)
        if name == "reports":
            res["batch_reports_rebuilt"] = stats["materialised"]
    res["batch50_s"] = time.perf_counter() - t0
    res["batch50_entity_resolution_s"] = _RESOLVE["s"]
    res["batch50_resolution"] = _RESOLVE["last"]
    res["batch50_steps_s"] = steps
    res["batch50_per_doc_vs_ner"] = res["batch50_s"] / 50 / ner_per_doc
    res["peak_rss_mb"] = peak_rss_mb()
    res["peak_rss_workers_mb"] = peak_rss_mb(children=True)
    store.close()
    return res


def big_event_rows(n: int) -> list[dict]:
    """A BASIL event retold by ``n`` outlets: paragraphs recombined between its three stories,
    dates within two days."""
    rows = [json.loads(line) for line in (DATA / "basil" / "docs.jsonl").open(encoding="utf-8")]
    by_event: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_event[r["event"]].append(r)
    arts = max(by_event.values(), key=lambda a: sum(len(x["text"]) for x in a))
    rng = random.Random(n)
    paragraphs = [a["text"].split("\n") for a in arts]
    out = []
    for k in range(n):
        base = k % len(arts)
        paras = [rng.choice([p for p in paragraphs if len(p) > i] or [paragraphs[base]])[i]
                 if i >= 2 else paragraphs[base][i] for i in range(len(paragraphs[base]))]
        out.append({"id": f"big{k}", "title": f"{arts[base]['title']} ({k})", "text": "\n".join(paras),
                    "source": f"Outlet {k:02d}", "published": _shift(arts[base].get("published"), k % 3),
                    "language": "en"})
    return out


def big_event(n: int, workdir: Path) -> dict:
    """One event of ``n`` articles (:func:`big_event_rows`) to time one large report: materialising
    it, reading it from the store, and building it afresh with and without the stored vectors."""
    import storyline
    from storyline import api
    from storyline.materialise import event_input
    from storyline.report import build_event_report

    out = big_event_rows(n)
    src = workdir / f"big-{n}.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in out), encoding="utf-8")
    settings = storyline.load_settings(env={})
    store = storyline.open_store(workdir / f"big-{n}.db")
    storyline.ingest(store, [src], settings=settings.replace(enrich=False, cluster=False))
    res: dict = {"articles": n}
    for name, stage in api._stages(settings):
        t0 = time.perf_counter()
        stage(store, settings, None)
        res[f"{name}_s"] = round(time.perf_counter() - t0, 2)
    event = max(store.events(), key=lambda e: len(e["article_ids"]))
    res["largest_event_articles"] = len(event["article_ids"])
    store.db.execute("DELETE FROM event_reports")  # materialise the largest event alone, timed
    t0 = time.perf_counter()
    api.event_report_view(store, event["id"])
    res["materialise_s"] = time.perf_counter() - t0
    views, objects = [], []
    for _ in range(20):
        t0 = time.perf_counter()
        api.event_report_view(store, event["id"])
        views.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        api.event_report(store, event["id"])
        objects.append(time.perf_counter() - t0)
    res["view_p50_ms"], res["view_p95_ms"] = 1000 * _pct(views, 0.5), 1000 * _pct(views, 0.95)
    res["object_p50_ms"], res["object_p95_ms"] = 1000 * _pct(objects, 0.5), 1000 * _pct(objects, 0.95)
    t0 = time.perf_counter()
    rep = api.compute_event_report(store, event["id"])
    res["build_stored_vectors_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    old = build_event_report(event_input(store, event["id"]))
    res["build_encoding_s"] = time.perf_counter() - t0
    res["encode_share_of_old_build"] = old.stats["seconds"]["encode"] / max(1e-9, old.stats["seconds"]["total"])
    res["claims"] = rep.stats["claims"]
    store.close()
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="200,500,1000", help="Corpus sizes; empty for none.")
    ap.add_argument("--queries", type=int, default=40)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--big-event", type=int, default=0, help="Also time one event of this many articles.")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    print(machine(), file=sys.stderr)
    from storyline.nlp import english, sentence_encoder

    english(), sentence_encoder().encode(["warm up"])
    _time_resolution()
    ref_texts = [r["text"] for r in synthetic_corpus(200)]
    ner = ner_reference(ref_texts)
    print(f"reference: spaCy NER alone {1000 * ner:.0f} ms/article (one process, 200 articles)", file=sys.stderr)
    results = {"machine": machine(), "ner_ms_per_article": 1000 * ner, "sizes": []}
    with tempfile.TemporaryDirectory() as tmp:
        if args.big_event:
            r = big_event(args.big_event, Path(tmp))
            results["big_event"] = r
            print(json.dumps({k: (round(v, 3) if isinstance(v, float) else v) for k, v in r.items()}), flush=True)
        for size in sizes:
            r = run_size(size, Path(tmp), args.queries, ner)
            results["sizes"].append(r)
            print(json.dumps({k: (round(v, 3) if isinstance(v, float) else v) for k, v in r.items()}), flush=True)
    if args.out:
        args.out.write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
