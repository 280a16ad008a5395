"""Training of the attribution tagger (``storyline train attribution``) on PolNeAR train.

Every article of ``polnear/train`` is parsed with the enrichment parser, its candidate
frames (:func:`storyline.enrich.attribution_model.candidates`) get features, and a
candidate is a positive when it covers at least half of a gold Content span whose Cue
span holds the candidate's cue word (the same coverage rule the PolNeAR evaluation uses).
A logistic regression (scikit-learn, L2) is fitted; its regularisation and the decision
threshold are chosen by grouped cross-validation over train articles, maximising content
F1 of the kept candidates (one-to-one, as in ``benchmarks/eval_quotes.py``). The dev split
and GGT are never read here.
"""

from __future__ import annotations

import bisect
import collections
import json
import pickle
import random
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .attribution_model import AttributionModel, Candidate, candidate_features, candidates

COMMAND = "storyline train attribution --out storyline/enrich/models/attribution-v1.json"
MIN_CUE_COUNT = 3  # a cue word seen fewer times in train is not worth parsing a sentence for
_STOP_CUES = frozenset({"the", "a", "an", "to", "of", "that", "by", "in", "on", "for", "is", "was", "be", "it",
                        "not", "and", "his", "her", "their", "has", "have", "had", "as", "with", "at", "’s",
                        "'s", ":", ",", "would", "will", "been", "are", "were", "do", "did", "does", "up"})  # fmt: skip


def read_brat(path: Path) -> list[dict[str, Any]]:
    """Attributions of one brat file: role -> (set of characters, (start, end))."""
    spans: dict[str, tuple[set[int], tuple[int, int]]] = {}
    relations = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("T") and line.count("\t") >= 2:  # a few train files hold broken lines
            tid, info, _txt = line.split("\t", 2)
            _label, ranges = info.split(" ", 1)
            chars: set[int] = set()
            lo, hi = 10**9, 0
            for piece in ranges.split(";"):
                a, b = map(int, piece.split())
                chars.update(range(a, b))
                lo, hi = min(lo, a), max(hi, b)
            spans[tid] = (chars, (lo, hi))
        elif line.startswith("E"):
            roles = {}
            for part in line.split("\t")[1].split():
                role, tid = part.split(":")
                if tid in spans:
                    roles[role] = spans[tid]
            if "Content" in roles:
                relations.append(roles)
    return relations


def polnear_articles(folder: Path, limit: int | None = None) -> list[tuple[str, str, list[dict[str, Any]]]]:
    """(name, text, gold attributions) of a PolNeAR split; texts annotated twice use the first file."""
    out = []
    for f in sorted((folder / "text").iterdir())[:limit]:
        anns = sorted((folder / "attributions").glob(f.stem + "_*.ann"))
        if anns:
            out.append((f.stem, f.read_text(encoding="utf-8"), read_brat(anns[0])))
    return out


def _label(c: Candidate, doc: Any, gold: list[dict[str, Any]]) -> int:
    cue = doc[c.cue]
    cue_chars = range(cue.idx, cue.idx + len(cue))
    for g in gold:
        gchars = g["Content"][0]
        cov = len(gchars.intersection(range(c.content_start, c.content_end))) / max(1, len(gchars))
        if cov >= 0.5 and ("Cue" not in g or g["Cue"][0].intersection(cue_chars)):
            return 1
    return 0


def _covered(chars: list[int], start: int, end: int) -> int:
    """How many of the sorted character positions ``chars`` fall in [start, end)."""
    return bisect.bisect_left(chars, end) - bisect.bisect_left(chars, start)


def _content_f1(kept: list[list[Candidate]], gold: list[list[dict[str, Any]]]) -> tuple[float, float, float]:
    tp = fp = fn = 0
    for cands, golds in zip(kept, gold, strict=True):
        remaining = list(range(len(cands)))
        for g in golds:
            gchars = sorted(g["Content"][0])
            hit = next((k for k in remaining if _covered(gchars, cands[k].content_start, cands[k].content_end)
                        >= 0.5 * len(gchars)), None)  # fmt: skip
            if hit is None:
                fn += 1
            else:
                remaining.remove(hit)
                tp += 1
        fp += len(remaining)
    p, r = tp / max(1, tp + fp), tp / max(1, tp + fn)
    return p, r, 2 * p * r / max(1e-9, p + r)


def cue_words(articles: list[tuple[str, str, list[dict[str, Any]]]]) -> frozenset[str]:
    counts: collections.Counter[str] = collections.Counter()
    for _name, text, gold in articles:
        for g in gold:
            if "Cue" in g:
                a, b = g["Cue"][1]
                for w in re.findall(r"[a-z’']+", text[a:b].lower()):
                    if w not in _STOP_CUES and len(w) > 2:
                        counts[w] += 1
    return frozenset(w for w, n in counts.items() if n >= MIN_CUE_COUNT)


