"""The hostile corpus (tests/fixtures/hostile) as one batch, the way a user runs it.

Every class of input that once crashed or exhausted an ingest is in it. The batch
must finish in bounded time and memory, account for every item (stored or
rejected with a reason and a fix), and store every good item.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from storyline.rejections import FIX_BY_STAGE, explain

from .fixtures.hostile.make_corpus import write_corpus

# Runs the command and prints the peak RSS (KiB) of it and every process below it.
_MEASURE = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:]); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
PEAK_RSS_LIMIT_KIB = 2 * 1024 * 1024


def _run(args, env):
    started = time.monotonic()
    out = subprocess.run([sys.executable, "-c", _MEASURE, sys.executable, "-m", "storyline.cli", *args],
                         env={**os.environ, **env}, capture_output=True, text=True, timeout=600)
    return time.monotonic() - started, int(out.stdout.strip().splitlines()[-1]), out


def _account(db: Path, expect: dict[str, str], corpus: Path, jsonl_lines: int) -> None:
    con = sqlite3.connect(db)
    stored = {}
    for origin, item, title, raw, published in con.execute(
            "SELECT origin, item, title, raw_text, published FROM articles"):
        stored.setdefault(os.path.relpath(origin, corpus), []).append((item, title, raw, published))
    rejected = {}
    for origin, item, stage, reason in con.execute("SELECT origin, item, stage, reason FROM rejections"):
        key = origin if "://" in origin or origin.startswith(("ftp", "http")) else os.path.relpath(origin, corpus)
        rejected.setdefault(key, []).append((item, stage, reason))
    con.close()
    shown = {os.fsencode(k).decode("utf-8", "replace"): v for k, v in expect.items()}
    for name, outcome in shown.items():
        if outcome == "stored":
            assert name in stored, f"{name} was not stored: {rejected.get(name)}"
        elif outcome == "rejected":
            assert name not in stored, f"{name} was stored"
            if not name.endswith(".urls"):  # a URL list's rejections are filed under each URL
                assert name in rejected, f"{name} is neither stored nor rejected"
    # The mixed feed: every non-empty line is stored or rejected, by line number.
    items = {i for i, *_ in stored["feeds/mixed.jsonl"]} | {i for i, *_ in rejected.get("feeds/mixed.jsonl", [])}
    assert items == {f"line {n}" for n in range(1, jsonl_lines + 1)}
    assert len(rejected["feeds/mixed.jsonl"]) == 6
    # URL-list entries are rejected one by one.
    assert {o for o in rejected if "://" in o} == {"http://[::1", "ftp://example.invalid/a",
                                                    "http://169.254.169.254/latest/meta-data"}
    # What the stored ones look like.
    for rows in stored.values():
        for _item, title, raw, _published in rows:
            assert "\x00" not in raw and "\x1b" not in raw and "\x1b" not in (title or "")
    assert stored["text/ansi-title.txt"][0][1].startswith("Kolden council")
    assert stored["md/bad-date.md"][0][3] is None and stored["md/minus-one.md"][0][3] is None
    assert "council" in stored["text/utf16-no-bom.txt"][0][2]
    assert "coun" in stored["text/nul-late.txt"][0][2] and "council will meet" in stored["text/nul-late.txt"][0][2]
    by_item = {i: (t, p) for i, t, _r, p in stored["feeds/mixed.jsonl"]}
    mid = jsonl_lines // 2
    assert by_item[f"line {mid + 4}"][0] != "nan"  # NaN title
    assert by_item[f"line {mid + 6}"][1] is None  # published "-1"
    assert "\ufffd" in by_item[f"line {mid + 3}"][0]  # lone surrogate replaced
    # Every refusal says how to fix it, in its own words (not the stage's generic advice).
    for rows in rejected.values():
        for _item, stage, reason in rows:
            _cause, fix = explain(stage, reason)
            assert fix and fix != FIX_BY_STAGE.get(stage), reason


def test_hostile_corpus_ingests_as_one_batch(tmp_path):
    corpus = tmp_path / "corpus"
    expect = write_corpus(corpus)
    db = tmp_path / "h.db"
    seconds, peak_kib, out = _run(["--db", str(db), "ingest", str(corpus), "--no-enrich"], {})
    assert out.returncode == 0, out.stderr[-2000:]  # the wrapper; the ingest itself exits 1 (rejections)
    assert "Traceback" not in out.stderr, out.stderr[-3000:]
    assert seconds < 60
    assert peak_kib < PEAK_RSS_LIMIT_KIB
    _account(db, expect, corpus, 300)
    # Re-running completes nothing new and duplicates nothing.
    _s, _p, again = _run(["--db", str(db), "ingest", str(corpus), "--no-enrich"], {})
    assert "added 0 article(s)" in again.stdout, again.stdout + again.stderr[-2000:]
    listed = subprocess.run([sys.executable, "-m", "storyline.cli", "--db", str(db), "rejects", "--json"],
                            capture_output=True, text=True)
    assert all(r["fix"] for r in json.loads(listed.stdout))


@pytest.mark.models
def test_hostile_corpus_through_enrichment(tmp_path):
    corpus = tmp_path / "corpus"
    expect = write_corpus(corpus, jsonl_lines=20)
    db = tmp_path / "h.db"
    seconds, peak_kib, out = _run(["--db", str(db), "-q", "ingest", str(corpus)],
                                  {"STORYLINE_CLUSTER": "0", "STORYLINE_ENRICH_WORKERS": "1"})
    assert "Traceback" not in out.stderr, out.stderr[-3000:]
    assert seconds < 300
    assert peak_kib < PEAK_RSS_LIMIT_KIB
    _account(db, expect, corpus, 20)
    con = sqlite3.connect(db)
    pending = con.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    assert pending > 20
    con.close()
