"""A learned boilerplate line classifier: is this line page furniture or story text?

The cleaner's patterns (:mod:`storyline.clean.boilerplate`) catch the furniture they
name; everything else a web copy carries (tag lines without a colon, "See all ...",
share bars, photo credits, comment forms) is judged here by a logistic regression over
general line features: length, case pattern, punctuation, link-like tokens, function
words, page words, position, isolation, and how many texts of the batch hold the same
line. No feature names a particular line.

The model is a small JSON file (``models/boilerplate-lines-v1.json``): feature names, the
standardisation, the weights, the decision threshold, and the command and data that
trained it (``storyline train boilerplate``, see :mod:`storyline.clean.train_lines`).
Inference needs no scikit-learn: a dot product and a sigmoid.
"""

from __future__ import annotations

import functools
import json
import math
import re
import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["FEATURES", "LineModel", "line_features", "line_key", "load_line_model", "score_lines"]

MODEL_PATH = Path(__file__).parent / "models" / "boilerplate-lines-v1.json"
# Longer lines are story text; they are never scored (the patterns use the same bound).
MAX_LINE = 220

_WORD = re.compile(r"[^\W\d_][^\W_]*(?:['’][^\W\d_]+)?")
# Function words of the languages storyline meets: story sentences are full of them,
# tag lines, share bars and credits have almost none.
_FUNCTION = frozenset(
    "the a an of to in and or is was were are be been has have had that this for on with as by at from it its he "
    "she they we you i his her their our not but will would said says who which after before about over than "
    "el la los las de del y en que un una por con para es se al lo "
    "il di e che le per un una con non è sono nel della "
    "de het een van en in is op dat die niet met voor zijn "
    "и в на не что с по к из за от о это как он она они был была".split()
)
# Words of the page around a story (navigation, sharing, comments, credits).
_PAGE = frozenset(
    "share tweet email print comment comments reply subscribe newsletter sign login log cookies cookie policy "
    "tags tags: topics keywords related more read see view all follow click photo image images photograph "
    "getty copyright advertisement sponsored published updated posted facebook twitter linkedin whatsapp "
    "pinterest pin instagram youtube copy link loading menu home next previous skip content popular trending "
    "inbox unlimited access privacy terms".split()
)
_DIGIT = re.compile(r"\d")
_PUNCT = re.compile(r"[^\w\s]|_")
_KEYED = 160
_LINK = re.compile(r"https?:|www\.|\.(?:com|org|net|ru|uk|ca)\b|@\w|#\w")
_SEPARATOR = re.compile(r"[|•·›»/]|^\W")
_SENTENCE_END = re.compile(r"[.!?…][\"'”»’)]*$|[\"”»]$")

FEATURES = (
    "log_chars", "log_words", "ends_sentence", "ends_colon", "first_upper", "first_lower", "title_ratio",
    "function_ratio", "page_ratio", "digit_ratio", "punct_ratio", "separator", "link_like", "comma",
    "quote_mark", "short", "first_lines", "last_lines", "isolated", "prev_open", "next_open", "in_short_run", "repeated_in_text",
    "batch_repeats",
) + tuple(f"word_{i}" for i in range(1024))
# Words of the line, hashed into 1024 buckets (lower case, stable across runs): the model learns
# which words furniture is made of from the data, next to the hand-made page-word list.
_BUCKETS = 1024


def line_key(line: str) -> str:
    """A line's identity across texts: spaces collapsed, lower case, digits as 0."""
    return re.sub(r"\d", "0", " ".join(line.split()).lower())


def line_features(lines: Sequence[str], i: int, batch_repeats: int = 0) -> list[float]:
    """Features of ``lines[i]`` in its text (``lines``: the text split at line breaks).

    ``batch_repeats``: how many *other* texts of the batch hold the same line."""
    return _TextContext(lines).features(i, batch_repeats)


class _TextContext:
    """What every line's features need from the whole text, computed once per text."""

    def __init__(self, lines: Sequence[str]):
        self.lines = lines
        self.content = [j for j, line in enumerate(lines) if _has_letter(line)]
        self.rank = {j: r for r, j in enumerate(self.content)}
        # repetition is furniture evidence for short lines only; longer ones are not keyed (cheaper)
        self.keys = Counter(line_key(line) for line in lines if line.strip() and len(line) <= _KEYED)

    def features(self, i: int, batch_repeats: int = 0) -> list[float]:
        dense, words = self.dense(i, batch_repeats)
        return dense + _hashed(words)

    def dense(self, i: int, batch_repeats: int = 0) -> tuple[list[float], list[str]]:
        """The hand-made features of line ``i`` and its words (for the hashed word features)."""
        lines = self.lines
        s = lines[i].strip()
        words = _WORD.findall(s)
        n = max(1, len(words))
        rank = self.rank.get(i, 0)
        prev_line = lines[i - 1] if i > 0 else ""
        next_line = lines[i + 1] if i + 1 < len(lines) else ""
        r = rank - 1
        prev_content = lines[self.content[r]].strip() if i in self.rank and r >= 0 else ""
        next_content = lines[self.content[rank + 1]].strip() if i in self.rank and rank + 1 < len(self.content) else ""
        return [
            math.log1p(len(s)),
            math.log1p(len(words)),
            float(bool(_SENTENCE_END.search(s))),
            float(s.endswith(":")),
            float(s[:1].isupper()),
            float(s[:1].islower()),
            sum(1 for w in words if w[0].isupper()) / n,
            sum(1 for w in words if w.lower() in _FUNCTION) / n,
            sum(1 for w in words if w.lower() in _PAGE) / n,
            len(_DIGIT.findall(s)) / max(1, len(s)),
            len(_PUNCT.findall(s)) / max(1, len(s)),
            float(bool(_SEPARATOR.search(s))),
            float(bool(_LINK.search(s))),
            float("," in s),
            float(any(c in s for c in "\"“”«»„")),
            float(len(words) <= 3),
            float(rank < 2),
            float(rank >= len(self.content) - 3),
            float(not _has_letter(prev_line) and not _has_letter(next_line)),
            float(bool(prev_content) and not _SENTENCE_END.search(prev_content) and not prev_content.endswith(":")),
            # a line that runs on into the next one, as wrapped story text does
            float(not _SENTENCE_END.search(s) and i + 1 < len(lines) and _has_letter(lines[i + 1])
                  and len(s) >= 40),
            # a list (cities, nominees) is a run of short lines of the story
            float(bool(prev_content) and bool(next_content) and len(prev_content.split()) <= 4
                  and len(next_content.split()) <= 4),
            float(len(s) <= _KEYED and self.keys[line_key(s)] > 1),
            math.log1p(batch_repeats),
        ], words


