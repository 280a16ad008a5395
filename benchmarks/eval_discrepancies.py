"""Precision of the report's discrepancy findings, on hand judgments (issue 9, item 6).

    python benchmarks/eval_discrepancies.py [--ggt-limit N] [--seed S] [--ecb N] [--stance-floor F]
                                            [--print] [--json] [--save FILE]

Two sources of findings, both through the product path (``pipeline.ingest`` +
``api.run_pipeline`` into a temporary store, then the event report of every stored event
with two or more outlets, built from what the store holds):

* **BASIL** (all 234 articles, three outlets per story, metadata as given);
* **AllSides** (all 602 lead paragraphs, 2-3 outlets of different leanings per story), where
  outlets disagree more often than in BASIL;
* **ECB+ train** (``--ecb N``: the first N documents of ``ecbplus/train.jsonl``; each document is
  its own outlet, as ECB+ gathers one story's coverage from many sites), held out for v4; v5 was
  written after reading v4's findings there, so ``--ecb-split dev`` (197 documents) holds out v5;
* **PolNeAR train** (``--polnear N``: seven outlets' 2016 US politics coverage, outlet and date as
  given), held out for v5 like ECB+ dev;
* **the harness**: a seeded sample of GGT articles, each ingested twice as two outlets, as
  given and with the harness's transliteration and punctuation corruptions
  (``storyline.corrupt``), so each name the harness respelled is one person in two spellings.

Each report is built twice from the same stored input: with the stance detector
(``ReportOptions(stance_rule="stance")``, kind ``stance``) and with the baseline, a negation
cue anywhere in one aligned claim and none in the other (``stance_rule="negation"``, kind
``polarity``). ``name_spelling`` findings come from both (they do not depend on the rule).
``--stance-floor F`` builds the stance reports with ``stance_min_confidence=F`` instead of the
report's floor, so findings below the floor are collected and judged too; precision is then
given at the report's floor and over everything collected, with 95% Wilson intervals.

**Injected stances** (``--inject N``, recall and precision without hand judgment): N other GGT
articles, each ingested as given and as a copy where one sentence's stance was flipped
(``will`` -> ``will not``, ``confirmed`` -> ``denied``, ``agreed to`` -> ``refused to``,
``supports`` -> ``opposes``, ...; the copy also gets the harness's name and punctuation noise,
as a machine-translated second outlet would). The flipped sentence is the only disagreement
between the two copies, so a stance or polarity finding on it is right and any other is wrong.

A finding is identified by its first two sides' first spans: the two claims (stance,
polarity) or the two spelled words (name_spelling), as (external article id, start, end)
in the stored clean text. ``tests/fixtures/contradiction_judgments.jsonl`` holds one hand
judgment per finding (ids and offsets only, a label and a one-line reason; no text):
``yes`` when reading both spans a journalist would call it a real disagreement between the
outlets (for name spellings: two spellings of one person's name). ``--print`` shows the
findings not judged yet, with their text, on the terminal only.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import DATA, REPO  # noqa: E402

JUDGMENTS = REPO / "tests" / "fixtures" / "contradiction_judgments.jsonl"
KINDS = ("stance", "polarity", "name_spelling")


def _records(dataset: str) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in (DATA / dataset / "docs.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    keep = ("id", "text", "title", "source", "published", "url", "language")
    return [{k: r[k] for k in keep if r.get(k) is not None} for r in rows]


def _ecb_records(limit: int, split: str = "train") -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in (DATA / "ecbplus" / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()][:limit]
    return [{"id": r["id"], "text": r["text"], "source": f"ECB+ {r['id']}", "language": "en"} for r in rows]


def _polnear_records(limit: int) -> list[dict[str, Any]]:
    """The first N PolNeAR train articles (seven outlets, 2016 US politics) with their outlet,
    date and title: real coverage no stance version was set on."""
    import csv

    with (DATA / "polnear" / "metadata.tsv").open(encoding="utf-8") as fh:
        meta = [r for r in csv.DictReader(fh, delimiter="\t") if r["compartment"] == "train"][:limit]
    out = []
    for r in meta:
        path = DATA / "polnear" / "train" / "text" / f"{r['filename']}.txt"
        if path.exists():
            out.append({"id": r["filename"], "text": path.read_text(encoding="utf-8"), "title": r["title"],
                        "source": r["publisher"], "published": r["publication_date"], "language": "en"})
    return out


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float] | None:
    """95% Wilson score interval of a proportion k / n."""
    if n == 0:
        return None
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * ((p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5) / (1 + z * z / n)
    return round(max(0.0, centre - half), 3), round(min(1.0, centre + half), 3)


def _harness_records(limit: int, seed: int) -> list[dict[str, Any]]:
    from storyline.corrupt import corrupt_text
    from storyline.robustness import load_ggt

    rows = load_ggt(DATA / "ggt-quotes" / "articles.jsonl")
    rows = [r for r in rows if r.get("people")]
    rows = random.Random(seed).sample(rows, min(limit, len(rows)))
    rng = random.Random(seed)
    out = []
    for r in rows:
        text = r["articleBodyText"]
        c = corrupt_text(text, rng, ("names", "punctuation"), names=r["people"])
        if not c.names:
            continue  # nothing respelled: the copy would only test punctuation
        out.append({"id": f"{r['_id']}", "text": text, "source": "Harness clean copy", "language": "en"})
        out.append({"id": f"{r['_id']}~", "text": c.text, "source": "Harness corrupted copy", "language": "en"})
    return out


# One stance reversed per pattern; each keeps the sentence grammatical in the common case.
_FLIPS = (
    (r"\bwill (?!not\b|be\b)(?=[a-z]+\b)", "will not "),
    (r"\bconfirmed\b", "denied"),
    (r"\bagreed to\b", "refused to"),
    (r"\bsupports\b", "opposes"),
    (r"\bapproved\b", "rejected"),
    (r"\baccepted\b", "rejected"),
    (r"\bplans to\b", "has no plans to"),
)


def flip_stance(text: str, rng: random.Random) -> tuple[str, str] | None:
    """``text`` with one sentence's stance reversed (a seeded choice among every match of
    :data:`_FLIPS`), and that sentence as it now reads; None when no sentence has a pattern."""
    import re

    matches = [(m, repl) for pattern, repl in _FLIPS for m in re.finditer(pattern, text)]
    if not matches:
        return None
    m, repl = rng.choice(sorted(matches, key=lambda x: x[0].start()))
    flipped = text[: m.start()] + repl + text[m.end():]
    start = max(flipped.rfind(c, 0, m.start()) for c in ".!?\n") + 1
    ends = [i for i in (flipped.find(c, m.start() + len(repl)) for c in ".!?\n") if i >= 0]
    end = min(ends) + 1 if ends else len(flipped)
    return flipped, flipped[start:end].strip()


def _injected_records(limit: int, seed: int, skip: set[str]) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Pairs of one GGT article as given and with one stance flipped (plus name and punctuation
    noise); the flipped sentence of each copy, by the copy's id."""
    from storyline.corrupt import corrupt_text
    from storyline.robustness import load_ggt

    rows = [r for r in load_ggt(DATA / "ggt-quotes" / "articles.jsonl") if str(r["_id"]) not in skip]
    rng = random.Random(f"inject:{seed}")
    rng.shuffle(rows)
    out, flipped_sentence = [], {}
    for r in rows:
        if len(flipped_sentence) >= limit:
            break
        text = r["articleBodyText"]
        c = corrupt_text(text, rng, ("names", "punctuation"), names=r.get("people") or ())
        flip = flip_stance(c.text, rng)
        if flip is None:
            continue
        copy_id = f"{r['_id']}~flip"
        flipped_sentence[copy_id] = flip[1]
        out.append({"id": f"{r['_id']}", "text": text, "source": "Harness clean copy", "language": "en"})
        out.append({"id": copy_id, "text": flip[0], "source": "Harness flipped copy", "language": "en"})
    return out, flipped_sentence


