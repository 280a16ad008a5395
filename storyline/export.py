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
SECTIONS = ("entities", "mentions", "quotes", "citations", "dates", "events", "storylines", "claims", "discrepancies")


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


def build_export(store: SQLiteStore) -> dict[str, Any]:
    """The whole store as one export document."""
    sections = store.export_sections() if hasattr(store, "export_sections") else {}
    event_of = sections.pop("_event_of", {}) if sections else {}
    doc: dict[str, Any] = {
        "schema": SCHEMA_ID,
        "articles": [article_record(a, event_of.get(a.id)) for a in store.articles()],
    }
    for name in SECTIONS:
        doc[name] = sections.get(name, [])
    return doc


def iter_jsonl(store: SQLiteStore) -> Iterator[str]:
    """JSON Lines: a header line, then one line per record tagged with its section."""
    doc = build_export(store)
    yield json.dumps({"schema": SCHEMA_ID, "type": "header"}, ensure_ascii=False)
    for a in doc["articles"]:
        yield json.dumps({"type": "article", **a}, ensure_ascii=False)
    for name in SECTIONS:
        kind = name[:-1] if name.endswith("s") else name
        kind = {"entitie": "entity", "discrepancie": "discrepancy", "storyline": "storyline"}.get(kind, kind)
        for rec in doc[name]:
            yield json.dumps({"type": kind, **rec}, ensure_ascii=False)
