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
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..corrupt import CATALOGUE, DATASET_FURNITURE, corrupt_text
from ..model import apply_edits
from .boilerplate import find_boilerplate, find_credits, find_leading_urls
from .lines import _BUCKETS, FEATURES, MAX_LINE, LineModel, _has_letter, _TextContext, line_key
from .normalize import join_wrapped_lines

__all__ = ["TRAIN_PARTS", "HELDOUT_PARTS", "labelled_lines", "train_line_model"]

TRAIN_PARTS = ("ecbplus/train.jsonl", "polnear/train", "allsides/docs.jsonl", "meantime/docs.jsonl",
               "tgpairs/docs.jsonl")
HELDOUT_PARTS = ("ggt-quotes/articles.jsonl", "ecbplus/dev.jsonl", "polnear/dev", "basil/docs.jsonl")
BATCH = 50  # texts per simulated ingest batch (line repetition is counted within one)
COMMAND = "storyline train boilerplate --data ../shared/data --out storyline/clean/models/boilerplate-lines-v1.json"


def _texts(data_dir: Path, part: str, limit: int | None = None, *, titles: str = "even"
           ) -> list[tuple[str, str | None]]:
    """``(text, headline)`` pairs of one dataset part; ``headline`` is the text's first story line
    when the text is known to start with its headline (None otherwise).

    ``titles``: which rows of a JSON Lines part that has titles get the title as their first line
    ("even": half of them, so the model also sees texts without one; "odd": the other half, never
    trained on; "none")."""
    path = data_dir / part
    if path.is_dir():  # PolNeAR: brat text files, each opening with its headline line
        files = sorted((path / "text").glob("*.txt"))
        out_pairs = []
        for f in files[:limit]:
            text = f.read_text("utf-8")
            out_pairs.append((text, text.split("\n", 1)[0]))
        return out_pairs
    out: list[tuple[str, str | None]] = []
    for number, line in enumerate(path.read_text("utf-8").splitlines()):
        if line.strip():
            row = json.loads(line)
            text = row.get("text") or row.get("articleBodyText")
            if not text:
                continue
            title = row.get("title")
            # A plain-text copy starts with its headline: half the texts that have a title get it
            # as their first line, so headlines are genuine lines to the model.
            wanted = {"even": number % 2 == 0, "odd": number % 2 == 1, "none": False}[titles]
            if title and text.startswith(title):
                out.append((text, title))
            elif title and wanted:
                out.append((f"{title}\n{text}", title))
            elif title:
                out.append((text, None))
            else:
                out.append((text, _first_line_headline(part, text)))
    return out[:limit]


# Parts without a title field whose texts open with their headline (checked by hand): MEANTIME
# (Wikinews: headline, date, body); ECB+ web copies that start with their URL line (URL,
# headline, often a date line), when the line after the URL is a short line of its own.
def _first_line_headline(part: str, text: str) -> str | None:
    lines = text.split("\n")
    if part.startswith("meantime"):
        return lines[0]
    if part.startswith("ecbplus") and len(lines) > 2 and find_leading_urls(lines[0])[0]:
        second = lines[1].strip()
        # not a date or time line ("Posted at 3: 21 PM ET, 01 / 5 / 2011")
        if second and len(second) <= 120 and not second.endswith(".") and not DATASET_FURNITURE.fullmatch(second) \
                and not re.search(r"\d\s*[:/]\s*\d", second):
            return second
    return None


def _letters(line: str) -> str:
    return "".join(c for c in line.lower() if c.isalpha())


def _already_furniture(line: str) -> bool:
    if DATASET_FURNITURE.fullmatch(line):
        return True
    if find_boilerplate(line) or find_leading_urls(line)[0]:
        return True
    return bool(find_credits(line)[0])


GENUINE, FURNITURE, HEADLINE = 0, 1, 2  # labels of the training lines


