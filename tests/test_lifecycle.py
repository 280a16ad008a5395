"""Process lifecycle: a killed ingest leaves no enrichment worker behind."""

from __future__ import annotations

import os
import signal
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


def test_killing_the_ingest_during_enrichment_leaves_no_worker(tmp_path):
    for i in range(40):
        title, body = story(5000 + i, paragraphs=12)
        write(tmp_path / "in", f"a{i}.txt", f"{title}\n{body}\n")
    env = {**os.environ, "STORYLINE_ENRICH_WORKERS": "2", "STORYLINE_CLUSTER": "0"}
    proc = subprocess.Popen([sys.executable, "-m", "storyline.cli", "--db", str(tmp_path / "s.db"), "-q", "ingest",
                             str(tmp_path / "in")], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        workers: set[int] = set()
        while time.monotonic() < deadline and proc.poll() is None:
            workers = _children(proc.pid)
            if len(workers) >= 2:
                break
            time.sleep(0.05)
        if proc.poll() is not None:
            pytest.skip("the ingest finished before its workers could be seen")
        assert len(workers) >= 2, "enrichment never started its workers"
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_alive(w) for w in workers):
            time.sleep(0.1)
        assert not [w for w in workers if _alive(w)], "workers outlived the killed ingest"
    finally:
        if proc.poll() is None:
            proc.kill()
