"""The hostile corpus (tests/fixtures/hostile) as one batch: wall time and peak RSS.

Runs ``storyline ingest`` in a child process, as a user would, once without
enrichment and once with enrichment (clustering and reports off: they are measured
elsewhere and do not read raw input). Peak RSS is the largest of the ingest and its
workers. Run: ``python benchmarks/hostile_batch.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks._common import machine  # noqa: E402
from tests.fixtures.hostile.make_corpus import write_corpus  # noqa: E402

_MEASURE = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:]); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def run(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    started = time.monotonic()
    out = subprocess.run([sys.executable, "-c", _MEASURE, sys.executable, "-m", "storyline.cli", *args],
                         env={**os.environ, **env}, capture_output=True, text=True)
    lines = out.stdout.strip().splitlines()
    return time.monotonic() - started, int(lines[-1]) / 1024, "\n".join(lines[:-1])


def main() -> None:
    print(machine())
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        expect = write_corpus(corpus)
        size = sum(f.stat().st_size for f in corpus.rglob("*") if f.is_file() and not f.is_symlink())
        print(f"corpus: {len(expect)} files, {size / 1e6:.1f} MB")
        for label, extra, env in (("ingest only (--no-enrich)", ["--no-enrich"], {}),
                                  ("ingest + enrichment", [], {"STORYLINE_CLUSTER": "0"})):
            db = Path(tmp) / f"{len(extra)}.db"
            seconds, peak_mb, stdout = run(["--db", str(db), "ingest", str(corpus), *extra], env)
            print(f"{label}: {seconds:.1f} s, peak RSS {peak_mb:.0f} MB; {stdout.splitlines()[0]}")


if __name__ == "__main__":
    main()
