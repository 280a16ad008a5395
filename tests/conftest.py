from __future__ import annotations

from pathlib import Path

import pytest

from storyline import load_settings, open_store


@pytest.fixture
def settings():
    # No user file, no environment: tests see the packaged defaults only.
    return load_settings(env={})


@pytest.fixture
def store(tmp_path_factory):
    # Outside tmp_path, which tests fill with input files to ingest.
    s = open_store(tmp_path_factory.mktemp("db") / "test.db")
    yield s
    s.close()


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, "utf-8")
    return path


HARBOUR_STORY = (
    "Harbour cranes stop in Port Elvan\n"
    "PORT ELVAN (Gull Wire) - Dock workers in Port Elvan walked out on Monday, halting all twelve cranes at the "
    "container terminal, the union said.\n"
    "\"We will stay out until the contracts are signed,\" said union leader Mira Tansk.\n"
)