def labelled_lines(texts: Sequence[str | tuple[str, str | None]], seed: int,
                   catalogue: Sequence[tuple[str, str]] = CATALOGUE, clean_share: float = 0.0
                   ) -> Iterator[tuple[list[float], int, str]]:
    """``(features, label, line)`` for every scorable line of the corrupted ``texts``
    (label FURNITURE: an inserted catalogue line; HEADLINE: the text's own headline, when ``texts``
    holds ``(text, headline)`` pairs; GENUINE: any other line of the text).

    ``clean_share``: the share of texts that get no furniture (most articles a user ingests have
    none, and a headline with nothing above it is the first line of the text)."""
    rng = random.Random(seed)
    pairs = [t if isinstance(t, tuple) else (t, None) for t in texts]
    for b in range(0, len(pairs), BATCH):
        corrupted = []
        for text, _headline in pairs[b:b + BATCH]:
            furnished = not clean_share or rng.random() >= clean_share
            kinds = ["boilerplate"] * furnished + [k for k in ("punctuation", "print") if rng.random() < 0.4]
            corrupted.append(corrupt_text(text, rng, kinds, catalogue=catalogue))
        batch_lines: Counter[str] = Counter()
        for c in corrupted:
            batch_lines.update({line_key(x) for x in c.text.split("\n") if 0 < len(x) <= 160 and x.strip()})
        for c, (_text, headline) in zip(corrupted, pairs[b:b + BATCH], strict=True):
            # The cleaner judges lines after joining hard wraps (storyline.clean.normalize).
            text = apply_edits(c.text, join_wrapped_lines(c.text))[0]
            lines = text.split("\n")
            context = _TextContext(lines)
            pending = Counter(c.boilerplate)
            # the headline is one of the first genuine lines, letter for letter (noise moves only
            # punctuation; an inserted line can be joined to the URL line above it)
            looking = 3 if headline else 0
            for i, line in enumerate(lines):
                if len(line) > MAX_LINE or not _has_letter(line):
                    continue
                label = GENUINE
                if pending[line] > 0:
                    pending[line] -= 1
                    label = FURNITURE
                elif _already_furniture(line):
                    continue
                elif looking:
                    looking -= 1
                    if headline and _letters(line) == _letters(headline):
                        label, looking = HEADLINE, 0
                repeats = max(0, batch_lines[line_key(line)] - 1)
                yield context.features(i, repeats), label, line


@dataclass(frozen=True)
class Recipe:
    """How the classifier is fitted (the packaged model's recipe is :data:`RECIPE`)."""

    c: float = 0.3  # inverse regularisation
    # Standardising the 0/1 word columns divides a rare word's column by a tiny standard deviation,
    # which lets the catalogue's own words decide (unseen templates suffer).
    standardise_words: bool = True
    # Headlines are the genuine lines most like furniture (short, title case, no full stop, at the
    # top) and about 4% of the genuine lines. As a class of their own they get this share of the
    # total weight (furniture keeps half, the other genuine lines the rest), so the fit has to keep
    # them apart from furniture, and the threshold must keep them too. None: plain genuine lines.
    headline_share: float | None = None
    # Share of the training texts that get no furniture inserted (see labelled_lines).
    clean_share: float = 0.0
    # Batches of texts in the datasets' order (one topic or story after another, as articles of one story
    # reach an ingest together), not shuffled one by one: wire copy repeats whole story sentences across
    # a batch, and the batch-repetition feature must not learn that only furniture repeats.
    story_batches: bool = False
    min_threshold: float = 0.9  # never below: the hashed word features make training lines look easier than new ones


# The packaged model's recipe. Words left 0/1 with headlines as their own class, clean texts and
# story batches removed more unseen furniture but cost a heading and an event grouping in the tests,
# so it is not adopted (benchmarks/results/robustness.md, "Round 11"; benchmarks/boilerplate_headlines.py).
RECIPE = Recipe()


