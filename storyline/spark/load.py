"""``storyline load DIR``: bring the Parquet results of ``storyline spark ingest`` into a store.

Everything goes through store methods (any backend). Articles are added in input order, their
annotations, article vectors and (when the run had reports on) the report stage's sentence vectors
stored, and those stages marked done with the versions and notes ``enrich_pending`` and
``embed_sentences`` write, so ``run_pipeline`` does not redo them: it runs the corpus-wide steps
only (entity resolution here, then grouping by the online clusterer as the single ordered consumer,
reports). Loading the same directory twice adds nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..model import Rejection
from ..pipeline import IngestReport
from .batches import annotations_from_json, article_from_json

MANIFEST = "storyline-spark.json"


@dataclass
class LoadReport(IngestReport):
    """What ``storyline ingest`` reports, plus the annotation rows loaded by kind."""

    counts: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), **self.counts}


def wave_dirs(out_dir: Path) -> list[Path]:
    """The result folders of a ``spark ingest`` output, in input order; a clear error when
    ``out_dir`` is not one."""
    if not (out_dir / MANIFEST).is_file():
        raise ConfigError(f"{out_dir} is not the output of `storyline spark ingest` (no {MANIFEST}); give the "
                          "--out folder of a finished run")
    # The manifest is written last: with it, every wave is complete (an input with nothing in it has none).
    return sorted(p for p in out_dir.glob("wave=*") if p.is_dir() and (p / "_SUCCESS").exists())


def load_results(store: Any, out_dir: Path, *, command: str = "load") -> LoadReport:
    """Add every result row of ``out_dir`` to ``store`` (one transaction per wave), then resolve
    the entities of the new articles as ``enrich_pending`` does after its batches."""
    import numpy as np
    import pyarrow.parquet as pq

    from ..materialise import SENTENCE_VERSION
    from ..stages import ENRICH_VERSION, resolve_entities

    waves = wave_dirs(Path(out_dir))
    run_id = store.start_run(command)
    report = LoadReport(run_id)
    for wave in waves:
        table = pq.read_table(wave).sort_by("seq")
        for rows in _chunks(table.to_pylist(), 500):
            with store.transaction():
                vectors: dict[str, dict[str, Any]] = {}
                notes: dict[str, str] = {}
                done: list[str] = []
                sentences: dict[str, list[tuple[str, str, list[tuple[int, int]], Any]]] = {}
                for row in rows:
                    if row["kind"] == "rejection":
                        rejection = Rejection(row["origin"], row["item"] or "", row["stage"], row["reason"])
                        report.rejected.append(rejection)
                        store.add_rejection(rejection, run_id)
                        continue
                    article = article_from_json(_json(row["article"]))
                    if not store.add_article(article, item=row["item"] or "", changes=_json(row["changes"]),
                                             run_id=run_id):
                        report.duplicates += 1  # already stored: its annotations stay as they are
                        continue
                    report.added.append(article.id)
                    annotations = annotations_from_json(row["annotations"])
                    store.replace_annotations(article.id, **annotations)
                    report.counts.update({k: len(v) for k, v in annotations.items()})
                    vectors.setdefault(row["embedding_model"], {})[article.id] = np.asarray(row["embedding"],
                                                                                            dtype=np.float32)
                    if row.get("sentence_model"):
                        spans = [tuple(sp) for sp in _json(row["sentence_spans"])]
                        matrix = np.asarray(row["sentence_vectors"], dtype=np.float32).reshape(len(spans), -1)
                        sentences.setdefault(row["sentence_model"], []).append((article.id, row["sentence_model"],
                                                                                spans, matrix))
                    if row["note"]:
                        notes[article.id] = row["note"]
                        report.counts["skipped steps"] += 1
                    done.append(article.id)
                for model, by_id in vectors.items():
                    store.put_embeddings(by_id, model=model)
                if done:
                    store.mark_done(done, "enrich", ENRICH_VERSION, notes)
                for model, rows_of_model in sentences.items():
                    # The report stage's sentence vectors, computed on the executors (materialise.embed_sentences).
                    store.put_sentence_vectors(rows_of_model)
                    store.mark_done([r[0] for r in rows_of_model], "sentences", f"{SENTENCE_VERSION} {model}")
    if report.added:
        report.counts["entities"] = resolve_entities(store, new_ids=report.added)
    store.finish_run(run_id, report.as_dict() | {"finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")})
    return report


def _json(text: str | None) -> Any:
    import json

    return json.loads(text) if text else []


def _chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]
