"""A report as stored JSON and back, without loss.

:func:`report_to_dict` is the view the API hands out; it drops what the renderers need
(quote offsets of speakers, article texts). :func:`report_to_stored` keeps every field
except the articles, which are stored by id (the store has them) and given back to
:func:`report_from_stored`, so a stored report renders exactly like a fresh one.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Mapping
from typing import Any

from ..model import Article
from .build import EventReport, _plain

__all__ = ["report_from_stored", "report_to_stored"]


def report_to_stored(report: EventReport) -> dict[str, Any]:
    data = {f.name: _plain(getattr(report, f.name)) for f in dataclasses.fields(report) if f.name != "articles"}
    data["article_ids"] = [a.id for a in report.articles]
    return data


def report_from_stored(data: Mapping[str, Any], articles: Mapping[str, Article]) -> EventReport:
    """The report ``report_to_stored`` wrote; ``articles`` maps id -> article (every member)."""
    missing = [a for a in data["article_ids"] if a not in articles]
    if missing:
        raise KeyError(f"stored report of {data['event_id']} names articles the store lacks: {missing[:3]}")
    values = {name: _rebuild(tp, data[name]) for name, tp in _hints(EventReport).items() if name != "articles"}
    return EventReport(articles=tuple(articles[a] for a in data["article_ids"]), **values)


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _rebuild(tp: Any, value: Any) -> Any:
    """``value`` (plain JSON) as type ``tp``: dataclasses, tuples, dicts, optionals."""
    if value is None or tp is Any:
        return value
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return tp(**{name: _rebuild(ftp, value[name]) for name, ftp in _hints(tp).items() if name in value})
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        return _rebuild(inner[0], value) if len(inner) == 1 else value
    if origin is tuple:
        item = args[0] if args else Any
        return tuple(_rebuild(item, v) for v in value)
    if origin in (list, frozenset, set):
        return origin(_rebuild(args[0] if args else Any, v) for v in value)
    if origin is dict:
        vt = args[1] if len(args) == 2 else Any
        return {k: _rebuild(vt, v) for k, v in value.items()}
    return value
