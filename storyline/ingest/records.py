"""The schema of a JSON/JSONL article record, checked before anything uses it.

A record with a field of the wrong type (``"authors": 5``) is refused with the
field's name and the type it should have, instead of failing later somewhere
in cleaning or storage. Keys storyline does not know are kept as metadata.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from ..errors import InputRejected

__all__ = ["ArticleRecord", "validate_record"]


def _text_or_none(value: Any) -> Any:
    """Numbers become text (a numeric title is still a title); NaN and infinities mean missing."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


def _authors(value: Any) -> Any:
    if isinstance(value, str):
        return [value]
    return value


Text = Annotated[str | None, BeforeValidator(_text_or_none)]


class ArticleRecord(BaseModel):
    """One article record (``--field`` mappings are applied before validation)."""

    model_config = ConfigDict(extra="allow")

    text: str
    id: Annotated[str | None, BeforeValidator(_text_or_none), Field(max_length=512)] = None
    title: Text = None
    source: Annotated[str | None, BeforeValidator(_text_or_none), Field(max_length=1000)] = None
    published: Text = None
    url: Annotated[str | None, BeforeValidator(_text_or_none), Field(max_length=8192)] = None
    language: Annotated[str | None, BeforeValidator(_text_or_none), Field(max_length=64)] = None
    authors: Annotated[list[Text] | None, BeforeValidator(_authors)] = None


_EXPECTED = {
    "text": "a string",
    "id": "a string or a number (at most 512 characters)",
    "title": "a string",
    "source": "a string (at most 1000 characters)",
    "published": "an ISO date string such as 2025-03-04",
    "url": "a string (at most 8192 characters)",
    "language": "a language code such as en",
    "authors": "a list of names or one string",
}


def validate_record(record: dict[str, Any]) -> ArticleRecord:
    """The record as an :class:`ArticleRecord`; a wrong type raises :class:`InputRejected` naming the field."""
    try:
        return ArticleRecord.model_validate(record)
    except ValidationError as exc:
        problems = []
        for err in exc.errors()[:3]:
            loc = [str(p) for p in err["loc"]]
            name = loc[0] if loc else "?"
            got = err.get("input")
            shown = type(got).__name__ if isinstance(got, dict | list) else repr(got)
            shown = shown if len(shown) <= 40 else f"{shown[:30]}… ({len(shown)} characters)"
            problems.append(f"field '{'.'.join(loc)}' should be {_EXPECTED.get(name, 'valid')}, got {shown}")
        raise InputRejected("; ".join(problems) + "; fix the record or map another key with --field") from None
