from __future__ import annotations

import itertools
import os
import shutil
from pathlib import Path

import pytest

import storyline
from storyline import load_settings, open_store
from storyline.api import DEMO_NAME_PATTERN, demo_corpus_path


@pytest.fixture
def settings():
    # No user file, no environment: tests see the packaged defaults only.
    return load_settings(env={})


@pytest.fixture(scope="session")
def postgres_cluster():
    """A throwaway PostgreSQL cluster for the session (storyline/store/pg_cluster.py). Without
    the server binaries or psycopg the Postgres tests fail in CI (.ci/run sets
    STORYLINE_REQUIRE_POSTGRES=1) and are skipped elsewhere."""
    from storyline.store.pg_cluster import INSTALL_HINT, postgres_bin, throwaway_cluster

    required = bool(os.environ.get("CI")) or os.environ.get("STORYLINE_REQUIRE_POSTGRES") == "1"
    missing = INSTALL_HINT if postgres_bin() is None else None
    try:
        import psycopg  # noqa: F401
    except ImportError:
        missing = 'psycopg is not installed: pip install -e ".[dev]" (or ".[postgres]")'
    if missing:
        (pytest.fail if required else pytest.skip)(missing)
    with throwaway_cluster() as cluster:
        yield cluster


_databases = itertools.count()


@pytest.fixture
def postgres_url(postgres_cluster):
    """A new empty database on the session's cluster."""
    return postgres_cluster.create_database(f"test{next(_databases)}")


@pytest.fixture(params=["sqlite", "postgres"])
def any_store_url(request, tmp_path_factory):
    """The location of a new store of each backend: the conformance suite runs on both."""
    if request.param == "sqlite":
        return str(tmp_path_factory.mktemp("db") / "test.db")
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def any_store(any_store_url):
    s = open_store(any_store_url)
    yield s
    s.close()


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


def demo_corpus_copy(tmp_path, names=None):
    """A copy of the demo corpus (optionally only some files), without its documentation files."""
    src = demo_corpus_path()
    dst = tmp_path / "corpus"
    dst.mkdir()
    for f in src.iterdir():
        if f.name in ("README.md", "EXPECTED.md") or (names is not None and f.name not in names):
            continue
        shutil.copy(f, dst / f.name)
    return dst


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory):
    """The demo corpus ingested, enriched and clustered once per test session (read-only: do not change it)."""
    tmp = tmp_path_factory.mktemp("demo")
    settings = storyline.load_settings(env={})
    store = storyline.open_store(tmp / "demo.db")
    report = storyline.ingest(store, [demo_corpus_copy(tmp)], settings=settings, name_pattern=DEMO_NAME_PATTERN)
    assert report.ok and len(report.added) == 15
    storyline.run_pipeline(store, settings)
    yield store
    store.close()


@pytest.fixture
def demo_copy(demo_store, tmp_path):
    """A writable copy of the session's demo store."""
    copy = storyline.open_store(tmp_path / "copy.db")
    demo_store.db.backup(copy.db)
    yield copy
    copy.close()