def _words(text: str) -> set[str]:
    import re

    return set(re.findall(r"[a-z]{3,}", text.lower()))


def score_injected(found: list[dict], texts: dict[tuple, str], flipped: dict[str, str],
                   report_floor: float | None = None) -> dict[str, Any]:
    """Recall and precision of stance and polarity findings on the injected pairs. A finding is
    on the flipped sentence when its side in the copy shares most of that sentence's words
    (cleaning may move offsets and quote marks, not words). Stance is scored at the report's
    confidence floor ("stance") and over every finding collected ("stance_all")."""
    from storyline.report.options import ReportOptions

    report_floor = ReportOptions().stance_min_confidence if report_floor is None else report_floor
    out: dict[str, Any] = {"pairs": len(flipped)}
    for name, kind, floor in (("stance", "stance", report_floor), ("stance_all", "stance", 0.0),
                              ("polarity", "polarity", 0.0)):
        mine = [f for f in found if f["source"] == "injected" and f["kind"] == kind
                and (f["confidence"] or 0.0) >= floor]
        hits, right = set(), 0
        for f in mine:
            side = next((k for k in (f["a"], f["b"]) if k[0] in flipped), None)
            target = _words(flipped[side[0]]) if side else set()
            got = _words(texts.get(tuple(side), "")) if side else set()
            on_target = bool(target) and len(target & got) >= 0.6 * min(len(target), len(got) or 1)
            right += on_target
            if on_target:
                hits.add(side[0])
        out[name] = {"findings": len(mine), "right": right,
                     "precision": round(right / len(mine), 3) if mine else None,
                     "recall": round(len(hits) / len(flipped), 3) if flipped else None}
    return out


