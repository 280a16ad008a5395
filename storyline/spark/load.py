"""``storyline load DIR``: bring the Parquet results of ``storyline spark ingest`` into a store.

Everything goes through store methods (any backend). Articles are added in input order, their
annotations and vectors stored, and the enrich stage marked done with the same version and
notes ``enrich_pending`` writes, so ``run_pipeline`` does not redo it: it runs the corpus-wide
steps only (entity resolution here, then sentences, grouping by the online clusterer as the
single ordered consumer, reports). Loading the same directory twice adds nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..model import Rejection
from .batches import annotations_from_json, article_from_json

MANIFEST = "storyline-spark.json"


@dataclass
class LoadReport:
    run_id: int
    added: list[str] = field(default_factory=list)
    duplicates: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "added": len(self.added), "duplicates": self.duplicates,
                "rejected": len(self.rejected), **self.counts}


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
                    if row["note"]:
                        notes[article.id] = row["note"]
                        report.counts["skipped steps"] += 1
                    done.append(article.id)
                for model, by_id in vectors.items():
                    store.put_embeddings(by_id, model=model)
                if done:
                    store.mark_done(done, "enrich", ENRICH_VERSION, notes)
    if report.added:
        report.counts["entities"] = resolve_entities(store, new_ids=report.added)
    store.finish_run(run_id, report.as_dict() | {"finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")})
    return report


def _json(text: str | None) -> Any:
    import json

    return json.loads(text) if text else []


def _chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]
