"""One event's coverage report, built from plain inputs.

``build_event_report(event)`` runs every report step on an :class:`EventInput` and
returns an :class:`EventReport`; ``report_to_dict`` makes it JSON-able. Sentence
embeddings are computed once per event, in one batch (claims and quotes together).
Every span in the report points into an article's clean text:
``article.text[start:end] == span.text``.
"""

from __future__ import annotations

import functools
import time
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any, Protocol

import numpy as np

from ..model import Article, Quote, Span
from .claims import Claim, ClaimGroup, align_claims, article_order, claim_facts, outlet_of, split_claims
from .discrepancies import Discrepancy, find_discrepancies
from .inputs import EventInput
from .options import ReportOptions
from .quote_groups import QuoteGroup, group_quotes
from .sources import SourceGraph, build_source_graph
from .stance_book import StanceBook
from .summary import SummarySentence, lead_baseline, summarize
from .text import word_count
from .timeline import TimelineEntry, build_timeline

__all__ = [
    "CoverageMatrix",
    "EntitySummary",
    "EventReport",
    "OutletSummary",
    "UniqueAngle",
    "build_event_report",
    "report_to_dict",
]


class Encoder(Protocol):
    def encode(self, texts: list[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class OutletSummary:
    name: str
    article_ids: tuple[str, ...]
    languages: tuple[str, ...]
    first_published: str | None
    claims: int
    unique_claims: int


@dataclass(frozen=True)
class CoverageMatrix:
    """``cells[o][g]`` is the id of outlet ``o``'s claim in group ``g``, or None."""

    outlets: tuple[str, ...]
    group_ids: tuple[str, ...]
    cells: tuple[tuple[str | None, ...], ...]


@dataclass(frozen=True)
class UniqueAngle:
    outlet: str
    group_id: str
    span: Span
    score: float  # informativeness: numbers, named entities, dates, length


@dataclass(frozen=True)
class EntitySummary:
    entity_id: str
    name: str
    type: str
    mentions: int
    outlets: dict[str, int]
    variants: dict[str, int]


@dataclass(frozen=True)
class EventReport:
    event_id: str
    title: str | None
    articles: tuple[Article, ...]  # earliest first
    outlets: tuple[OutletSummary, ...]
    claims: tuple[Claim, ...]
    claim_groups: tuple[ClaimGroup, ...]
    coverage: CoverageMatrix
    discrepancies: tuple[Discrepancy, ...]
    quote_groups: tuple[QuoteGroup, ...]
    quotes: tuple[Quote, ...]
    sources: SourceGraph
    unique_angles: tuple[UniqueAngle, ...]
    timeline: tuple[TimelineEntry, ...]
    summary: tuple[SummarySentence, ...]
    lead3: tuple[Span, ...]
    entities: tuple[EntitySummary, ...]
    stats: dict[str, Any] = field(default_factory=dict)

    def article(self, article_id: str) -> Article:
        return next(a for a in self.articles if a.id == article_id)

    def coverage_phrase(self) -> str:
        """"5 articles from 3 outlets", saying how many have no known outlet: such an article stands
        for itself in the coverage tables (shown by its id) but is not counted as an outlet."""
        known = {a.source for a in self.articles if a.source}
        unknown = sum(1 for a in self.articles if not a.source)
        n = len(self.articles)
        phrase = f"{n} article{'s' if n != 1 else ''} from {len(known)} outlet{'s' if len(known) != 1 else ''}"
        return phrase + (f" ({unknown} with no known outlet)" if unknown else "")


SpanKey = tuple[str, int, int]  # (article_id, start, end)


def _encode(encoder: Encoder | None, texts: list[str], keys: Sequence[SpanKey] = (),
            precomputed: Mapping[SpanKey, np.ndarray] | None = None) -> tuple[np.ndarray, int]:
    """Unit vectors of ``texts`` and how many came from ``precomputed`` (looked up by span key);
    only the rest are encoded, so a report over stored vectors never loads the encoder."""
    if not texts:
        return np.zeros((0, 1), dtype=np.float32), 0
    found: dict[int, np.ndarray] = {}
    if precomputed:
        for i, key in enumerate(keys):
            v = precomputed.get(key)
            if v is not None:
                found[i] = v
    todo = [i for i in range(len(texts)) if i not in found]
    fresh = np.zeros((0, 1), dtype=np.float32)
    if todo:
        if encoder is None:
            from ..nlp import sentence_encoder

            encoder = sentence_encoder()
        # Wire copies repeat sentences word for word: encode each distinct text once.
        unique = list(dict.fromkeys(texts[i] for i in todo))
        fresh = np.asarray(encoder.encode(unique), dtype=np.float32)
        row = {t: k for k, t in enumerate(unique)}
        for i in todo:
            found[i] = fresh[row[texts[i]]]
    vectors = np.stack([np.asarray(found[i], dtype=np.float32) for i in range(len(texts))])
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms), len(texts) - len(todo)


def build_event_report(event: EventInput, encoder: Encoder | None = None,
                       options: ReportOptions | None = None,
                       vectors: Mapping[SpanKey, np.ndarray] | None = None,
                       stances: StanceBook | None = None) -> EventReport:
    """Every section of the coverage report for one event.

    ``encoder`` is anything with ``encode(list[str]) -> ndarray`` (default: the shared
    cross-lingual sentence encoder, :func:`storyline.nlp.sentence_encoder`). ``vectors``
    maps ``(article_id, start, end)`` to a precomputed embedding of that span (the store's
    sentence vectors, made by the same encoder); claims and quotes found there are not
    encoded again. ``stances`` holds claim stances read already (the store's); the ones this
    build reads from a parse are added to it (see :mod:`storyline.report.stance_book`).
    """
    options = options or ReportOptions()
    t0 = time.perf_counter()
    articles = article_order(list(event.articles))
    by_id = {a.id: a for a in articles}
    entities = dict(event.entities or {})
    mentions = [m for m in event.mentions if m.article_id in by_id]
    quotes = [q for q in event.quotes if q.article_id in by_id]
    dates = [d for d in event.dates if d.article_id in by_id]

    claims = [c for a in articles for c in split_claims(a, event.event_id, options)]
    t_split = time.perf_counter()
    spans = [c for c in claims] + [q for q in quotes]
    unit, reused = _encode(encoder, [x.text for x in spans], [(x.article_id, x.start, x.end) for x in spans], vectors)
    t_encode = time.perf_counter()
    claim_vectors, quote_vectors = unit[: len(claims)], unit[len(claims) :]

    facts = claim_facts(claims, by_id, mentions, dates, entities)
    groups, claims = align_claims(claims, claim_vectors, facts, articles, event.duplicate_groups, options)
    # Every discrepancy sets one outlet against another: an event a single outlet covers has none,
    # and skipping the search skips its stance parse of the claims (the search is 53% of the report
    # stage over 200 BASIL articles, the parse 44%: benchmarks/results/speed.md, run 11).
    one_outlet = len({outlet_of(a) for a in articles}) < 2
    discrepancies = [] if one_outlet else find_discrepancies(groups, claims, facts, claim_vectors, by_id, entities,
                                                             mentions, options, stances)
    qgroups, quotes = group_quotes(quotes, quote_vectors, articles, entities, options)
    sources = build_source_graph(articles, event.citations, quotes, entities, qgroups)
    timeline = build_timeline(articles, dates)
    disputes: dict[str, list[str]] = defaultdict(list)
    for d in discrepancies:
        if d.group_id:
            disputes[d.group_id].append(d.id)
    summary = summarize(claims, groups, claim_vectors, articles, disputes, options, discrepancies)
    lead3 = lead_baseline(articles, 3)
    coverage = _coverage(articles, claims, groups)
    quoted = _quoted_elsewhere(claims, quotes, qgroups)
    angles = _unique_angles(claims, groups, facts, by_id, options, quoted)
    t_end = time.perf_counter()

    outlets = []
    for name in coverage.outlets:
        arts = [a for a in articles if outlet_of(a) == name]
        ids = {a.id for a in arts}
        outlets.append(OutletSummary(
            name, tuple(a.id for a in arts), tuple(dict.fromkeys(a.language or "?" for a in arts)),
            arts[0].published, sum(c.article_id in ids for c in claims),
            sum(1 for g in groups if g.outlets == (name,) and g.id not in quoted)))
    shared = Counter(len(g.outlets) for g in groups)
    stats = {
        "articles": len(articles), "outlets": len(outlets), "claims": len(claims), "claim_groups": len(groups),
        "groups_by_outlets": {str(k): v for k, v in sorted(shared.items())},
        "quotes": len(quotes), "quote_groups": len(qgroups), "discrepancies": len(discrepancies),
        "stored_vectors": reused,
        "seconds": {"split": round(t_split - t0, 3), "encode": round(t_encode - t_split, 3),
                    "rest": round(t_end - t_encode, 3), "total": round(t_end - t0, 3)},
    }
    return EventReport(
        event_id=event.event_id, title=event.title, articles=tuple(articles), outlets=tuple(outlets),
        claims=tuple(claims), claim_groups=tuple(groups), coverage=coverage, discrepancies=tuple(discrepancies),
        quote_groups=tuple(qgroups), quotes=tuple(quotes), sources=sources, unique_angles=tuple(angles),
        timeline=tuple(timeline), summary=tuple(summary), lead3=tuple(lead3),
        entities=tuple(_entity_summaries(mentions, entities, by_id)), stats=stats)


def _coverage(articles: Sequence[Article], claims: Sequence[Claim], groups: Sequence[ClaimGroup]) -> CoverageMatrix:
    outlets = tuple(dict.fromkeys(outlet_of(a) for a in articles))
    outlet_by_article = {a.id: outlet_of(a) for a in articles}
    cell: dict[tuple[str, str], str] = {}
    for c in claims:
        cell.setdefault((outlet_by_article[c.article_id], c.group_id or ""), c.id)
    gids = tuple(g.id for g in groups)
    return CoverageMatrix(outlets, gids, tuple(tuple(cell.get((o, g)) for g in gids) for o in outlets))


def _informativeness(claim: Claim, facts: Any) -> float:
    return (1.0 * min(len(facts.numbers), 3) + 0.7 * min(len(facts.entity_ids), 4) + 0.5 * min(len(facts.dates), 2)
            + 0.03 * min(word_count(claim.text), 40))


def _quoted_elsewhere(claims: Sequence[Claim], quotes: Sequence[Quote], qgroups: Sequence[QuoteGroup]) -> set[str]:
    """Ids of claim groups one outlet reports whose claim holds a quote other outlets carry too
    ("He said divers would resume the search on Wednesday." where another outlet quotes the same
    words): the claim aligner missed the pair, the quote grouping did not, so it is no angle of its own."""
    shared = {g.id for g in qgroups if len(g.outlets) > 1}
    spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for q in quotes:
        if q.group_id in shared:
            spans[q.article_id].append((q.start, q.end))
    out = set()
    for c in claims:
        if c.group_id and any(min(c.end, e) - max(c.start, s) > 0 for s, e in spans.get(c.article_id, ())):
            out.add(c.group_id)
    return out


def _unique_angles(claims: Sequence[Claim], groups: Sequence[ClaimGroup], facts: Sequence[Any],
                   articles: dict[str, Article], options: ReportOptions,
                   quoted: set[str] | frozenset[str] = frozenset()) -> list[UniqueAngle]:
    index = {c.id: i for i, c in enumerate(claims)}
    per_outlet: dict[str, list[UniqueAngle]] = defaultdict(list)
    for g in groups:
        if len(g.outlets) != 1 or g.id in quoted:
            continue
        i = index[g.claim_ids[0]]
        c = claims[i]
        if word_count(c.text) < 6:
            continue  # datelines and fragments are not an angle
        per_outlet[g.outlets[0]].append(UniqueAngle(g.outlets[0], g.id, Span(c.article_id, c.start, c.end, c.text),
                                                    round(_informativeness(c, facts[i]), 3)))
    out = []
    for outlet in dict.fromkeys(outlet_of(a) for a in articles.values()):
        ranked = sorted(per_outlet.get(outlet, []), key=lambda u: (-u.score, u.span.article_id, u.span.start))
        out.extend(ranked[: options.unique_angles_per_outlet])
    return out


def _entity_summaries(mentions: Sequence[Any], entities: dict[str, dict], articles: dict[str, Article],
                      limit: int = 40) -> list[EntitySummary]:
    counts: dict[str, Counter] = defaultdict(Counter)
    surfaces: dict[str, Counter] = defaultdict(Counter)
    for m in mentions:
        if not m.entity_id:
            continue
        counts[m.entity_id][outlet_of(articles[m.article_id])] += 1
        surfaces[m.entity_id][m.text] += 1
    out = []
    for eid, per_outlet in counts.items():
        info = entities.get(eid, {})
        variants = dict(info.get("variants") or surfaces[eid])
        out.append(EntitySummary(eid, str(info.get("name") or surfaces[eid].most_common(1)[0][0]),
                                 str(info.get("type") or ""), sum(per_outlet.values()), dict(per_outlet),
                                 {str(k): int(v) for k, v in variants.items()}))
    out.sort(key=lambda e: (-len(e.outlets), -e.mentions, e.name))
    return out[:limit]


# ----------------------------------------------------------------------------- JSON


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


def _plain(value: Any) -> Any:
    """JSON-able copy: dataclasses become dicts (a Span becomes {article_id, start, end, text}).

    Fields are read directly rather than through ``dataclasses.asdict``: asdict deep-copies
    every value and this function then walked the copy again (0.26 s of the 50-article
    event's 3.6 s CPU went to writing its stored report)."""
    cls = type(value)
    if cls in (str, int, float, bool) or value is None:
        return value
    if is_dataclass(cls):
        return {k: _plain(getattr(value, k)) for k in _field_names(cls)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def report_to_dict(report: EventReport, include_text: bool = False) -> dict[str, Any]:
    """A JSON-able view. Spans are ``{article_id, start, end, text}``; article texts are
    left out unless ``include_text``."""
    outlet = {a.id: outlet_of(a) for a in report.articles}
    articles = []
    for a in report.articles:
        row = {"id": a.id, "outlet": outlet_of(a), "source": a.source, "title": a.title, "published": a.published,
               "language": a.language, "url": a.url, "chars": len(a.text)}
        if include_text:
            row["text"] = a.text
        articles.append(row)
    quote_rows: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
    for q in report.quotes:
        quote_rows[q.group_id].append({"group_id": q.group_id, "outlet": outlet.get(q.article_id), "speaker": q.speaker,
                           "speaker_entity_id": q.speaker_entity_id, "kind": q.kind, "cue": q.cue,
                           "span": _plain(Span(q.article_id, q.start, q.end, q.text))})
    return {
        "event_id": report.event_id,
        "title": report.title,
        "coverage_phrase": report.coverage_phrase(),
        "articles": articles,
        "outlets": _plain(report.outlets),
        "summary": [{"span": _plain(s.span), "group_id": s.group_id, "outlets": list(s.outlets),
                     "support": s.support, "score": s.score, "disputed_by": list(s.disputed_by),
                     "disputing_outlets": list(s.disputing_outlets)}
                    for s in report.summary],
        "lead3": _plain(report.lead3),
        "claims": [{"id": c.id, "group_id": c.group_id, "outlet": outlet[c.article_id],
                    "span": _plain(Span(c.article_id, c.start, c.end, c.text))} for c in report.claims],
        "claim_groups": _plain(report.claim_groups),
        "coverage": _plain(report.coverage),
        "discrepancies": _plain(report.discrepancies),
        "quote_groups": [{"id": g.id, "speaker": g.speaker, "speaker_entity_id": g.speaker_entity_id,
                          "outlets": list(g.outlets), "unique": g.unique,
                          "quotes": quote_rows.get(g.id, [])} for g in report.quote_groups],
        "sources": _plain(report.sources),
        "unique_angles": _plain(report.unique_angles),
        "timeline": _plain(report.timeline),
        "entities": _plain(report.entities),
        "stats": _plain(report.stats),
    }
