"""Claims and their alignment across outlets.

A *claim* is one sentence of an article's clean text, or a clause of a long
sentence (see :func:`split_claims`). Claims from different articles that say the
same thing, in other words or another language, form a :class:`ClaimGroup`.

Alignment scores a pair of claims by the cosine of their cross-lingual sentence
embeddings plus small bonuses for facts both state: the same entity, the same
number, the same date; the score must reach a threshold that is lower for a pair
in two languages, because cross-lingual cosines run lower. Facts never veto a pair, because a pair that disagrees on
a number ("twelve dead" / "fourteen dead") is exactly what the discrepancy finder
needs grouped.

The encoder alone does not tell "the same claim" from "another statement about the same
story": on BASIL both score 0.65-0.8. So a pair in one language must also share content
words (see :func:`content_words`): at least ``options.min_word_overlap`` of the shorter
claim's content words, leaving out the words many claims of the event use (the story's
names and topic words, which every sentence about it shares), unless its cosine alone is
``options.lexical_free_similarity`` or more (a close paraphrase). Pairs in two languages
cannot share words and keep the cosine rule.

Groups are grown greedily from the best pair down, under two rules:
at most one claim per article in a group (two sentences of one article are two
claims, not one), and the average similarity between the two groups being joined
must stay high, so a chain of loose neighbours does not collapse into one group.
"""

from __future__ import annotations

import importlib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache

import numpy as np

from ..model import Article, DateMention, Mention
from .options import ReportOptions
from .text import (
    NumberMention,
    clause_spans,
    extract_numbers,
    greedy_groups,
    is_heading,
    negation_cues,
    sentence_spans,
    word_count,
)

__all__ = [
    "Claim",
    "ClaimFacts",
    "ClaimGroup",
    "align_claims",
    "article_order",
    "claim_facts",
    "content_words",
    "first_label",
    "first_outlets",
    "lead_sentences",
    "outlet_of",
    "split_claims",
    "word_overlap",
]


@dataclass(frozen=True)
class Claim:
    """One statement of one article: ``text == article.text[start:end]``."""

    id: str
    event_id: str
    article_id: str
    start: int
    end: int
    text: str
    group_id: str | None = None
    position: int = 0  # 0 for the article's first claim


@dataclass(frozen=True)
class ClaimFacts:
    """What a claim states that can be compared without reading it."""

    entity_ids: frozenset[str]
    persons: frozenset[str]
    places: frozenset[str]
    numbers: tuple[NumberMention, ...]
    dates: tuple[DateMention, ...]
    negations: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class ClaimGroup:
    """Claims from different articles that say the same thing."""

    id: str
    claim_ids: tuple[str, ...]  # in order of publication
    article_ids: tuple[str, ...]
    outlets: tuple[str, ...]  # outlets reporting it, first reporter first
    first_outlet: str
    first_article_id: str
    first_published: str | None
    omitted_by: tuple[str, ...]  # outlets covering the event that do not report it
    support: int  # outlets reporting it, wire copies of one story counted once
    cohesion: float  # mean cosine between its claims (1.0 for a single claim)
    # the outlets that published it first (:func:`first_outlets`): more than one on a tie,
    # none when no article of the group is dated
    first_outlets: tuple[str, ...] = ()


def outlet_of(article: Article) -> str:
    """The outlet an article stands for in a report. Without one, the article stands for itself,
    named so a reader can tell it (issue 9: coverage tables showed bare ids): "(no outlet)", the
    start of its title or text, and its id's first characters, which keep two such articles apart."""
    if article.source:
        return article.source
    words = " ".join((article.title or article.text or "").split()[:6])
    name = words if len(words) <= 40 else words[:39].rstrip() + "…"
    return " ".join(part for part in ("(no outlet)", name, f"[{article.id[:8]}]") if part)


def _has_time(published: str) -> bool:
    """Does a publication value carry a time of day? A bare date, or midnight exactly (what a
    feed with dates only writes), does not."""
    time = published[11:19] if len(published) > 10 and published[10] in "T " else ""
    return bool(time) and time not in ("00:00", "00:00:00")


