"""Export schema v1: one JSON document (or JSON Lines) with everything storyline knows.

The schema is in ``storyline/schemas/export-v1.schema.json`` and documented in
``docs/export.md``. Sections are added by later stages (entities, mentions, quotes,
citations, dates, events, storylines, claims); a reader must ignore keys it does not
know, and a section that a stage has not produced is an empty list.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib import resources
from typing import Any

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


def build_export(store: SQLiteStore, *, with_reports: bool = True) -> dict[str, Any]:
    """The whole store as one export document.

    ``with_reports`` adds what the per-event reports compute (claims and their
    alignment groups, discrepancies, quote groups, event summaries); it embeds every
    sentence of every event, so a very large corpus may want it off.
    """
    event_of = store.event_assignments()
    doc: dict[str, Any] = {
        "schema": SCHEMA_ID,
        "articles": [article_record(a, event_of.get(a.id)) for a in store.articles()],
        "entities": [{k: e[k] for k in ("id", "name", "type", "variants", "article_ids", "explanations")}
                     for e in store.entities()],
        "mentions": [{"article_id": m.article_id, "start": m.start, "end": m.end, "text": m.text, "label": m.label,
                      "entity_id": m.entity_id} for m in store.mentions()],
        "quotes": [],
        "citations": [{"article_id": c.article_id, "start": c.start, "end": c.end, "text": c.text, "cited": c.cited,
                       "cited_entity_id": c.cited_entity_id, "kind": c.kind} for c in store.citations()],
        "dates": [{"article_id": d.article_id, "start": d.start, "end": d.end, "text": d.text, "value": d.value,
                   "granularity": d.granularity, "is_event": d.is_event} for d in store.dates()],
        "events": [],
        "storylines": [{k: s[k] for k in ("id", "event_ids", "related_event_ids")} for s in store.storylines()],
        "claims": [],
        "discrepancies": [],
    }
    quote_group: dict[tuple[str, int, int], str] = {}
    summaries: dict[str, list[dict[str, Any]]] = {}
    if with_reports and store.events():
        from .api import event_reports
        from .report import report_to_dict

        for rep in event_reports(store):
            data = report_to_dict(rep)
            for c in data["claims"]:
                doc["claims"].append({"id": c["id"], "event_id": rep.event_id, **c["span"], "group_id": c["group_id"]})
            for d in data["discrepancies"]:
                doc["discrepancies"].append({"event_id": rep.event_id, **d})
            for q in rep.quotes:
                if q.group_id:
                    quote_group[(q.article_id, q.start, q.end)] = q.group_id
            summaries[rep.event_id] = [{**s["span"], "outlets": s["outlets"]} for s in data["summary"]]
    for q in store.quotes():
        doc["quotes"].append({"article_id": q.article_id, "start": q.start, "end": q.end, "text": q.text,
                              "speaker": q.speaker, "speaker_entity_id": q.speaker_entity_id, "cue": q.cue,
                              "kind": q.kind, "group_id": quote_group.get((q.article_id, q.start, q.end))})
    for e in store.events():
        doc["events"].append({k: e[k] for k in ("id", "title", "article_ids", "first_published", "last_published",
                                                "outlets", "duplicate_groups")}
                             | {"languages": e["languages"], "storyline_id": e["storyline_id"],
                                "summary": summaries.get(e["id"], [])})
    return doc


def iter_jsonl(store: SQLiteStore, *, with_reports: bool = True) -> Iterator[str]:
    """JSON Lines: a header line, then one line per record tagged with its section."""
    doc = build_export(store, with_reports=with_reports)
    yield json.dumps({"schema": SCHEMA_ID, "type": "header"}, ensure_ascii=False)
    for a in doc["articles"]:
        yield json.dumps({"type": "article", **a}, ensure_ascii=False)
    for name in SECTIONS:
        kind = SECTION_TYPES[name]
        for rec in doc[name]:
            yield json.dumps({"type": kind, **rec}, ensure_ascii=False)
