"""The outlet inferred from the text when none is given (issue 9, item 2), through the product path.

    python benchmarks/eval_outlets.py [--sets ggt,basil,allsides] [--json]

Each set's records go to `storyline ingest`'s code (`pipeline.ingest`, packaged settings) with id
and text only (no title, outlet, date or URL); the stored article's ``source`` is what the
product inferred, and is scored against the set's gold outlet:

- **names it**: articles whose text names their own outlet (an acronym in capitals, a one-word
  name after "the", a longer one in any case; `storyline.robustness._names_outlet`), so the
  outlet is there to be found; **recall** is the share of these whose inferred outlet is right;
- **inferred**: articles given any outlet; of these, **right** (the gold outlet), **wire** (a news
  agency whose copy the outlet ran: a dateline or header naming the agency; right about where the
  text comes from, not about who published it) and **wrong** (anything else).

The baseline is what a user gets without inference: no outlet at all (recall 0, nothing wrong).
GGT is the set the inference rules were read from (the robustness harness runs it); BASIL and
AllSides are held out from that reading.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DATA, machine  # noqa: E402

from storyline.outlet_eval import evaluate_outlets  # noqa: E402
from storyline.settings import load_settings  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", default="ggt,basil,allsides")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    settings = load_settings(env={}, enrich=False)
    rows = [evaluate_outlets(DATA, name, settings) for name in args.sets.split(",")]
    if args.json:
        print(json.dumps({"machine": machine(), "rows": rows}, indent=1))
        return 0
    print("| set | articles | text names its outlet | recall there (baseline 0) | inferred | right | wire | wrong |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['set']} | {r['articles']} | {r['names it']} | {r['recall where named']} | {r['inferred']} | "
              f"{r['right']} | {r['wire']} | {r['wrong']} |")
    for r in rows:
        if r["wrong values"]:
            print(f"{r['set']} wrong values: {r['wrong values']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