def _findings(source: str, records: list[dict[str, Any]], workdir: str | None,
              stance_floor: float | None = None, store_dir: Path | None = None) -> tuple[list[dict], dict]:
    """Every stance, polarity and name_spelling finding of the stored events' reports.

    ``store_dir``: keep the store there, named by a hash of the records, and reuse it when it
    exists (the reports are rebuilt from it; ingest and the pipeline are most of the time)."""
    import hashlib

    from storyline.api import run_pipeline
    from storyline.materialise import event_input, span_vectors
    from storyline.pipeline import ingest
    from storyline.report import build_event_report
    from storyline.report.options import ReportOptions
    from storyline.settings import load_settings
    from storyline.store.sqlite import open_store

    settings = load_settings().replace(reports=False)
    found: list[dict] = []
    texts: dict[tuple[str, int, int], str] = {}
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        path = Path(tmp) / "input.jsonl"
        path.write_text(lines, encoding="utf-8")
        db = Path(tmp) / "findings.db"
        if store_dir is not None:
            store_dir.mkdir(parents=True, exist_ok=True)
            db = store_dir / f"{source}-{hashlib.sha1(lines.encode('utf-8')).hexdigest()[:12]}.db"
        reuse = db.exists() and db.with_suffix(".done").exists()
        if db.exists() and not reuse:
            db.unlink()  # a store left half-built by an interrupted run
        with open_store(db) as store:
            if not reuse:
                ingest(store, [path], settings=settings, command="eval discrepancies")
                run_pipeline(store, settings)
                db.with_suffix(".done").write_text("ok", encoding="utf-8")
            external = {a.id: str(a.external_id) for a in store.articles()}
            events = [e for e in store.events() if len(e["article_ids"]) > 1]
            for event in events:
                inp = event_input(store, event["id"], event)
                vectors = span_vectors(store, event["article_ids"])
                for rule in ("stance", "negation"):
                    options = ReportOptions(stance_rule=rule) if stance_floor is None else \
                        ReportOptions(stance_rule=rule, stance_min_confidence=stance_floor)
                    report = build_event_report(inp, vectors=vectors, options=options)
                    for d in report.discrepancies:
                        if d.kind not in KINDS or (rule == "negation" and d.kind == "name_spelling"):
                            continue
                        a, b = d.sides[0], d.sides[1]
                        spans = (a.spans[0], b.spans[0]) if d.kind != "name_spelling" else \
                            (a.value_spans[0], b.value_spans[0])
                        keys = sorted((external[s.article_id], s.start, s.end) for s in spans)
                        for (aid, s, e), sp in zip(keys, sorted(spans, key=lambda s: (external[s.article_id],
                                                                                     s.start, s.end)), strict=True):
                            texts[(aid, s, e)] = sp.text
                        cues = [(external[x.value_spans[0].article_id], x.value, x.value_spans[0].text)
                                for x in (a, b)]
                        found.append({"source": source, "kind": d.kind, "a": keys[0], "b": keys[1],
                                      "confidence": d.confidence, "description": d.description, "cues": cues})
    return found, texts


