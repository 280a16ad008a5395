"""Score event and story grouping through the product path, next to the baselines.

``storyline eval clustering --dataset FILE`` calls :func:`evaluate_clustering`. It
never computes a feature of its own: it writes the dataset's records (gold labels
removed) to a JSON Lines file, runs :func:`storyline.pipeline.ingest` and
:func:`storyline.api.run_pipeline` into a temporary store with the user's settings,
and scores the store's event and story assignments, the same ones
``storyline export`` writes. If this number and the product ever disagree, this
module is wrong.

The baselines run on the same stored articles (their clean text and their stored
embeddings) with parameters tuned on ECB+ train, and are never told the number of
events either.

Corruptions a user's data has and the datasets lack are applied to the *input*
records: ``strip_metadata`` drops title, outlet, date, URL and language;
``shuffle_seed`` feeds the records in a seeded random order.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cluster.metrics import ClusteringScores, score_clustering
from .settings import Settings

__all__ = [
    "BASELINE_DEFAULTS",
    "GoldRecord",
    "MethodRun",
    "ProductRun",
    "evaluate_clustering",
    "fold_of",
    "load_gold_records",
    "pair_accuracy",
    "run_product",
    "subset_of",
]

# Tuned on ECB+ train (benchmarks/results/clustering.md); every dataset gets these unchanged.
BASELINE_DEFAULTS: dict[str, dict[str, Any]] = {
    "tfidf": {"distance_threshold": 0.85},
    "hdbscan": {"min_cluster_size": 2, "min_samples": 1, "epsilon": 0.0},
}
_METADATA = ("title", "source", "published", "url", "language")
_GOLD_FIELDS = ("event", "topic", "story")


@dataclass(frozen=True)
class GoldRecord:
    """One dataset record: what the product is given (``record``) and what it is scored on."""

    record: dict[str, Any]
    event: str
    story: str


@dataclass
class MethodRun:
    method: str
    level: str  # "event" or "story"
    scores: ClusteringScores
    seconds: float
    params: dict[str, Any] = field(default_factory=dict)
    labels: list[str] = field(default_factory=list, repr=False)
    pairs: dict[str, float] | None = None

    def to_json(self) -> dict[str, Any]:
        return {"method": self.method, "level": self.level, "seconds": round(self.seconds, 2),
                "params": self.params, **self.scores.to_json(), **({"pairs": self.pairs} if self.pairs else {})}


@dataclass
class ProductRun:
    """What the product path produced for a dataset: per stored article, its gold labels
    and the event and story the pipeline put it in."""

    article_ids: list[str]
    external_ids: list[str]  # the dataset's own record ids
    gold_events: list[str]
    gold_stories: list[str]
    events: list[str]
    stories: list[str]
    texts: list[str]
    vectors: Any
    rejected: int
    seconds: float


FOLD_SUBSET = re.compile(r"(fold|other-folds)-(\d+)-of-(\d+)")


def fold_of(key: str, folds: int) -> int:
    """The fold (1..folds) of a gold event or pair: a salted hash, so folds are not the halves."""
    return int(hashlib.sha256(f"fold:{key}".encode()).hexdigest(), 16) % folds + 1


def subset_of(key: str, subset: str | None) -> bool:
    """Deterministic subsets by a hash of the gold event, so a model trained on one part is
    scored on events it never saw: ``train`` and ``heldout`` halves (BASIL, MEANTIME), and
    k-fold parts for the small in-domain sets: ``fold-K-of-N`` (the events of fold K) and
    ``other-folds-K-of-N`` (all the others; what fold K's model trains on)."""
    if subset in (None, "all"):
        return True
    if subset in ("train", "heldout"):
        half = int(hashlib.sha256(key.encode()).hexdigest(), 16) % 2
        return half == (0 if subset == "train" else 1)
    match = FOLD_SUBSET.fullmatch(subset)
    if match and 1 <= int(match[2]) <= int(match[3]):
        return (fold_of(key, int(match[3])) == int(match[2])) == (match[1] == "fold")
    raise ValueError(f"subset {subset!r} is not one of all, train, heldout, fold-K-of-N or other-folds-K-of-N "
                     "(1 <= K <= N)")


def load_gold_records(path: str | Path, *, subset: str | None = None, strip_metadata: bool = False,
                      shuffle_seed: int | None = None, limit_events: int | None = None,
                      seed: int = 0) -> list[GoldRecord]:
    """Dataset records (../shared/data layout) with gold removed from what the product sees.

    The gold event is ``event`` (else the record ``id``: MEANTIME's translations share it);
    the gold story is ``story`` when a dataset has one, else the event. Leading URL lines
    stay in the text: the product must cope with them."""
    path = Path(path)
    out: list[GoldRecord] = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                row["id"], row["text"]  # noqa: B018 - both must be present
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}:{number}: not a dataset record ({exc}); need JSON with 'id' and 'text'") from exc
            event = str(row["event"]) if row.get("event") is not None else str(row["id"])
            story = str(row.get("story") or event)
            if not subset_of(event, subset):
                continue
            record = {k: v for k, v in row.items() if k not in _GOLD_FIELDS}
            # Unique per line (MEANTIME's translations share an id); the dataset id stays readable.
            record["id"] = f"{row['id']}|{number}"
            if strip_metadata:
                record = {"id": record["id"], "text": record["text"]}
            out.append(GoldRecord(record, event, story))
    if limit_events is not None:
        events = sorted({g.event for g in out})
        random.Random(seed).shuffle(events)
        keep = set(events[:limit_events])
        out = [g for g in out if g.event in keep]
    if shuffle_seed is not None:
        random.Random(shuffle_seed).shuffle(out)
    return out


