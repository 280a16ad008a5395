"""Enrichment speed with and without the learned attribution tagger, on the same texts in
one process (runs interleaved, so both see the same machine load).

    python benchmarks/quotes_speed.py [--dataset basil/docs.jsonl] [--limit 100] [--rounds 3]

"without" is enrichment as it was before the tagger: the tagger off and the parse trigger
without its cue words (``storyline.stages.enrich_batch`` with the model hidden). "with" is
the product as shipped. One process, one core (no worker pool): docs/s of ``enrich_batch``
in batches of 32, the median over rounds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from unittest import mock

from _common import DATA

from storyline.enrich import quotes
from storyline.stages import EnrichInput, _parse_trigger, enrich_batch
from storyline.nlp import english


def _run(texts: list[str]) -> float:
    t0 = time.perf_counter()
    for i in range(0, len(texts), 32):
        enrich_batch([EnrichInput(f"a{i + k}", t, "en", None) for k, t in enumerate(texts[i : i + 32])])
    return len(texts) / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dataset", default="basil/docs.jsonl")
    ap.add_argument("--limit", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    with open(DATA / args.dataset, encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line, _ in zip(f, range(args.limit), strict=False)]
    english()
    _run(texts[:8])  # warm up: model loading is not enrichment
    speeds: dict[str, list[float]] = {"without": [], "with": []}
    for _ in range(args.rounds):
        with mock.patch.object(quotes, "load_attribution_model", return_value=None):
            _parse_trigger.cache_clear()
            speeds["without"].append(_run(texts))
        _parse_trigger.cache_clear()
        speeds["with"].append(_run(texts))
    med = {k: statistics.median(v) for k, v in speeds.items()}
    print(json.dumps({"dataset": args.dataset, "articles": len(texts), "rounds": args.rounds,
                      "docs_per_s": {k: [round(x, 2) for x in v] for k, v in speeds.items()},
                      "median": {k: round(v, 2) for k, v in med.items()},
                      "ratio_with_over_without": round(med["with"] / med["without"], 3)}))  # fmt: skip


if __name__ == "__main__":
    main()