def first_outlets(published: Iterable[tuple[str | None, str]]) -> tuple[str, ...]:
    """The outlets that published first, from ``(published, outlet)`` pairs, in the pairs' order.

    The earliest day wins; within it, the earliest time when every article of that day has one.
    An article of that day without a time cannot be put before or after the others, so all of
    that day's outlets tie (two articles dated "2026-05-14" were both first). Undated articles
    are never first; with no dated one, nobody is (an empty tuple). The report's coverage and the
    outlet page both count "first" by this rule."""
    dated = [(_instant(p), o) for p, o in published if p]
    if not dated:
        return ()
    day = min(p[:10] for p, _ in dated)
    same_day = [(p, o) for p, o in dated if p[:10] == day]
    if all(_has_time(p) for p, _ in same_day):
        earliest = min(p for p, _ in same_day)
        same_day = [(p, o) for p, o in same_day if p == earliest]
    return tuple(dict.fromkeys(o for _, o in same_day))


def _instant(published: str) -> str:
    """A publication value with a time zone as the UTC instant it names (``2026-05-15T01:00:00+03:00`` was
    ``2026-05-14T22:00:00`` UTC), written to the second, so days and times compare as text; a value
    without a zone or a time stays as it is (its zone is unknown)."""
    import datetime as dt

    if not _has_time(published):
        return published[:10]
    try:
        when = dt.datetime.fromisoformat(published.replace("Z", "+00:00"))
    except ValueError:
        return published
    if when.tzinfo is not None:
        when = when.astimezone(dt.UTC).replace(tzinfo=None)
    return when.isoformat(timespec="seconds")


def first_label(first: Sequence[str], fallback: str) -> str:
    """"A", or "A, B (tie)" when several published first; ``fallback`` when none is known."""
    if not first:
        return fallback
    return ", ".join(first) + (" (tie)" if len(first) > 1 else "")


def article_order(articles: Sequence[Article]) -> list[Article]:
    """Articles by publication time; undated ones last, then in input order."""
    indexed = list(enumerate(articles))
    indexed.sort(key=lambda p: (p[1].published is None, p[1].published or "", p[0]))
    return [a for _, a in indexed]


def split_claims(article: Article, event_id: str, options: ReportOptions | None = None) -> list[Claim]:
    """The claims of one article, in reading order.

    Sentences come from :func:`~storyline.report.text.sentence_spans`; lines that look like
    headings (no final punctuation, at most 12 words: headlines, bylines, date lines) and
    fragments under ``options.min_claim_words`` words are left out. A sentence of more than
    ``options.clause_split_words`` words is cut at "; " and ", and"/", but" when both sides
    keep more than six words.
    """
    options = options or ReportOptions()
    text = article.text
    claims: list[Claim] = []
    for s, e in sentence_spans(text):
        if is_heading(text, s, e):
            continue
        parts = clause_spans(text, s, e) if word_count(text[s:e]) > options.clause_split_words else [(s, e)]
        for cs, ce in parts:
            if word_count(text[cs:ce]) < options.min_claim_words:
                continue
            n = len(claims)
            claims.append(Claim(f"{article.id}:c{n}", event_id, article.id, cs, ce, text[cs:ce], None, n))
    return claims


def lead_sentences(article: Article, n: int = 3) -> list[tuple[int, int]]:
    """The first ``n`` sentences of an article, headings left out (the lead-n baseline)."""
    out = []
    for s, e in sentence_spans(article.text):
        if is_heading(article.text, s, e) or word_count(article.text[s:e]) < 3:
            continue
        out.append((s, e))
        if len(out) == n:
            break
    return out


_PERSON_TYPES = frozenset({"PERSON", "PER"})
_PLACE_TYPES = frozenset({"LOC", "GPE", "LOCATION"})


def claim_facts(claims: Sequence[Claim], articles: Mapping[str, Article], mentions: Sequence[Mention],
                dates: Sequence[DateMention], entities: Mapping[str, Mapping]) -> list[ClaimFacts]:
    """Entities, numbers, dates and negation cues inside each claim's span."""
    by_article_m: dict[str, list[Mention]] = defaultdict(list)
    for m in mentions:
        by_article_m[m.article_id].append(m)
    by_article_d: dict[str, list[DateMention]] = defaultdict(list)
    for d in dates:
        by_article_d[d.article_id].append(d)
    out = []
    for c in claims:
        inside = [m for m in by_article_m.get(c.article_id, ()) if m.start >= c.start and m.end <= c.end]
        ids, persons, places = set(), set(), set()
        for m in inside:
            key = m.entity_id or f"~{(m.normal or m.text).lower()}"
            ids.add(key)
            etype = (entities.get(m.entity_id, {}).get("type") if m.entity_id else None) or m.label
            if etype in _PERSON_TYPES:
                persons.add(key)
            elif etype in _PLACE_TYPES:
                places.add(key)
        in_dates = tuple(d for d in by_article_d.get(c.article_id, ()) if d.start >= c.start and d.end <= c.end)
        article = articles[c.article_id]
        numbers = extract_numbers(article.text, c.start, c.end, article.language,
                                  skip=[(d.start, d.end) for d in in_dates])
        quoted = _quoted_stretches(article.text, c.start, c.end)
        negations = tuple((s, e) for s, e in negation_cues(article.text, c.start, c.end)
                          if not any(qs <= s < qe for qs, qe in quoted))
        out.append(ClaimFacts(frozenset(ids), frozenset(persons), frozenset(places), tuple(numbers), in_dates,
                              negations))
    return out


