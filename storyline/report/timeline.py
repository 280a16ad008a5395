"""When things happened, next to when they were reported.

Event entries are date mentions marked ``is_event`` (their sentence reports
something happening), grouped by value across outlets; publication entries are
the articles' publication dates. Partial dates stay partial ("2023-04", "--03-03")
and sort at the start of the stretch they name; a date without a year borrows a year for
sorting and plotting only: the article's publication year, else the year most of the
event's dated articles have, else :data:`YEAR_UNKNOWN` (a pile with no publication dates at
all still gets its "--03-05" before its "--03-12", and its value stays "--03-05").
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ..model import Article, DateMention, Span
from .claims import article_order, outlet_of

__all__ = ["YEAR_UNKNOWN", "TimelineEntry", "build_timeline", "date_range", "year_unknown"]

# The year a date with no known year is placed in, for order only: a leap year (so "--02-29"
# has a day), and never shown (see :func:`year_unknown`).
YEAR_UNKNOWN = 2000


@dataclass(frozen=True)
class TimelineEntry:
    value: str  # ISO, possibly partial
    kind: str  # event | published
    outlets: tuple[str, ...]
    spans: tuple[Span, ...]  # the date mentions (event entries) - empty for publications
    article_ids: tuple[str, ...]
    start: str  # first day the value can mean, ISO (for sorting and plotting)
    end: str  # last day it can mean


def date_range(value: str, fallback_year: int | None = None) -> tuple[dt.date, dt.date] | None:
    """First and last day an ISO value (possibly partial) can mean."""
    v = value.strip()
    try:
        m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?", v)
        if m:
            d = dt.date(int(m[1]), int(m[2]), int(m[3]))
            return d, d
        m = re.fullmatch(r"(\d{4})-W(\d{1,2})", v)
        if m:
            d = dt.date.fromisocalendar(int(m[1]), int(m[2]), 1)
            return d, d + dt.timedelta(days=6)
        m = re.fullmatch(r"(\d{4})-(\d{2})", v)
        if m:
            return _month(int(m[1]), int(m[2]))
        m = re.fullmatch(r"(\d{4})", v)
        if m:
            return dt.date(int(m[1]), 1, 1), dt.date(int(m[1]), 12, 31)
        m = re.fullmatch(r"--(\d{2})(?:-(\d{2}))?", v)
        if m and fallback_year:
            if m[2]:
                d = dt.date(fallback_year, int(m[1]), int(m[2]))
                return d, d
            return _month(fallback_year, int(m[1]))
    except ValueError:
        return None
    return None


def _month(year: int, month: int) -> tuple[dt.date, dt.date]:
    first = dt.date(year, month, 1)
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return first, nxt - dt.timedelta(days=1)


def _year_of(article: Article) -> int | None:
    m = re.match(r"(\d{4})", article.published or "")
    return int(m[1]) if m else None


def year_unknown(entry: TimelineEntry) -> bool:
    """Whether the entry is a date without a year placed in :data:`YEAR_UNKNOWN` for order only."""
    return entry.value.startswith("--") and entry.start.startswith(f"{YEAR_UNKNOWN}-")


def build_timeline(articles: Sequence[Article], dates: Sequence[DateMention]) -> list[TimelineEntry]:
    by_id = {a.id: a for a in articles}
    years = Counter(y for y in map(_year_of, articles) if y)
    event_year = years.most_common(1)[0][0] if years else YEAR_UNKNOWN
    grouped: dict[str, dict] = {}
    for d in dates:
        if not d.is_event or not d.value or d.article_id not in by_id:
            continue
        article = by_id[d.article_id]
        rng = date_range(d.value, _year_of(article) or event_year)
        if rng is None:
            continue
        g = grouped.setdefault(d.value, {"outlets": [], "spans": [], "articles": [], "range": rng})
        outlet = outlet_of(article)
        if outlet not in g["outlets"]:
            g["outlets"].append(outlet)
        if d.article_id not in g["articles"]:
            g["articles"].append(d.article_id)
        g["spans"].append(Span(d.article_id, d.start, d.end, article.text[d.start : d.end]))
    entries = [TimelineEntry(v, "event", tuple(g["outlets"]), tuple(g["spans"]), tuple(g["articles"]),
                             g["range"][0].isoformat(), g["range"][1].isoformat()) for v, g in grouped.items()]
    published: dict[str, dict] = {}
    for a in article_order(articles):
        if not a.published:
            continue
        day = a.published[:10]
        rng = date_range(day)
        if rng is None:
            continue
        g = published.setdefault(day, {"outlets": [], "articles": [], "range": rng})
        if outlet_of(a) not in g["outlets"]:
            g["outlets"].append(outlet_of(a))
        g["articles"].append(a.id)
    entries += [TimelineEntry(v, "published", tuple(g["outlets"]), (), tuple(g["articles"]),
                              g["range"][0].isoformat(), g["range"][1].isoformat()) for v, g in published.items()]
    entries.sort(key=lambda e: (e.start, e.kind != "event", e.end, e.value))
    return entries
