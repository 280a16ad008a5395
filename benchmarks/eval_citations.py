"""Precision and recall of citation detection on storyline's own invented sentences.

    python benchmarks/eval_citations.py [--show]

Gold: tests/fixtures/attributions.jsonl (sentences written for storyline, English and
Russian, covering every citation pattern plus negatives). A predicted citation is a
true positive when it overlaps a gold citation of the same sentence by at least half of
the gold span's characters, names the same source (``cited``, compared case-insensitively
without a leading "the") and has the same kind. "span only" ignores cited and kind.
One-to-one matching, greedy in gold order. These sentences were written together with
the rules, so the figures are a regression check, not an estimate on unseen news.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from storyline.enrich.citations import extract_citations  # noqa: E402

FIXTURE = ROOT / "tests" / "fixtures" / "attributions.jsonl"


def _norm(s: str) -> str:
    return re.sub(r"^(?:the)\s+", "", s.strip().lower())


def evaluate(show: bool = False) -> dict:
    rows = [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines() if line.strip()]
    counts = {"full": [0, 0, 0], "span": [0, 0, 0]}  # tp, fp, fn
    t0 = time.perf_counter()
    for row in rows:
        text = row["text"]
        preds = extract_citations(row["id"], text, row["language"])
        for mode in ("full", "span"):
            remaining = list(preds)
            for g in row["citations"]:
                gs = text.index(g["text"])
                ge = gs + len(g["text"])
                hit = None
                for p in remaining:
                    shared = max(0, min(ge, p.end) - max(gs, p.start))
                    if shared < (ge - gs) / 2:
                        continue
                    if mode == "full" and (_norm(p.cited) != _norm(g["cited"]) or p.kind != g["kind"]):
                        continue
                    hit = p
                    break
                if hit is None:
                    counts[mode][2] += 1
                    if show and mode == "full":
                        print(f"MISS  {row['id']}: {g}")
                else:
                    remaining.remove(hit)
                    counts[mode][0] += 1
            counts[mode][1] += len(remaining)
            if show and mode == "full":
                for p in remaining:
                    print(f"EXTRA {row['id']}: {p.text!r} cited={p.cited!r} kind={p.kind}")
    result: dict = {"sentences": len(rows), "seconds": round(time.perf_counter() - t0, 3)}
    for mode, (tp, fp, fn) in counts.items():
        p = tp / max(1, tp + fp)
        r = tp / max(1, tp + fn)
        result[mode] = {
            "tp": tp,
            "fp": fp,
            "fn": fn,
            "precision": round(100 * p, 1),
            "recall": round(100 * r, 1),
            "f1": round(100 * 2 * p * r / max(1e-9, p + r), 1),
        }
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--show", action="store_true", help="print misses and extra predictions")
    print(json.dumps(evaluate(ap.parse_args().show), ensure_ascii=False))


if __name__ == "__main__":
    main()
