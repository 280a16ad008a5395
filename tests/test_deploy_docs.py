"""docs/deploy.md is a tested command sequence: this runs the bash blocks of its laptop and
shared-server sections (the shared server against a throwaway PostgreSQL cluster)."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
from pathlib import Path

import pytest

from storyline.store.pg_cluster import postgres_bin

from .conftest import HARBOUR_STORY, write

DOC = Path(__file__).resolve().parent.parent / "docs" / "deploy.md"


def section_commands(title: str, port: int) -> str:
    """The section's bash blocks as one script: without `pip install` (the test runs in the
    installed project) and with the documented port 8000 replaced by a free one."""
    text = DOC.read_text()
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    blocks = re.findall(r"```bash\n(.*?)```", text[start: end if end > 0 else None], re.S)
    assert blocks, f"no bash block in section {title!r}"
    lines = [ln for ln in "".join(blocks).splitlines() if not ln.startswith("pip install")]
    return "set -euo pipefail\n" + "\n".join(lines).replace("8000", str(port)) + "\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def search_titles(output: str) -> list[str]:
    """Titles of the hits in the search API's answer printed by curl."""
    # curl prints no newline after the body: read the first JSON value of the line, not the server log after it.
    [answer] = [json.JSONDecoder().raw_decode(line)[0] for line in output.splitlines() if line.startswith('{"query"')]
    return [hit["title"] for hit in answer["hits"]]


def run(script: str, cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(["bash", "-c", script], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"exit {done.returncode}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    return done.stdout


@pytest.mark.models
def test_the_laptop_then_the_shared_server_sequence_runs(tmp_path, postgres_cluster):
    write(tmp_path / "articles", "harbour.txt", HARBOUR_STORY)
    write(tmp_path / "articles", "ferry.txt", "Ferry crews return\nFerry crews in Port Elvan returned to the "
                                             "harbour on Friday after the union signed the contracts.\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STORYLINE_", "PG"))}
    laptop = run(section_commands("Single-user laptop (default)", free_port()), tmp_path, env)
    assert search_titles(laptop) == ["Harbour cranes stop in Port Elvan", "Ferry crews return"]
    assert (tmp_path / "report.html").stat().st_size > 1000 and (tmp_path / "newsroom.db").exists()

    env |= {"PGHOST": "127.0.0.1", "PGPORT": str(postgres_cluster.port), "PGUSER": postgres_cluster.user,
            "PATH": f"{postgres_bin()}:{env['PATH']}"}
    shared = run(section_commands("Shared server (PostgreSQL + storyline serve behind a reverse proxy, tokens)",
                                  free_port()), tmp_path, env)
    assert "counts and digests match" in shared and "change-me" not in shared
    assert search_titles(shared) == ["Harbour cranes stop in Port Elvan", "Ferry crews return"]  # from PostgreSQL
    assert re.findall(r"^(\d{3})$", shared, re.M) == ["401", "202"]