def _fit(rows: list[tuple[list[float], int, str]], kept_target: float, recipe: Recipe = RECIPE) -> LineModel:
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    x = np.array([r[0] for r in rows], dtype=float)
    label = np.array([r[1] for r in rows])
    y = (label == FURNITURE).astype(int)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    if not recipe.standardise_words:
        words = len(FEATURES) - _BUCKETS
        mean[words:], scale[words:] = 0.0, 1.0
    # Furniture and genuine lines weigh the same in total (sklearn's "balanced"); headlines take
    # their share out of the genuine half.
    weight = np.where(y == 1, 0.5 / max(1, y.sum()), 0.5 / max(1, (y == 0).sum()))
    if recipe.headline_share is not None:
        head = label == HEADLINE
        other = label == GENUINE
        weight[head] = recipe.headline_share / max(1, head.sum())
        weight[other] = (0.5 - recipe.headline_share) / max(1, other.sum())
    weight *= len(y)
    clf = LogisticRegression(C=recipe.c, max_iter=3000)
    clf.fit((x - mean) / scale, y, sample_weight=weight)
    model = LineModel(FEATURES, tuple(mean.tolist()), tuple(scale.tolist()), tuple(clf.coef_[0].tolist()),
                      float(clf.intercept_[0]), 0.5, {})
    # The threshold keeps ``kept_target`` of the training texts' own lines (and, with the headline
    # class, of their headlines): losing a story line costs more than leaving a share bar in.
    cuts = [recipe.min_threshold]
    for keep in ([GENUINE, HEADLINE], [HEADLINE]) if recipe.headline_share is not None else ([GENUINE, HEADLINE],):
        scores = sorted(model.probability(r[0]) for r in rows if r[1] in keep)
        if scores:
            cuts.append(scores[min(len(scores) - 1, int(kept_target * len(scores)))])
    return LineModel(model.features, model.mean, model.scale, model.weights, model.bias, max(cuts), {})


def _measure(model: LineModel, rows: list[tuple[list[float], int, str]]) -> dict[str, Any]:
    pos = [r for r in rows if r[1] == FURNITURE]
    neg = [r for r in rows if r[1] != FURNITURE]
    # As the cleaner decides: its patterns first, then the classifier.
    removed = sum(bool(find_boilerplate(r[2])) or model.probability(r[0]) >= model.threshold for r in pos)
    kept = sum(model.probability(r[0]) < model.threshold for r in neg)
    out = {"boilerplate_lines": len(pos), "genuine_lines": len(neg),
           "removed": round(removed / max(1, len(pos)), 4), "genuine_kept": round(kept / max(1, len(neg)), 4)}
    headlines = [r for r in rows if r[1] == HEADLINE]
    if headlines:
        out["headlines"] = len(headlines)
        out["headlines_kept"] = round(sum(model.probability(r[0]) < model.threshold for r in headlines)
                                      / len(headlines), 4)
    return out


def training_order(texts: list, seed: int, recipe: Recipe | None = None) -> list:
    """The training texts in the order :func:`labelled_lines` batches them (see ``Recipe.story_batches``)."""
    recipe = recipe or RECIPE
    rng = random.Random(seed)
    if not recipe.story_batches:
        out = list(texts)
        rng.shuffle(out)
        return out
    blocks = [list(texts[i:i + BATCH]) for i in range(0, len(texts), BATCH)]
    rng.shuffle(blocks)
    for block in blocks:
        rng.shuffle(block)
    return [t for block in blocks for t in block]


def train_line_model(data_dir: str | Path, out: str | Path, *, seed: int = 7, kept_target: float = 0.998,
                     polnear_limit: int = 300, say: Callable[[str], None] = print) -> dict[str, Any]:
    """Fit the classifier on the training parts, measure it on the held-out parts, write it to ``out``."""
    data_dir = Path(data_dir)
    train_texts: list[tuple[str, str | None]] = []
    for part in TRAIN_PARTS:
        train_texts += _texts(data_dir, part, polnear_limit if part.startswith("polnear") else None)
    train_texts = training_order(train_texts, seed)
    say(f"training texts: {len(train_texts)}")
    rows = list(labelled_lines(train_texts, seed, clean_share=RECIPE.clean_share))
    model = _fit(rows, kept_target)
    report: dict[str, Any] = {"train": _measure(model, rows), "heldout": {}}
    for k, part in enumerate(HELDOUT_PARTS):
        texts = _texts(data_dir, part)
        report["heldout"][part] = _measure(model, list(labelled_lines(texts, 10_000 + seed + k)))
        say(f"held out {part}: {report['heldout'][part]}")
    # Unseen templates: train on three quarters of the catalogue, score the last quarter.
    seen = [e for i, e in enumerate(CATALOGUE) if i % 4 != 3]
    unseen = [e for i, e in enumerate(CATALOGUE) if i % 4 == 3]
    partial = _fit(list(labelled_lines(train_texts, seed, seen, RECIPE.clean_share)), kept_target)
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
