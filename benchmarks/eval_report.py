"""Evaluate the per-event report (storyline.report) on BASIL, MEANTIME and the demo corpus.

    python benchmarks/eval_report.py basil [--split dev|test|all] [--entities] [--print-pairs [--sample N --seed S]]
    python benchmarks/eval_report.py meantime [--split dev|test|all]
    python benchmarks/eval_report.py timing
    python benchmarks/eval_report.py all

* basil: one event per id prefix (``<uuid>_1/_2/_3``: the same story from three outlets).
  Counts claim groups shared by 2 and by 3 outlets, and scores alignment precision on the
  hand judgments (article ids and offsets only) of its split:
  tests/fixtures/basil_alignment_judgments.jsonl for ``test`` (50 pairs, never tuned on),
  tests/fixtures/basil_alignment_judgments_dev.jsonl for ``dev`` (60 pairs, used to choose the
  alignment rule); ``all`` scores both. ``--print-pairs`` prints a fresh sample of aligned pairs
  to the terminal for judging (the text is never written to the repository).
* meantime: each article in en/es/it/nl (same ``id``) is one 4-article event; recall is the
  share of English claims whose claim group holds a claim of the other language's article.
  ``dev`` is the 20 ids with the smallest hash (used to look at thresholds), ``test`` the rest.
  BASIL is split the same way (20 dev events, 58 test events) with ``--split``.
* timing: report generation time for one 50-article event (17 BASIL events pooled) and for
  the demo corpus events.

Every run also checks provenance: every span in every report (claims, quotes, summary, lead-3,
discrepancies, unique angles, timeline) must equal the article text at its offsets.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import random
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import DATA, REPO, machine, peak_rss_mb  # noqa: E402
from storyline.model import Article, OffsetMap  # noqa: E402
from storyline.report import EventInput, build_event_report, report_to_dict  # noqa: E402

JUDGMENTS = REPO / "tests" / "fixtures" / "basil_alignment_judgments.jsonl"  # 50 pairs of the test events
DEV_JUDGMENTS = REPO / "tests" / "fixtures" / "basil_alignment_judgments_dev.jsonl"  # 60 pairs of the dev events


# ----------------------------------------------------------------------------- inputs


def make_article(row: dict, aid: str | None = None, source: str | None = None) -> Article:
    text = row["text"]
    return Article(id=aid or row["id"], external_id=row.get("id"), source=source or row.get("source"),
                   title=row.get("title"),
                   published=row.get("published"), url=row.get("url"), language=row.get("language"), authors=(),
                   raw_text=text, text=text, offset_map=OffsetMap.identity(len(text)))


def enrich_event(event_id: str, articles: list[Article], title: str | None = None, entities: bool = False
                 ) -> tuple[EventInput, float]:
    """An EventInput with dates, quotes and citations from the enrich stages that exist
    (and entities when asked: spaCy/natasha NER + canonical resolution). Returns the input
    and the seconds spent enriching."""
    t0 = time.perf_counter()
    dates, quotes, citations, mentions, ents = [], [], [], [], {}
    try:
        from storyline.enrich.dates import extract_dates

        for a in articles:
            dates += extract_dates(a.id, a.text, a.language, a.published)
    except ImportError:
        pass
    try:
        from storyline.enrich.quotes import extract_quotes

        for a in articles:
            quotes += extract_quotes(a.id, a.text, a.language)
    except ImportError:
        pass
    try:
        from storyline.enrich.citations import extract_citations

        for a in articles:
            citations += extract_citations(a.id, a.text, a.language)
    except ImportError:
        pass
    if entities:
        from storyline.enrich.canonical import EntityResolver
        from storyline.enrich.entities import extract_mentions

        per_article = extract_mentions([(a.id, a.text, a.language) for a in articles])
        resolution = EntityResolver().resolve({a.id: ms for a, ms in zip(articles, per_article, strict=True)},
                                              texts={a.id: a.text for a in articles})
        mentions = resolution.annotate([m for ms in per_article for m in ms])
        ents = {e.id: {"name": e.name, "type": e.type, "variants": e.variants} for e in resolution.entities}
        by_span = {(m.article_id, m.start, m.end): m.entity_id for m in mentions if m.entity_id}
        quotes = [dataclasses.replace(q, speaker_entity_id=by_span.get((q.article_id, q.speaker_start, q.speaker_end)))
                  for q in quotes]
    return EventInput(event_id, title, articles, mentions, ents, quotes, citations, dates), time.perf_counter() - t0


def _spans(value):
    if isinstance(value, dict):
        if {"article_id", "start", "end", "text"} <= set(value):
            yield value
        for v in value.values():
            yield from _spans(v)
    elif isinstance(value, list):
        for v in value:
            yield from _spans(v)


def provenance(report) -> tuple[int, int]:
    """(spans checked, spans whose text equals the article text at their offsets)."""
    texts = {a.id: a.text for a in report.articles}
    spans = list(_spans(report_to_dict(report)))
    ok = sum(texts[s["article_id"]][s["start"] : s["end"]] == s["text"] for s in spans)
    return len(spans), ok


def load_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


# ----------------------------------------------------------------------------- BASIL


def basil_events() -> dict[str, list[dict]]:
    events: dict[str, list[dict]] = defaultdict(list)
    for row in load_jsonl(DATA / "basil" / "docs.jsonl"):
        prefix, _, _n = row["id"].rpartition("_")
        events[prefix].append(row)
    return dict(events)


def basil_split(events: dict, split: str) -> list[str]:
    """``dev``: the 20 events with the smallest id hash (used to set the same-language
    threshold); ``test``: the other 58 (the judged sample comes from these)."""
    ids = sorted(events, key=lambda i: hashlib.sha1(i.encode()).hexdigest())
    return sorted({"dev": ids[:20], "test": ids[20:], "all": ids}[split])


def run_basil(args) -> dict:
    events = basil_events()
    events = {eid: events[eid] for eid in basil_split(events, args.split)}
    reports = []
    prov = [0, 0]
    t_enrich = t_report = 0.0
    for eid in sorted(events):
        rows = sorted(events[eid], key=lambda r: r["id"])
        articles = [make_article(r) for r in rows]
        event, secs = enrich_event(eid, articles, rows[0].get("title"), entities=args.entities)
        t_enrich += secs
        t0 = time.perf_counter()
        report = build_event_report(event)
        t_report += time.perf_counter() - t0
        reports.append(report)
        n, ok = provenance(report)
        prov[0] += n
        prov[1] += ok
    by_outlets = Counter()
    for r in reports:
        for g in r.claim_groups:
            by_outlets[len(g.outlets)] += 1
    n_claims = sum(len(r.claims) for r in reports)
    kinds = Counter(d.kind for r in reports for d in r.discrepancies)
    result = {
        "split": args.split, "events": len(reports), "articles": sum(len(r.articles) for r in reports), "claims": n_claims,
        "groups_by_outlets": dict(sorted(by_outlets.items())),
        "claims_in_shared_groups": sum(len(g.claim_ids) for r in reports for g in r.claim_groups
                                       if len(g.outlets) > 1),
        "shared2_per_event": round(by_outlets[2] / len(reports), 2),
        "shared3_per_event": round(by_outlets[3] / len(reports), 2),
        "discrepancies_by_kind": dict(kinds),
        "quote_groups_multi_outlet": sum(1 for r in reports for g in r.quote_groups if not g.unique),
        "quotes": sum(len(r.quotes) for r in reports),
        "provenance": f"{prov[1]}/{prov[0]}",
        "seconds_enrich": round(t_enrich, 1), "seconds_report": round(t_report, 1),
        "entities": bool(args.entities),
    }
    # alignment precision on the hand judgments
    aligned = {frozenset({(a.article_id, a.start, a.end), (b.article_id, b.start, b.end)})
               for _eid, a, b in _aligned_pairs(reports)}
    judgments = {"dev": DEV_JUDGMENTS, "test": JUDGMENTS, "all": JUDGMENTS}[args.split]
    if judgments.exists():
        judged = load_jsonl(judgments)
        if args.split == "all" and DEV_JUDGMENTS.exists():
            judged += load_jsonl(DEV_JUDGMENTS)
        still = [j for j in judged if frozenset({(j["a"]["article_id"], j["a"]["start"], j["a"]["end"]),
                                                 (j["b"]["article_id"], j["b"]["start"], j["b"]["end"])}) in aligned]
        yes = sum(j["label"] == "yes" for j in still)
        result["judged_pairs"] = len(judged)
        result["judged_pairs_still_aligned"] = len(still)
        result["alignment_precision"] = round(yes / len(still), 3) if still else None
        result["judged_yes"] = yes
        result["judged_no_still_aligned"] = [j["n"] for j in still if j["label"] == "no"]
        result["judged_yes_split"] = [j["n"] for j in judged if j["label"] == "yes" and j not in still]
    if args.print_pairs:
        _print_sample(reports, args.sample, args.seed)
    return result


def _aligned_pairs(reports):
    """(event id, claim, claim) for every pair of claims the reports put in one group."""
    for r in reports:
        claims = {c.id: c for c in r.claims}
        for g in r.claim_groups:
            members = [claims[c] for c in g.claim_ids]
            for i, a in enumerate(members):
                for b in members[i + 1 :]:
                    yield r.event_id, a, b


def _print_sample(reports, size: int, seed: int) -> None:
    """A fixed sample of aligned pairs, printed for judging (ids, offsets and text).
    The test sample was 50 pairs with seed 2025, the dev sample 60 pairs with seed 2026."""
    pairs = list(_aligned_pairs(reports))
    rng = random.Random(seed)
    for k, (eid, a, b) in enumerate(rng.sample(pairs, min(size, len(pairs)))):
        print(json.dumps({"n": k, "event": eid, "a": {"article_id": a.article_id, "start": a.start, "end": a.end},
                          "b": {"article_id": b.article_id, "start": b.start, "end": b.end}}))
        print("   A:", a.text)
        print("   B:", b.text)


# ----------------------------------------------------------------------------- MEANTIME


def meantime_ids(split: str) -> set[str]:
    rows = load_jsonl(DATA / "meantime" / "docs.jsonl")
    ids = sorted({r["id"] for r in rows}, key=lambda i: hashlib.sha1(i.encode()).hexdigest())
    return {"dev": set(ids[:20]), "test": set(ids[20:]), "all": set(ids)}[split]


def run_meantime(args) -> dict:
    rows = load_jsonl(DATA / "meantime" / "docs.jsonl")
    keep = meantime_ids(args.split)
    by_id: dict[str, dict[str, dict]] = defaultdict(dict)
    for r in rows:
        if r["id"] in keep:
            by_id[r["id"]][r["language"]] = r
    hits: Counter = Counter()
    totals: Counter = Counter()
    positional: Counter = Counter()
    any_other = 0
    n_en = 0
    prov = [0, 0]
    t0 = time.perf_counter()
    for doc_id in sorted(by_id):
        langs = by_id[doc_id]
        articles = [make_article(langs[lang], f"{doc_id}-{lang}", f"wikinews-{lang}")
                    for lang in ("en", "es", "it", "nl") if lang in langs]
        event, _ = enrich_event(doc_id, articles)
        report = build_event_report(event)
        n, ok = provenance(report)
        prov[0] += n
        prov[1] += ok
        claims = {c.id: c for c in report.claims}
        n_in = Counter(c.article_id for c in report.claims)
        groups = {g.id: g for g in report.claim_groups}
        for c in report.claims:
            if not c.article_id.endswith("-en"):
                continue
            n_en += 1
            g = groups[c.group_id]
            other = [claims[x] for x in g.claim_ids if claims[x].article_id != c.article_id]
            any_other += bool(other)
            for lang in ("es", "it", "nl"):
                aid = f"{doc_id}-{lang}"
                if aid not in n_in:
                    continue
                totals[lang] += 1
                match = next((o for o in other if o.article_id == aid), None)
                if match:
                    hits[lang] += 1
                    # sanity proxy for correctness: the partner sits at about the same place in its article
                    rel_en = c.position / max(n_in[c.article_id], 1)
                    rel_x = match.position / max(n_in[aid], 1)
                    positional[lang] += abs(rel_en - rel_x) <= 0.15
    return {
        "split": args.split, "articles": len(by_id), "english_claims": n_en,
        "recall": {f"en-{k}": round(hits[k] / totals[k], 3) for k in ("es", "it", "nl") if totals[k]},
        "aligned_to_any_translation": round(any_other / n_en, 3) if n_en else None,
        "aligned_at_same_relative_position": {f"en-{k}": round(positional[k] / hits[k], 3)
                                              for k in ("es", "it", "nl") if hits[k]},
        "provenance": f"{prov[1]}/{prov[0]}", "seconds": round(time.perf_counter() - t0, 1),
    }


# ----------------------------------------------------------------------------- timing


def demo_events() -> dict[str, list[Article]]:
    from storyline import load_settings, prepare_article
    from storyline.api import DEMO_NAME_PATTERN, demo_corpus_path
    from storyline.ingest import read_path
    from storyline.model import ArticleDraft

    gold = {"seltva": "A", "nea": "B", "tisva": "C", "brannik": "D"}
    settings = load_settings(env={})
    events: dict[str, list[Article]] = defaultdict(list)
    for path in sorted(demo_corpus_path().iterdir()):
        if path.name in ("README.md", "EXPECTED.md"):
            continue
        for draft in read_path(path, settings, name_pattern=DEMO_NAME_PATTERN):
            if not isinstance(draft, ArticleDraft):
                continue
            key = draft.external_id or path.name
            event = next(v for k, v in gold.items() if k in key)
            events[event].append(prepare_article(draft, settings)[0])
    return dict(events)


def run_timing(args) -> dict:
    from storyline.nlp import sentence_encoder

    t0 = time.perf_counter()
    sentence_encoder().encode(["warm up"])
    load = time.perf_counter() - t0
    out: dict = {"encoder_load_seconds": round(load, 1)}
    events = basil_events()
    rows = [r for eid in sorted(events)[:17] for r in sorted(events[eid], key=lambda r: r["id"])][:50]
    articles = [make_article(r) for r in rows]
    event, enrich_secs = enrich_event("basil-pooled-50", articles)
    t0 = time.perf_counter()
    report = build_event_report(event)
    secs = time.perf_counter() - t0
    out["pooled_50_articles"] = {"articles": len(articles), "claims": len(report.claims),
                                 "seconds_report": round(secs, 1), "seconds_enrich": round(enrich_secs, 1),
                                 "stage_seconds": report.stats["seconds"],
                                 "claims_per_second": round(len(report.claims) / secs, 1),
                                 "provenance": "{1}/{0}".format(*provenance(report))}
    demo = {}
    for name, arts in sorted(demo_events().items()):
        event, enrich_secs = enrich_event(name, arts, entities=args.entities)
        t0 = time.perf_counter()
        report = build_event_report(event)
        demo[name] = {"articles": len(arts), "claims": len(report.claims), "seconds_report": round(
            time.perf_counter() - t0, 2), "seconds_enrich": round(enrich_secs, 2),
            "discrepancies": [f"{d.kind}: " + " vs ".join(f"{s.value} ({len(s.outlets)})" for s in d.sides)
                              for d in report.discrepancies],
            "reliance": [x.text for x in report.sources.reliance[:3]],
            "provenance": "{1}/{0}".format(*provenance(report))}
    out["demo"] = demo
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=["basil", "meantime", "timing", "all"])
    parser.add_argument("--entities", action="store_true", help="run NER + entity resolution before the report")
    parser.add_argument("--print-pairs", action="store_true", help="print 50 aligned BASIL pairs for judging")
    parser.add_argument("--sample", type=int, default=50, help="pairs printed by --print-pairs")
    parser.add_argument("--seed", type=int, default=2025, help="seed of the --print-pairs sample")
    parser.add_argument("--split", default="test", choices=["dev", "test", "all"])
    args = parser.parse_args()
    results = {"machine": machine()}
    if args.what in ("basil", "all"):
        results["basil"] = run_basil(args)
    if args.what in ("meantime", "all"):
        results["meantime"] = run_meantime(args)
    if args.what in ("timing", "all"):
        results["timing"] = run_timing(args)
    results["peak_rss_mb"] = round(peak_rss_mb())
    print(json.dumps(results, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
