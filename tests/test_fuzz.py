"""A short coverage-guided fuzz run of the readers (atheris), fixed time and seed."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

FUZZER = Path(__file__).parent / "fuzz" / "fuzz_readers.py"


@pytest.mark.skipif(importlib.util.find_spec("atheris") is None, reason="atheris is not installed (Linux x86-64 only)")
def test_readers_survive_a_fuzz_run(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    # Seeds: one valid input of each format, so the fuzzer starts inside every reader.
    seeds = {"txt": b"\x00Harbour cranes stop\nDock workers walked out on Monday, the union said in Port Elvan.",
             "md": b"\x01---\npublished: 2025-03-04\n---\n# Title\n\nA body of text long enough to be an article here.",
             "html": b"\x02<html><body><article><p>Dock workers walked out on Monday, the union said.</p></article>",
             "json": b'\x03{"title": "T", "text": "Dock workers walked out on Monday, the union said today."}',
             "jsonl": b'\x04{"text": "one"}\n{"text": "Dock workers walked out on Monday, the union said."}'}
    for name, data in seeds.items():
        (corpus / name).write_bytes(data)
    out = subprocess.run([sys.executable, str(FUZZER), str(corpus), "-max_total_time=15", "-seed=1",
                          "-rss_limit_mb=2048", "-timeout=20", "-max_len=4096",
                          f"-artifact_prefix={tmp_path}/"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-4000:]
    assert "Done" in out.stderr or "runs in" in out.stderr
