"""Training of the speaker ranker (``storyline train speakers``) on the Gender Gap Tracker sample.

Each article is parsed as enrichment parses it (:func:`storyline.stages.english_docs`), the
rules find its quotes (:func:`storyline.enrich.quotes.rule_attributions`), each speech quote
that matches a gold quote (GGT's rule: the shared characters exceed 0.3 of the gold quote)
gets its candidates (:func:`storyline.enrich.speaker_ranker.article_candidates`), and a
candidate is a positive when it names the gold speaker (``speaker_correct``: same surname as
GGT's canonical reference, or a shared content word for organisations and groups). A
logistic regression (scikit-learn, L2) scores candidates; its regularisation is chosen by
grouped cross-validation over the training articles (accuracy of the best-scoring
candidate per quote). ``benchmarks/eval_quotes.py ggt --folds 5`` calls
:func:`fit_speaker_model` once per fold on the other folds' articles only.

The gold matching helpers here are the ones the evaluation uses, so training and scoring
agree on what a right speaker is.
"""

from __future__ import annotations

import collections
import json
import random
import re
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .speaker_ranker import SpeakerCandidate, SpeakerModel, article_candidates

COMMAND = "storyline train speakers --out storyline/enrich/models/speakers-v1.json"
C_GRID = (0.1, 0.3, 1.0, 3.0)
MATCH = 0.3  # GGT's overlap rule: shared characters over the gold quote's length
_TOKEN = re.compile(r"\w+")
_STOP = {"the", "a", "an", "of", "for", "and", "at", "in", "to", "s", "its", "his", "her", "their"}

# ----------------------------------------------------------------------------- GGT gold


def tokens(s: str) -> collections.Counter[str]:
    return collections.Counter(t.lower() for t in _TOKEN.findall(s))


