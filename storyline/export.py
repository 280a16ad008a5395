"""Export schema v1: one JSON document, JSON Lines, or Parquet files, with everything storyline knows.

The schema is in ``storyline/schemas/export-v1.schema.json`` and documented in
``docs/export.md``. Sections are added by later stages (entities, mentions, quotes,
citations, dates, events, storylines, claims); a reader must ignore keys it does not
know, and a section that a stage has not produced is an empty list.

Every format is made by :func:`iter_records`, which streams from the store one row at a
time and reads the stored event reports (rebuilding only stale ones first), so JSON
Lines and Parquet run in constant memory and start at once. ``since`` limits the export
to what changed after a point in time.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import ConfigError, StorylineError
from .store.sqlite import SQLiteStore

SCHEMA_ID = "storyline.export/1"
# Section name -> the `type` its records carry in JSON Lines.
SECTION_TYPES = {"entities": "entity", "mentions": "mention", "quotes": "quote", "citations": "citation",
                 "dates": "date", "events": "event", "storylines": "storyline", "claims": "claim",
                 "discrepancies": "discrepancy"}
SECTIONS = tuple(SECTION_TYPES)


def export_schema() -> dict[str, Any]:
    return json.loads(resources.files("storyline").joinpath("schemas/export-v1.schema.json").read_text("utf-8"))


def article_record(article: Any, event_id: str | None = None) -> dict[str, Any]:
    return {
        "id": article.id,
        "external_id": article.external_id,
        "source": article.source,
        "title": article.title,
        "published": article.published,
        "url": article.url,
        "language": article.language,
        "authors": list(article.authors),
        "text": article.text,
        "metadata": article.metadata,
        "event_id": event_id,
    }


def normalise_since(since: str | None) -> str | None:
    """``since`` as the store writes times (UTC, ISO 8601 to the second), so they compare as text."""
    if since is None:
        return None
    try:
        when = dt.datetime.fromisoformat(since.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(f"--since {since!r} is not a time; give ISO 8601, e.g. 2025-03-04 or "
                          "2025-03-04T12:00:00+00:00") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)  # the store keeps UTC
    return when.astimezone(dt.UTC).isoformat(timespec="seconds")


def iter_records(store: SQLiteStore, *, with_reports: bool = True, since: str | None = None
                 ) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(section, record)`` pairs, section by section (``articles`` first), streamed from the store.

    ``with_reports`` adds what the stored event reports hold (claims, discrepancies, quote
    groups, event summaries); reports of events that changed since they were stored are
    rebuilt on the way (after the articles, entities and mentions have gone out). ``since`` (ISO time) keeps the articles ingested after it with their
    annotations and entities, and the events they joined or whose report was rebuilt after it."""
    since = normalise_since(since)
    event_of = store.event_assignments()
    for a in store.iter_articles(since):
        yield "articles", article_record(a, event_of.get(a.id))
    del event_of
    for e in store.iter_entities(since):
        yield "entities", {k: e[k] for k in ("id", "name", "type", "variants", "article_ids", "explanations")}
    for m in store.iter_annotations("mentions", since):
        yield "mentions", {"article_id": m.article_id, "start": m.start, "end": m.end, "text": m.text,
                           "label": m.label, "entity_id": m.entity_id}
    event_ids = None if since is None else store.events_touched_since(since)
    if with_reports:
        # Rebuild the reports of events that changed since they were stored, event by event
        # (so the stream is already flowing), before the quote groups they hold are read.
        from .materialise import current_report

        for e in store.iter_events(event_ids):
            current_report(store, e)
    for q in store.iter_annotations("quotes", since):
        yield "quotes", {"article_id": q.article_id, "start": q.start, "end": q.end, "text": q.text,
                         "speaker": q.speaker, "speaker_entity_id": q.speaker_entity_id, "cue": q.cue,
                         "kind": q.kind, "group_id": q.group_id if with_reports else None}
    for c in store.iter_annotations("citations", since):
        yield "citations", {"article_id": c.article_id, "start": c.start, "end": c.end, "text": c.text,
                            "cited": c.cited, "cited_entity_id": c.cited_entity_id, "kind": c.kind}
    for d in store.iter_annotations("dates", since):
        yield "dates", {"article_id": d.article_id, "start": d.start, "end": d.end, "text": d.text,
                        "value": d.value, "granularity": d.granularity, "is_event": d.is_event}
    for e in store.iter_events(event_ids):
        summary: list[dict[str, Any]] = []
        if with_reports:
            summary = [{**s["span"], "outlets": s["outlets"]} for s in store.stored_report_part(e["id"], "summary") or []]
        yield "events", ({k: e[k] for k in ("id", "title", "article_ids", "first_published", "last_published",
                                            "outlets", "duplicate_groups")}
                         | {"languages": e["languages"], "storyline_id": e["storyline_id"], "summary": summary})
    wanted = None if event_ids is None else set(event_ids)
    for s in store.storylines():
        if wanted is None or wanted & set(s["event_ids"]):
            yield "storylines", {k: s[k] for k in ("id", "event_ids", "related_event_ids")}
    if not with_reports:
        return
    # Each section reads only its member of the stored views (parsing whole views was a third
    # of the export's time at 10k articles).
    for section in ("claims", "discrepancies"):
        for eid, rows in store.iter_report_parts(section):
            if wanted is not None and eid not in wanted:
                continue
            if section == "claims":
                for c in rows:
                    yield "claims", {"id": c["id"], "event_id": eid, **c["span"], "group_id": c["group_id"]}
            else:
                for d in rows:
                    yield "discrepancies", {"event_id": eid, **d}


