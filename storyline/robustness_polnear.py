"""PolNeAR dev attributions in the corruption harness: content F1 clean vs corrupted.

The GGT rows of :mod:`storyline.robustness` measure quotes on one small set; PolNeAR dev (84
articles, brat) adds attributions of every kind (speech, stances, beliefs). Both runs go
through :func:`storyline.robustness.run_store` (ingest + pipeline, temporary store): the clean
one gets id, text and language, the corrupted one id and the text corrupted by
:func:`storyline.corrupt.corrupt_text` (PolNeAR names no people, so no respelling).

Content is matched on word tokens, not offsets, so both runs are scored alike: a predicted quote
matches a gold Content span when it holds at least half of the span's tokens (one-to-one,
greedy, as ``benchmarks/eval_quotes.py polnear`` matches half of the characters). The figure is
therefore close to, not equal to, that benchmark's content F1.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .corrupt import corrupt_text
from .enrich.train_attribution import polnear_articles
from .enrich.train_speakers import tokens
from .settings import Settings

__all__ = ["content_f1", "evaluate_polnear"]

MIN_COVERAGE = 0.5  # share of a gold Content span's tokens a prediction must hold


def content_f1(gold: list[list[Counter[str]]], predicted: list[list[Counter[str]]]) -> float:
    """Content F1 over articles: ``gold[i]`` and ``predicted[i]`` are the token bags of article i."""
    tp = fp = fn = 0
    for golds, preds in zip(gold, predicted, strict=True):
        remaining = list(range(len(preds)))
        for g in golds:
            total = sum(g.values())
            best, best_cov = None, MIN_COVERAGE
            for k in remaining:
                cov = sum((g & preds[k]).values()) / max(1, total)
                if cov >= best_cov:
                    best, best_cov = k, cov
            if best is None:
                fn += 1
            else:
                remaining.remove(best)
                tp += 1
        fp += len(remaining)
    p, r = tp / max(1, tp + fp), tp / max(1, tp + fn)
    return 2 * p * r / max(1e-9, p + r)


def evaluate_polnear(data_dir: str | Path, settings: Settings, *, seed: int, kinds: Iterable[str],
                     limit: int | None = None, workdir: str | Path | None = None) -> list[Any]:
    """The ``quotes (PolNeAR dev)`` content F1 row, clean vs corrupted."""
    from .robustness import StageScore, run_store

    articles = polnear_articles(Path(data_dir) / "polnear" / "dev", limit)
    rng = random.Random(seed)
    clean = [{"id": name, "text": text, "language": "en"} for name, text, _gold in articles]
    corrupted = [{"id": name, "text": corrupt_text(text, rng, kinds).text} for name, text, _gold in articles]
    plain = settings.replace(cluster=False, reports=False)
    gold = [[tokens(text[g["Content"][1][0]:g["Content"][1][1]]) for g in golds] for _n, text, golds in articles]
    scores = []
    for records in (clean, corrupted):
        stored = run_store(records, plain, workdir)
        scores.append(content_f1(gold, [[tokens(q.text) for q in stored[name].quotes] if name in stored else []
                                        for name, _t, _g in articles]))
    return [StageScore("quotes (PolNeAR dev)", "content F1", scores[0], scores[1], sum(map(len, gold)))]
