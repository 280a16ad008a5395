"""Where outlets disagree.

Two kinds of evidence:

* Within a claim group (claims that say the same thing), a pair of claims from
  different outlets may disagree on a **number** ("twelve" vs "14"), a **date**
  (date-mention values inside the claims), a **place** or a **name** (entities
  of the claims, compared by entity id), or **polarity** (one side negated, the
  other not: "is considering the offer" / "has no plans to accept it").
* Across the event, the same entity (one entity id) spelled differently by
  different outlets ("Voloshenko" / "Voloshchenko") is a **name_spelling**
  discrepancy: the same person, not two people.

Each discrepancy lists its sides: one per value, with the outlets that give it and
the spans (the claim, and the exact words of the value) where they do.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import jellyfish
import numpy as np

from ..enrich.names import demonym_pair, has_cyrillic, name_similarity, nickname_of
from ..model import Article, Mention, Span
from .claims import Claim, ClaimFacts, ClaimGroup, content_words, outlet_of
from .options import ReportOptions
from .stance import FRAMED, Stance, contradiction, name_stems, stance_hint
from .stance_book import StanceBook
from .text import NumberMention

__all__ = ["Discrepancy", "DiscrepancySide", "dates_compatible", "find_discrepancies", "name_spelling_discrepancies"]


@dataclass(frozen=True)
class DiscrepancySide:
    value: str  # "12", "2025-03-03", "Voloshchenko", "negated"
    outlets: tuple[str, ...]
    spans: tuple[Span, ...]  # the claims (or, for name_spelling, the mentions) stating it
    value_spans: tuple[Span, ...]  # the exact words of the value


@dataclass(frozen=True)
class Discrepancy:
    id: str
    kind: str  # number | date | place | name | stance | polarity | name_spelling
    description: str
    sides: tuple[DiscrepancySide, ...]
    group_id: str | None = None
    entity_id: str | None = None
    # stance only: how likely the two sides really contradict (the frame pair's measured
    # precision on judged BASIL findings, lowered for looser alignments)
    confidence: float | None = None


# ----------------------------------------------------------------------------- dates

_ISO = re.compile(r"^(?P<y>\d{4}|-)?-?(?:W(?P<w>\d{2})|-?(?P<m>\d{2})(?:-(?P<d>\d{2}))?)?$")


def _parse(value: str) -> tuple[int | None, int | None, int | None, int | None]:
    """(year, month, day, week) of an ISO value, partial ones included ("--03-04", "2025-W10")."""
    v = value.strip()
    m = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", v)
    if m:
        return int(m[1]), int(m[2]) if m[2] else None, int(m[3]) if m[3] else None, None
    m = re.fullmatch(r"(\d{4})-W(\d{1,2})", v)
    if m:
        return int(m[1]), None, None, int(m[2])
    m = re.fullmatch(r"--(\d{2})(?:-(\d{2}))?", v)
    if m:
        return None, int(m[1]), int(m[2]) if m[2] else None, None
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})T.*", v)
    if m:
        return int(m[1]), int(m[2]), int(m[3]), None
    return None, None, None, None


def _precision(value: str | None) -> str:
    y, m, d, w = _parse(value or "")
    return "day" if d else "week" if w else "month" if m else "year" if y else "?"


def dates_compatible(a: str, b: str) -> bool:
    """Can both values name the same day? Unknown parts never disagree ("2025-03" fits "2025-03-04")."""
    ya, ma, da, wa = _parse(a)
    yb, mb, db, wb = _parse(b)
    if ya and yb and ya != yb:
        return False
    if wa or wb:
        if wa and wb:
            return wa == wb
        import datetime as dt

        year, month, day = (ya or yb), (mb if wa else ma), (db if wa else da)
        if year and month and day:
            try:
                return dt.date(year, month, day).isocalendar()[1] == (wa or wb)
            except ValueError:
                return True
        return True
    if ma and mb and ma != mb:
        return False
    return not (da and db and da != db)


# ----------------------------------------------------------------------------- within groups


class _Collector:
    """Gathers pairwise disagreements into one discrepancy per (group, kind, slot)."""

    def __init__(self) -> None:
        self.found: dict[tuple, dict[str, dict[str, list]]] = {}
        self.order: list[tuple] = []
        self.description: dict[tuple, str] = {}
        self.confidence: dict[tuple, float] = {}
        self.context: dict[tuple, str] = {}  # number disagreements: the word both numbers count

    def add(self, key: tuple, description: str, value: str, claim: Claim, outlet: str, value_span: Span) -> None:
        if key not in self.found:
            self.found[key] = {}
            self.order.append(key)
            self.description[key] = description
        side = self.found[key].setdefault(value, {"outlets": [], "spans": [], "value_spans": []})
        span = Span(claim.article_id, claim.start, claim.end, claim.text)
        if span not in side["spans"]:
            side["spans"].append(span)
            side["value_spans"].append(value_span)
        if outlet not in side["outlets"]:
            side["outlets"].append(outlet)


def _value_span(article: Article, start: int, end: int) -> Span:
    return Span(article.id, start, end, article.text[start:end])


def _format_number(n: NumberMention) -> str:
    value = int(n.value) if float(n.value).is_integer() else round(n.value, 6)
    text = f"{value:,}" if isinstance(value, int) else f"{value:g}"
    return f"{text} {n.unit}".strip()


# A shared word after two numbers says they count the same thing ("12 people" / "14 people"),
# unless it is a function word ("$200 million from ..." / "$2.5 billion from ...").
_FUNCTION_WORDS = frozenset(
    """ from of in to and or the a an for on at by with per than as into over about after before since
    that which who were was are is be been has have had will would in its their his her this these those
    из в во на по для от до и или что как с со за при к""".split()
) | {""}


def _pair_numbers(a: ClaimFacts, b: ClaimFacts) -> list[tuple[NumberMention, NumberMention]]:
    """Numbers of ``a`` and ``b`` that cannot both be true of the same quantity, paired.

    Numbers one side has and the other lacks are extra details, not disagreements. Among the
    unmatched ones, a pair needs compatible units, and either the same context word
    ("12 people" / "14 people") or values within a factor of four of each other.
    """
    left = [x for x in a.numbers if not any(x.compatible(y) for y in b.numbers)]
    right = [y for y in b.numbers if not any(y.compatible(x) for x in a.numbers)]
    scored = []
    for x in left:
        for y in right:
            if x.unit and y.unit and x.unit != y.unit:
                continue
            same_context = x.context == y.context and x.context not in _FUNCTION_WORDS
            ratio = min(abs(x.value), abs(y.value)) / max(abs(x.value), abs(y.value), 1e-9)
            if not same_context and ratio < 0.25:
                continue
            scored.append((same_context + ratio, x, y))
    scored.sort(key=lambda t: -t[0])
    pairs, used_x, used_y = [], set(), set()
    for _s, x, y in scored:
        if id(x) in used_x or id(y) in used_y:
            continue
        used_x.add(id(x))
        used_y.add(id(y))
        pairs.append((x, y))
    return pairs


def find_discrepancies(groups: Sequence[ClaimGroup], claims: Sequence[Claim], facts: Sequence[ClaimFacts],
                       vectors: np.ndarray, articles: Mapping[str, Article], entities: Mapping[str, Mapping],
                       mentions: Sequence[Mention] = (), options: ReportOptions | None = None,
                       stances: StanceBook | None = None) -> list[Discrepancy]:
    """Disagreements inside claim groups, then name spellings across the event. ``stances``:
    claim stances known already (stored by an earlier build); the ones computed here are added
    to it for the caller to store."""
    options = options or ReportOptions()
    book = stances if stances is not None else StanceBook()
    index = {c.id: i for i, c in enumerate(claims)}
    outlet_by_article = {aid: outlet_of(a) for aid, a in articles.items()}
    col = _Collector()
    # the stems of each claim's place names, for the stance's actor check ("Moscow" is a place
    # the resolver typed, so it can be the government's seat); None when nothing was resolved
    # (memoised by the set of place ids: each claim meets many others)
    place_stems: dict[frozenset[str], frozenset[str]] = {}

    def _place_stems(f: ClaimFacts) -> frozenset[str]:
        found = place_stems.get(f.places)
        if found is None:
            found = place_stems[f.places] = name_stems([str(entities.get(e, {}).get("name", "")) for e in f.places])
        return found

    places: _Places = None if not mentions else _place_stems
    if options.stance_rule == "stance":
        # the claims whose stances the groups below compare (English, another outlet's claim of
        # the group at stance_min_similarity), parsed in one batch; stance() parses any other
        english = {i for i, c in enumerate(claims) if (articles[c.article_id].language or "en").lower().startswith("en")}
        compared: set[int] = set()
        for g in groups:
            members = [index[cid] for cid in g.claim_ids if index[cid] in english]
            for x, i in enumerate(members):
                for j in members[x + 1:]:
                    if (outlet_by_article[claims[i].article_id] != outlet_by_article[claims[j].article_id]
                            and float(vectors[i] @ vectors[j]) >= options.stance_min_similarity):
                        compared.update((i, j))
        book.prepare([(claims[i].article_id, claims[i].text) for i in sorted(compared)])
    for group in groups:
        if len(group.claim_ids) < 2:
            continue
        members = [index[cid] for cid in group.claim_ids]
        for x, i in enumerate(members):
            for j in members[x + 1 :]:
                ci, cj = claims[i], claims[j]
                oi, oj = outlet_by_article[ci.article_id], outlet_by_article[cj.article_id]
                if oi == oj:
                    continue
                ai, aj = articles[ci.article_id], articles[cj.article_id]
                sim = float(vectors[i] @ vectors[j])
                fi, fj = facts[i], facts[j]
                # (each test below finds nothing when one side lacks the facts it compares,
                # so those are skipped before the call: most pairs of a large event)
                if sim >= options.number_min_similarity:
                    if fi.numbers and fj.numbers:
                        for ni, nj in _pair_numbers(fi, fj):
                            key = (group.id, "number", ni.unit or nj.unit, _number_slot(ni, nj))
                            desc = f"number{f' ({ni.context})' if ni.context and ni.context == nj.context else ''}"
                            if ni.context and ni.context == nj.context:
                                col.context.setdefault(key, ni.context)
                            col.add(key, desc, _format_number(ni), ci, oi, _value_span(ai, ni.start, ni.end))
                            col.add(key, desc, _format_number(nj), cj, oj, _value_span(aj, nj.start, nj.end))
                    if fi.dates and fj.dates:
                        _compare_dates(col, group.id, ci, cj, fi, fj, ai, aj, oi, oj)
                if sim >= options.entity_conflict_min_similarity:
                    if fi.places and fj.places:
                        _compare_entities(col, "place", group.id, ci, cj, fi.places, fj.places, ai, aj, oi, oj,
                                          mentions, entities)
                    if fi.persons and fj.persons:
                        _compare_entities(col, "name", group.id, ci, cj, fi.persons, fj.persons, ai, aj, oi, oj,
                                          mentions, entities)
                if options.stance_rule == "negation":
                    _negation_mismatch(col, group.id, sim, options, (ci, fi, ai, oi), (cj, fj, aj, oj))
                elif sim >= options.stance_min_similarity:
                    _compare_stances(col, group.id, sim, options, (ci, fi, ai, oi), (cj, fj, aj, oj), book,
                                     places)
    if options.stance_rule == "stance":
        _stances_across_groups(col, claims, facts, vectors, articles, options, book, places)
    _complete_sides(col, groups, claims, facts, articles, index, vectors, options)
    out: list[Discrepancy] = []
    for key in col.order:
        sides = tuple(
            DiscrepancySide(value, tuple(d["outlets"]), tuple(d["spans"]), tuple(d["value_spans"]))
            for value, d in sorted(col.found[key].items(), key=lambda kv: -len(kv[1]["outlets"]))
        )
        if len(sides) < 2:
            continue
        out.append(Discrepancy(f"d{len(out) + 1}", key[1], col.description[key], sides, group_id=key[0],
                               confidence=col.confidence.get(key)))
    for d in name_spelling_discrepancies(mentions, articles, entities):
        out.append(Discrepancy(f"d{len(out) + 1}", d.kind, d.description, d.sides, None, d.entity_id))
    return out


_Side = tuple[Claim, ClaimFacts, Article, str]  # a claim, its facts, its article, its outlet
_Places = Callable[[ClaimFacts], frozenset[str]] | None


def _negation_mismatch(col: _Collector, gid: str, sim: float, options: ReportOptions, a: _Side, b: _Side) -> None:
    """The baseline: one claim has a negation cue anywhere outside short quotes, the other none."""
    if sim < options.polarity_min_similarity or bool(a[1].negations) == bool(b[1].negations):
        return
    key = (gid, "polarity")
    for c, f, art, o in (a, b):
        if f.negations:
            s, e = f.negations[0]
            col.add(key, "polarity", "negated", c, o, _value_span(art, s, e))
        else:
            col.add(key, "polarity", "affirmed", c, o, _value_span(art, c.start, c.end))


def _compare_stances(col: _Collector, gid: str, sim: float, options: ReportOptions, a: _Side, b: _Side,
                     book: StanceBook, places: _Places = None) -> None:
    """A stance contradiction (considering / no plans, will / will not, confirmed / denied,
    agreed / rejected, the same predicate asserted and negated), read from each claim's parse.
    Claims not in English have no parser here and keep the negation-mismatch rule."""
    if not all((side[2].language or "en").lower().startswith("en") for side in (a, b)):
        _negation_mismatch(col, gid, sim, options, a, b)
        return
    sa, sb = book.stance(a[0].article_id, a[0].text), book.stance(b[0].article_id, b[0].text)
    if sa is None or sb is None:
        return
    confidence = contradiction(sa, sb, sim, places=places and (places(a[1]), places(b[1])))
    if confidence is None or confidence < options.stance_min_confidence:
        return
    _add_stance(col, (gid, "stance"), confidence, a, b, sa, sb)


def _add_stance(col: _Collector, key: tuple, confidence: float, a: _Side, b: _Side, sa: Stance, sb: Stance) -> None:
    pos, neg = (sb, sa) if sa.negative else (sa, sb)
    description = f"stance: {pos.frame} vs {neg.frame}"
    for (c, _f, art, o), st in ((a, sa), (b, sb)):
        s, e = st.cue
        col.add(key, description, st.frame, c, o, _value_span(art, c.start + s, c.start + e))
    col.confidence[key] = max(confidence, col.confidence.get(key, 0.0))


def _stances_across_groups(col: _Collector, claims: Sequence[Claim], facts: Sequence[ClaimFacts], vectors: np.ndarray,
                           articles: Mapping[str, Article], options: ReportOptions, book: StanceBook,
                           places: _Places = None) -> None:
    """Contradictions the aligner does not group: "the government is weighing the proposal" and
    "the capital has no plans to accept it" say opposite things, so their cosine is lower than
    that of two claims saying the same thing. Only claims with a stance cue word are parsed;
    a pair needs a known frame pair (considering / no plans, will / will not, ...), a cosine of
    ``options.stance_pair_similarity``, and a shared entity or content word beyond the event's
    common ones."""
    english = [i for i, c in enumerate(claims)
               if (articles[c.article_id].language or "en").lower().startswith("en") and stance_hint(c.text)]
    if len(english) < 2:
        return
    # The pairs a stance could make a finding of, from what costs no parse: other outlets, not
    # one group, close enough, something shared. Only their claims are parsed (on 200 BASIL
    # articles 1,643 claims instead of 2,719), and the findings are the same as parsing every claim.
    outlet = {i: outlet_of(articles[claims[i].article_id]) for i in english}
    words: dict[int, frozenset[str]] = {}
    pairs: list[tuple[int, int, float]] = []
    rows = np.asarray(english)
    for start in range(0, len(rows), 256):  # cosines by blocks of rows: bounded memory at any size
        block = vectors[rows[start:start + 256]] @ vectors[rows].T
        # (a margin below the floor, then each pair's own product: the same cosines as one by one)
        for x, y in zip(*np.nonzero(block >= options.stance_pair_similarity - 1e-5), strict=True):
            if y <= start + x:
                continue  # each pair once, i before j
            i, j = int(rows[start + x]), int(rows[y])
            sim = float(vectors[i] @ vectors[j])
            if sim < options.stance_pair_similarity:
                continue
            ci, cj = claims[i], claims[j]
            if outlet[i] == outlet[j] or (ci.group_id is not None and ci.group_id == cj.group_id):
                continue  # one outlet, or compared inside the group already
            if not facts[i].entity_ids & facts[j].entity_ids:
                wi = words[i] if i in words else words.setdefault(i, content_words(ci.text))
                wj = words[j] if j in words else words.setdefault(j, content_words(cj.text))
                if not wi & wj:
                    continue
            pairs.append((i, j, sim))
    needed = sorted({k for i, j, _ in pairs for k in (i, j)})
    book.prepare([(claims[i].article_id, claims[i].text) for i in needed])
    stances = {i: book.stance(claims[i].article_id, claims[i].text) for i in needed}
    framed = {i for i in needed if stances[i] is not None and stances[i].frame in FRAMED}
    for i, j, sim in pairs:
        # two stances of one sign never contradict (contradiction() says None): skip them first
        if i in framed and j in framed and stances[i].negative != stances[j].negative:
            ci, cj = claims[i], claims[j]
            ai, aj = articles[ci.article_id], articles[cj.article_id]
            oi, oj = outlet[i], outlet[j]
            confidence = contradiction(stances[i], stances[j], sim, framed_only=True,
                                       places=places and (places(facts[i]), places(facts[j])))
            if confidence is None or confidence < options.stance_min_confidence:
                continue
            _add_stance(col, (ci.group_id, "stance", cj.id), confidence, (ci, facts[i], ai, oi),
                        (cj, facts[j], aj, oj), stances[i], stances[j])


def _complete_sides(col: _Collector, groups: Sequence[ClaimGroup], claims: Sequence[Claim],
                    facts: Sequence[ClaimFacts], articles: Mapping[str, Article], index: Mapping[str, int],
                    vectors: np.ndarray | None = None, options: ReportOptions | None = None) -> None:
    """Add every claim that states one of a disagreement's values to that side, so "12" lists
    all outlets saying twelve, not only those compared with the "14" claim.

    First the claims of the group; then, for outlets not on any side yet, claims the aligner put
    elsewhere (an outlet that tells the toll in its own sentence, "Twelve people were killed, the
    service said", or in a longer one) when they state the value in the same way and are close to
    a claim of the group: a number needs the disagreement's counted word ("12 people" / "14
    people"; a disagreement without one takes no outside claim) and ``options.side_min_similarity``;
    a date, a weaker sign of one fact (a weekday names many acts of a story), the cosine at which
    two claims of a group have their dates compared at all (``options.number_min_similarity``)."""
    options = options or ReportOptions()
    by_group = {g.id: g for g in groups}
    for key in col.order:
        gid, kind = key[0], key[1]
        if kind not in ("number", "date"):
            continue
        sides = col.found[key]
        members = [index[cid] for cid in by_group[gid].claim_ids]
        for i in members:
            _add_values(col, key, sides, claims[i], facts[i], articles[claims[i].article_id])
        if vectors is None or not len(vectors):
            continue
        context = col.context.get(key, "")
        if kind == "number" and not context:
            continue
        floor = options.side_min_similarity if kind == "number" else options.number_min_similarity
        on_sides = {o for side in sides.values() for o in side["outlets"]}
        member_set = set(members)
        closest = (vectors @ vectors[members].T).max(axis=1)
        for i, (c, f) in enumerate(zip(claims, facts, strict=True)):
            if i in member_set or not (f.numbers if kind == "number" else f.dates):
                continue
            a = articles[c.article_id]
            if outlet_of(a) in on_sides or float(closest[i]) < floor:
                continue
            _add_values(col, key, sides, c, f, a, context=context if kind == "number" else None)


def _add_values(col: _Collector, key: tuple, sides: Mapping[str, dict], c: Claim, f: ClaimFacts, a: Article,
                context: str | None = None) -> None:
    """Put ``c`` on the side of the value it states (numbers: unqualified ones, with the counted
    word ``context`` when given and the unit of the disagreement)."""
    if key[1] == "number":
        for n in f.numbers:
            value = _format_number(n)
            if value not in sides or n.qualifier:
                continue
            if context is not None and (n.context != context or (key[2] or "") != (n.unit or "")):
                continue
            col.add(key, col.description[key], value, c, outlet_of(a), _value_span(a, n.start, n.end))
    else:
        for d in f.dates:
            if d.value in sides:
                col.add(key, "date", d.value, c, outlet_of(a), _value_span(a, d.start, d.end))
                break


def _number_slot(a: NumberMention, b: NumberMention) -> str:
    # Disagreements about the same quantity share a slot: the smaller value's order of magnitude.
    small = min(abs(a.value), abs(b.value))
    return str(int(np.floor(np.log10(small)))) if small > 0 else "0"


def _compare_dates(col: _Collector, gid: str, ci: Claim, cj: Claim, fi: ClaimFacts, fj: ClaimFacts,
                   ai: Article, aj: Article, oi: str, oj: str) -> None:
    di = [d for d in fi.dates if d.value]
    dj = [d for d in fj.dates if d.value]
    if not di or not dj:
        return
    if any(dates_compatible(x.value, y.value) for x in di for y in dj):  # type: ignore[arg-type]
        return  # one shared date is enough: other dates in the claims are about other things
    # A day against a year ("on Thursday" / "four years ago") is two dates of two things,
    # not two answers to one question: only dates of the same precision can disagree.
    di = [x for x in di if any(_precision(x.value) == _precision(y.value) for y in dj)]
    dj = [y for y in dj if any(_precision(x.value) == _precision(y.value) for x in di)]
    if not di or not dj:
        return
    key = (gid, "date")
    for c, ds, a, o in ((ci, di, ai, oi), (cj, dj, aj, oj)):
        d = ds[0]
        col.add(key, "date", d.value or "", c, o, _value_span(a, d.start, d.end))


def _compare_entities(col: _Collector, kind: str, gid: str, ci: Claim, cj: Claim, ei: frozenset[str],
                      ej: frozenset[str], ai: Article, aj: Article, oi: str, oj: str, mentions: Sequence[Mention],
                      entities: Mapping[str, Mapping]) -> None:
    # Only resolved entities: two unresolved spellings of one name would look like two people.
    ei = frozenset(e for e in ei if not e.startswith("~"))
    ej = frozenset(e for e in ej if not e.startswith("~"))
    if not ei or not ej or ei & ej:
        return
    ni = {entities.get(e, {}).get("name", e) for e in ei}
    nj = {entities.get(e, {}).get("name", e) for e in ej}
    if any(_similar_names(x, y) for x in ni for y in nj):
        return  # an unmerged spelling variant, reported as name_spelling if at all
    # An outlet that names the other place or person elsewhere in its article is not
    # contradicting it: "flew to Varnosk" and "visited Dobrel" are two stops of one trip.
    named_i = {m.entity_id for m in mentions if m.article_id == ai.id}
    named_j = {m.entity_id for m in mentions if m.article_id == aj.id}
    if ej & named_i or ei & named_j:
        return
    key = (gid, kind)
    for c, ids, a, o in ((ci, ei, ai, oi), (cj, ej, aj, oj)):
        m = next((m for m in mentions if m.article_id == c.article_id and m.entity_id in ids
                  and m.start >= c.start and m.end <= c.end), None)
        value = " / ".join(sorted(entities.get(e, {}).get("name", e) for e in ids))
        vs = _value_span(a, m.start, m.end) if m else _value_span(a, c.start, c.end)
        col.add(key, kind, value, c, o, vs)


def _similar_names(a: str, b: str) -> bool:
    ta, tb = a.split(), b.split()
    if not ta or not tb:
        return False
    return name_similarity(ta[-1], tb[-1]) >= 0.9


# ----------------------------------------------------------------------------- name spellings

_NAME_TOKEN = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*", re.UNICODE)
_POSSESSIVE = re.compile(r"['’]s?$")


def _spelling_tokens(mention: Mention) -> list[tuple[str, int, int, str]]:
    """The name words of a mention with their role: the last word is the surname, earlier
    ones are given names ("Chris" and "Christie" are two words of one name, not two spellings)."""
    words = []
    for m in _NAME_TOKEN.finditer(mention.text):
        token = _POSSESSIVE.sub("", m.group(0))
        if len(token) >= 3 and token[0].isupper():
            words.append((token, mention.start + m.start(), mention.start + m.start() + len(token)))
    return [(t, s, e, "surname" if k == len(words) - 1 else "given") for k, (t, s, e) in enumerate(words)]


def _same_spelling(a: str, b: str) -> bool:
    if a.lower() == b.lower():
        return True  # "VARNOSK" in a dateline is not another spelling
    if has_cyrillic(a) and has_cyrillic(b):
        # Russian names decline: "Корнеева", "Корнеевой", "Корнеевым" are one spelling, and so are a short
        # given name's cases ("Юрий", "Юрия", "Юрию"), whose stem is three letters.
        k = 0
        while k < min(len(a), len(b)) and a[k] == b[k]:
            k += 1
        stem = 4 if min(len(a), len(b)) > 4 else 3
        return k >= stem and len(a) - k <= 3 and len(b) - k <= 3
    return False


def _variant_of(a: str, b: str) -> bool:
    """Two spellings of one word ("Voloshenko"/"Voloshchenko", "Arkady"/"Arkadiy")."""
    if has_cyrillic(a) != has_cyrillic(b):
        return False  # another script is transliteration, not a disagreement
    if demonym_pair(a, b):
        return False  # "Russia" / "Russian": a country and its adjective, not two spellings
    la, lb = a.lower(), b.lower()
    if la.startswith(lb) or lb.startswith(la) or nickname_of(a, b):
        return False  # "Chris" / "Christopher", "Joe" / "Joseph": a short form, not another spelling
    return max(jellyfish.jaro_winkler_similarity(la, lb), name_similarity(a, b)) >= 0.85


_PERSON_TYPES = frozenset({"PERSON", "PER"})


def _entity_type(eid: str, mentions: Sequence[Mention], entities: Mapping[str, Mapping]) -> str | None:
    known = entities.get(eid, {}).get("type")
    if known:
        return str(known)
    labels = Counter(m.label for m in mentions if m.label)
    return labels.most_common(1)[0][0] if labels else None


def name_spelling_discrepancies(mentions: Sequence[Mention], articles: Mapping[str, Article],
                                entities: Mapping[str, Mapping]) -> list[Discrepancy]:
    """One discrepancy per name word that outlets spell differently for the same person.

    Only people: a place or an organisation "spelled" two ways is mostly a merged adjective
    or a short form ("Russia" / "Russian", "EU" / "European"), which no journalist would call
    a spelling disagreement. An entity's type is its canonical type, else its mentions' majority label."""
    by_entity: dict[str, list[Mention]] = defaultdict(list)
    for m in mentions:
        if m.entity_id and m.article_id in articles:
            by_entity[m.entity_id].append(m)
    by_entity = {eid: ms for eid, ms in by_entity.items() if _entity_type(eid, ms, entities) in _PERSON_TYPES}
    out: list[Discrepancy] = []
    for eid, ms in by_entity.items():
        # spelling -> outlet -> (mention spans, token spans)
        spellings: dict[tuple[str, str], dict[str, tuple[list[Span], list[Span]]]] = {}
        for m in sorted(ms, key=lambda m: (m.article_id, m.start)):
            article = articles[m.article_id]
            for token, s, e, role in _spelling_tokens(m):
                key = next((k for k in spellings if k[0] == role and _same_spelling(k[1], token)), (role, token))
                slot = spellings.setdefault(key, {}).setdefault(outlet_of(article), ([], []))
                span = Span(m.article_id, m.start, m.end, m.text)
                if span not in slot[0]:
                    slot[0].append(span)
                    slot[1].append(_value_span(article, s, e))
        clusters: list[list[str]] = []
        for spelling in spellings:
            for cluster in clusters:
                if any(spelling[0] == other[0] and _variant_of(spelling[1], other[1]) for other in cluster):
                    cluster.append(spelling)
                    break
            else:
                clusters.append([spelling])
        for cluster in clusters:
            if len(cluster) < 2:
                continue
            outlets_by_spelling = {s: set(spellings[s]) for s in cluster}
            all_outlets = set().union(*outlets_by_spelling.values())
            if len(all_outlets) < 2:
                continue  # one outlet spelling a name two ways is a typo, not a disagreement between outlets
            sides = []
            for s in sorted(cluster, key=lambda s: (-len(spellings[s]), s)):
                per_outlet = spellings[s]
                spans = tuple(sp for o in per_outlet for sp in per_outlet[o][0][:3])
                value_spans = tuple(sp for o in per_outlet for sp in per_outlet[o][1][:3])
                sides.append(DiscrepancySide(s[1], tuple(per_outlet), spans, value_spans))
            name = entities.get(eid, {}).get("name", cluster[0][1])
            out.append(Discrepancy("", "name_spelling", f"spelling of {name}", tuple(sides), None, eid))
    return out
