"""Score storyline's quote extraction on two gold sets (evaluation only; no text is stored).

    python benchmarks/eval_quotes.py ggt      [--subset tune|heldout|all] [--errors N]
    python benchmarks/eval_quotes.py polnear  [--split dev|train] [--limit N]

**Gender Gap Tracker sample** (../shared/data/ggt-quotes/articles.jsonl, 66 articles).
Quotes are matched by string, not by the published offsets (they are unreliable):
each gold quote string is located in the article text (the occurrence nearest to its
annotated offset), and a prediction matches it when the characters they share exceed
0.3 of the gold quote's length, as in GGT's own evaluation (asymmetric, gold as
reference). The few gold strings not found verbatim (about 1%) fall back to word
tokens: shared lower-case ``\\w+`` tokens (multiset) over the gold token count.
Each gold quote takes the best remaining prediction (one-to-one, greedy in gold
order). A stricter variant also requires the shared part to exceed 0.3 of the
*prediction*.
Speaker accuracy is over matched quotes: the predicted speaker (pronouns already
resolved to a named person) is right when its surname (last word, lower-case, no
possessive) equals the surname of the gold ``reference`` (GGT's canonical speaker,
from its ``people`` list). For references that are not people (organisations,
groups, "a spokesperson") it is right when it shares a content word with the
reference or the annotated surface speaker. A quote without a predicted speaker is
wrong, floating quotes included (GGT's script counts an empty prediction as right
there; ours is stricter).
Tuning subset: articles at even positions (0, 2, 4, ...) are the declared tuning
subset; odd positions are held out and never looked at during development.

**PolNeAR dev** (../shared/data/polnear/dev, 84 articles, brat). Every gold attribution
with a Content span is a target. A predicted quote's content matches a gold content
when the character overlap covers at least half of the gold content (one-to-one,
greedy). Content F1 counts those matches; attribution F1 additionally requires the
predicted *surface* speaker span (a pronoun stays a pronoun there, as PolNeAR
annotates it) to overlap the gold Source span by at least one character. Exact F1
requires equal content boundaries after trimming spaces, quote marks and
punctuation. Texts annotated twice are scored against the first annotator's file
(sorted by name). Tuning was done on the first 150 train articles only.
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from storyline.enrich.quotes import extract_attributions  # noqa: E402
from storyline.stages import english_docs  # noqa: E402  (the parse enrichment runs)

DATA = ROOT.parent / "shared" / "data"
_TOKEN = re.compile(r"\w+")


def _tokens(s: str) -> collections.Counter[str]:
    return collections.Counter(t.lower() for t in _TOKEN.findall(s))


def _overlap(gold: collections.Counter[str], pred: collections.Counter[str]) -> int:
    return sum((gold & pred).values())


def _load_ggt() -> list[dict]:
    from storyline.robustness import load_ggt

    return load_ggt(DATA / "ggt-quotes" / "articles.jsonl")


def _strip_accents(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def _surname(name: str) -> str:
    words = [w for w in re.findall(r"[\w'-]+", _strip_accents(name).replace("’", "'").lower())]
    words = [re.sub(r"'s$", "", w) for w in words if w not in ("jr", "sr", "ii", "iii")]
    return words[-1] if words else ""


_STOP = {"the", "a", "an", "of", "for", "and", "at", "in", "to", "s", "its", "his", "her", "their"}


def speaker_correct(pred: str | None, reference: str, surface: str, people: list[str]) -> bool:
    if not pred:
        return False
    if reference in people or not reference:
        return bool(reference) and _surname(pred) == _surname(reference)
    pred_words = set(_tokens(_strip_accents(pred))) - _STOP
    gold_words = (set(_tokens(_strip_accents(reference))) | set(_tokens(_strip_accents(surface)))) - _STOP
    return bool(pred_words & gold_words)


def _locate(text: str, quote: str, index: str) -> tuple[int, int] | None:
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


def _match_score(
    located: tuple[int, int] | None, gold: collections.Counter[str], pred, ptoks, reverse=False
) -> float:
    """Shared part over the gold quote (or over the prediction when ``reverse``)."""
    if located is not None:
        shared = max(0, min(located[1], pred.end) - max(located[0], pred.start))
        return shared / max(1, (pred.end - pred.start) if reverse else (located[1] - located[0]))
    shared = _overlap(gold, ptoks)
    return shared / max(1, sum((ptoks if reverse else gold).values()))


def _parse(text: str):
    """The same partial parse enrichment uses (NER everywhere, parser where quotes are)."""
    return english_docs([text])[0]


def eval_ggt(subset: str, show_errors: int, fold: tuple[int, int] | None = None) -> dict:
    nlp = _parse
    rows = _load_ggt()
    if fold is not None:  # fold k of n: articles at positions i with i % n == k
        picked = [r for i, r in enumerate(rows) if i % fold[1] == fold[0]]
    else:
        picked = [r for i, r in enumerate(rows) if subset == "all" or (i % 2 == 0) == (subset == "tune")]
    tp = fp = fn = tp_strict = spk_ok = 0
    errors: list[str] = []
    t0 = time.perf_counter()
    for row in picked:
        text = row["articleBodyText"]
        doc = nlp(text)
        preds = extract_attributions(text, "en", doc)
        pred_items = [
            (
                text[a.start : a.end],
                text[a.speaker_start : a.speaker_end] if a.speaker_start is not None else None,
                _tokens(text[a.start : a.end]),
            )
            for a in preds
        ]
        remaining = list(range(len(pred_items)))
        for q in row["quotations"]:
            gold = _tokens(q["quote"])
            if not gold:
                continue
            located = _locate(text, q["quote"], q.get("quote_index", ""))
            best, best_score = None, 0.3
            for k in remaining:
                score = _match_score(located, gold, preds[k], pred_items[k][2])
                if score > best_score:
                    best, best_score = k, score
            if best is None:
                fn += 1
                if len(errors) < show_errors:
                    errors.append(
                        f"MISS {row['_id'][-8:]} gold speaker={q['speaker']!r} ref={q['reference']!r}"
                    )
                continue
            remaining.remove(best)
            tp += 1
            a = preds[best]
            if _match_score(located, gold, a, pred_items[best][2], reverse=True) > 0.3:
                tp_strict += 1
            ok = speaker_correct(
                pred_items[best][1], q.get("reference") or "", q.get("speaker") or "", row["people"]
            )
            spk_ok += ok
            if not ok and len(errors) < show_errors:
                errors.append(
                    f"SPEAKER {row['_id'][-8:]} pred={pred_items[best][1]!r} gold={q['speaker']!r} ref={q['reference']!r}"
                )
        fp += len(remaining)
        for k in remaining:
            if len(errors) < show_errors:
                errors.append(
                    f"EXTRA {row['_id'][-8:]} speaker={pred_items[k][1]!r} words={sum(pred_items[k][2].values())}"
                )
    elapsed = time.perf_counter() - t0
    p = tp / max(1, tp + fp)
    r = tp / max(1, tp + fn)
    f1 = 2 * p * r / max(1e-9, p + r)
    strict_fp = fp + (tp - tp_strict)
    sp = tp_strict / max(1, tp_strict + strict_fp)
    sr = tp_strict / max(1, tp + fn)
    sf1 = 2 * sp * sr / max(1e-9, sp + sr)
    for e in errors:
        print(e)
    return {
        "subset": f"fold {fold[0] + 1}/{fold[1]}" if fold else subset, "articles": len(picked), "gold": tp + fn, "predicted": tp + fp,
        "precision": round(100 * p, 1), "recall": round(100 * r, 1), "f1": round(100 * f1, 1),
        "speaker_accuracy": round(100 * spk_ok / max(1, tp), 1),
        "strict_f1": round(100 * sf1, 1), "seconds": round(elapsed, 1),
    }  # fmt: skip


# ----------------------------------------------------------------------------- PolNeAR


def _read_brat(path: Path) -> list[dict]:
    spans: dict[str, tuple[str, set[int], tuple[int, int]]] = {}
    relations = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("T"):
            tid, info, _txt = line.split("\t", 2)
            label, ranges = info.split(" ", 1)
            chars: set[int] = set()
            lo, hi = 10**9, 0
            for piece in ranges.split(";"):
                a, b = map(int, piece.split())
                chars.update(range(a, b))
                lo, hi = min(lo, a), max(hi, b)
            spans[tid] = (label, chars, (lo, hi))
        elif line.startswith("E"):
            roles: dict[str, tuple[set[int], tuple[int, int]]] = {}
            for part in line.split("\t")[1].split():
                role, tid = part.split(":")
                if tid in spans:
                    roles[role] = (spans[tid][1], spans[tid][2])
            if "Content" in roles:
                relations.append(roles)
    return relations


_TRIM = " \t\n,.;:!?\"'“”‘’«»—–-"


def _trimmed(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a] in _TRIM:
        a += 1
    while b > a and text[b - 1] in _TRIM:
        b -= 1
    return a, b


def eval_polnear(split: str, limit: int | None, show_errors: int) -> dict:
    nlp = _parse
    folder = DATA / "polnear" / split
    files = sorted((folder / "text").iterdir())[:limit] if limit else sorted((folder / "text").iterdir())
    tp = fp = fn = tp_attr = tp_exact = 0
    cue_counter: collections.Counter[str] = collections.Counter()
    t0 = time.perf_counter()
    for f in files:
        text = f.read_text(encoding="utf-8")
        # annotation files are named <text stem>_<annotator>.ann; a few texts have two: take the first
        anns = sorted((folder / "attributions").glob(f.stem + "_*.ann"))
        if not anns:
            continue
        gold = _read_brat(anns[0])
        preds = extract_attributions(text, "en", nlp(text))
        remaining = list(range(len(preds)))
        for g in gold:
            gchars, (glo, ghi) = g["Content"]
            best, best_cov = None, 0.5
            for k in remaining:
                a = preds[k]
                cov = len(gchars.intersection(range(a.start, a.end))) / max(1, len(gchars))
                if cov >= best_cov:
                    best, best_cov = k, cov
            if best is None:
                fn += 1
                if "Cue" in g:
                    cue_counter[text[g["Cue"][1][0] : g["Cue"][1][1]].lower()] += 1
                continue
            remaining.remove(best)
            tp += 1
            a = preds[best]
            if _trimmed(text, a.start, a.end) == _trimmed(text, glo, ghi):
                tp_exact += 1
            if "Source" in g and a.surface_start is not None:
                if g["Source"][0].intersection(range(a.surface_start, a.surface_end)):
                    tp_attr += 1
        fp += len(remaining)
    elapsed = time.perf_counter() - t0

    def prf(t: int) -> tuple[float, float, float]:
        p, r = t / max(1, tp + fp), t / max(1, tp + fn)
        return round(100 * p, 1), round(100 * r, 1), round(100 * 2 * p * r / max(1e-9, p + r), 1)

    if show_errors:
        print("most frequent cues of missed attributions:", cue_counter.most_common(show_errors))
    return {
        "split": split, "articles": len(files), "gold": tp + fn, "predicted": tp + fp,
        "content_prf": prf(tp), "attribution_prf": prf(tp_attr), "exact_content_prf": prf(tp_exact),
        "seconds": round(elapsed, 1),
    }  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dataset", choices=["ggt", "polnear"])
    ap.add_argument("--subset", choices=["tune", "heldout", "all"], default="all")
    ap.add_argument("--split", choices=["dev", "train"], default="dev")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--errors", type=int, default=0, help="print up to N errors (ids and labels only)")
    ap.add_argument("--folds", type=int, default=0, help="GGT: score each of N folds of all articles (i %% N)")
    args = ap.parse_args()
    if args.dataset == "ggt" and args.folds:
        folds = [eval_ggt("all", 0, (k, args.folds)) for k in range(args.folds)]
        for f in folds:
            print(json.dumps(f))
        for key in ("f1", "speaker_accuracy"):
            values = [f[key] for f in folds]
            mean = sum(values) / len(values)
            sd = (sum((v - mean) ** 2 for v in values) / len(values)) ** 0.5
            print(json.dumps({"metric": key, "mean": round(mean, 1), "sd": round(sd, 1), "min": min(values)}))
        return
    if args.dataset == "ggt":
        result = eval_ggt(args.subset, args.errors)
    else:
        result = eval_polnear(args.split, args.limit, args.errors)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