_QUOTED = re.compile(r"[\"“«„][^\"“”«»„]{1,40}[\"”»“]")


def _quoted_stretches(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Short quoted words inside a claim (the lone "no" vote): a negation there is quoted, not
    asserted. Long quotations are left alone, since a speaker's "we will not" is a stance."""
    return [(m.start(), m.end()) for m in _QUOTED.finditer(text, start, end)]


def shared_numbers(a: ClaimFacts, b: ClaimFacts) -> int:
    return sum(1 for x in a.numbers if any(x.same_quantity(y) for y in b.numbers))


def shared_dates(a: ClaimFacts, b: ClaimFacts) -> int:
    va = {d.value for d in a.dates if d.value}
    return len(va & {d.value for d in b.dates if d.value})


class _FactBonus:
    """The alignment bonus of claims ``i`` and ``j`` for shared entities, numbers and dates.

    Most claims have no number or no date: those terms are skipped then (adding 0.0 is exact).
    The shared-number count depends only on the two claims' (unit, value) lists, which wire
    copies and retold leads repeat, so it is counted once per pair of distinct lists."""

    def __init__(self, facts: Sequence[ClaimFacts], options: ReportOptions) -> None:
        self.facts, self.options = facts, options
        self.numbers = [tuple((x.unit, x.value) for x in f.numbers) for f in facts]
        self.shared: dict[tuple, int] = {}

    def __call__(self, i: int, j: int) -> float:
        a, b, options = self.facts[i], self.facts[j], self.options
        bonus = options.entity_bonus * min(len(a.entity_ids & b.entity_ids), 3)
        if a.numbers and b.numbers:
            key = (self.numbers[i], self.numbers[j])
            shared = self.shared.get(key)
            if shared is None:
                shared = self.shared[key] = shared_numbers(a, b)
            bonus += options.number_bonus * min(shared, 2)
        if a.dates and b.dates:
            bonus += options.date_bonus * min(shared_dates(a, b), 2)
        return bonus


_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_STEM_LENGTH = 6  # a word's first six letters: "confirmed"/"confirms", "collusion"/"colluded" meet


@cache
def _stop_words(language: str) -> frozenset[str]:
    # spaCy's stop-word lists are plain data (no model); other languages fall back to no list
    try:
        return frozenset(importlib.import_module(f"spacy.lang.{language}.stop_words").STOP_WORDS)
    except (ImportError, AttributeError, ValueError):
        return frozenset()


def content_words(text: str, language: str | None = "en") -> frozenset[str]:
    """The stems (first six letters, lower-cased) of a text's words of three or more letters
    and its numbers, stop words of ``language`` left out."""
    stop = _stop_words((language or "en").split("-")[0].lower())
    return frozenset(w[:_STEM_LENGTH] for w in (t.lower() for t in _TOKEN.findall(text))
                     if (len(w) > 2 or w.isdigit()) and w not in stop)


def _distinctive_words(claims: Sequence[Claim], language_of: Sequence[str], n_articles: int,
                       options: ReportOptions) -> list[frozenset[str]]:
    """Each claim's content words without the event's common ones: those in more than
    ``options.common_word_share`` of the claims and in more claims than there are articles
    (a claim all outlets repeat must keep its words)."""
    words_of = [content_words(c.text, lang) for c, lang in zip(claims, language_of, strict=True)]
    df = Counter(w for ws in words_of for w in ws)
    limit = max(n_articles, options.common_word_share * len(claims))
    common = {w for w, k in df.items() if k > limit}
    return [ws - common for ws in words_of]


_SAME_COUNTED = {"person": "people", "persons": "people", "persone": "people", "personas": "people"}


def _counted(context: str) -> str:
    # "houses"/"house" and "people"/"persons" count the same thing
    return _SAME_COUNTED.get(context, context)[:5] if len(context) > 2 else ""


def count_same_thing(a: ClaimFacts, b: ClaimFacts) -> bool:
    """Both claims give a number of the same unit or of the same counted noun ("12 people" /
    "14 persons"), whether or not the numbers agree."""
    return any((x.unit and x.unit == y.unit) or (_counted(x.context) and _counted(x.context) == _counted(y.context))
               for x in a.numbers for y in b.numbers)


def word_overlap(a: frozenset[str], b: frozenset[str]) -> float:
    """Shared words over the shorter side's words (0.0 when either has none)."""
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


def align_claims(claims: Sequence[Claim], vectors: np.ndarray, facts: Sequence[ClaimFacts],
                 articles: Sequence[Article], duplicate_groups: Sequence[Sequence[str]] = (),
                 options: ReportOptions | None = None) -> tuple[list[ClaimGroup], list[Claim]]:
    """Group claims that say the same thing across articles.

    ``vectors`` holds one unit-length embedding per claim (row ``i`` for ``claims[i]``).
    Returns the groups (every claim is in exactly one, single claims included), ordered by
    support then by first appearance, and the claims with ``group_id`` set.
    """
    options = options or ReportOptions()
    n = len(claims)
    art_of = [c.article_id for c in claims]
    language = {a.id: (a.language or "und") for a in articles}
    lang_of = [language.get(a, "und") for a in art_of]
    same_t, cross_t = options.align_threshold, options.cross_language_threshold
    candidates = []
    distinctive = _distinctive_words(claims, lang_of, len(articles), options)

    if n > 1:
        sims = vectors @ vectors.T
        max_bonus = options.entity_bonus * 3 + options.number_bonus * 2 + options.date_bonus * 2
        ii, jj = np.nonzero(np.triu(sims >= min(same_t, cross_t) - max_bonus, k=1))
        arts = {a: k for k, a in enumerate(dict.fromkeys(art_of))}
        art_code = np.array([arts[a] for a in art_of])
        keep = art_code[ii] != art_code[jj]
        # a pair below its own language threshold less the largest bonus can never make it
        # (1e-9: the bonus sums may round differently from max_bonus)
        langs = {x: k for k, x in enumerate(dict.fromkeys(lang_of))}
        lang = np.array([langs[x] for x in lang_of])
        floor = np.where(lang[ii] == lang[jj], same_t, cross_t) - max_bonus - 1e-9
        keep &= sims[ii, jj].astype(np.float64) >= floor
        ii, jj = ii[keep], jj[keep]
        alike = _worded_alike(ii, jj, sims, vectors, distinctive, lang_of, facts, options)
        ii, jj = ii[alike], jj[alike]
        bonus = _FactBonus(facts, options)
        for i, j, sim in zip(ii.tolist(), jj.tolist(), sims[ii, jj].tolist(), strict=True):
            threshold = same_t if lang_of[i] == lang_of[j] else cross_t
            # the margin over the pair's threshold ranks candidates across languages fairly
            margin = sim + bonus(i, j) - threshold
            if margin >= 0:
                candidates.append((margin, i, j))

    def accept(a: list[int], b: list[int]) -> bool:
        # average cosine between the two groups against the average threshold of the pairs it covers
        pairs = len(a) * len(b)
        langs_b = Counter(lang_of[k] for k in b)
        same = sum(langs_b[lang_of[k]] for k in a)
        link = float(vectors[a].astype(np.float64).sum(0) @ vectors[b].astype(np.float64).sum(0)) / pairs
        # (requiring shared words of every pair a join creates as well lost more right pairs
        # than wrong ones on BASIL dev: 3 "yes" for 2 "no")
        return link >= (same * same_t + (pairs - same) * cross_t) / pairs - options.link_margin

    clusters = greedy_groups(art_of, candidates, accept)
    return _make_groups(claims, vectors, clusters, articles, duplicate_groups)


def _worded_alike(ii: np.ndarray, jj: np.ndarray, sims: np.ndarray, vectors: np.ndarray,
                  distinctive: Sequence[frozenset[str]], lang_of: Sequence[str], facts: Sequence[ClaimFacts],
                  options: ReportOptions) -> np.ndarray:
    """Which pairs ``(ii[k], jj[k])`` are worded alike. Same-language pairs need shared
    distinctive words unless they are close paraphrases or count the same thing (the lead
    sentences "twelve people died" / "fourteen people were killed" share only the story's
    common words, and are what discrepancies need). Pairs of other languages always are.

    The same decisions as testing each pair in turn with its own dot product, but the cosine
    comes from the matrix product, recomputed pair by pair only near the paraphrase threshold
    (where the two may differ in the last bit), and the word tests run only for the pairs
    the languages and the cosine leave undecided."""
    if not len(ii):
        return np.zeros(0, dtype=bool)
    langs = {x: k for k, x in enumerate(dict.fromkeys(lang_of))}
    lang = np.array([langs[x] for x in lang_of])
    out = lang[ii] != lang[jj]
    cos = sims[ii, jj].astype(np.float64)
    near = np.abs(cos - options.lexical_free_similarity) < 1e-4
    for k in np.nonzero(near)[0].tolist():
        cos[k] = float(vectors[ii[k]] @ vectors[jj[k]])
    out |= cos >= options.lexical_free_similarity
    # word_overlap of each pair, as bit sets: shared words = bits of a & b
    bit = {w: 1 << k for k, w in enumerate(dict.fromkeys(w for ws in distinctive for w in ws))}
    masks = [sum(bit[w] for w in ws) for ws in distinctive]
    sizes = [len(ws) for ws in distinctive]
    counted = [bool(f.numbers) for f in facts]
    il, jl = ii.tolist(), jj.tolist()
    for k in np.nonzero(~out)[0].tolist():
        i, j = il[k], jl[k]
        shorter = min(sizes[i], sizes[j])
        if shorter and (masks[i] & masks[j]).bit_count() / shorter >= options.min_word_overlap:
            out[k] = True
        elif counted[i] and counted[j]:
            out[k] = count_same_thing(facts[i], facts[j])
    return out


def _make_groups(claims: Sequence[Claim], vectors: np.ndarray, clusters: list[list[int]],
                 articles: Sequence[Article], duplicate_groups: Sequence[Sequence[str]]
                 ) -> tuple[list[ClaimGroup], list[Claim]]:
    ordered = article_order(articles)
    rank = {a.id: k for k, a in enumerate(ordered)}
    by_id = {a.id: a for a in articles}
    all_outlets = list(dict.fromkeys(outlet_of(a) for a in ordered))
    wire_root = {}
    for group in duplicate_groups:
        group = list(group)
        for aid in group:
            wire_root[aid] = min(group)

    def sort_key(cluster: list[int]) -> tuple:
        first = min(rank[claims[i].article_id] for i in cluster)
        first_pos = min(claims[i].position for i in cluster if rank[claims[i].article_id] == first)
        return (-len(cluster), first, first_pos)

    groups: list[ClaimGroup] = []
    claim_group: dict[int, str] = {}
    for k, cluster in enumerate(sorted(clusters, key=sort_key), start=1):
        gid = f"g{k}"
        cluster = sorted(cluster, key=lambda i: (rank[claims[i].article_id], claims[i].position))
        art_ids = tuple(claims[i].article_id for i in cluster)
        outlets = tuple(dict.fromkeys(outlet_of(by_id[a]) for a in art_ids))
        independent = {(wire_root.get(a, a), outlet_of(by_id[a])) for a in art_ids}
        support = len({root for root, _ in independent}) if wire_root else len(outlets)
        support = min(support, len(outlets))
        if len(cluster) > 1:
            v = vectors[cluster]
            s = v @ v.T
            cohesion = float((s.sum() - np.trace(s)) / (len(cluster) * (len(cluster) - 1)))
        else:
            cohesion = 1.0
        first = by_id[art_ids[0]]
        groups.append(ClaimGroup(
            id=gid,
            claim_ids=tuple(claims[i].id for i in cluster),
            article_ids=art_ids,
            outlets=outlets,
            first_outlet=outlet_of(first),
            first_article_id=first.id,
            first_published=first.published,
            omitted_by=tuple(o for o in all_outlets if o not in outlets),
            support=support,
            cohesion=round(cohesion, 4),
            first_outlets=first_outlets((by_id[a].published, outlet_of(by_id[a])) for a in art_ids),
        ))
        for i in cluster:
            claim_group[i] = gid
    new_claims = [replace(c, group_id=claim_group[i]) for i, c in enumerate(claims)]
    return groups, new_claims
