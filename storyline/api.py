"""The public pipeline: ingest, then every later stage over what is pending.

The CLI, the HTTP API and the web UI call these functions and nothing below them.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from .settings import Settings
from .store.sqlite import SQLiteStore, open_store

ProgressFactory = Callable[[str], Any]
# The demo corpus names its files 2025-03-04_outlet-slug_topic.ext.
DEMO_NAME_PATTERN = "{published}_{source}_{*}"


@dataclass
class PipelineSummary:
    stages: dict[str, dict[str, Any]] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = []
        for name, stats in self.stages.items():
            parts = ", ".join(f"{k} {v}" for k, v in stats.items())
            out.append(f"{name}: {parts}")
        return out


def run_pipeline(store: SQLiteStore, settings: Settings, progress_factory: ProgressFactory | None = None
                 ) -> PipelineSummary:
    """Run every post-ingest stage on the articles it has not processed yet."""
    summary = PipelineSummary()
    for name, stage in _stages(settings):
        bar = progress_factory(name) if progress_factory else None
        try:
            summary.stages[name] = stage(store, settings, bar.update if bar else None)
        finally:
            if bar:
                bar.close()
    return summary


def _stages(settings: Settings) -> list[tuple[str, Callable[..., dict[str, Any]]]]:
    stages: list[tuple[str, Callable[..., dict[str, Any]]]] = []
    return stages


def demo_corpus_path() -> Path:
    return Path(str(resources.files("storyline").joinpath("demo/corpus")))


@dataclass
class DemoResult:
    db_path: Path
    ingested: int
    rejected: int
    summary: PipelineSummary
    overview: list[str]
    report_path: Path | None = None

    def lines(self) -> list[str]:
        out = [f"demo database: {self.db_path}", f"ingested {self.ingested} invented articles "
               f"({self.rejected} rejected)", *self.summary.lines(), "", *self.overview]
        if self.report_path:
            out += ["", f"report: {self.report_path}"]
        return out


def run_demo(out_dir: Path, settings: Settings, say: Callable[[str], None] = print,
             progress_factory: ProgressFactory | None = None) -> DemoResult:
    from .pipeline import ingest

    out_dir.mkdir(parents=True, exist_ok=True)
    db_path = out_dir / "storyline.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    corpus = out_dir / "corpus"
    if corpus.exists():
        shutil.rmtree(corpus)
    shutil.copytree(demo_corpus_path(), corpus, ignore=shutil.ignore_patterns("*.md.txt", "README.md", "EXPECTED.md"))
    say(f"ingesting the demo corpus from {corpus} ...")
    with open_store(db_path) as store:
        report = ingest(store, [corpus], settings=settings, command="demo", name_pattern=DEMO_NAME_PATTERN)
        summary = run_pipeline(store, settings, progress_factory)
        overview = corpus_overview(store)
    return DemoResult(db_path, len(report.added), len(report.rejected), summary, overview)


def corpus_overview(store: SQLiteStore) -> list[str]:
    rows = store.db.execute(
        "SELECT coalesce(source, '?') s, count(*) n, group_concat(DISTINCT language) l FROM articles GROUP BY s ORDER BY n DESC"
    ).fetchall()
    out = [f"{store.count_articles()} articles from {len(rows)} outlets:"]
    out += [f"  {r['s']:28} {r['n']:3} article(s)  [{r['l']}]" for r in rows]
    return out
