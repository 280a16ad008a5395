"""The pure part of the Spark path: inputs cut into cleaning batches, and a batch turned into
result rows by the single-machine stage functions (no pyspark here, no store).

Agreement with ``storyline ingest`` + ``run_pipeline`` is by construction, not by a second
implementation: the batches are the ones ``storyline.pipeline.ingest`` makes (same reader,
same in-run de-duplication, ``settings.batch_size`` drafts each, so hyphen repair sees the same
corpus evidence), and each batch goes through ``pipeline._prepare_many`` (cleaning, language),
``stages.enrich_batch`` (mentions, quotes, citations, dates), ``cluster.features.embed_articles``
(the vectors the clusterer reads) and, with reports on, the report stage's sentence vectors. Models load on first use and stay cached for the life of the
Python worker process, so an executor loads them once, not once per batch.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..model import Article, ArticleDraft, Citation, DateMention, Mention, OffsetMap, Quote, Rejection
from ..settings import Settings

# One input item, in stream order: its position, the draft (or why it was refused), the draft's content hash.
Item = tuple[int, ArticleDraft | Rejection, str | None]

ROW_FIELDS = ("seq", "kind", "id", "origin", "item", "language", "published", "source", "title", "article",
              "changes", "annotations", "note", "embedding", "embedding_model", "sentence_spans", "sentence_vectors",
              "sentence_model", "stage", "reason")
PARQUET_SUFFIXES = (".parquet", ".pq")
_ENRICH_CHUNK = 64  # the chunk enrich_pending and embed_pending use


def iter_batches(paths: Iterable[str | Path], settings: Settings, *, defaults: Mapping[str, Any] | None = None,
                 fields: Mapping[str, str] | None = None, name_pattern: str | None = None,
                 skip_hashes: Iterable[str] = ()) -> Iterator[list[Item]]:
    """The input as ``storyline ingest`` batches it: every ``settings.batch_size`` new drafts close a
    batch; rejections and in-run duplicates ride in the batch where they occur (duplicates as
    ``None`` hashes are dropped here, counted by the caller through ``skipped``)."""
    from ..pipeline import draft_hash

    seen: set[str] = set(skip_hashes)
    batch: list[Item] = []
    drafts = 0
    for seq, thing in enumerate(iter_drafts(paths, settings, defaults=defaults, fields=fields,
                                            name_pattern=name_pattern)):
        if isinstance(thing, Rejection):
            batch.append((seq, thing, None))
            continue
        h = draft_hash(thing)
        if h in seen:
            continue  # stored once, like ingest's seen_in_run
        seen.add(h)
        batch.append((seq, thing, h))
        drafts += 1
        if drafts >= settings.batch_size:
            yield batch
            batch, drafts = [], 0
    if batch:
        yield batch


def iter_drafts(paths: Iterable[str | Path], settings: Settings, *, defaults: Mapping[str, Any] | None = None,
                fields: Mapping[str, str] | None = None, name_pattern: str | None = None
                ) -> Iterator[ArticleDraft | Rejection]:
    """What ``pipeline.iter_inputs`` reads, plus Parquet files (one record per row, the same
    fields as a JSONL record)."""
    from ..ingest.readers import walk
    from ..pipeline import iter_inputs

    for path in walk(paths):
        if isinstance(path, Path) and path.suffix.lower() in PARQUET_SUFFIXES:
            yield from read_parquet_records(path, settings, defaults=defaults, fields=fields)
        elif isinstance(path, Rejection):
            yield path
        else:
            yield from iter_inputs([path], (), settings, defaults, fields, name_pattern=name_pattern)


def read_parquet_records(path: Path, settings: Settings, *, defaults: Mapping[str, Any] | None = None,
                         fields: Mapping[str, str] | None = None) -> Iterator[ArticleDraft | Rejection]:
    """Drafts from a Parquet file of article records; a bad row is rejected alone."""
    import pyarrow.parquet as pq

    from ..ingest.readers import _record_or_rejection, display_path

    origin = display_path(path)
    try:
        reader = pq.ParquetFile(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for a broken file
        yield Rejection(origin, "", "read", f"cannot read this Parquet file ({exc.__class__.__name__}: {exc}); "
                        "check that it is Parquet, or remove it from the input")
        return
    row = 0
    for record_batch in reader.iter_batches(batch_size=1024):
        for rec in record_batch.to_pylist():
            row += 1
            rec = {k: v.isoformat() if isinstance(v, dt.date | dt.datetime) else v for k, v in rec.items()
                   if v is not None}
            yield _record_or_rejection(rec, origin, f"row {row}", "", dict(defaults or {}), fields, settings)


def process_batches(batches: Iterable[list[Item]], settings: Settings) -> Iterator[dict[str, Any]]:
    """Result rows of every item of ``batches`` (the function ``mapPartitions`` runs)."""
    for batch in batches:
        yield from process_batch(batch, settings)


def process_batch(batch: Sequence[Item], settings: Settings) -> list[dict[str, Any]]:
    """Clean, detect language, enrich and embed one ingest batch, as the single-machine path does."""
    from ..clean.hyphens import WordEvidence
    from ..cluster.features import embed_articles
    from ..grouping_stage import _embedding_model_id
    from ..pipeline import _prepare_many
    from ..stages import EnrichInput, _isolated, enrich_batch

    rows: list[dict[str, Any]] = [rejection_row(seq, thing) for seq, thing, _h in batch
                                  if isinstance(thing, Rejection)]
    drafts = [(seq, thing, h) for seq, thing, h in batch if isinstance(thing, ArticleDraft) and h]
    evidence = WordEvidence()
    for _seq, d, _h in drafts:
        evidence.add_text(d.raw_text)
    prepared: list[tuple[int, ArticleDraft, Article, list[dict[str, Any]]]] = []
    outcomes = _prepare_many([(d, h) for _seq, d, h in drafts], settings, evidence)
    for (seq, _d, _h), (draft, outcome) in zip(drafts, outcomes, strict=True):
        if isinstance(outcome, Rejection):
            rows.append(rejection_row(seq, outcome))
        else:
            prepared.append((seq, draft, *outcome))
    model = _embedding_model_id(settings.cluster_embedding)
    for start in range(0, len(prepared), _ENRICH_CHUNK):
        chunk = prepared[start : start + _ENRICH_CHUNK]
        articles = [a for _s, _d, a, _c in chunk]
        enriched = _isolated([EnrichInput(a.id, a.text, a.language, a.published) for a in articles], enrich_batch)
        vectors = embed_articles([(a.title, a.text) for a in articles], embedding=settings.cluster_embedding)
        sentences = sentence_vectors(articles, [q for r in enriched for q in r.quotes]) if settings.reports else {}
        for (seq, draft, article, changes), result, vector in zip(chunk, enriched, vectors, strict=True):
            row = article_row(seq, draft, article, changes, result, [float(x) for x in vector], model)
            if article.id in sentences:
                spans, matrix, sentence_model = sentences[article.id]
                row |= {"sentence_spans": json.dumps(spans), "sentence_vectors": [float(x) for x in matrix.ravel()],
                        "sentence_model": sentence_model}
            rows.append(row)
    return sorted(rows, key=lambda r: r["seq"])


def sentence_vectors(articles: Sequence[Article], quotes: Sequence[Quote]) -> dict[str, tuple[list[Any], Any, str]]:
    """What the report stage's ``materialise.embed_sentences`` stores for these articles: the claim and
    quote spans of each, encoded by the shared sentence encoder (each distinct text once), normalised."""
    import numpy as np

    from ..materialise import article_spans, sentence_model_id
    from ..nlp import sentence_encoder

    per_article = [(a, article_spans(a, quotes)) for a in articles]
    texts = list(dict.fromkeys(a.text[s:e] for a, spans in per_article for s, e in spans))
    vecs = np.zeros((0, 0), dtype=np.float32)
    if texts:
        vecs = np.asarray(sentence_encoder().encode(texts), dtype=np.float32)
        vecs /= np.where((n := np.linalg.norm(vecs, axis=1, keepdims=True)) == 0, 1, n)
    row = {t: k for k, t in enumerate(texts)}
    model = sentence_model_id()
    return {a.id: ([list(sp) for sp in spans], vecs[[row[a.text[s:e]] for s, e in spans]] if spans
                   else np.zeros((0, 0), dtype=np.float32), model) for a, spans in per_article}


def _empty_row(seq: int, kind: str) -> dict[str, Any]:
    return dict.fromkeys(ROW_FIELDS) | {"seq": seq, "kind": kind}


def rejection_row(seq: int, rejection: Rejection) -> dict[str, Any]:
    return _empty_row(seq, "rejection") | {"origin": rejection.origin, "item": rejection.item,
                                           "stage": rejection.stage, "reason": rejection.reason}


def article_row(seq: int, draft: ArticleDraft, article: Article, changes: list[dict[str, Any]], enriched: Any,
                vector: list[float], model: str) -> dict[str, Any]:
    annotations = {"mentions": [dataclasses.asdict(m) for m in enriched.mentions],
                   "quotes": [dataclasses.asdict(q) for q in enriched.quotes],
                   "citations": [dataclasses.asdict(c) for c in enriched.citations],
                   "dates": [dataclasses.asdict(d) for d in enriched.dates]}
    return _empty_row(seq, "article") | {
        "id": article.id, "origin": article.origin, "item": draft.item, "language": article.language,
        "published": article.published, "source": article.source, "title": article.title,
        "article": json.dumps(article_to_json(article), ensure_ascii=False, default=str),
        "changes": json.dumps(changes, ensure_ascii=False, default=str),
        "annotations": json.dumps(annotations, ensure_ascii=False), "note": enriched.note,
        "embedding": vector, "embedding_model": model}


def article_to_json(article: Article) -> dict[str, Any]:
    data = {f.name: getattr(article, f.name) for f in dataclasses.fields(article)}
    data["authors"] = list(article.authors)
    data["offset_map"] = article.offset_map.to_json()
    return data


def article_from_json(data: Mapping[str, Any]) -> Article:
    values = dict(data)
    values["authors"] = tuple(values.get("authors") or ())
    values["offset_map"] = OffsetMap.from_json(values["offset_map"])
    return Article(**values)


def annotations_from_json(text: str) -> dict[str, list[Any]]:
    data = json.loads(text)
    return {"mentions": [Mention(**m) for m in data["mentions"]], "quotes": [Quote(**q) for q in data["quotes"]],
            "citations": [Citation(**c) for c in data["citations"]],
            "dates": [DateMention(**d) for d in data["dates"]]}
