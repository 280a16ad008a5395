"""Event clustering: the online clusterer against two batch baselines.

    python benchmarks/eval_clustering.py --tune-on ../shared/data/ecbplus/train.jsonl \\
        --dataset ../shared/data/ecbplus/dev.jsonl --dataset ../shared/data/basil/docs.jsonl \\
        --dataset ../shared/data/meantime/docs.jsonl --mixed

Every method is tuned on the --tune-on file only (grid search on B-cubed F1) and
then run unchanged on each --dataset, never told the number of events. MEANTIME
takes its publication dates from the date line under each headline; ECB+ has no
dates and is fed in file order. --mixed adds one stream of all datasets in date
order. Embeddings are cached under --cache (default /tmp/storyline_cluster_cache).

Features of the online method: by default the regex fallback (capitalised-word keys
and numbers from title + lead, mentioned dates from the whole text). --ner replaces
the entity keys by spaCy NER mentions (PERSON/ORG/LOC of English articles, keyed by
a normalised surface form, a person by the last word of the name) and fills
``places`` with the LOC keys; --ner-dates replaces the regex dates by
storyline.enrich.dates.extract_dates values. Enrichment output is cached under --cache.
Prints a Markdown table; --json FILE writes the figures as JSON.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
import unicodedata
import warnings
from pathlib import Path

import numpy as np

from storyline.cluster.datasets import cached_embeddings, load_dataset, mixed_stream
from storyline.cluster.evaluate import BASELINE_DEFAULTS, METHODS, cluster_with, tune
from storyline.cluster.metrics import score_clustering

ONLINE_GRID = {
    "threshold": [0.75, 0.8, 0.85, 0.9],
    "centroid_weight": [0.3, 0.6],
    "entity_weight": [0.3, 0.5],
    "coverage_weight": [0.0, 0.2, 0.4],
    "date_weight": [0.1, 0.2, 0.3],
}
# With --ner the place-conflict penalty has data to work on.
NER_GRID_EXTRA = {"place_weight": [0.0, 0.1, 0.2]}
BASELINE_GRIDS = {
    "tfidf": {"distance_threshold": [0.6, 0.65, 0.7, 0.75, 0.8, 0.825, 0.85, 0.875, 0.9, 0.95]},
    "hdbscan": {"min_cluster_size": [2, 3, 4, 5], "min_samples": [1, 2, 3], "epsilon": [0.0, 0.2]},
}


def _name(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def _surface_key(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.lower())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    folded = re.sub(r"^the\s+", "", folded)
    folded = re.sub(r"['’]s$", "", folded)
    return re.sub(r"[^\w]+", " ", folded).strip()


def enrichment_for(docs, cache: Path, *, ner: bool, ner_dates: bool) -> dict[str, dict[str, list[str]]]:
    """doc id -> {"entities", "places", "dates"} from the enrichment stages, cached by dataset."""
    from storyline.enrich.dates import extract_dates
    from storyline.enrich.entities import EntityRecognizer

    digest = hashlib.sha256("\0".join(f"{d.id}|{d.text}" for d in docs).encode()).hexdigest()[:24]
    path = cache / f"enrich-{digest}.json"
    if path.exists():
        raw = json.loads(path.read_text())
    else:
        results = EntityRecognizer().predict([(d.id, d.text, d.language or "en") for d in docs])
        raw = {}
        for doc, result in zip(docs, results, strict=True):
            raw[doc.id] = {
                "mentions": [[m.label, m.normal or m.text] for m in result.mentions],
                "dates": [
                    x.value for x in extract_dates(doc.id, doc.text, doc.language, doc.published) if x.value
                ],
            }
        cache.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(raw))
    out: dict[str, dict[str, list[str]]] = {}
    for doc_id, found in raw.items():
        entities, places = set(), set()
        for label, surface in found["mentions"]:
            key = _surface_key(surface)
            if not key:
                continue
            if label == "PERSON":
                key = key.split()[-1]  # "Tara Reid" and "Reid" meet
            entities.add(key)
            if label == "LOC":
                places.add(key)
        extra: dict[str, list[str]] = {}
        if ner:
            extra["entities"], extra["places"] = sorted(entities), sorted(places)
        if ner_dates:
            extra["dates"] = found["dates"]
        out[doc_id] = extra
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--dataset", action="append", type=Path, default=[], help="JSON Lines file with gold events"
    )
    parser.add_argument("--tune-on", type=Path, help="tune every method on this file first")
    parser.add_argument(
        "--mixed", action="store_true", help="also run one mixed stream of all datasets in date order"
    )
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--cache", type=Path, default=Path("/tmp/storyline_cluster_cache"))
    parser.add_argument("--json", type=Path, help="write all figures here")
    parser.add_argument("--ner", action="store_true", help="entities and places from spaCy NER")
    parser.add_argument("--ner-dates", action="store_true", help="dates from storyline.enrich.dates")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", category=FutureWarning)
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]

    def load(path: Path):
        docs = load_dataset(path, dates_from_text=path.parent.name == "meantime")
        return docs, cached_embeddings(docs, lead_words=120, cache_dir=args.cache)

    enrichment: dict[str, dict[str, list[str]]] = {}

    def enrich(docs, prefix: str = "") -> None:
        if args.ner or args.ner_dates:
            found = enrichment_for(docs, args.cache, ner=args.ner, ner_dates=args.ner_dates)
            enrichment.update({prefix + k: v for k, v in found.items()})

    chosen: dict[str, dict] = {"online": {}, **{m: dict(p) for m, p in BASELINE_DEFAULTS.items()}}
    report: dict = {"tuning": {}, "results": []}
    if args.tune_on:
        docs, vectors = load(args.tune_on)
        enrich(docs)
        for method in methods:
            grid = ONLINE_GRID if method == "online" else BASELINE_GRIDS[method]
            if method == "online" and args.ner:
                grid = {**grid, **NER_GRID_EXTRA}
            started = time.perf_counter()
            best, scores, tried = tune(method, docs, vectors, grid, enrichment=enrichment)
            chosen[method] = best
            report["tuning"][method] = {
                "on": _name(args.tune_on),
                "params": best,
                "bcubed_f1": scores.bcubed_f1,
                "settings_tried": len(tried),
                "seconds": round(time.perf_counter() - started, 1),
            }
            print(
                f"tuned {method} on {_name(args.tune_on)}: {best} -> B3 F1 {scores.bcubed_f1:.3f}",
                file=sys.stderr,
            )

    runs = []
    loaded = [(path, *load(path)) for path in args.dataset]
    for path, docs, vectors in loaded:
        runs.append((_name(path), docs, vectors))
        enrich(docs)
        enrich(docs, prefix=f"{docs[0].dataset}:" if docs else "")
    if args.mixed and loaded:
        stream = mixed_stream([docs for _, docs, _ in loaded])
        by_id = {}
        for _, docs, vectors in loaded:
            for doc, vector in zip(docs, vectors, strict=True):
                by_id[f"{doc.dataset}:{doc.id}"] = vector
        runs.append(("mixed stream", stream, np.vstack([by_id[d.id] for d in stream])))

    rows = []
    for name, docs, vectors in runs:
        gold = [d.gold for d in docs]
        for method in methods:
            started = time.perf_counter()
            labels = cluster_with(method, docs, vectors, chosen[method], enrichment=enrichment)
            seconds = time.perf_counter() - started
            scores = score_clustering(labels, gold)
            rows.append((name, method, scores, seconds))
            report["results"].append(
                {"dataset": name, "method": method, "seconds": round(seconds, 2), **scores.to_json()}
            )

    print(
        "| dataset | method | pairwise P | pairwise R | pairwise F1 | B3 P | B3 R | B3 F1 | clusters (pred/gold) | docs | s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name, method, s, seconds in rows:
        print(
            f"| {name} | {method} | {s.pairwise_precision:.3f} | {s.pairwise_recall:.3f} | {s.pairwise_f1:.3f} | "
            f"{s.bcubed_precision:.3f} | {s.bcubed_recall:.3f} | **{s.bcubed_f1:.3f}** | "
            f"{s.predicted_clusters}/{s.gold_clusters} | {s.documents} | {seconds:.1f} |"
        )
    print("\nparameters:", json.dumps(chosen, sort_keys=True))
    report["params"] = chosen
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