def build_export(store: SQLiteStore, *, with_reports: bool = True, since: str | None = None) -> dict[str, Any]:
    """The whole store (or what changed after ``since``) as one export document.

    Reports are read from the store (stale ones are rebuilt first); ``with_reports=False``
    leaves out claims, discrepancies, quote groups and summaries."""
    doc: dict[str, Any] = {"schema": SCHEMA_ID, "articles": [], **{name: [] for name in SECTIONS}}
    for section, record in iter_records(store, with_reports=with_reports, since=since):
        doc[section].append(record)
    return doc


# One encoder for every record: json.dumps(..., ensure_ascii=False) builds a new one per call.
_encode = json.JSONEncoder(ensure_ascii=False).encode


def iter_json(store: SQLiteStore, *, with_reports: bool = True, since: str | None = None) -> Iterator[str]:
    """The export document of :func:`build_export` as text pieces, streamed: the same JSON
    without ever holding it whole (the HTTP export sends it this way)."""
    order = ("articles", *SECTIONS)
    yield json.dumps({"schema": SCHEMA_ID})[:-1]
    at = -1  # index in ``order`` of the open section
    first = True
    for section, record in iter_records(store, with_reports=with_reports, since=since):
        k = order.index(section)
        if k != at:
            if at >= 0:
                yield "]"
            for name in order[at + 1 : k]:  # sections with no records
                yield f', "{name}": []'
            yield f', "{section}": ['
            at, first = k, True
        yield ("" if first else ", ") + _encode(record)
        first = False
    if at >= 0:
        yield "]"
    for name in order[at + 1 :]:
        yield f', "{name}": []'
    yield "}"


def iter_jsonl(store: SQLiteStore, *, with_reports: bool = True, since: str | None = None) -> Iterator[str]:
    """JSON Lines: a header line, then one line per record tagged with its section; streamed."""
    yield json.dumps({"schema": SCHEMA_ID, "type": "header"}, ensure_ascii=False)
    for section, record in iter_records(store, with_reports=with_reports, since=since):
        kind = "article" if section == "articles" else SECTION_TYPES[section]
        if "type" in record:
            # an entity's own type (PERSON, ORG ...) would overwrite the line's record type
            record = {("entity_type" if k == "type" else k): v for k, v in record.items()}
        yield _encode({"type": kind, **record})


def write_parquet(store: SQLiteStore, out_dir: Path, *, with_reports: bool = True, since: str | None = None,
                  batch_rows: int = 5000) -> list[Path]:
    """One Parquet file per section in ``out_dir`` (``articles.parquet``, ``mentions.parquet``, ...),
    written in row batches. Lists and objects (``article_ids``, ``metadata``, ``variants``) are
    JSON strings, so every column has one flat type; DuckDB reads them with ``json_extract``."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise StorylineError('Parquet export needs pyarrow: pip install -e ".[parquet]"') from None
    out_dir.mkdir(parents=True, exist_ok=True)
    writers: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    pending: dict[str, list[dict[str, Any]]] = {}

    def flush(section: str) -> None:
        rows = [{k: _flat(v) for k, v in r.items()} for r in pending.pop(section, [])]
        if not rows:
            return
        if section not in writers:
            schemas[section] = _arrow_schema(pa, rows)
            writers[section] = pq.ParquetWriter(out_dir / f"{section}.parquet", schemas[section])
        writers[section].write_table(pa.Table.from_pylist(rows, schema=schemas[section]))

    try:
        for section, record in iter_records(store, with_reports=with_reports, since=since):
            batch = pending.setdefault(section, [])
            batch.append(record)
            if len(batch) >= batch_rows:
                flush(section)
        for section in list(pending):
            flush(section)
    finally:
        for w in writers.values():
            w.close()
    return [out_dir / f"{s}.parquet" for s in ("articles", *SECTIONS) if s in writers]


def _flat(value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (list, dict, tuple)) else value


def _arrow_schema(pa: Any, rows: list[dict[str, Any]]) -> Any:
    """Column types from a first batch; a column only ever null there is a string column."""
    fields = []
    for key in rows[0]:
        sample = next((r[key] for r in rows if r.get(key) is not None), None)
        kind = (pa.bool_() if isinstance(sample, bool) else pa.int64() if isinstance(sample, int)
                else pa.float64() if isinstance(sample, float) else pa.string())
        fields.append(pa.field(key, kind))
    return pa.schema(fields)
