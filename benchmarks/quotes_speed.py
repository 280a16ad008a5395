"""Enrichment speed with and without a learned quote model, on the same texts in one
process (runs interleaved, so both see the same machine load).

    python benchmarks/quotes_speed.py [--dataset basil/docs.jsonl] [--limit 100] [--rounds 3]
                                      [--compare tagger|ranker]

``--compare tagger`` (default): "without" is enrichment as it was before the attribution
tagger: the tagger off and the parse trigger without its cue words
(``storyline.stages.enrich_batch`` with the model hidden). ``--compare ranker``: "without"
is the product with the speaker ranker off (the rules' speakers). "with" is the product as
shipped. One process, one core (no worker pool): docs/s of ``enrich_batch``
in batches of 32, by wall clock and by process CPU time; the median over rounds of the latter.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from unittest import mock

from _common import DATA

from storyline.enrich import quotes
from storyline.enrich.speaker_ranker import use_speaker_model
from storyline.nlp import english
from storyline.stages import EnrichInput, _parse_trigger, enrich_batch


def _run(texts: list[str]) -> tuple[float, float]:
    """docs/s by the wall clock and by this process's CPU time (the second is what to compare
    on a shared machine: other engineers' jobs swing the wall clock by 4x)."""
    t0, c0 = time.perf_counter(), time.process_time()
    for i in range(0, len(texts), 32):
        enrich_batch([EnrichInput(f"a{i + k}", t, "en", None) for k, t in enumerate(texts[i : i + 32])])
    return len(texts) / (time.perf_counter() - t0), len(texts) / (time.process_time() - c0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dataset", default="basil/docs.jsonl")
    ap.add_argument("--limit", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--compare", choices=["tagger", "ranker"], default="tagger")
    args = ap.parse_args()
    with open(DATA / args.dataset, encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line, _ in zip(f, range(args.limit), strict=False)]
    english()
    _run(texts[:8])  # warm up: model loading is not enrichment
    speeds: dict[str, list[tuple[float, float]]] = {"without": [], "with": []}
    for _ in range(args.rounds):
        if args.compare == "ranker":
            with use_speaker_model(None):
                speeds["without"].append(_run(texts))
        else:
            with mock.patch.object(quotes, "load_attribution_model", return_value=None):
                _parse_trigger.cache_clear()
                speeds["without"].append(_run(texts))
        _parse_trigger.cache_clear()
        speeds["with"].append(_run(texts))
    cpu = {k: statistics.median(x[1] for x in v) for k, v in speeds.items()}
    print(json.dumps({"compare": args.compare, "dataset": args.dataset, "articles": len(texts), "rounds": args.rounds,
                      "wall_docs_per_s": {k: [round(x[0], 2) for x in v] for k, v in speeds.items()},
                      "cpu_docs_per_s": {k: [round(x[1], 2) for x in v] for k, v in speeds.items()},
                      "cpu_median": {k: round(v, 2) for k, v in cpu.items()},
                      "cpu_ratio_with_over_without": round(cpu["with"] / cpu["without"], 3)}))  # fmt: skip


if __name__ == "__main__":
    main()
