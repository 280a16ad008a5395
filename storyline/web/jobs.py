"""Adding articles from the browser: uploads, pasted text and pasted URLs run in one background
worker thread (never in the request), through the same ``storyline.ingest`` and ``run_pipeline``
the CLI uses. The page polls a job's state; per-item rejects keep their reasons.

URL fetches use ingest's own guard, which refuses private, loopback and link-local addresses;
the server's ``--allow-private`` flag is passed on as the ``allow_private_urls`` setting.
"""

from __future__ import annotations

import dataclasses
import queue
import shutil
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # the whole request; one file may not exceed the ingest limit either
MAX_FILES = 50
MAX_URLS = 50
MAX_JOBS_KEPT = 50


@dataclass
class Job:
    id: str
    by: str | None
    created: float = field(default_factory=time.time)
    status: str = "queued"  # queued | running | done | failed
    phase: str = "waiting"
    done: int = 0
    total: int = 0
    added: list[str] = field(default_factory=list)
    rejected: list[dict[str, str]] = field(default_factory=list)
    error: str | None = None
    items: int = 0

    @property
    def percent(self) -> int:
        if self.status == "done":
            return 100
        phases = {"waiting": 0, "ingest": 10, "enrich": 40, "cluster": 75}
        base = phases.get(self.phase, 0)
        span = {"ingest": 30, "enrich": 35, "cluster": 20}.get(self.phase, 0)
        return int(base + (span * self.done / self.total if self.total else 0))

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "status": self.status, "phase": self.phase, "percent": self.percent,
                "items": self.items, "added": self.added, "rejected": self.rejected, "error": self.error,
                "by": self.by, "created": self.created}


class JobRunner:
    """One worker thread; jobs run in submission order, each with its own store connection."""

    def __init__(self, db_path: str | Path, settings: Any = None, allow_private_urls: bool = False):
        self.db_path = str(db_path)
        self.settings = settings
        self.allow_private_urls = allow_private_urls
        self.jobs: dict[str, Job] = {}
        self._queue: queue.Queue[tuple[Job, Path, list[str]] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, files: list[tuple[str, bytes]], texts: list[str], urls: list[str], by: str | None) -> Job:
        """Save the inputs to a private folder and queue them; returns at once."""
        from ..errors import ConfigError

        if not files and not any(t.strip() for t in texts) and not urls:
            raise ConfigError("nothing to add: choose files, paste text or paste URLs")
        if len(files) > MAX_FILES or len(urls) > MAX_URLS:
            raise ConfigError(f"at most {MAX_FILES} files and {MAX_URLS} URLs per upload")
        folder = Path(tempfile.mkdtemp(prefix="storyline-upload-"))
        for i, (name, data) in enumerate(files):
            safe = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in Path(name).name)[-80:] or "upload"
            (folder / f"{i:03d}_{safe}").write_bytes(data)
        for i, text in enumerate(t for t in texts if t.strip()):
            (folder / f"pasted_{i:03d}.txt").write_text(text, "utf-8")
        job = Job(uuid.uuid4().hex[:12], by, items=len(files) + sum(1 for t in texts if t.strip()) + len(urls))
        with self._lock:
            self.jobs[job.id] = job
            for old in sorted(self.jobs.values(), key=lambda j: j.created)[:-MAX_JOBS_KEPT]:
                self.jobs.pop(old.id, None)
            self._queue.put((job, folder, urls))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._work, name="storyline-jobs", daemon=True)
                self._thread.start()
        return job

    def get(self, job_id: str) -> Job:
        from ..errors import NotFound

        job = self.jobs.get(job_id)
        if job is None:
            raise NotFound(f"no job {job_id!r}; jobs are kept in memory until the server stops")
        return job

    def recent(self) -> list[Job]:
        return sorted(self.jobs.values(), key=lambda j: -j.created)

    def stop(self) -> None:
        self._queue.put(None)

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            job, folder, urls = item
            try:
                self._run(job, folder, urls)
                job.status = "done"
            except Exception as exc:  # noqa: BLE001 - the job records any failure; the worker goes on
                job.status, job.error = "failed", f"{type(exc).__name__}: {exc}"
            finally:
                shutil.rmtree(folder, ignore_errors=True)

    def _run(self, job: Job, folder: Path, urls: list[str]) -> None:
        from ..api import run_pipeline
        from ..pipeline import ingest
        from ..settings import load_settings
        from ..store.sqlite import open_store

        settings = self.settings or load_settings()
        if hasattr(settings, "allow_private_urls"):  # ingest's own guard follows the server's flag
            settings = dataclasses.replace(settings, allow_private_urls=self.allow_private_urls)
        job.status, job.phase = "running", "ingest"
        paths = [folder] if any(folder.iterdir()) else []

        def progress(n: int) -> None:
            job.done += n

        job.total = job.items
        with open_store(self.db_path) as store:
            report = ingest(store, paths, urls, settings=settings, progress=progress, command="web")
            job.added = list(report.added)
            job.rejected = [{"item": _item_name(r.item or r.origin), "stage": r.stage, "reason": r.reason}
                            for r in report.rejected]
            if report.added:
                run_pipeline(store, settings, self._progress_factory(job))

    @staticmethod
    def _progress_factory(job: Job) -> Any:
        class Bar:
            def __init__(self, name: str):
                job.phase, job.done, job.total = name, 0, max(len(job.added), 1)

            def update(self, n: int = 1) -> None:
                job.done += n

            def close(self) -> None:
                pass

        return Bar


def _item_name(item: str) -> str:
    """Uploaded files are saved as NNN_name: show the name the user gave."""
    name = Path(item).name if "/" in item else item
    return name[4:] if len(name) > 4 and name[:3].isdigit() and name[3] == "_" else name