def train_attribution_model(data_dir: str | Path, out: str | Path, *, seed: int = 11, folds: int = 4,
                            limit: int | None = None, cache: str | Path | None = None,
                            say: Callable[[str], None] = print) -> dict[str, Any]:
    """Fit the tagger on PolNeAR train and write it to ``out``; returns the cross-validated figures."""
    import numpy as np
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    t0 = time.perf_counter()
    articles = polnear_articles(Path(data_dir) / "polnear" / "train", limit)
    cues = cue_words(articles)
    say(f"{len(articles)} train articles, {len(cues)} words in gold cues (the training parse's trigger)")
    if cache and Path(cache).exists():  # the parse is most of the time: reuse it while tuning features
        rows, cands = pickle.loads(Path(cache).read_bytes())
    else:
        rows, cands = _rows(articles, cues)
        if cache:
            Path(cache).write_bytes(pickle.dumps((rows, cands)))
    say(f"{len(rows)} candidates, {sum(r[2] for r in rows)} positive ({time.perf_counter() - t0:.0f}s)")
    # What enrichment parses for: words that headed a positive frame at least MIN_CUE_COUNT times.
    # The wider list of every word in a gold Cue span (used for the training parse above) made
    # enrichment parse sentences for words like "off" and "over": 0.72x the speed without the tagger.
    heads: collections.Counter[str] = collections.Counter(
        next(k[2:] for k in r[1] if k.startswith("w=")) for r in rows if r[2]
    )
    cues = frozenset(w for w, n in heads.items() if n >= MIN_CUE_COUNT and w not in _STOP_CUES)
    say(f"{len(cues)} cue words make enrichment parse a sentence")
    vec = DictVectorizer()
    x = vec.fit_transform([r[1] for r in rows])
    x.indices, x.indptr = x.indices.astype(np.int32), x.indptr.astype(np.int32)  # liblinear wants 32-bit
    y = np.array([r[2] for r in rows])
    art = np.array([r[0] for r in rows])
    order = list(range(len(articles)))
    random.Random(seed).shuffle(order)
    fold_of = {a: i % folds for i, a in enumerate(order)}
    fold = np.array([fold_of[a] for a in art])
    grid_c = (0.1, 0.3)  # of 0.3, 1 and 3, the first full run picked 0.3
    grid_t = [round(0.1 + 0.05 * i, 2) for i in range(13)]
    scores: dict[tuple[float, float], list[float]] = collections.defaultdict(list)
    probs_by_c = {}
    for c_reg in grid_c:
        probs = np.zeros(len(rows))
        for f in range(folds):
            clf = LogisticRegression(C=c_reg, solver="liblinear", random_state=seed)
            clf.fit(x[fold != f], y[fold != f])
            probs[fold == f] = clf.predict_proba(x[fold == f])[:, 1]
        probs_by_c[c_reg] = probs
        for t in grid_t:
            kept, golds = _kept(articles, cands, probs, t)
            scores[(c_reg, t)] = list(_content_f1(kept, golds))
    best = max(scores, key=lambda k: scores[k][2])
    p, r, f1 = scores[best]
    say(f"cross-validated on train (C={best[0]}, threshold {best[1]}): content P/R/F1 "
        f"{100 * p:.1f}/{100 * r:.1f}/{100 * f1:.1f} (candidates alone, without the rules)")
    clf = LogisticRegression(C=best[0], solver="liblinear", random_state=seed).fit(x, y)
    names = vec.get_feature_names_out()
    weights = {str(n): round(float(w), 4) for n, w in zip(names, clf.coef_[0], strict=True) if abs(w) >= 1e-3}
    weights["bias"] = round(weights.get("bias", 0.0) + float(clf.intercept_[0]), 4)
    measured = {"cv_content_precision": round(p, 4), "cv_content_recall": round(r, 4), "cv_content_f1": round(f1, 4),
                "C": best[0], "threshold": best[1], "articles": len(articles), "candidates": len(rows),
                "grid": {f"{k[0]}@{k[1]}": round(v[2], 4) for k, v in scores.items()}}  # fmt: skip
    model = AttributionModel(weights, best[1], cues, {"command": COMMAND, "seed": seed, "folds": folds,
                                                      "train": "polnear/train", "measured": measured})  # fmt: skip
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(json.dumps(model.to_json(), indent=0, sort_keys=True) + "\n", "utf-8")
    say(f"wrote {out}: {len(weights)} weights ({time.perf_counter() - t0:.0f}s)")
    return measured


def _rows(articles: list[Any], cues: frozenset[str]) -> tuple[list[Any], list[list[Candidate]]]:
    """(article index, features, label) of every candidate, and the candidates per article."""
    from storyline.stages import english_docs

    rows: list[tuple[int, dict[str, float], int]] = []
    cands: list[list[Candidate]] = []
    docs = english_docs([a[1] for a in articles], extra_cues=cues)
    for k, ((_name, _text, gold), doc) in enumerate(zip(articles, docs, strict=True)):
        cs = candidates(doc)
        cands.append(cs)
        rows += [(k, candidate_features(doc, c), _label(c, doc, gold)) for c in cs]
    return rows, cands


def _kept(articles: list[Any], cands: list[list[Candidate]], probs: Any, t: float) -> tuple[list[Any], list[Any]]:
    """Per article, the candidates the model would keep at threshold ``t`` (same overlap rule as predict)."""
    from .attribution_model import select

    kept, golds, i = [], [], 0
    for (_n, _t, gold), cs in zip(articles, cands, strict=True):
        scored = [(c, float(probs[i + j])) for j, c in enumerate(cs)]
        i += len(cs)
        kept.append([c for c, _p in select(scored, t)])
        golds.append(gold)
    return kept, golds