def _strip_accents(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def surname(name: str) -> str:
    words = [w for w in re.findall(r"[\w'-]+", _strip_accents(name).replace("’", "'").lower())]
    words = [re.sub(r"'s$", "", w) for w in words if w not in ("jr", "sr", "ii", "iii")]
    return words[-1] if words else ""


def speaker_correct(pred: str | None, reference: str, surface: str, people: list[str]) -> bool:
    """GGT speaker match: same surname as a person reference; for organisations and groups,
    a shared content word with the reference or the annotated surface speaker."""
    if not pred:
        return False
    if reference in people or not reference:
        return bool(reference) and surname(pred) == surname(reference)
    pred_words = set(tokens(_strip_accents(pred))) - _STOP
    gold_words = (set(tokens(_strip_accents(reference))) | set(tokens(_strip_accents(surface)))) - _STOP
    return bool(pred_words & gold_words)


def locate(text: str, quote: str, index: str) -> tuple[int, int] | None:
    """The occurrence of ``quote`` in ``text`` nearest to the annotated start, or None."""
    quote = quote.strip()
    if not quote:
        return None
    m = re.match(r"\((\d+),", index or "")
    hint = int(m[1]) if m else 0
    best, pos = None, text.find(quote)
    while pos >= 0:
        if best is None or abs(pos - hint) < abs(best - hint):
            best = pos
        pos = text.find(quote, pos + 1)
    return None if best is None else (best, best + len(quote))


def match_score(
    located: tuple[int, int] | None,
    gold: collections.Counter[str],
    start: int,
    end: int,
    pred_tokens: collections.Counter[str],
    reverse: bool = False,
) -> float:
    """Shared part over the gold quote (or over the prediction when ``reverse``); by
    characters when the gold string was found in the text, else by word tokens."""
    if located is not None:
        shared = max(0, min(located[1], end) - max(located[0], start))
        return shared / max(1, (end - start) if reverse else (located[1] - located[0]))
    shared = sum((gold & pred_tokens).values())
    return shared / max(1, sum((pred_tokens if reverse else gold).values()))


def match_gold(
    text: str, quotations: list[dict[str, Any]], preds: Sequence[Any]
) -> list[tuple[dict[str, Any], int | None]]:
    """Each gold quotation with the index of the prediction it matched (None: missed);
    one-to-one, greedy in gold order, as ``benchmarks/eval_quotes.py`` scores."""
    ptoks = [tokens(text[p.start : p.end]) for p in preds]
    remaining = list(range(len(preds)))
    out: list[tuple[dict[str, Any], int | None]] = []
    for q in quotations:
        gold = tokens(q["quote"])
        if not gold:
            continue
        located = locate(text, q["quote"], q.get("quote_index", ""))
        best, best_score = None, MATCH
        for k in remaining:
            score = match_score(located, gold, preds[k].start, preds[k].end, ptoks[k])
            if score > best_score:
                best, best_score = k, score
        if best is not None:
            remaining.remove(best)
        out.append((q, best))
    return out


# ----------------------------------------------------------------------------- examples


@dataclass
class QuoteExample:
    """One matched speech quote: its candidates, which of them are right, the rules' pick."""

    article: int
    candidates: list[SpeakerCandidate]
    labels: list[int]


def ggt_examples(rows: list[dict[str, Any]], article_ids: Sequence[int] | None = None) -> list[QuoteExample]:
    """Ranker examples of GGT articles (``rows`` as ``storyline.robustness.load_ggt`` reads them)."""
    from storyline.stages import english_docs

    from .quotes import rule_attributions

    ids = list(range(len(rows))) if article_ids is None else list(article_ids)
    texts = [rows[i]["articleBodyText"] for i in ids]
    out: list[QuoteExample] = []
    for i, text, doc in zip(ids, texts, english_docs(texts), strict=True):
        ctx, found = rule_attributions(text, "en", doc)
        speech = [k for k, a in enumerate(found) if a.kind != "attributed"]
        cands = article_candidates(ctx, doc, found)
        row = rows[i]
        for q, k in match_gold(text, row["quotations"], [found[j] for j in speech]):
            if k is None or not cands[speech[k]]:
                continue
            cs = cands[speech[k]]
            labels = [int(speaker_correct(text[c.start : c.end], q.get("reference") or "", q.get("speaker") or "",
                                          row["people"])) for c in cs]  # fmt: skip
            out.append(QuoteExample(i, cs, labels))
    return out


# ----------------------------------------------------------------------------- fitting


def _fit(examples: list[QuoteExample], c_reg: float, seed: int) -> SpeakerModel:
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    # a quote none of whose candidates is right teaches nothing about ranking
    useful = [e for e in examples if any(e.labels)]
    feats = [c.features for e in useful for c in e.candidates]
    labels = [y for e in useful for y in e.labels]
    vec = DictVectorizer()
    x = vec.fit_transform(feats)
    x.indices, x.indptr = x.indices.astype("int32"), x.indptr.astype("int32")  # liblinear wants 32-bit
    clf = LogisticRegression(C=c_reg, solver="liblinear", random_state=seed).fit(x, labels)
    names = vec.get_feature_names_out()
    weights = {str(n): round(float(w), 4) for n, w in zip(names, clf.coef_[0], strict=True) if abs(w) >= 1e-4}
    weights["bias"] = round(weights.get("bias", 0.0) + float(clf.intercept_[0]), 4)
    return SpeakerModel(weights, {})


def ranked_accuracy(model: SpeakerModel, examples: list[QuoteExample]) -> float:
    """Share of quotes whose best-scoring candidate is right (quotes with no right candidate count as wrong)."""
    right = sum(e.labels[max(range(len(e.candidates)), key=lambda j: model.score(e.candidates[j].features))]
                for e in examples)  # fmt: skip
    return right / max(1, len(examples))


def fit_speaker_model(
    examples: list[QuoteExample], *, seed: int = 13, folds: int = 4, say: Callable[[str], None] | None = None
) -> tuple[SpeakerModel, dict[str, Any]]:
    """The ranker fitted on ``examples``, C chosen by grouped ``folds``-fold CV over their articles."""
    articles = sorted({e.article for e in examples})
    random.Random(seed).shuffle(articles)
    fold_of = {a: i % folds for i, a in enumerate(articles)}
    grid: dict[float, float] = {}
    for c_reg in C_GRID:
        right = 0.0
        for f in range(folds):
            train = [e for e in examples if fold_of[e.article] != f]
            test = [e for e in examples if fold_of[e.article] == f]
            right += ranked_accuracy(_fit(train, c_reg, seed), test) * len(test)
        grid[c_reg] = right / max(1, len(examples))
    best = max(C_GRID, key=lambda c: (grid[c], -c))
    model = _fit(examples, best, seed)
    measured = {"C": best, "cv_accuracy": round(grid[best], 4), "grid": {str(c): round(v, 4) for c, v in grid.items()},
                "quotes": len(examples), "articles": len(articles)}  # fmt: skip
    if say:
        say(
            f"C={best}: cross-validated ranking accuracy {100 * grid[best]:.1f} over {len(examples)} matched quotes"
        )
    return SpeakerModel(model.weights, {"measured": measured}), measured


def train_speaker_model(
    data_dir: str | Path, out: str | Path, *, seed: int = 13, say: Callable[[str], None] = print
) -> dict[str, Any]:
    """Fit the ranker on every GGT article and write it to ``out``."""
    from storyline.robustness import load_ggt

    t0 = time.perf_counter()
    rows = load_ggt(Path(data_dir) / "ggt-quotes" / "articles.jsonl")
    examples = ggt_examples(rows)
    say(f"{len(rows)} GGT articles, {len(examples)} matched speech quotes with candidates "
        f"({time.perf_counter() - t0:.0f}s)")  # fmt: skip
    model, measured = fit_speaker_model(examples, seed=seed, say=say)
    meta = {"command": COMMAND, "seed": seed, "train": "ggt-quotes (all 66 articles)", "measured": measured}
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    data = SpeakerModel(model.weights, meta).to_json()
    Path(out).write_text(json.dumps(data, indent=0, sort_keys=True) + "\n", "utf-8")
    say(f"wrote {out}: {len(model.weights)} weights ({time.perf_counter() - t0:.0f}s)")
    return measured
