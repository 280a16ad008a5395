"""Read-side analysis over a store: the citation graph, quote filters, the timeline, and the
views the web app and the CLI share (entity, outlet, storyline and article profiles, filtered
event lists, search with filters). Pure reads: nothing here writes to the store.

Every list a caller may page through comes back as a :class:`Page` (``total``, ``offset``,
``limit``, ``items``), so no caller ever receives an unbounded list.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from .clean.outlets import same_outlet
from .errors import ConfigError, NotFound
from .report.claims import first_outlets
from .store.sqlite import SQLiteStore

MAX_LIMIT = 200


@dataclass
class Page:
    """One page of a longer list."""

    items: list[Any]
    total: int
    offset: int = 0
    limit: int = 50

    def to_dict(self, key: str = "items") -> dict[str, Any]:
        return {"total": self.total, "offset": self.offset, "limit": self.limit, key: self.items}

    @property
    def next_offset(self) -> int | None:
        return self.offset + self.limit if self.offset + self.limit < self.total else None

    @property
    def prev_offset(self) -> int | None:
        return max(0, self.offset - self.limit) if self.offset > 0 else None


def check_page(offset: int, limit: int) -> None:
    if limit < 1 or limit > MAX_LIMIT:
        raise ConfigError(f"limit must be between 1 and {MAX_LIMIT}, got {limit}")
    if offset < 0:
        raise ConfigError(f"offset must be 0 or more, got {offset}")


def paginate(items: Sequence[Any], offset: int = 0, limit: int = 50) -> Page:
    check_page(offset, limit)
    return Page(list(items[offset: offset + limit]), len(items), offset, limit)


# -- the citation graph, quotes and the timeline (shared with the CLI) --------------------------------------------


def date_span(first: str | None, last: str | None) -> str:
    """An event's span for people: "2025-03-04 – 2025-03-07", one day once, and "undated" once."""
    a, b = (first or "")[:10] or "undated", (last or "")[:10] or "undated"
    return a if a == b else f"{a} – {b}"


def members_span(first: str | None, last: str | None, articles: Iterable[Any]) -> str:
    """:func:`date_span`, or for an event none of whose articles has a publication date, the span of
    the partial dates their texts give (``~--03-12``), as :func:`published_label` writes them."""
    if first or last:
        return date_span(first, last)
    partial = sorted({label for label in map(published_label, articles) if label.startswith("~")})
    return date_span(partial[0], partial[-1]) if partial else "undated"


def _entity_names(store: SQLiteStore, entity_ids: Iterable[str | None]) -> dict[str, str]:
    """entity id -> name for these ids only (a page reads a few entities, not the table)."""
    return {eid: name for eid, (name, _type) in store.entity_names(e for e in entity_ids if e).items()}