def _key(kind: str, a, b) -> tuple:
    # stance and polarity findings are judged alike: do these two claims contradict?
    return ("claims" if kind in ("stance", "polarity") else kind, tuple(a), tuple(b))


def load_judgments(path: Path = JUDGMENTS) -> dict[tuple, dict]:
    if not path.exists():
        return {}
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {_key(r["kind"], (r["a"]["article_id"], r["a"]["start"], r["a"]["end"]),
                 (r["b"]["article_id"], r["b"]["start"], r["b"]["end"])): r for r in rows}


def _precision(mine: list[dict], judged: dict[tuple, dict]) -> dict[str, Any]:
    seen = [judged[_key(f["kind"], f["a"], f["b"])] for f in mine if _key(f["kind"], f["a"], f["b"]) in judged]
    yes = sum(j["label"] == "yes" for j in seen)
    by_source: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # findings, judged, yes
    for f in mine:
        row = by_source[f["source"]]
        row[0] += 1
        j = judged.get(_key(f["kind"], f["a"], f["b"]))
        if j is not None:
            row[1] += 1
            row[2] += j["label"] == "yes"
    return {"findings": len(mine), "by_source": {k: dict(zip(("findings", "judged", "yes"), v, strict=True))
                                                 for k, v in sorted(by_source.items())},
            "judged": len(seen), "yes": yes, "precision": round(yes / len(seen), 3) if seen else None,
            "wilson95": wilson(yes, len(seen))}


