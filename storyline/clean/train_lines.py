"""Train and measure the boilerplate line classifier (``storyline train boilerplate``).

Positive lines are catalogue lines (:data:`storyline.corrupt.CATALOGUE`) that the
corruption harness inserts into real articles; negative lines are the articles' own lines.
Training texts: ECB+ train, PolNeAR train, AllSides, MEANTIME, tgpairs. Held out (never
trained on): the GGT sample, ECB+ dev, PolNeAR dev, BASIL, each corrupted with seeds the
training never used. A second measure trains on three quarters of the catalogue's
templates and scores lines from the quarter it never saw, which is what a new site's
furniture looks like to the model.

Dataset lines that the cleaner's patterns already remove (a real "Advertisement" in a
crawl), bare URLs and the datasets' own furniture (:data:`storyline.corrupt.DATASET_FURNITURE`)
are left out of the negatives. A catalogue line counts as removed when the patterns or the
classifier remove it, as in the cleaner.

Needs scikit-learn (the ``dev`` extra); the product reads the JSON model without it.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from ..corrupt import CATALOGUE, DATASET_FURNITURE, corrupt_text
from ..model import apply_edits
from .boilerplate import find_boilerplate, find_credits, find_leading_urls
from .lines import FEATURES, MAX_LINE, LineModel, _has_letter, _TextContext, line_key
from .normalize import join_wrapped_lines

__all__ = ["TRAIN_PARTS", "HELDOUT_PARTS", "labelled_lines", "train_line_model"]

TRAIN_PARTS = ("ecbplus/train.jsonl", "polnear/train", "allsides/docs.jsonl", "meantime/docs.jsonl",
               "tgpairs/docs.jsonl")
HELDOUT_PARTS = ("ggt-quotes/articles.jsonl", "ecbplus/dev.jsonl", "polnear/dev", "basil/docs.jsonl")
BATCH = 50  # texts per simulated ingest batch (line repetition is counted within one)
COMMAND = "storyline train boilerplate --data ../shared/data --out storyline/clean/models/boilerplate-lines-v1.json"


def _texts(data_dir: Path, part: str, limit: int | None = None) -> list[str]:
    path = data_dir / part
    if path.is_dir():  # PolNeAR: brat text files
        files = sorted((path / "text").glob("*.txt"))
        return [f.read_text("utf-8") for f in files[:limit]]
    out = []
    for number, line in enumerate(path.read_text("utf-8").splitlines()):
        if line.strip():
            row = json.loads(line)
            text = row.get("text") or row.get("articleBodyText")
            # A plain-text copy starts with its headline: half the texts that have a title get it
            # as their first line, so headlines are genuine lines to the model.
            if text and row.get("title") and number % 2 == 0 and not text.startswith(row["title"]):
                text = f"{row['title']}\n{text}"
            if text:
                out.append(text)
    return out[:limit]


def _already_furniture(line: str) -> bool:
    if DATASET_FURNITURE.fullmatch(line):
        return True
    if find_boilerplate(line) or find_leading_urls(line)[0]:
        return True
    return bool(find_credits(line)[0])


def labelled_lines(texts: Sequence[str], seed: int, catalogue: Sequence[tuple[str, str]] = CATALOGUE
                   ) -> Iterator[tuple[list[float], int, str]]:
    """``(features, label, line)`` for every scorable line of the corrupted ``texts``
    (label 1: an inserted catalogue line)."""
    rng = random.Random(seed)
    for b in range(0, len(texts), BATCH):
        corrupted = []
        for text in texts[b:b + BATCH]:
            kinds = ["boilerplate"] + [k for k in ("punctuation", "print") if rng.random() < 0.4]
            corrupted.append(corrupt_text(text, rng, kinds, catalogue=catalogue))
        batch_lines: Counter[str] = Counter()
        for c in corrupted:
            batch_lines.update({line_key(x) for x in c.text.split("\n") if 0 < len(x) <= 160 and x.strip()})
        for c in corrupted:
            # The cleaner judges lines after joining hard wraps (storyline.clean.normalize).
            text = apply_edits(c.text, join_wrapped_lines(c.text))[0]
            lines = text.split("\n")
            context = _TextContext(lines)
            pending = Counter(c.boilerplate)
            for i, line in enumerate(lines):
                if len(line) > MAX_LINE or not _has_letter(line):
                    continue
                label = 0
                if pending[line] > 0:
                    pending[line] -= 1
                    label = 1
                elif _already_furniture(line):
                    continue
                repeats = max(0, batch_lines[line_key(line)] - 1)
                yield context.features(i, repeats), label, line


C = 0.3  # inverse regularisation (chosen on the training parts: held-out genuine lines suffer from less)
MIN_THRESHOLD = 0.9  # never below: the hashed word features make training lines look easier than new ones


def _fit(rows: list[tuple[list[float], int, str]], kept_target: float) -> LineModel:
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    x = np.array([r[0] for r in rows], dtype=float)
    y = np.array([r[1] for r in rows])
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    clf = LogisticRegression(C=C, class_weight="balanced", max_iter=3000)
    clf.fit((x - mean) / scale, y)
    model = LineModel(FEATURES, tuple(mean.tolist()), tuple(scale.tolist()), tuple(clf.coef_[0].tolist()),
                      float(clf.intercept_[0]), 0.5, {})
    # The threshold keeps ``kept_target`` of the training texts' own lines: losing a story
    # line costs more than leaving a share bar in.
    genuine = sorted(model.probability(r[0]) for r in rows if r[1] == 0)
    cut = genuine[min(len(genuine) - 1, int(kept_target * len(genuine)))]
    return LineModel(model.features, model.mean, model.scale, model.weights, model.bias, max(MIN_THRESHOLD, cut), {})


def _measure(model: LineModel, rows: list[tuple[list[float], int, str]]) -> dict[str, Any]:
    pos = [r for r in rows if r[1] == 1]
    neg = [r for r in rows if r[1] == 0]
    # As the cleaner decides: its patterns first, then the classifier.
    removed = sum(bool(find_boilerplate(r[2])) or model.probability(r[0]) >= model.threshold for r in pos)
    kept = sum(model.probability(r[0]) < model.threshold for r in neg)
    return {"boilerplate_lines": len(pos), "genuine_lines": len(neg),
            "removed": round(removed / max(1, len(pos)), 4), "genuine_kept": round(kept / max(1, len(neg)), 4)}


def train_line_model(data_dir: str | Path, out: str | Path, *, seed: int = 7, kept_target: float = 0.998,
                     polnear_limit: int = 300, say: Callable[[str], None] = print) -> dict[str, Any]:
    """Fit the classifier on the training parts, measure it on the held-out parts, write it to ``out``."""
    data_dir = Path(data_dir)
    train_texts: list[str] = []
    for part in TRAIN_PARTS:
        train_texts += _texts(data_dir, part, polnear_limit if part.startswith("polnear") else None)
    random.Random(seed).shuffle(train_texts)
    say(f"training texts: {len(train_texts)}")
    rows = list(labelled_lines(train_texts, seed))
    model = _fit(rows, kept_target)
    report: dict[str, Any] = {"train": _measure(model, rows), "heldout": {}}
    for k, part in enumerate(HELDOUT_PARTS):
        texts = _texts(data_dir, part)
        report["heldout"][part] = _measure(model, list(labelled_lines(texts, 10_000 + seed + k)))
        say(f"held out {part}: {report['heldout'][part]}")
    # Unseen templates: train on three quarters of the catalogue, score the last quarter.
    seen = [e for i, e in enumerate(CATALOGUE) if i % 4 != 3]
    unseen = [e for i, e in enumerate(CATALOGUE) if i % 4 == 3]
    partial = _fit(list(labelled_lines(train_texts, seed, seen)), kept_target)
    held = []
    for k, part in enumerate(HELDOUT_PARTS):
        held += list(labelled_lines(_texts(data_dir, part), 20_000 + seed + k, unseen))
    report["unseen_templates"] = _measure(partial, held)
    say(f"unseen templates: {report['unseen_templates']}")
    final = LineModel(model.features, model.mean, model.scale, model.weights, model.bias, model.threshold,
                      {"command": COMMAND, "seed": seed, "kept_target": kept_target, "train_parts": list(TRAIN_PARTS),
                       "polnear_limit": polnear_limit, "measured": report})
    Path(out).write_text(json.dumps(final.to_json(), indent=1) + "\n", "utf-8")
    say(f"wrote {out} (threshold {model.threshold:.3f})")
    return report