AS_FILES = ("text", "html")


def _write_input(records: Sequence[GoldRecord], folder: Path, as_files: str | None
                 ) -> tuple[Path, dict[str, GoldRecord]]:
    """The records as one JSON Lines file, or as one file each (named in feeding order, since a
    folder is read in name order): ``text``, a ``.txt`` of the title (if kept) and the text;
    ``html``, a seeded news web page (:func:`storyline.corrupt_html.html_page`). Returns the input
    path and the gold record of each stored external id."""
    if as_files is None:
        source = folder / "input.jsonl"
        with source.open("w", encoding="utf-8") as out:
            for g in records:
                out.write(json.dumps(g.record, ensure_ascii=False) + "\n")
        return source, {g.record["id"]: g for g in records}
    if as_files not in AS_FILES:
        raise ValueError(f"as_files must be one of {AS_FILES}, not {as_files!r}")
    from .corrupt_html import html_page

    source = folder / "input"
    source.mkdir()
    gold_of = {}
    for number, g in enumerate(records, 1):
        stem = f"r{number:06d}"
        if as_files == "html":
            page = html_page(g.record, random.Random(f"page:{g.record['id']}")).html
            (source / f"{stem}.html").write_text(page, "utf-8")
        else:
            title = g.record.get("title")
            (source / f"{stem}.txt").write_text((f"{title}\n\n" if title else "") + str(g.record["text"]), "utf-8")
        gold_of[stem] = g
    return source, gold_of


def run_product(records: Sequence[GoldRecord], settings: Settings, *, workdir: str | Path | None = None,
                as_files: str | None = None) -> ProductRun:
    """Ingest ``records`` into a fresh store with the product pipeline and read back its groups;
    ``as_files`` ("text" or "html"): as a folder of such files, see :func:`_write_input`."""
    from .api import run_pipeline
    from .grouping_stage import embed_pending
    from .pipeline import ingest
    from .store.sqlite import open_store

    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        source, gold_of = _write_input(records, Path(tmp), as_files)
        started = time.perf_counter()
        with open_store(Path(tmp) / "eval.db") as store:
            report = ingest(store, [source], settings=settings, command="eval")
            run_pipeline(store, settings)
            seconds = time.perf_counter() - started
            event_of = store.event_assignments()
            story_of = {eid: s["id"] for s in store.storylines() for eid in s["event_ids"]}
            articles = [a for a in store.articles() if a.external_id in gold_of]
            vectors = embed_pending(store, [a.id for a in articles], settings.cluster_embedding)
    return ProductRun(
        article_ids=[a.id for a in articles],
        external_ids=[str(gold_of[a.external_id].record["id"]).split("|", 1)[0] for a in articles],
        gold_events=[gold_of[a.external_id].event for a in articles],
        gold_stories=[gold_of[a.external_id].story for a in articles],
        events=[event_of.get(a.id, f"unassigned:{a.id}") for a in articles],
        stories=[story_of.get(event_of.get(a.id, ""), f"unassigned:{a.id}") for a in articles],
        texts=[f"{a.title or ''}\n{a.text}" for a in articles],
        vectors=[vectors[a.id] for a in articles],
        rejected=len(report.rejected),
        seconds=seconds,
    )


