"""The outlet inferred from the text when none is given (issue 9, item 2), through the product path.

    python benchmarks/eval_outlets.py [--sets ggt:tune,polnear:train,ggt:held,polnear:dev,basil,allsides]
                                      [--url-line] [--json]

Each set's records go to `storyline ingest`'s code (`pipeline.ingest`, packaged settings) with id
and text only (no title, outlet, date or URL); the stored article's ``source`` is what the
product inferred, and is scored against the set's gold outlet:

- **names it**: articles whose text names their own outlet (an acronym in capitals, a one-word
  name after "the", a longer one in any case; `storyline.robustness._names_outlet`), so the
  outlet is there to be found; **recall** is the share of these whose inferred outlet is right;
- **inferred**: articles given any outlet; of these, **right** (the gold outlet), **wire** (a news
  agency whose copy the outlet ran: a dateline or header naming the agency; right about where the
  text comes from, not about who published it; where the set names the agency, PolNeAR, only that
  agency) and **wrong** (anything else).

The baseline is what a user gets without inference: no outlet at all (recall 0, nothing wrong).
Parts: rules are read and chosen on GGT's "tune" half and PolNeAR train ("tune" in the table) and
reported on GGT's other half, PolNeAR dev, BASIL and AllSides ("held out"; GGT and BASIL were read
for the round-8 rules, before the split). ``--url-line`` adds BASIL and AllSides with each record's
URL put above its text, as a page pasted with its address (no set has such lines of its own).
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

TUNE = ("ggt:tune", "polnear:train")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", default="ggt:tune,polnear:train,ggt:held,polnear:dev,basil,allsides",
                    help="sets, each NAME or NAME:PART (ggt tune/held, polnear train/dev)")
    ap.add_argument("--url-line", action="store_true", help="also BASIL and AllSides with their URL above the text")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    settings = load_settings(env={}, enrich=False)
    rows = []
    for spec in args.sets.split(","):
        name, _colon, part = spec.partition(":")
        row = evaluate_outlets(DATA, name, settings, part or None)
        row["role"] = "tune" if spec in TUNE else "held out"
        rows.append(row)
    for name in ("basil", "allsides") if args.url_line else ():
        rows.append({**evaluate_outlets(DATA, name, settings, url_line=True), "role": "held out"})
    if args.json:
        print(json.dumps({"machine": machine(), "rows": rows}, indent=1))
        return 0
    print("| set | role | articles | text names its outlet | recall there (baseline 0) | inferred | right | wire | "
          "wrong |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['set']} | {r['role']} | {r['articles']} | {r['names it']} | {r['recall where named']} | "
              f"{r['inferred']} | {r['right']} | {r['wire']} | {r['wrong']} |")
    for r in rows:
        if r["wrong values"]:
            print(f"{r['set']} wrong values: {r['wrong values']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
