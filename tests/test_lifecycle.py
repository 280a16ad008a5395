"""Process lifecycle: a killed ingest leaves no enrichment worker behind."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import write
from .fixtures.hostile.make_corpus import story

pytestmark = [pytest.mark.models, pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc")]


def _children(pid: int) -> set[int]:
    out = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            if f"\nPPid:\t{pid}\n" in status:
                out.add(int(entry.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text().split("\nState:\t", 1)[1][:1]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _articles(db: Path) -> int:
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return con.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def _ingest(folder: Path, db: Path) -> subprocess.Popen:
    env = {**os.environ, "STORYLINE_ENRICH_WORKERS": "2", "STORYLINE_CLUSTER": "0", "STORYLINE_BATCH_SIZE": "5"}
    return subprocess.Popen([sys.executable, "-m", "storyline.cli", "--db", str(db), "-q", "ingest", str(folder)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.mark.parametrize("stage", ["reading", "enrichment"])
def test_a_killed_ingest_leaves_no_worker_and_a_rerun_completes(tmp_path, stage):
    for i in range(40):
        title, body = story(5000 + i, paragraphs=12)
        write(tmp_path / "in", f"a{i}.txt", f"{title}\n{body}\n")
    db = tmp_path / "s.db"
    proc = _ingest(tmp_path / "in", db)
    try:
        deadline = time.monotonic() + 120
        workers: set[int] = set()
        while time.monotonic() < deadline and proc.poll() is None:
            if stage == "reading" and 0 < _articles(db) < 40:
                break
            workers = _children(proc.pid)
            if stage == "enrichment" and len(workers) >= 2:
                break
            time.sleep(0.02)
        if proc.poll() is not None:
            pytest.skip(f"the ingest finished before {stage} could be interrupted")
        workers |= _children(proc.pid)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_alive(w) for w in workers):
            time.sleep(0.1)
        assert not [w for w in workers if _alive(w)], "workers outlived the killed ingest"
    finally:
        if proc.poll() is None:
            proc.kill()
    rerun = _ingest(tmp_path / "in", db)
    assert rerun.wait(300) == 0
    assert _articles(db) == 40
    con = sqlite3.connect(db)
    enriched = con.execute("SELECT COUNT(DISTINCT article_id) FROM mentions").fetchone()[0]
    con.close()
    assert enriched == 40


_STALLING_INGEST = """
import signal, sys, time
import storyline.pipeline as pipeline
from storyline import load_settings, open_store
from storyline.ingest.watchdog import Watchdog

Watchdog.default_grace = 1.0
real = pipeline.clean_text

def clean_text(raw, **kw):
    if "Stuckville" in raw:
        # Like a parser deep inside C code: no Python signal handler can run.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(60)
    return real(raw, **kw)

pipeline.clean_text = clean_text
store = open_store(sys.argv[1])
report = pipeline.ingest(store, [sys.argv[2]], settings=load_settings(env={}).replace(item_time_budget=1.0,
                                                                                     batch_size=1))
print(len(report.added), [r.stage for r in report.rejected])
"""


def test_an_item_stuck_in_c_code_ends_the_run_and_the_next_run_skips_it(tmp_path):
    from storyline.ingest.watchdog import STALL_EXIT_CODE

    from .conftest import HARBOUR_STORY

    for name, place in (("a.txt", "Port Elvan"), ("b.txt", "Stuckville"), ("c.txt", "Kolden")):
        write(tmp_path / "in", name, HARBOUR_STORY.replace("Port Elvan", place))
    db = tmp_path / "s.db"
    args = [sys.executable, "-c", _STALLING_INGEST, str(db), str(tmp_path / "in")]
    started = time.monotonic()
    first = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert first.returncode == STALL_EXIT_CODE, first.stderr[-2000:]
    assert time.monotonic() - started < 20 and "is stuck" in first.stderr
    second = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert second.returncode == 0, second.stderr[-2000:]
    assert second.stdout.split() == ["1", "['stalled']"]  # c.txt added now; a.txt was stored by the first run
    assert _articles(db) == 2 and not (tmp_path / "s.db.stalled.json").exists()