def score(found: list[dict], judged: dict[tuple, dict], report_floor: float | None = None) -> dict[str, Any]:
    from storyline.report.options import ReportOptions

    report_floor = ReportOptions().stance_min_confidence if report_floor is None else report_floor
    out: dict[str, Any] = {}
    for kind in KINDS:
        mine = [f for f in found if f["kind"] == kind]
        out[kind] = _precision(mine, judged)
        if kind == "stance":
            # what the report shows (its confidence floor) and what lies below it
            out["stance_at_report_floor"] = _precision([f for f in mine if f["confidence"] >= report_floor], judged)
            out["stance_below_report_floor"] = _precision([f for f in mine if f["confidence"] < report_floor],
                                                          judged)
    # calibration of the stance confidence: mean confidence against the share judged right
    bins: dict[str, list] = defaultdict(list)
    for f in found:
        k = _key(f["kind"], f["a"], f["b"])
        if f["kind"] == "stance" and k in judged:
            c = f["confidence"]
            lo = "0.6+" if c >= 0.6 else "0.3-0.6" if c >= 0.3 else "0.15-0.3" if c >= 0.15 else "<0.15"
            bins[lo].append((f["confidence"], judged[k]["label"] == "yes"))
    out["stance_calibration"] = {b: {"n": len(v), "mean_confidence": round(sum(c for c, _ in v) / len(v), 3),
                                     "precision": round(sum(y for _, y in v) / len(v), 3)}
                                 for b, v in sorted(bins.items())}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ggt-limit", type=int, default=20, help="GGT articles for the harness pairs")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--print", action="store_true", help="show unjudged findings with their text (terminal only)")
    ap.add_argument("--inject", type=int, default=30, help="GGT article pairs with one stance flipped (0: none)")
    ap.add_argument("--only-injected", action="store_true", help="skip BASIL, AllSides and the name harness")
    ap.add_argument("--ecb", type=int, default=0, help="ECB+ train documents as a held-out source (0: none)")
    ap.add_argument("--ecb-split", choices=("train", "dev"), default="train",
                    help="which ECB+ part --ecb reads (dev: 197 documents no stance version was set on)")
    ap.add_argument("--polnear", type=int, default=0, help="PolNeAR train articles as a held-out source (0: none)")
    ap.add_argument("--held-out-only", action="store_true",
                    help="skip BASIL, AllSides and the name harness (keep --ecb, --polnear, --inject)")
    ap.add_argument("--stance-floor", type=float, default=None,
                    help="stance confidence floor for collecting findings (default: the report's)")
    ap.add_argument("--inject-seed", type=int, default=None,
                    help="seed of the injected pairs (default: --seed); another seed holds them out")
    ap.add_argument("--store-dir", type=Path, default=None,
                    help="keep the stores here and reuse them (reports rebuilt from the stored input)")
    ap.add_argument("--save", type=Path, default=None, help="write the findings (ids, offsets, kinds) to FILE")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    started = time.perf_counter()
    found, texts = [], {}
    harness = [] if args.only_injected else _harness_records(args.ggt_limit, args.seed)
    inject_seed = args.seed if args.inject_seed is None else args.inject_seed
    injected, flipped = _injected_records(args.inject, inject_seed, {r["id"] for r in harness})
    sources = [] if args.only_injected or args.held_out_only else [
        ("basil", _records("basil")), ("allsides", _records("allsides")), ("harness", harness)]
    if args.ecb and not args.only_injected:
        sources.append(("ecb" if args.ecb_split == "train" else f"ecb-{args.ecb_split}",
                        _ecb_records(args.ecb, args.ecb_split)))
    if args.polnear and not args.only_injected:
        sources.append(("polnear", _polnear_records(args.polnear)))
    if injected:
        sources.append(("injected", injected))
    for source, records in sources:
        more, more_texts = _findings(source, records, None, args.stance_floor, args.store_dir)
        found += more
        texts.update(more_texts)
    # one finding per key and kind (an event report can repeat a pair under two rules)
    unique = {(f["kind"],) + _key(f["kind"], f["a"], f["b"]): f for f in found}
    found = list(unique.values())
    judged = load_judgments()
    result = score([f for f in found if f["source"] != "injected"], judged)
    result["injected"] = score_injected(found, texts, flipped)
    result["seconds"] = round(time.perf_counter() - started, 1)
    result["command"] = (f"python benchmarks/eval_discrepancies.py --ggt-limit {args.ggt_limit} --seed {args.seed} "
                         f"--inject {args.inject}" + (f" --inject-seed {inject_seed}" if inject_seed != args.seed
                                                      else "") + (" --only-injected" if args.only_injected else "")
                         + (f" --ecb {args.ecb}" if args.ecb else "")
                         + (f" --ecb-split {args.ecb_split}" if args.ecb and args.ecb_split != "train" else "")
                         + (f" --polnear {args.polnear}" if args.polnear else "")
                         + (" --held-out-only" if args.held_out_only else "")
                         + (f" --stance-floor {args.stance_floor}" if args.stance_floor is not None else ""))
    if args.save:
        args.save.write_text(json.dumps(found), encoding="utf-8")
    if args.print:
        n = 0
        for f in sorted(found, key=lambda f: (f["source"], f["kind"], f["a"])):
            if _key(f["kind"], f["a"], f["b"]) in judged or f["source"] == "injected":
                continue
            n += 1
            print(f"\n#{n} [{f['source']}] {f['kind']} conf={f['confidence']} {f['description']}")
            print(f"  a={list(f['a'])} b={list(f['b'])} cues={f['cues']}")
            print(f"  A: {texts[tuple(f['a'])]!r}")
            print(f"  B: {texts[tuple(f['b'])]!r}")
    print(json.dumps(result, indent=2) if args.json else json.dumps(result))


if __name__ == "__main__":
    main()