def _buckets(words: Sequence[str]) -> set[int]:
    return {zlib.crc32(w.lower().encode()) % _BUCKETS for w in words}


def _hashed(words: Sequence[str]) -> list[float]:
    out = [0.0] * _BUCKETS
    for b in _buckets(words):
        out[b] = 1.0
    return out


def _has_letter(line: str) -> bool:
    return any(c.isalpha() for c in line)


@dataclass(frozen=True)
class LineModel:
    """A fitted logistic regression over :data:`FEATURES` (standardised)."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float
    meta: dict[str, Any]

    def probability(self, x: Sequence[float]) -> float:
        """P(furniture) of a full feature vector (as :func:`line_features` gives)."""
        dense = len(self.features) - _BUCKETS
        return self.probability_of(list(x[:dense]), {i for i in range(_BUCKETS) if x[dense + i]})

    def probability_of(self, dense: Sequence[float], buckets: set[int]) -> float:
        """P(furniture) from the hand-made features and the set of word buckets present: the hashed
        features are mostly zero, so their share of the sum at zero is a constant and only the
        buckets present add to it."""
        n, offset, scaled = self._sparse
        z = offset + sum(a * v for a, v in zip(scaled[:n], dense, strict=True))
        z += sum(scaled[n + b] for b in buckets)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    @functools.cached_property
    def _sparse(self) -> tuple[int, float, tuple[float, ...]]:
        """(number of hand-made features, the constant part of the sum, the weights over the scales):
        w·(x - m)/s = Σ (w/s)·x - Σ (w/s)·m."""
        scaled = tuple(w / s for w, s in zip(self.weights, self.scale, strict=True))
        return (len(self.features) - _BUCKETS, self.bias - sum(a * m for a, m in zip(scaled, self.mean, strict=True)),
                scaled)

    def to_json(self) -> dict[str, Any]:
        return {"name": "boilerplate-lines", "version": 1, "features": list(self.features), "mean": list(self.mean),
                "scale": list(self.scale), "weights": list(self.weights), "bias": self.bias,
                "threshold": self.threshold, **self.meta}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LineModel:
        if tuple(data["features"]) != FEATURES:
            raise ValueError(f"boilerplate line model features {data['features']} differ from this storyline's "
                             f"{list(FEATURES)}; retrain it with `storyline train boilerplate`")
        meta = {k: v for k, v in data.items()
                if k not in ("name", "version", "features", "mean", "scale", "weights", "bias", "threshold")}
        return cls(tuple(data["features"]), tuple(data["mean"]), tuple(data["scale"]), tuple(data["weights"]),
                   float(data["bias"]), float(data["threshold"]), meta)


@functools.lru_cache(maxsize=4)
def load_line_model(path: str | None = None) -> LineModel | None:
    """The packaged model (or the one at ``path``); None when no model file exists."""
    file = Path(path) if path else MODEL_PATH
    if not file.exists():
        return None
    return LineModel.from_json(json.loads(file.read_text("utf-8")))


def score_lines(text: str, batch_repeats: Callable[[str], int] | None = None, model: LineModel | None = None
                ) -> list[tuple[int, int, float]]:
    """``(start, end, probability)`` for every short line with a letter in it.

    ``batch_repeats(key)`` gives how many texts of the batch hold the line with that
    ``line_key`` (this text included)."""
    model = model or load_line_model()
    if model is None:
        return []
    lines = text.split("\n")
    context = _TextContext(lines)
    out = []
    pos = 0
    for i, line in enumerate(lines):
        end = pos + len(line)
        # A long line that ends a sentence is story text: no catalogue line is half as long, and
        # skipping it halves the cost on paragraph-per-line copy.
        if len(line) <= MAX_LINE and _has_letter(line) and not (len(line) >= 150 and _SENTENCE_END.search(line)):
            repeats = max(0, batch_repeats(line_key(line)) - 1) if batch_repeats and len(line) <= _KEYED else 0
            dense, words = context.dense(i, repeats)
            out.append((pos, end, model.probability_of(dense, _buckets(words))))
        pos = end + 1
    return out
