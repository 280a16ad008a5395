"""Jinja2 filters. Templates autoescape everything; the one filter that returns markup
(``snippet``) escapes the text itself before adding its ``<mark>`` tags."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from markupsafe import Markup, escape


def snippet(text: str | None) -> Markup:
    """FTS snippets mark hits as [word]: escape everything, then turn the brackets into <mark>."""
    out = []
    for i, part in enumerate((text or "").replace("]", "[").split("[")):
        out.append(f"<mark>{escape(part)}</mark>" if i % 2 else str(escape(part)))
    return Markup("".join(out))


def day(value: str | None) -> str:
    return (value or "")[:10] or "undated"


def days(first: str | None, last: str | None) -> str:
    """An event's span: "2025-03-04 – 2025-03-07", one day once, and "undated" once."""
    from ..analysis import date_span

    return date_span(first, last)


def pathq(value: Any) -> str:
    """One URL path segment (outlet names hold spaces and slashes)."""
    return quote(str(value), safe="")


def with_query(params: dict[str, Any], **changes: Any) -> str:
    """The current filters with some changed, as a query string (empty values left out)."""
    merged = {k: v for k, v in {**params, **changes}.items() if v not in (None, "")}
    return "?" + urlencode(merged)


def install(env: Any) -> None:
    env.filters.update(snippet=snippet, day=day, pathq=pathq)
    env.globals.update(days=days)
    env.globals.update(with_query=with_query)