def _baseline(method: str, run: ProductRun) -> tuple[list[str], float]:
    import numpy as np

    from .cluster.baselines import embedding_hdbscan, tfidf_agglomerative

    started = time.perf_counter()
    if method == "tfidf":
        labels = tfidf_agglomerative(run.texts, **BASELINE_DEFAULTS["tfidf"])
    elif method == "hdbscan":
        labels = embedding_hdbscan(np.vstack(run.vectors) if run.vectors else np.zeros((0, 1)),
                                   **BASELINE_DEFAULTS["hdbscan"])
    else:
        raise ValueError(f"unknown baseline {method!r}; choose tfidf or hdbscan")
    return [str(x) for x in labels], time.perf_counter() - started


def evaluate_clustering(path: str | Path, settings: Settings, *, baselines: Iterable[str] = ("tfidf", "hdbscan"),
                        subset: str | None = None, strip_metadata: bool = False, shuffle_seed: int | None = None,
                        limit_events: int | None = None, pairs: str | Path | None = None,
                        as_files: str | None = None) -> tuple[ProductRun, list[MethodRun]]:
    """Run the product on a gold dataset and score it at event and story level beside the baselines."""
    records = load_gold_records(path, subset=subset, strip_metadata=strip_metadata, shuffle_seed=shuffle_seed,
                                limit_events=limit_events)
    if not records:
        raise ValueError(f"{path}: no records (subset={subset!r})")
    run = run_product(records, settings, as_files=as_files)
    results = [
        MethodRun("storyline", "event", score_clustering(run.events, run.gold_events), run.seconds,
                  labels=run.events),
        MethodRun("storyline", "story", score_clustering(run.stories, run.gold_stories), run.seconds,
                  labels=run.stories),
    ]
    for method in baselines:
        labels, seconds = _baseline(method, run)
        results.append(MethodRun(method, "event", score_clustering(labels, run.gold_events), seconds,
                                 dict(BASELINE_DEFAULTS[method]), labels=labels))
    if pairs is not None:
        for result in results:
            result.pairs = pair_accuracy(result.labels, run, pairs)
    return run, results


def pair_accuracy(labels: Sequence[str], run: ProductRun, pairs_path: str | Path) -> dict[str, float]:
    """Assessor pairs (``a``, ``b``, ``same``; tgpairs layout) judged by a clustering: a pair
    is "same" when both articles share a group. Accuracy, and P/R/F1 of "same"."""
    group_of: dict[str, str] = {}
    for gold_id, label in zip(run.external_ids, labels, strict=True):
        group_of[gold_id] = label
    right = tp = fp = fn = total = 0
    for line in Path(pairs_path).read_text("utf-8").splitlines():
        if not line.strip():
            continue
        pair = json.loads(line)
        a, b = group_of.get(str(pair["a"])), group_of.get(str(pair["b"]))
        if a is None or b is None:
            continue
        said, truth = a == b, bool(pair["same"])
        total += 1
        right += said == truth
        tp += said and truth
        fp += said and not truth
        fn += truth and not said
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"pairs": total, "accuracy": right / total if total else 0.0, "precision": precision,
            "recall": recall, "f1": f1}
