"""Score storyline's quote extraction on two gold sets (evaluation only; no text is stored).

    python benchmarks/eval_quotes.py ggt      [--folds 5 | --subset tune|heldout|all] [--errors N]
    python benchmarks/eval_quotes.py polnear  [--split dev|train] [--limit N]

Both run three systems in one process (``--systems rules,product-speech,product``):
``product`` is quote extraction as ingest's enrichment stage runs it
(``storyline.stages.enrich_batch``: one partial parse, the rules, the learned attribution
tagger), every kind; ``product-speech`` is the same output without the ``attributed``
kind (stances and beliefs, "X believes ...": GGT does not annotate them, PolNeAR does);
``rules`` is the baseline, the rules alone on the parse they need; ``speech-rule-speakers``
is ``product-speech`` with the speaker ranker off (the rules' speakers: the ranker's baseline).

The speaker ranker (``storyline.enrich.speaker_ranker``) is trained on GGT, so GGT is never
scored with the packaged ranker when a part of it is held out: for ``--folds N`` (and
``--subset tune|heldout``) a ranker is trained on the other articles only
(``heldout_speaker_model``, the same training code as ``storyline train speakers``) and the
product path runs with it. ``--subset all`` uses the packaged ranker (in-sample for speakers).

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
greedy). Content F1 counts those matches; "resolved source" F1 additionally requires the
product's speaker span to overlap the gold Source span by at least one character (the
product resolves pronouns to the named person, PolNeAR marks the pronoun, so this is a
lower bound; earlier versions scored the unresolved surface span here). Exact F1
requires equal content boundaries after trimming spaces, quote marks and
punctuation. Texts annotated twice are scored against the first annotator's file
(sorted by name). Tuning was done on the first 150 train articles only.
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from storyline.enrich.quotes import extract_quotes  # noqa: E402
from storyline.enrich.speaker_ranker import use_speaker_model  # noqa: E402
from storyline.enrich.train_attribution import polnear_articles  # noqa: E402
from storyline.enrich.train_speakers import (  # noqa: E402
    fit_speaker_model,
    ggt_examples,
    locate,
    match_score,
    speaker_correct,
    tokens,
)
from storyline.stages import EnrichInput, english_docs, enrich_batch  # noqa: E402

DATA = ROOT.parent / "shared" / "data"


def _load_ggt() -> list[dict]:
    from storyline.robustness import load_ggt

    return load_ggt(DATA / "ggt-quotes" / "articles.jsonl")


def _tokens(s: str) -> collections.Counter[str]:
    return tokens(s)


def _match_score(located, gold, pred, ptoks, reverse=False) -> float:  # noqa: ANN001
    return match_score(located, gold, pred.start, pred.end, ptoks, reverse)


_locate = locate


def product_quotes(texts: list[str]) -> list[list]:
    """Quotes as ingest's enrichment stage finds them (``stages.enrich_batch``: one partial
    parse, the rules and the learned attribution tagger)."""
    out = enrich_batch([EnrichInput(f"a{i}", t, "en", None) for i, t in enumerate(texts)])
    return [r.quotes for r in out]


def rules_quotes(texts: list[str]) -> list[list]:
    """Baseline: the rules alone on the same parse (the parse the rules alone need: no
    extra cue words)."""
    docs = english_docs(texts, extra_cues=frozenset())
    return [
        extract_quotes(f"a{i}", t, "en", d, learned=False)
        for i, (t, d) in enumerate(zip(texts, docs, strict=False))
    ]


def product_speech_quotes(texts: list[str]) -> list[list]:
    """The product's quotes of reported speech only: kinds ``direct`` and ``indirect``, not
    the stances and beliefs (``attributed``, "X believes ...") the tagger also finds. GGT
    annotates speech; PolNeAR annotates both."""
    return [[q for q in qs if q.kind != "attributed"] for qs in product_quotes(texts)]


def speech_rule_speakers(texts: list[str]) -> list[list]:
    """``product-speech`` with the speaker ranker off (the rules' speakers): the ranker's baseline."""
    with use_speaker_model(None):
        return product_speech_quotes(texts)


SYSTEMS = {
    "product": product_quotes,
    "product-speech": product_speech_quotes,
    "rules": rules_quotes,
    "speech-rule-speakers": speech_rule_speakers,
}
RANKED = {"product", "product-speech"}  # the systems that run the speaker ranker
_EXAMPLES: list = []  # ranker examples of every GGT article, built once per process


def heldout_speaker_model(rows: list[dict], held: set[int]):  # noqa: ANN201
    """The speaker ranker trained on the GGT articles outside ``held`` only (the packaged
    one saw every article, so scoring GGT with it would be in-sample)."""
    if not _EXAMPLES:
        _EXAMPLES.extend(ggt_examples(rows))
    model, _measured = fit_speaker_model([e for e in _EXAMPLES if e.article not in held])
    return model


def eval_ggt(
    subset: str, show_errors: int, fold: tuple[int, int] | None = None, system: str = "product"
) -> dict:
    rows = _load_ggt()
    if fold is not None:  # fold k of n: articles at positions i with i % n == k
        picked = [r for i, r in enumerate(rows) if i % fold[1] == fold[0]]
    else:
        picked = [r for i, r in enumerate(rows) if subset == "all" or (i % 2 == 0) == (subset == "tune")]
    tp = fp = fn = tp_strict = spk_ok = 0
    errors: list[str] = []
    held = {i for i, r in enumerate(rows) if any(r is p for p in picked)}
    model = heldout_speaker_model(rows, held) if system in RANKED and len(held) < len(rows) else None
    t0 = time.perf_counter()
    if model is not None:
        with use_speaker_model(model):
            all_preds = SYSTEMS[system]([row["articleBodyText"] for row in picked])
    else:  # every article: the packaged ranker (in-sample for its speakers)
        all_preds = SYSTEMS[system]([row["articleBodyText"] for row in picked])
    elapsed = time.perf_counter() - t0
    for row, preds in zip(picked, all_preds, strict=False):
        text = row["articleBodyText"]
        pred_items = [(q.text, q.speaker, _tokens(q.text)) for q in preds]
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
        "system": system, "subset": f"fold {fold[0] + 1}/{fold[1]}" if fold else subset, "articles": len(picked),
        "gold": tp + fn, "predicted": tp + fp,
        "precision": round(100 * p, 1), "recall": round(100 * r, 1), "f1": round(100 * f1, 1),
        "speaker_accuracy": round(100 * spk_ok / max(1, tp), 1),
        "strict_f1": round(100 * sf1, 1), "seconds": round(elapsed, 1),
        "docs_per_s": round(len(picked) / max(1e-9, elapsed), 2),
    }  # fmt: skip


# ----------------------------------------------------------------------------- PolNeAR


_TRIM = " \t\n,.;:!?\"'“”‘’«»—–-"


def _trimmed(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a] in _TRIM:
        a += 1
    while b > a and text[b - 1] in _TRIM:
        b -= 1
    return a, b


def eval_polnear(split: str, limit: int | None, show_errors: int, system: str = "product") -> dict:
    articles = polnear_articles(DATA / "polnear" / split, limit)
    tp = fp = fn = tp_attr = tp_exact = 0
    cue_counter: collections.Counter[str] = collections.Counter()
    t0 = time.perf_counter()
    all_preds = SYSTEMS[system]([text for _name, text, _gold in articles])
    elapsed = time.perf_counter() - t0
    for (_name, text, gold), preds in zip(articles, all_preds, strict=False):
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
            # the product's speaker is resolved (a pronoun points to the named person), so a
            # gold pronoun Source only matches when the pronoun was left unresolved
            if "Source" in g and a.speaker_start is not None:
                if g["Source"][0].intersection(range(a.speaker_start, a.speaker_end)):
                    tp_attr += 1
        fp += len(remaining)

    def prf(t: int) -> tuple[float, float, float]:
        p, r = t / max(1, tp + fp), t / max(1, tp + fn)
        return round(100 * p, 1), round(100 * r, 1), round(100 * 2 * p * r / max(1e-9, p + r), 1)

    if show_errors:
        print("most frequent cues of missed attributions:", cue_counter.most_common(show_errors))
    return {
        "system": system, "split": split, "articles": len(articles), "gold": tp + fn, "predicted": tp + fp,
        "content_prf": prf(tp), "resolved_source_prf": prf(tp_attr), "exact_content_prf": prf(tp_exact),
        "seconds": round(elapsed, 1), "docs_per_s": round(len(articles) / max(1e-9, elapsed), 2),
    }  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dataset", choices=["ggt", "polnear"])
    ap.add_argument("--subset", choices=["tune", "heldout", "all"], default="all")
    ap.add_argument("--split", choices=["dev", "train"], default="dev")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--errors", type=int, default=0, help="print up to N errors (ids and labels only)")
    ap.add_argument(
        "--folds", type=int, default=0, help="GGT: score each of N folds of all articles (i %% N)"
    )
    ap.add_argument(
        "--systems",
        default="rules,product-speech,product",
        help="comma-separated: rules (the rules alone, baseline), product (enrichment as ingest runs "
        "it, every kind), product-speech (its direct and indirect speech only)",
    )
    args = ap.parse_args()
    # Interleaved in one process, so the docs/s figures compare on the same machine load.
    for system in args.systems.split(","):
        if args.dataset == "ggt" and args.folds:
            folds = [eval_ggt("all", 0, (k, args.folds), system) for k in range(args.folds)]
            for f in folds:
                print(json.dumps(f))
            for key in ("f1", "speaker_accuracy"):
                values = [f[key] for f in folds]
                mean = sum(values) / len(values)
                sd = (sum((v - mean) ** 2 for v in values) / len(values)) ** 0.5
                print(json.dumps({"system": system, "metric": key, "mean": round(mean, 1), "sd": round(sd, 1),
                                  "min": min(values)}))  # fmt: skip
            continue
        if args.dataset == "ggt":
            result = eval_ggt(args.subset, args.errors, None, system)
        else:
            result = eval_polnear(args.split, args.limit, args.errors, system)
        print(json.dumps(result))


if __name__ == "__main__":
    main()
