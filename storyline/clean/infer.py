"""Metadata from the text itself, when the input gave none: outlet, title, publication date.

Each value found here is *inferred*: :func:`infer_metadata` returns it with how it was found
and its evidence, the raw-text offsets of the words it came from, so a reader can check it
(``article.metadata["inferred"]``). A value the input gave always wins; nothing here
overrides it.

- **Outlet**, first found wins: a leading URL line's domain (the page's own address: who
  published it, even when it prints wire copy); an agency dateline at the start of the body
  (``PARIS (Gull Wire) -``, ``Kyiv. March 3. UNIAN -``, the Russian agencies'
  ``МОСКВА, 12 марта. /ТАСС/.`` and ``MOSCOW, Dec 2 (Interfax) -``); an outlet header line the cleaner moved
  away; an agency tag on one of the first three lines, under a headline or byline
  (:func:`storyline.clean.outlets.find_agency_tag`); a self-reference in the text (``<Outlet> has
  reached out to ... for comment``, ``<Outlet> could not independently verify`` / ``has not
  independently verified``, ``<Outlet> has learned``, a ``More from <Outlet>`` links header); two
  staff photo credits; repeated mentions of one outlet as the text's own
  (:func:`storyline.clean.outlets.find_repeated_outlet`). ``told <Outlet>`` alone is *not* one:
  articles cite other outlets that way (on BASIL it named the wrong outlet 5 times in 11,
  benchmarks/results/robustness.md). A well-known outlet gets the outlet table's one spelling
  (``AP`` -> ``The Associated Press``); the evidence keeps the text's.
- **Title**: the first line of the clean text, once outlet headers and section names
  (``Politics``, ``World news``) have moved to metadata.
- **Publication date**: a date line under the headline (``Published June 22, 2019``), which
  the cleaner removed as page furniture or left in place; then the dateline's date; then a
  relative statement (``a week ago, on March 3``). Without a year the value stays partial
  (``--03-10``): a year is never guessed. A full date becomes ``article.published`` (the
  grouping features ignore it, see ``storyline.grouping_stage._given_published``); a partial one stays
  in the inferred metadata only (``storyline timeline`` shows it).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from ..enrich.dates import month_number
from .outlets import OUTLET_WORD as _OUTLET_WORD
from .outlets import canonical_outlet, domain_outlet, find_agency_tag, find_repeated_outlet

__all__ = ["dateline_value", "infer_metadata", "is_section_line", "SECTION_WORDS"]

_MONTH = (r"(?P<month>January|February|March|April|May|June|July|August|September|October|November|December"
          r"|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?)")
_DATE = (rf"(?:{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<year>(?:19|20)\d\d))?"
         rf"|(?P<day2>\d{{1,2}})\s+(?P<month2>January|February|March|April|May|June|July|August|September|October"
         rf"|November|December)(?:,?\s+(?P<year2>(?:19|20)\d\d))?"
         rf"|(?P<iso>(?:19|20)\d\d-\d\d-\d\d))")
# A line that is a date and little else: "Published June 22, 2019", "Updated: Monday, 3 March 2014, 10:15 GMT".
_DATE_LINE = re.compile(
    rf"[ \t]*(?:(?:last )?(?:published|updated|posted|posted on|date)\s*:?\s*)?(?:(?:mon|tues|wednes|thurs|fri|satur|sun)"
    rf"day,?\s*)?{_DATE}[\d\s:.,/|apmAPMETGSDUC()-]{{0,30}}[ \t]*",
    re.I,
)
_UPDATED = re.compile(r"\s*(?:last )?updated", re.I)
# "a week ago, on March 3" / "two days ago, on March 3" / "on March 3, a week ago" / "yesterday, March 3"
_NUMBER = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}
_AGO = r"(?P<n>a|an|one|two|three|four|five|six|seven|\d)\s+(?P<unit>days?|weeks?)\s+ago"
_RELATIVE = [
    re.compile(rf"\b{_AGO},?\s+on\s+{_DATE}"),
    re.compile(rf"\bon\s+{_DATE},?\s+{_AGO}"),
    re.compile(rf"\b(?P<yesterday>[Yy]esterday),?\s+(?:on\s+)?{_DATE}"),
]
# Self-references: the outlet speaking of itself in its own copy.
_OUTLET_NAME = r"(?P<outlet>(?:The )?(?:[A-Z][\w&'’.-]*|[A-Z]{2,})(?: (?:[A-Z][\w&'’.-]*|[A-Z]{2,}|News|of|de|and)){0,4})"
_SELF = [
    re.compile(rf"\b{_OUTLET_NAME} (?:has |had )?(?:reached out to|contacted|asked|requested comment from)\b[^.\n]{{0,120}}"
               rf"\bfor (?:a )?(?:comment|response|reaction)"),
    re.compile(rf"\b{_OUTLET_NAME} (?:could not|was unable to|cannot|can not|"
               rf"(?:has|had|have|did) not independently) (?:independently )?(?:verify|verified|confirm|confirmed)\b"),
    # "CBC News has learned", "CTV News has analyzed": what a newsroom says of its own reporting
    re.compile(rf"\b{_OUTLET_NAME} (?:has|have) (?:learned|obtained|analy[sz]ed|reviewed)\b"),
    # a related-links header under the story: "More from CBC Manitoba:"
    re.compile(rf"(?m)^[ \t]*More from {_OUTLET_NAME}[ \t]*:?[ \t]*$"),
]
# Words each self-reference pattern needs, tested before the pattern runs.
_SELF_WORDS = (("for comment", "for a comment", "for response", "for a response", "for reaction"),
               ("verif", "confirm"), (" learned", " obtained", " analyzed", " analysed", " reviewed"),
               ("more from",))
# Patterns whose verbs others use too ("the White House could not confirm", "the FBI has
# reviewed"): the name must hold an outlet word (News, Times, Post, a broadcaster's acronym),
# not just two capitalised words or an acronym.
_NEEDS_OUTLET_WORD = (False, True, True, False)
# A staff photo credit in the text, "(Jana Pell/Gull Wire)": the outlet's own photographer
# when the same outlet is credited at least twice and is no agency or photo service (one
# credit, or an agency's, is a picture bought from elsewhere).
_PHOTO_CREDIT = re.compile(r"\(\s*[A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*){0,3}\s*/\s*"
                           r"(?P<outlet>[A-Z][\w&.'’-]*(?: (?:[A-Z][\w&.'’-]*|and|of)){0,3})\s*\)")
_PICTURE_SOURCES = re.compile(
    r"\b(?:ap|associated press|canadian press|reuters|afp|getty|bloomberg|epa|shutterstock|istock|handout|"
    r"submitted|supplied|facebook|twitter|instagram|youtube|file|pool|courtesy|contributed|nasa)\b", re.I)
_NOT_OUTLET = re.compile(r"^(?:The |A )?(?:He|She|They|We|It|Police|Officials?|Authorities|Reporters|Lawyers?|"
                         r"Investigators|This|That|Nobody|No one|I)$")
# Section names a page puts above a headline.
SECTION_WORDS = frozenset(
    "news world politics business economy markets health science technology tech sports sport opinion culture "
    "entertainment arts local national international europe asia africa americas canada us uk climate "
    "environment education lifestyle travel video breaking".split()
    # the same sections on Russian-language sites ("Происшествия", "В мире", "Общество")
    + "новости происшествия политика экономика бизнес финансы общество мир в россия спорт культура наука "
    "технологии здоровье регионы армия криминал образование авто".split()
)


def is_section_line(line: str) -> bool:
    """A line that is only a section name ("Politics", "World news"): at most three tokens, every
    word among :data:`SECTION_WORDS`."""
    words = re.findall(r"[^\W\d_]+", line)
    return bool(words) and 0 < len(line.split()) <= 3 and all(w.lower() in SECTION_WORDS for w in words)


def _value(m: re.Match[str]) -> tuple[str, bool] | None:
    """(ISO value, partial?) of a ``_DATE`` match."""
    g = m.groupdict()
    if g.get("iso"):
        try:
            return dt.date.fromisoformat(g["iso"]).isoformat(), False
        except ValueError:
            return None
    month = month_number(g.get("month") or g.get("month2") or "")
    return _day_value(g.get("year") or g.get("year2"), month, int(g.get("day") or g.get("day2") or 0))


def _day_value(year: str | None, month: int | None, day: int) -> tuple[str, bool] | None:
    """(ISO value, partial?) of a day, or None when there is no such day; without a year, partial."""
    try:
        dt.date(int(year) if year else 2000, month or 0, day)  # 2000: a leap year, so 29 February is valid
    except ValueError:
        return None
    return (f"{int(year):04d}-{month:02d}-{day:02d}", False) if year else (f"--{month:02d}-{day:02d}", True)


# A dateline's date: "March 12", "Dec 2", "2 Dec", "12 марта", "2 дек.", with or without a year.
_DATELINE_DATE = re.compile(r"(?:(?P<day>\d{1,2})\s+(?P<month>[^\W\d_]{3,9})\.?|(?P<month2>[^\W\d_]{3,9})\.?\s+"
                            r"(?P<day2>\d{1,2}))(?:,?\s+(?P<year>(?:19|20)\d\d)(?:\s*(?:года|г)\.?)?)?")


def dateline_value(date: str) -> tuple[str, bool] | None:
    """(ISO value, partial?) of the date in a dateline, English or Russian, full month names or
    the agencies' abbreviations; None when it is not a date. Without a year it stays partial."""
    m = _DATELINE_DATE.fullmatch(date.strip(" .,"))
    return _day_value(m["year"], month_number(m["month"] or m["month2"]), int(m["day"] or m["day2"])) if m else None


