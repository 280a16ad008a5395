"""A throwaway PostgreSQL cluster (initdb + pg_ctl in a temporary folder, 127.0.0.1 on a
free port) for the tests, the benchmarks and the deploy docs' checks; never for real data.

    with throwaway_cluster() as cluster:
        url = cluster.create_database("news")   # postgresql://storyline@127.0.0.1:PORT/news

initdb refuses to run as root, so as root the server runs as the ``postgres`` system user
(Debian's postgresql package creates it)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Cluster", "postgres_bin", "throwaway_cluster", "INSTALL_HINT"]

INSTALL_HINT = ("PostgreSQL server binaries (initdb, pg_ctl) not found: install them with "
                "`apt-get install postgresql` (Debian/Ubuntu) or put their folder on PATH")
# Test settings: nothing here must survive a crash, so no fsync (several times faster to set up).
FAST_UNSAFE = ("-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off")


def postgres_bin() -> Path | None:
    """The folder holding initdb and pg_ctl: on PATH, or Debian's /usr/lib/postgresql/<n>/bin."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent if Path(found).resolve().name == "initdb" else Path(found).parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name)
                      if p.parent.parent.name.isdigit() else 0)
    return versions[-1].parent if versions else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Cluster:
    folder: Path
    port: int
    user: str = "storyline"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """A new empty database (dropped first if it exists); its connection URL."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def _run(args: list[str], as_postgres: bool) -> None:
    if as_postgres:
        args = ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(f"'{a}'" for a in args)]
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")


@contextlib.contextmanager
def throwaway_cluster(options: tuple[str, ...] = FAST_UNSAFE) -> Iterator[Cluster]:
    """Start a cluster in a new temporary folder; stop it and delete the folder on exit."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        raise RuntimeError(INSTALL_HINT)
    as_postgres = os.geteuid() == 0
    folder = Path(tempfile.mkdtemp(prefix="storyline-pg-"))
    data = folder / "data"
    if as_postgres:
        shutil.chown(folder, "postgres", "postgres")
    port = _free_port()
    try:
        _run([str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "storyline", "-E", "UTF8",
              "--locale=C.UTF-8", "--no-sync"], as_postgres)
        server_options = " ".join((f"-k {folder}", "-h 127.0.0.1", f"-p {port}", *options))
        _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log"), "-o", server_options,
              "-w", "-t", "60", "start"], as_postgres)
        try:
            yield Cluster(folder, port)
        finally:
            _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"], as_postgres)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