def citation_edges(store: SQLiteStore, article_ids: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Outlet -> cited source edges over the whole store (or ``article_ids``), most frequent first."""
    outlet_of = {a["id"]: a["source"] or "?" for a in store.article_meta()}
    wanted = None if article_ids is None else set(article_ids)
    citations = [c for c in store.citations() if wanted is None or c.article_id in wanted]
    # the names of the cited entities only: the whole entity table builds every article list
    names = _entity_names(store, (c.cited_entity_id for c in citations))
    edges: Counter[tuple[str, str, str]] = Counter()
    for cit in citations:
        outlet = outlet_of.get(cit.article_id, "?")
        if cit.kind == "outlet" and same_outlet(cit.cited, outlet):
            continue  # "told Interfax" in Interfax's own copy is its reporting, not a source it cites
        edges[(outlet, names.get(cit.cited_entity_id or "", cit.cited), cit.kind)] += 1
    return [{"outlet": o, "cited": s, "kind": k, "count": n} for (o, s, k), n in edges.most_common()]


def find_quotes(store: SQLiteStore, speaker: str | None = None, article_id: str | None = None) -> list[Any]:
    """Quotes, optionally only those by one speaker (name or spelling) or in one article."""
    from .api import find_entity

    rows = store.quotes([store.article(article_id).id] if article_id else None)
    if speaker:
        e = find_entity(store, speaker)
        rows = [q for q in rows if q.speaker_entity_id == e["id"]]
    return rows


def entity_quotes(store: SQLiteStore, entity: dict[str, Any], article_ids: Sequence[str] | None = None
                  ) -> tuple[list[Any], list[Any]]:
    """Quotes by the entity, and quotes by others that name it (any of its spellings); only those in
    ``article_ids`` when given."""
    quotes = store.quotes(article_ids)
    by = [q for q in quotes if q.speaker_entity_id == entity["id"]]
    names = {v.lower() for v in entity["variants"]} | {entity["name"].lower()}
    about = [q for q in quotes if q.speaker_entity_id != entity["id"] and any(n in q.text.lower() for n in names)]
    return by, about


def timeline_dates(store: SQLiteStore, event_id: str | None = None, show_all: bool = False
                   ) -> list[tuple[Any, Any]]:
    """(date mention, its article) pairs with a normalised value, in date order; only dates next to an event
    phrase unless ``show_all``."""
    ids = store.event(event_id)["article_ids"] if event_id else None
    dates = [d for d in store.dates(ids) if d.value and (show_all or d.is_event)]
    arts = {a.id: a for a in store.articles(ids=ids)}
    dates.sort(key=lambda d: (*timeline_key(d.value), d.article_id))
    return [(d, arts[d.article_id]) for d in dates if d.article_id in arts]


def timeline_key(value: str | None) -> tuple[int, str]:
    """Dated values first, in date order; then partial ones (``--03-03``: month and day, year unknown)
    in month-day order among themselves, since no year is ever guessed."""
    if value and value.startswith("--"):
        return 1, value[2:]
    return 0, value or ""


def published_label(article: Any) -> str:
    """The publication date, or the inferred partial one marked ``~`` (``~--03-10``), or ``?``."""
    if article.published:
        return str(article.published)[:10]
    inferred = (article.metadata.get("inferred") or {}).get("published") or {}
    return f"~{inferred['value']}" if inferred.get("value") else "?"


def sentence_around(text: str, start: int, end: int) -> str:
    """The sentence (or line) holding ``text[start:end]``, whitespace collapsed."""
    left = max(text.rfind(". ", 0, start), text.rfind("\n", 0, start)) + 1
    right_candidates = [i for i in (text.find(". ", end), text.find("\n", end)) if i != -1]
    right = min(right_candidates) + 1 if right_candidates else len(text)
    return " ".join(text[left:right].split())


# -- events and storylines ------------------------------------------------------------------------------------------

SORTS = ("recent", "growing", "size", "oldest")
_DAY = re.compile(r"\d{4}(?:-\d{2}(?:-\d{2})?)?")


def check_days(**days: str | None) -> None:
    """Refuse a date filter that is not an ISO date (``2026-05-14``, ``2026-05``, ``2026``): compared as
    text, ``15/05/2026`` or ``notadate`` would silently keep everything or nothing."""
    for option, value in days.items():
        if not value:
            continue
        ok = bool(_DAY.fullmatch(value))
        if ok and len(value) == 10:
            try:
                date.fromisoformat(value)
            except ValueError:
                ok = False
        if ok and len(value) >= 7:
            ok = 1 <= int(value[5:7]) <= 12
        if not ok:
            raise ConfigError(f"{option} {value!r} is not a date; give an ISO date such as 2026-05-14 (or 2026-05, 2026)")


def event_rows(store: SQLiteStore, *, since: str | None = None, until: str | None = None,
               outlet: str | None = None, language: str | None = None, min_size: int = 1,
               sort: str = "recent", offset: int = 0, limit: int = 20, growth_days: float = 2.0,
               events: list[dict[str, Any]] | None = None, meta: list[dict[str, Any]] | None = None) -> Page:
    """Events filtered by date range (ISO dates, inclusive), outlet, language and size, sorted by
    ``recent`` (last article first), ``growing`` (most articles in the last ``growth_days`` before the
    newest article of the store), ``size`` or ``oldest``. Each row carries ``size`` and ``growth``.
    ``events`` and ``meta`` (``store.article_meta()``) may be passed when the caller has them already."""
    if sort not in SORTS:
        raise ConfigError(f"unknown sort {sort!r}; use one of {', '.join(SORTS)}")
    check_days(since=since, until=until)
    events = store.events() if events is None else events
    meta = (store.article_meta() if events else []) if meta is None else meta
    published = {a["id"]: a["published"] for a in meta}
    newest = max((p for p in published.values() if p), default=None)
    cutoff = _shift(newest, -growth_days) if newest else None
    rows = []
    for e in events:
        first, last = (e["first_published"] or "")[:10], (e["last_published"] or "")[:10]
        if since and last and last < since or until and first and first > until:
            continue
        if outlet and outlet not in e["outlets"] or language and language not in e["languages"]:
            continue
        if len(e["article_ids"]) < min_size:
            continue
        growth = sum(1 for a in e["article_ids"] if cutoff and (published.get(a) or "") >= cutoff)
        rows.append(e | {"size": len(e["article_ids"]), "growth": growth})
    keys = {"recent": lambda r: (r["last_published"] or "", r["id"]),
            "growing": lambda r: (r["growth"], r["last_published"] or "", r["id"]),
            "size": lambda r: (r["size"], r["last_published"] or "", r["id"]),
            "oldest": lambda r: ("~" if not r["first_published"] else _invert(r["first_published"]), r["id"])}
    rows.sort(key=keys[sort], reverse=True)
    return paginate(rows, offset, limit)


def _invert(s: str) -> str:
    return "".join(chr(0x10FFFF - ord(ch)) for ch in s)


def _shift(iso: str, days: float) -> str:
    from datetime import datetime

    try:
        when = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    return (when + timedelta(days=days)).isoformat()[: len(iso)] if len(iso) > 10 else \
        (when + timedelta(days=days)).date().isoformat()


def volume_by_day(store: SQLiteStore, article_ids: Sequence[str] | None = None,
                  meta: list[dict[str, Any]] | None = None) -> list[tuple[str, int]]:
    """Articles per publication day (undated articles left out), in date order, gaps filled with zero
    (per month over spans longer than a year, per year over spans longer than ten)."""
    rows = store.article_meta(article_ids) if meta is None else meta
    return _fill_days(Counter((a["published"] or "")[:10] for a in rows if a["published"]))


def home_view(store: SQLiteStore, **filters: Any) -> dict[str, Any]:
    """The home page in one pass over the store: filtered events (see :func:`event_rows`), the outlets and
    languages to filter by, articles per day, and the stories."""
    events = store.events()
    meta = store.article_meta()
    return {"page": event_rows(store, events=events, meta=meta, **filters),
            "outlets": outlet_names(store, meta), "languages": sorted({lang for e in events for lang in e["languages"]}),
            "volume": volume_by_day(store, meta=meta), "articles": len(meta),
            "events_by_id": {e["id"]: e for e in events}, "stories": stories(store)}


def _day(value: str | None) -> int | None:
    try:
        return date.fromisoformat((value or "")[:10]).toordinal()
    except ValueError:
        return None


@dataclass(frozen=True)
class EventsByDate:
    """Events sorted by first publication day, for :func:`merge_candidates` (build once, reuse
    while the store is unchanged: the web app keeps one per store state)."""

    days: list[int]  # ordinal day of each dated event, ascending
    dated: list[dict[str, Any]]  # the dated events in that order (ties by id)
    undated: list[dict[str, Any]]  # the rest, by id

    @classmethod
    def of(cls, store: SQLiteStore) -> EventsByDate:
        keyed = sorted(((_day(e["first_published"]), e["id"], e) for e in store.events()),
                       key=lambda t: (t[0] is None, t[0] or 0, t[1]))
        dated = [t for t in keyed if t[0] is not None]
        return cls([t[0] for t in dated], [t[2] for t in dated], [t[2] for t in keyed if t[0] is None])


def membership_view(store: SQLiteStore, event_id: str, article_ids: Sequence[str], top: int = 3
                    ) -> dict[str, dict[str, Any]]:
    """Why each article is in event ``event_id``, from what the clusterer recorded when it placed
    it: ``how`` (opened the event, joined it, or "later": it was placed in another event and came
    here by a merge or a correction), the probability, the evidence that raised the log-odds
    most (``top`` similarities and shared names or numbers the pair has, in plain words,
    strongest first), and the clusterer's note (e.g. joined on the second look)."""
    from .cluster.scorer import EVIDENCE_FEATURES, FEATURE_LABELS

    out: dict[str, dict[str, Any]] = {}
    for aid in article_ids:
        member = store.event_member(aid)
        if member is None:
            continue
        why = member["explanation"]
        present = why.get("components", {})
        raised = sorted(((v, k) for k, v in why.get("contributions", {}).items()
                         if k in EVIDENCE_FEATURES and v > 0 and present.get(k, 0) > 0), reverse=True)[:top]
        how = "later" if member["event_id"] != event_id else "opened" if member["is_new"] else "joined"
        out[aid] = {"how": how, "probability": round(float(member["score"]), 2), "placed_in": member["event_id"],
                    "reasons": [FEATURE_LABELS[k] for _v, k in raised], "note": why.get("note") or ""}
    return out


def merge_candidates(store: SQLiteStore, around: str | None, exclude: str | None = None,
                     limit: int = 50, by_date: EventsByDate | None = None) -> list[dict[str, Any]]:
    """Events nearest in time to the date ``around`` (ISO), for a merge or move form; at most ``limit``,
    nearest first, ties by id, undated events last. ``by_date`` may be passed when the caller has it.

    Walks outwards from ``around`` in the sorted events instead of sorting every event by its
    distance (at 100k articles that sort was most of an event page's time)."""
    index = EventsByDate.of(store) if by_date is None else by_date
    target = _day(around)
    if target is None:  # no day to be near: every event is equally far, by id
        rows = sorted(index.dated + index.undated, key=lambda e: e["id"])
        return [e for e in rows if e["id"] != exclude][:limit]
    from bisect import bisect_left

    lo = bisect_left(index.days, target) - 1
    hi = lo + 1
    picked: list[tuple[int, str, dict[str, Any]]] = []
    while lo >= 0 or hi < len(index.days):
        d_lo = target - index.days[lo] if lo >= 0 else None
        d_hi = index.days[hi] - target if hi < len(index.days) else None
        if d_hi is None or (d_lo is not None and d_lo <= d_hi):
            d, e, lo = d_lo, index.dated[lo], lo - 1
        else:
            d, e, hi = d_hi, index.dated[hi], hi + 1
        # enough once one spare (for ``exclude``) is in and every event as near as the last is too
        if len(picked) > limit and d > picked[-1][0]:
            break
        picked.append((d, e["id"], e))
    picked.sort(key=lambda t: (t[0], t[1]))
    rows = [e for _d, _id, e in picked] + index.undated
    return [e for e in rows if e["id"] != exclude][:limit]


def _fill_days(counts: Counter[str]) -> list[tuple[str, int]]:
    days = sorted(d for d in counts if len(d) == 10)
    if not days:
        return []
    try:
        first, last = date.fromisoformat(days[0]), date.fromisoformat(days[-1])
    except ValueError:
        return [(d, counts[d]) for d in days]
    if (last - first).days > 366:  # a long span: one bar per month (per year past ten years) instead
        # At most ~120 bars: a 100k-article store spanning 18 years drew 220 monthly bars on a
        # 640-pixel plot, and their table, on every home page view.
        width = 4 if (last - first).days > 3660 else 7
        periods: Counter[str] = Counter()
        for d, n in counts.items():
            periods[d[:width]] += n
        return sorted(periods.items())
    return [((first + timedelta(days=i)).isoformat(), counts.get((first + timedelta(days=i)).isoformat(), 0))
            for i in range((last - first).days + 1)]


def stories(store: SQLiteStore) -> list[dict[str, Any]]:
    """Storylines (events linked over time), whichever name the store gives them."""
    read = getattr(store, "storylines", None) or getattr(store, "stories")  # noqa: B009
    return list(read())


def storylines_of(store: SQLiteStore, events: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The stories holding any of these events (rows of ``store.events()``), by id."""
    ids = sorted({e["storyline_id"] for e in events if e.get("storyline_id")})
    return [s for s in map(store.storyline, ids) if s is not None]


def storyline_view(store: SQLiteStore, storyline_id: str) -> dict[str, Any]:
    """A storyline with its events (time order) and related earlier events."""
    rows = {s["id"]: s for s in stories(store)}
    if storyline_id not in rows:
        raise NotFound(f"no storyline {storyline_id!r}; list them with `storyline storylines`")
    s = rows[storyline_id]
    events_by_id = {e["id"]: e for e in store.events()}
    return s | {"events": [events_by_id[e] for e in s["event_ids"] if e in events_by_id],
                "related": [events_by_id[e] for e in s["related_event_ids"] if e in events_by_id]}


def storyline_of(store: SQLiteStore, event_id: str, event: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """The story holding an event (``event``: its row, when the caller has it)."""
    event = store.event(event_id) if event is None else event
    # The event row names its story: one indexed read, not a scan of every story (26k at 100k articles).
    story = store.storyline(event["storyline_id"]) if event.get("storyline_id") else None
    if story is not None and event_id in story["event_ids"]:
        return story
    for s in stories(store):
        if event_id in s["event_ids"]:
            return s
    return None


# -- entities ----------------------------------------------------------------------------------------------------


def scripts(text: str) -> list[str]:
    """Writing systems used by the letters of ``text`` (Latin, Cyrillic, ...)."""
    found = []
    for ch in text:
        if ch.isalpha():
            name = unicodedata.name(ch, "UNKNOWN").split(" ")[0].title()
            if name not in found:
                found.append(name)
    return found


QUOTE_SCAN = 300
MENTION_ARTICLES = 20  # mentions listed (to split off one by one) come from its latest 20 articles


def entity_view(store: SQLiteStore, name_or_id: str, limit: int = 50) -> dict[str, Any]:
    """An entity with its spellings (and their scripts), articles mentioning it per day, quotes by and about
    it (in its latest 300 articles), its articles (latest first), and why its mentions were merged. Lists hold at most ``limit``
    items; the ``*_total`` keys say how many there are."""
    from .api import find_entity

    e = find_entity(store, name_or_id)
    articles = store.article_meta(e["article_ids"])
    articles.sort(key=lambda a: (a["published"] or "", a["id"]), reverse=True)
    # Quotes are looked for in its latest QUOTE_SCAN articles: the page stays fast for entities in thousands.
    scanned = [a["id"] for a in articles[:QUOTE_SCAN]]
    by, about = entity_quotes(store, e, scanned)
    spellings = [{"text": v, "count": n, "scripts": scripts(v)}
                 for v, n in sorted(e["variants"].items(), key=lambda kv: -kv[1])]
    latest = store.articles(ids=[a["id"] for a in articles[:MENTION_ARTICLES]])
    mentions = [{"key": f"{m.article_id}:{m.start}:{m.end}", "article_id": m.article_id, "start": m.start,
                 "end": m.end, "text": m.text, "context": sentence_around(a.text, m.start, m.end)[:200]}
                for a in latest for m in store.mentions([a.id]) if m.entity_id == e["id"]][:limit]
    return e | {"spellings": spellings, "articles_by_day": volume_by_day(store, meta=articles),
                "mentions": mentions,
                "articles": articles[:limit], "articles_total": len(articles),
                "quotes_by": [q.__dict__ for q in by[:limit]], "quotes_by_total": len(by),
                "quotes_about": [q.__dict__ for q in about[:limit]], "quotes_about_total": len(about),
                "quotes_scanned_articles": len(scanned),
                "article_ids": e["article_ids"][:limit]}


# -- outlets -----------------------------------------------------------------------------------------------------


def outlet_names(store: SQLiteStore, meta: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Every outlet with its article count, most articles first."""
    counts = Counter(a["source"] or "?" for a in (store.article_meta() if meta is None else meta))
    return [{"name": n, "articles": c} for n, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def outlet_view(store: SQLiteStore, name: str, limit: int = 100) -> dict[str, Any]:
    """What an outlet covers, the events others cover and it does not (blind spots: events at least two other
    outlets cover, most covered first), how often it published first on an event it covered, and whom it cites.
    Lists hold at most ``limit`` items; the ``*_total`` keys say how many there are."""
    meta = store.article_meta()
    articles = [a for a in meta if (a["source"] or "?") == name]
    if not articles:
        raise NotFound(f"no outlet {name!r}; list them with `storyline articles` (source column)")
    events = store.events()
    pub = {a["id"]: (a["published"], a["source"] or "?") for a in meta}
    # who published first: the report's rule (same day without times is a tie, and every tied outlet was first)
    first_of = {e["id"]: first_outlets(pub[a] for a in e["article_ids"] if a in pub) for e in events}
    covered = [e for e in events if name in e["outlets"]]
    blind = sorted((e for e in events if name not in e["outlets"] and len(e["outlets"]) >= 2),
                   key=lambda e: (-len(e["outlets"]), e["id"]))
    first = [e["id"] for e in covered if name in first_of.get(e["id"], ())]
    tied = [eid for eid in first if len(first_of[eid]) > 1]
    return {"name": name, "articles": articles[-limit:][::-1], "articles_total": len(articles),
            "articles_by_day": volume_by_day(store, meta=articles),
            "languages": sorted({a["language"] for a in articles if a["language"]}),
            "covered": covered[-limit:][::-1], "covered_total": len(covered),
            "blind_spots": blind[:limit], "blind_spots_total": len(blind), "first_on": first[-limit:],
            "first_total": len(first), "first_tied": len(tied), "first_share": round(len(first) / len(covered), 3) if covered else 0.0,
            "cites": citation_edges(store, [a["id"] for a in articles])[:limit]}


# -- articles ----------------------------------------------------------------------------------------------------

KINDS = ("mention", "quote", "citation", "date")


@dataclass
class Segment:
    text: str
    kinds: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    target: bool = False


def article_view(store: SQLiteStore, article_id: str, focus: tuple[int, int] | None = None) -> dict[str, Any]:
    """An article with its clean text cut into segments, each tagged with the annotations covering it
    (mentions, quotes, citations, dates) and whether it lies in ``focus`` (a start, end range to show)."""
    a = store.article(article_id)
    spans: list[tuple[int, int, str, str]] = []
    mentions = store.mentions([a.id])
    names = _entity_names(store, (m.entity_id for m in mentions))
    for m in mentions:
        spans.append((m.start, m.end, "mention", f"{m.label}: {names.get(m.entity_id or '', m.text)}"))
    for q in store.quotes([a.id]):
        spans.append((q.start, q.end, "quote", f"quote ({q.kind}) by {q.speaker or 'unattributed'}"))
    for c in store.citations([a.id]):
        spans.append((c.start, c.end, "citation", f"cites {c.cited} ({c.kind})"))
    for d in store.dates([a.id]):
        spans.append((d.start, d.end, "date", f"date {d.value or 'unresolved'}"))
    text = a.text
    if focus is not None:
        s, e = focus
        if not (0 <= s < e <= len(text)):
            raise ConfigError(f"range {s}-{e} is outside the article (0-{len(text)})")
    cuts = {0, len(text)} | {p for s, e, _, _ in spans for p in (s, e) if 0 <= p <= len(text)}
    if focus:
        cuts |= set(focus)
    points = sorted(cuts)
    segments = []
    for lo, hi in zip(points, points[1:], strict=False):
        covering = [(k, lab) for s, e, k, lab in spans if s <= lo and hi <= e]
        kinds = sorted({k for k, _ in covering}, key=KINDS.index)
        segments.append(Segment(text[lo:hi], kinds, [lab for _, lab in covering],
                                bool(focus and focus[0] <= lo and hi <= focus[1])))
    return {"article": a, "segments": segments, "changes": store.article_changes(a.id),
            "event_id": store.event_assignments().get(a.id),
            "counts": dict(Counter(k for _, _, k, _ in spans))}


# -- search ------------------------------------------------------------------------------------------------------


def search_articles(store: SQLiteStore, query: str, *, source: str | None = None, language: str | None = None,
                    since: str | None = None, until: str | None = None, offset: int = 0, limit: int = 20,
                    semantic: bool = False, pool: int = MAX_LIMIT, window: int | None = None) -> Page:
    """Full-text search (the store's ranking and snippets), or with ``semantic`` the sentences closest in
    meaning (``api.semantic_search``, any language); the ``pool`` best matches are then filtered by outlet,
    language and publication date. ``window``: full-text ranking looks at most at that many matches,
    the most recently stored (``Settings.search_rank_window``)."""
    check_days(since=since, until=until)
    if not query.strip():
        raise ConfigError("empty query; type some words, e.g. dam collapse")
    if not semantic and not (source or language or since or until):
        # Nothing to filter: rank only the page shown, and count the pool (a snippet per hit of
        # the 200 was a fifth of the search page's time at 100k articles).
        check_page(offset, limit)
        total = store.count_matches(query, at_most=pool)
        shown = max(0, min(limit, total - offset))
        hits = [h.__dict__ for h in store.search(query, shown, offset=offset, window=window)] if shown else []
        lang = {a["id"]: a["language"] for a in store.article_meta([h["article_id"] for h in hits])}
        return Page([h | {"language": lang.get(h["article_id"])} for h in hits], total, offset, limit)
    if semantic:
        from .api import semantic_search

        hits = [h.__dict__ | {"snippet": None} for h in semantic_search(store, query, pool)]
    else:
        hits = [h.__dict__ for h in store.search(query, pool, window=window)]
    lang = {a["id"]: a["language"] for a in store.article_meta([h["article_id"] for h in hits])} if hits else {}
    rows = []
    for h in hits:
        day = (h["published"] or "")[:10]
        if source and h["source"] != source or language and lang.get(h["article_id"]) != language:
            continue
        if since and (not day or day < since) or until and (not day or day > until):
            continue
        rows.append(h | {"language": lang.get(h["article_id"])})
    return paginate(rows, offset, limit)


def group_by(items: Sequence[dict[str, Any]], key: str) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for it in items:
        out[it[key]].append(it)
    return dict(out)
