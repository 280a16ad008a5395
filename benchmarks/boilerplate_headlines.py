"""Recipes of the boilerplate line classifier compared on furniture it never saw and on headlines.

    python benchmarks/boilerplate_headlines.py [--data ../shared/data] [--recipes packaged,words01,...] [--tune]

The JSON report goes to stdout, progress to stderr. With --tune nothing held out is read: fitted on half of
the training texts and scored on the other half (unseen templates, genuine lines and headlines, and the same
texts clean), which is where recipes are chosen. Otherwise, for each recipe (:class:`storyline.clean.train_lines.Recipe`), as `storyline train boilerplate` fits it:

- **unseen templates**, four folds over the catalogue (fold k leaves out the templates at positions
  i % 4 == k): fitted on the training parts with the other templates, scored on the held-out parts
  (GGT, ECB+ dev, PolNeAR dev, BASIL) with the left-out templates inserted; removed (mean, min) and
  genuine kept (mean);
- **held-out texts** with the whole catalogue (fitted on all training parts): removed, genuine kept
  and headlines kept per part;
- **held-out headlines**, never trained on: ECB+ dev and PolNeAR dev headlines, and the AllSides titles
  of the rows training never gives a title (odd rows), each as the first line of its article, scored
  in the clean text (as ingest sees an article) and among inserted furniture;
- **clean GGT**: genuine lines the cleaner's classifier removes from the 66 clean GGT articles
  (`clean_text`, as ingest cleans them; the harness's "genuine kept" on the clean run counts these).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from storyline.clean.lines import _TextContext
from storyline.clean.train_lines import (
    FURNITURE,
    GENUINE,
    HEADLINE,
    HELDOUT_PARTS,
    TRAIN_PARTS,
    Recipe,
    _fit,
    _letters,
    _texts,
    labelled_lines,
    training_order,
)
from storyline.corrupt import CATALOGUE, DATASET_FURNITURE

RECIPES = {
    "packaged": Recipe(),  # the v1 recipe (boilerplate-lines-v1.json)
    "words01": Recipe(standardise_words=False),
    "headlines0.1": Recipe(headline_share=0.1),
    "words01+clean0.5": Recipe(standardise_words=False, clean_share=0.5),
    **{f"words01+headlines{h:g}": Recipe(standardise_words=False, headline_share=h) for h in (0.05, 0.1, 1 / 6)},
    **{f"words01+headlines{h:g}+clean{c:g}": Recipe(standardise_words=False, headline_share=h, clean_share=c)
       for h in (0.05, 0.1, 1 / 6) for c in (0.25, 0.5, 0.75)},
    # the candidate measured in Round 11 (not adopted)
    "candidate": Recipe(standardise_words=False, headline_share=0.1, clean_share=0.5, story_batches=True),
}
SEED = 7
KEPT_TARGET = 0.998


def _arrays(rows: list) -> tuple[np.ndarray, np.ndarray]:
    return np.array([r[0] for r in rows], dtype=np.float32), np.array([r[1] for r in rows])


def _prob(model, x: np.ndarray) -> np.ndarray:
    z = ((x - np.array(model.mean)) / np.array(model.scale)) @ np.array(model.weights) + model.bias
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


def _scores(model, x: np.ndarray, label: np.ndarray, pattern_hit: np.ndarray) -> dict:
    kept = _prob(model, x) < model.threshold
    furniture = label == FURNITURE
    genuine = ~furniture
    headline = label == HEADLINE
    return {"removed": float(((~kept) | pattern_hit)[furniture].mean()) if furniture.any() else None,
            "genuine_kept": float(kept[genuine].mean()),
            "headlines_kept": float(kept[headline].mean()) if headline.any() else None,
            "headlines": int(headline.sum()), "furniture": int(furniture.sum())}


def _heldout(data: Path, seed_base: int, catalogue) -> dict[str, tuple]:
    from storyline.clean.boilerplate import find_boilerplate
    out = {}
    for k, part in enumerate(HELDOUT_PARTS):
        rows = list(labelled_lines(_texts(data, part), seed_base + SEED + k, catalogue))
        x, label = _arrays(rows)
        out[part] = (x, label, np.array([bool(find_boilerplate(r[2])) for r in rows]))
    return out


def _clean_rows(pairs: list) -> tuple[np.ndarray, np.ndarray]:
    """Features and labels (GENUINE or HEADLINE) of the lines of clean texts, no furniture inserted,
    as the classifier sees an article at ingest: leading URL lines gone, hard wraps joined."""
    from storyline.clean.boilerplate import find_leading_urls
    from storyline.clean.lines import MAX_LINE, _has_letter
    from storyline.clean.normalize import join_wrapped_lines
    from storyline.clean.train_lines import _already_furniture
    from storyline.model import apply_edits
    feats, labels = [], []
    for text, headline in pairs:
        text = apply_edits(text, find_leading_urls(text)[0])[0]
        text = apply_edits(text, join_wrapped_lines(text))[0]
        lines = text.split("\n")
        context = _TextContext(lines)
        looking = 3 if headline else 0
        for i, line in enumerate(lines):
            if len(line) > MAX_LINE or not _has_letter(line) or _already_furniture(line):
                continue
            label = GENUINE
            if looking:
                looking -= 1
                if _letters(line) == _letters(headline):
                    label, looking = HEADLINE, 0
            feats.append(context.features(i, 0))
            labels.append(label)
    return np.array(feats, dtype=np.float32), np.array(labels)


def _clean_headlines(data: Path) -> dict[str, np.ndarray]:
    """Held-out headlines in their clean article (no furniture), as ingest sees them."""
    sets = {"ecbplus/dev.jsonl": _texts(data, "ecbplus/dev.jsonl"), "polnear/dev": _texts(data, "polnear/dev"),
            "allsides titles (odd rows)": [p for p in _texts(data, "allsides/docs.jsonl", titles="odd")
                                           if p[1] and p[0].startswith(p[1] + "\n")]}
    out = {}
    for name, pairs in sets.items():
        x, label = _clean_rows([p for p in pairs if p[1]])
        out[name] = x[label == HEADLINE]
    return out


def _corrupted_titles(data: Path) -> tuple:
    """AllSides odd-row titles among inserted furniture (their texts are training texts, their titles are not)."""
    x, label = _arrays(list(labelled_lines(_texts(data, "allsides/docs.jsonl", titles="odd"), 30_000 + SEED)))
    return x[label == HEADLINE]


def _clean_ggt(data: Path, model) -> dict:
    import storyline.clean.lines as lines_module
    from storyline.clean import clean_text
    texts = [t for t, _h in _texts(data, "ggt-quotes/articles.jsonl")]
    original = lines_module.load_line_model
    lines_module.load_line_model = lambda path=None: model
    try:
        removed = []
        total = 0
        for text in texts:
            result = clean_text(text)
            # the dataset's own furniture ("Story continues below advertisement") is neither kind
            total += sum(1 for line in text.split("\n") if any(c.isalpha() for c in line)
                         and not DATASET_FURNITURE.fullmatch(line))
            removed += [c.before for c in result.changes if c.reason.startswith("boilerplate: line classifier")
                        and not DATASET_FURNITURE.fullmatch(c.before.strip("\n"))]
    finally:
        lines_module.load_line_model = original
    return {"lines": total, "removed_by_classifier": len(removed), "kept": 1 - len(removed) / total,
            "examples": removed[:12]}


def _tune(orders: dict, variants: set, recipes: dict, folds: list[int]) -> None:
    """Choose on the training parts only: fit on half of the training texts (even positions), score
    the other half with the left-out templates inserted."""
    score_texts = orders[False][1::2]
    scored = {id(t) for t in score_texts}  # the same texts stay out of every order's fitting half
    fitting = {b: [t for t in order if id(t) not in scored] for b, order in orders.items()}
    from storyline.clean.boilerplate import find_boilerplate
    out: dict = {name: [] for name in recipes}
    clean_x, clean_label = _clean_rows(score_texts)
    for fold in folds:
        seen = [e for i, e in enumerate(CATALOGUE) if i % 4 != fold]
        unseen = [e for i, e in enumerate(CATALOGUE) if i % 4 == fold]
        rows = {(b, c): list(labelled_lines(fitting[b], SEED, seen, c)) for b, c in variants}
        scored = list(labelled_lines(score_texts, 40_000 + SEED + fold, unseen))
        x, label = _arrays(scored)
        hit = np.array([bool(find_boilerplate(r[2])) for r in scored])
        for name, recipe in recipes.items():
            model = _fit(rows[recipe.story_batches, recipe.clean_share], KEPT_TARGET, recipe)
            out[name].append(_scores(model, x, label, hit))
            kept = _prob(model, clean_x) < model.threshold
            out[name][-1]["clean_genuine_kept"] = float(kept.mean())
            out[name][-1]["clean_headlines_kept"] = float(kept[clean_label == HEADLINE].mean())
            print(f"tune fold {fold} {name}: {out[name][-1]}", file=sys.stderr)
    summary = {name: {"unseen_removed_mean": float(np.mean([f["removed"] for f in v])),
                      "unseen_removed_min": float(np.min([f["removed"] for f in v])),
                      "genuine_kept_mean": float(np.mean([f["genuine_kept"] for f in v])),
                      "headlines_kept_mean": float(np.mean([f["headlines_kept"] for f in v])),
                      "headlines_kept_min": float(np.min([f["headlines_kept"] for f in v])),
                      "clean_genuine_kept_mean": float(np.mean([f["clean_genuine_kept"] for f in v])),
                      "clean_headlines_kept_mean": float(np.mean([f["clean_headlines_kept"] for f in v])),
                      "clean_headlines_kept_min": float(np.min([f["clean_headlines_kept"] for f in v]))}
               for name, v in out.items()}
    print(json.dumps(summary, indent=1))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--recipes", default=",".join(RECIPES))
    ap.add_argument("--folds", default="0,1,2,3")
    ap.add_argument("--tune", action="store_true", help="score on half of the training texts, not the held-out parts")
    args = ap.parse_args()
    data = Path(args.data)
    recipes = {name: RECIPES[name] for name in args.recipes.split(",")}
    folds = [int(f) for f in args.folds.split(",") if f]
    texts = []
    for part in TRAIN_PARTS:
        texts += _texts(data, part, 300 if part.startswith("polnear") else None)
    # each recipe's training texts in its batch order; rows are built once per (order, clean share)
    variants = {(r.story_batches, r.clean_share) for r in recipes.values()}
    orders = {b: training_order(texts, SEED, Recipe(story_batches=b)) for b, _c in variants}
    if args.tune:
        _tune(orders, variants, recipes, folds)
        return
    report: dict = {name: {"folds": []} for name in recipes}
    for fold in folds:
        seen = [e for i, e in enumerate(CATALOGUE) if i % 4 != fold]
        unseen = [e for i, e in enumerate(CATALOGUE) if i % 4 == fold]
        rows = {(b, c): list(labelled_lines(orders[b], SEED, seen, c)) for b, c in variants}
        held = _heldout(data, 20_000 + fold * 100, unseen)
        for name, recipe in recipes.items():
            model = _fit(rows[recipe.story_batches, recipe.clean_share], KEPT_TARGET, recipe)
            x = np.concatenate([h[0] for h in held.values()])
            label = np.concatenate([h[1] for h in held.values()])
            hit = np.concatenate([h[2] for h in held.values()])
            s = _scores(model, x, label, hit)
            report[name]["folds"].append(s)
            print(f"fold {fold} {name}: {s} (threshold {model.threshold:.3f})", file=sys.stderr)
        del rows, held
    rows = {(b, c): list(labelled_lines(orders[b], SEED, CATALOGUE, c)) for b, c in variants}
    held = _heldout(data, 10_000, CATALOGUE)
    clean_titles = _clean_headlines(data)
    noisy_titles = _corrupted_titles(data)
    for name, recipe in recipes.items():
        model = _fit(rows[recipe.story_batches, recipe.clean_share], KEPT_TARGET, recipe)
        r = report[name]
        folds = r["folds"]
        if folds:
            r["unseen_removed_mean"] = float(np.mean([f["removed"] for f in folds]))
            r["unseen_removed_min"] = float(np.min([f["removed"] for f in folds]))
            r["unseen_genuine_kept_mean"] = float(np.mean([f["genuine_kept"] for f in folds]))
        r["threshold"] = model.threshold
        r["heldout"] = {part: _scores(model, *h) for part, h in held.items()}
        r["clean_headlines_kept"] = {k: (float((_prob(model, v) < model.threshold).mean()), len(v))
                                     for k, v in clean_titles.items()}
        r["allsides_titles_among_furniture_kept"] = (float((_prob(model, noisy_titles) < model.threshold).mean()),
                                                    len(noisy_titles))
        r["clean_ggt"] = _clean_ggt(data, model)
        print(f"{name}: {json.dumps({k: v for k, v in r.items() if k != 'folds'})}", file=sys.stderr)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