def _shift_partial(value: str, days: int) -> str:
    """A date ``days`` later; a partial (``--MM-DD``) one stays partial (a leap year is assumed
    only to let 29 February exist)."""
    if value.startswith("--"):
        d = dt.date(2000, int(value[2:4]), int(value[5:7])) + dt.timedelta(days=days)
        return f"--{d.month:02d}-{d.day:02d}"
    return (dt.date.fromisoformat(value) + dt.timedelta(days=days)).isoformat()


def _inferred(value: Any, how: str, raw_start: int, raw_end: int, raw: str, **extra: Any) -> dict[str, Any]:
    return {"value": value, "how": how, "evidence": [raw_start, raw_end], "evidence_text": raw[raw_start:raw_end],
            **extra}


def infer_metadata(raw: str, clean: Any, *, given: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Inferred ``source``, ``title``, ``published`` (and ``section``) for a text.

    ``clean`` is the :class:`storyline.clean.CleanResult` of ``raw``; ``given`` the values the
    input had (``source``, ``title``, ``published``): those are never inferred."""
    out: dict[str, dict[str, Any]] = {}
    meta = clean.metadata
    if not given.get("source"):
        source = _infer_source(raw, clean)
        if source:
            out["source"] = source
    if not given.get("published"):
        published = _infer_published(raw, clean)
        if published:
            out["published"] = published
    if not given.get("title"):
        title = _infer_title(raw, clean)
        if title:
            out["title"] = title
    if meta.get("section"):
        out["section"] = meta["section"]
    return out


def _find(raw: str, text: str, start: int = 0) -> tuple[int, int]:
    at = raw.find(text, start)
    return (at, at + len(text)) if at >= 0 else (0, 0)


def _url_line(raw: str, url: str) -> tuple[int, int]:
    """Raw offsets of the line a leading URL starts on (its spacing may differ: "http : / / ...")."""
    pos = 0
    for line in raw[:3000].split("\n")[:6]:
        squashed = re.sub(r"\s+", "", line)
        if squashed and url.startswith(squashed[:12]):
            return pos, pos + len(line.rstrip())
        pos += len(line) + 1
    return 0, 0


def _infer_source(raw: str, clean: Any) -> dict[str, Any] | None:
    found = _source_evidence(raw, clean)
    if found:
        # one spelling per well-known outlet ("AP" -> "The Associated Press"); the evidence keeps the text's
        found["value"] = canonical_outlet(found["value"])
    return found


def _source_evidence(raw: str, clean: Any) -> dict[str, Any] | None:
    meta = clean.metadata
    dateline = meta.get("dateline") or {}
    head = raw[:2000]
    urls = meta.get("leading_urls") or []
    outlet = domain_outlet(urls[0]) if urls else None
    if outlet:
        # the page's own address above the text: who published it, even when it prints wire copy
        s, e = _url_line(raw, urls[0])
        return _inferred(outlet, "URL line", s, e, raw)
    if dateline.get("agency"):
        s, e = _find(head, dateline["agency"])
        return _inferred(dateline["agency"], "agency dateline", s, e, raw)
    if meta.get("outlet_header"):
        header = meta["outlet_header"]
        # "Jeff Orr, The Gull Press": a byline with the outlet after the comma
        _who, comma, outlet_name = header.rpartition(",")
        name = outlet_name.strip() if comma and _OUTLET_WORD.search(outlet_name) else header
        s, e = _find(head, name)
        return _inferred(name, "outlet header line", s, e, raw)
    tag = find_agency_tag(raw)
    if tag:
        # "(Gull Wire) -" on the second or third line, under a headline or a byline
        return _inferred(tag[0], "agency dateline", tag[1], tag[2], raw)
    text = clean.text
    low = text.lower()
    for pattern, words, strict in zip(_SELF, _SELF_WORDS, _NEEDS_OUTLET_WORD, strict=True):
        if not any(w in low for w in words):
            continue  # cheap test first: the patterns scan the whole text
        for m in pattern.finditer(text):
            name = m["outlet"].strip()
            if _NOT_OUTLET.match(name) or len(name) < 2:
                continue
            # one capitalised word at a sentence start ("When ...") is not a name; an outlet has an
            # outlet word (News, Times, Press ...), two capitalised words, or is an acronym (CBC)
            # (for the strict patterns an acronym alone is not enough: "the FBI could not confirm")
            if not (_OUTLET_WORD.search(name) or (not strict and (len(name.split()) >= 2 or name.isupper()))):
                continue
            s, e = clean.offset_map.to_source(m.start("outlet")), clean.offset_map.to_source(m.end("outlet"))
            return _inferred(name, "self-reference", s, e, raw)
    credited: dict[str, list[re.Match[str]]] = {}
    for m in _PHOTO_CREDIT.finditer(raw) if "/" in raw else ():
        if not _PICTURE_SOURCES.search(m["outlet"]):
            credited.setdefault(m["outlet"].strip(), []).append(m)
    staff = [(len(ms), name) for name, ms in credited.items() if len(ms) >= 2]
    if staff:
        name = max(staff)[1]
        first = credited[name][0]
        return _inferred(name, "staff photo credits", first.start("outlet"), first.end("outlet"), raw,
                         credits=len(credited[name]))
    repeated = find_repeated_outlet(text)
    if repeated:
        name, start, end, mentions = repeated
        omap = clean.offset_map
        return _inferred(name, "repeated mentions", omap.to_source(start), omap.to_source(end), raw, mentions=mentions)
    return None


def _infer_title(raw: str, clean: Any) -> dict[str, Any] | None:
    first = clean.text.strip().split("\n", 1)[0].strip()
    if not first:
        return None
    start = clean.text.find(first)
    s, e = clean.offset_map.to_source(start), clean.offset_map.to_source(start + len(first))
    return _inferred(first[:200], "first line", s, e, raw)


def _infer_published(raw: str, clean: Any) -> dict[str, Any] | None:
    # 1. A date line near the top of the raw text (under the headline), removed or not.
    pos = 0
    for line in raw.split("\n")[:8]:
        m = _DATE_LINE.fullmatch(line)
        if m and not _UPDATED.match(line):
            got = _value(m)
            if got:
                return _inferred(got[0], "date line", pos, pos + len(line), raw, partial=got[1])
        pos += len(line) + 1
    # 2. The dateline's date ("Kyiv. March 3. UNIAN -").
    date = (clean.metadata.get("dateline") or {}).get("date")
    if date:
        got = dateline_value(date)
        if got:
            s, e = _find(raw[:2000], date)
            return _inferred(got[0], "dateline", s, e, raw, partial=got[1])
    # 3. A relative statement: "a week ago, on March 3" -> March 10 (the year stays unknown).
    text = clean.text
    for pattern in _RELATIVE:
        m = pattern.search(text)
        if not m:
            continue
        got = _value(m)
        if not got:
            continue
        if m.groupdict().get("yesterday"):
            days = 1
        else:
            n = m["n"]
            days = (int(n) if n.isdigit() else _NUMBER[n.lower()]) * (7 if m["unit"].startswith("week") else 1)
        s, e = clean.offset_map.to_source(m.start()), clean.offset_map.to_source(m.end())
        return _inferred(_shift_partial(got[0], days), "relative date", s, e, raw, partial=got[1])
    return None
