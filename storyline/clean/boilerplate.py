"""Boilerplate lines, credit lines, bylines and datelines.

Each finder returns edits (what to remove) plus the metadata it learned, so a
credit line or a dateline is moved into metadata rather than thrown away.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from ..model import Edit
from .infer import dateline_value, is_section_line
from .outlets import is_known_outlet, looks_like_outlet_name

# Lines that belong to the page, not to the story. Each pattern is anchored to a
# whole (short) line: the same words inside a sentence of the story are news
# ("the minister urged people to sign up for evacuation") and must stay.
_BOILERPLATE = [
    ("newsletter prompt", r"(sign up|subscribe|register)\b.{0,80}\b(newsletter|updates|inbox|alerts|daily|briefing)\b.*"),
    ("newsletter prompt", r"(get|receive) (our|the) .{0,40}newsletter.*"),
    ("newsletter prompt", r"(подпишитесь|подписывайтесь) на .*"),
    ("comment form", r"(leave|post|add|write) a (comment|reply)\b.*"),
    ("comment form", r"(\d+ )?comments?( \(\d+\))?:?"),
    ("comment form", r"(log|sign) in to (comment|reply).*"),
    ("comment form", r"(комментарии|оставить комментарий|добавить комментарий).{0,20}"),
    ("tag list", r"(tags|topics|filed under|categories|keywords|теги|метки)\s*:.*"),
    ("navigation", r"(read more|related( articles| stories| content)?|see also|more on this( story)?|recommended"
                   r"( for you)?|most read|also read|further reading|читайте также|подробнее|по теме)\b.{0,160}"),
    ("share prompt", r"(share|share this( article| story| page)?|share on \w+|tweet this|email this|print this"
                     r"( article)?|поделиться)[:!.]?"),
    ("cookie notice", r".{0,80}\b(we use cookies|this (site|website) uses cookies|accept (all )?cookies|cookie "
                      r"(policy|settings|preferences)|использует (файлы )?cookie).*"),
    ("advertisement", r"(advertisement|sponsored( content)?|реклама)"),
    ("copyright", r"(©|\(c\)|copyright)\s*.{0,120}|all rights reserved\.?"),
    ("navigation", r"(back to top|skip to (main )?content|click here to .{0,60}|follow us on .{0,60})"),
]
_BOILERPLATE_RE = [(reason, re.compile(rf"[ \t]*(?:{p})[ \t]*", re.I)) for reason, p in _BOILERPLATE]
# Page furniture is a short line; longer lines are story text and are not tested.
_MAX_BOILERPLATE_LINE = 220

# "Jana Pell contributed to this report." / "Reporting by X; Editing by Y" are credits:
# worth keeping as metadata (who stands behind the story), not as story text.
_CREDIT = re.compile(
    r"^[ \t]*(?P<line>(?P<who>[^\n]{3,160}?) contributed (reporting )?to this (report|story|article)\.?"
    r"|(additional )?reporting by (?P<who2>[^\n]{3,200})"
    r"|(writing|editing|edited|compiled) by (?P<who3>[^\n]{3,160})"
    r"|[-–—]?[ \t]*with (files|a report|reporting) from (?P<who4>[^\n]{3,160}))[ \t]*$",
    re.I | re.M,
)
_BYLINE = re.compile(r"^[ \t]*(?:by|автор:?)\s+(?P<who>[A-ZА-ЯЁ][^\n]{2,120}?)[ \t]*$", re.M | re.I)
_NAME_SPLIT = re.compile(r"\s*(?:,|;|\band\b|\bи\b|&)\s*")

# Datelines open the body of wire copy. The shapes below cover agency style
# ("BRUSSELS (Reuters) -"), Russian-agency style translated ("Kyiv. March 3. UNIAN -"), the
# Russian agencies' own ("МОСКВА, 12 марта. /ТАСС/.", "MOSCOW, Dec 2 (Interfax) -",
# "МОСКВА, 2 дек — РИА Новости.") and US newspaper style ("PARIS —"). The dash (or the
# agency's slashes) is required: without it a capitalised first word is just the start of a
# sentence. In the shapes with a date (``_DATED``) the date must read as one.
_DASH = r"\s*[-—–]{1,2}\s*"
_PLACE = r"(?P<place>[A-ZА-ЯЁ][\w .'’-]{1,40}?)"
_DAY_MONTH = r"(?P<date>[^\W\d_]{3,9}\.?\s+\d{1,2}|\d{1,2}\s+[^\W\d_]{3,9}\.?)"
_DATELINES = [
    re.compile(rf"\A(?P<place>[A-ZА-ЯЁ][\w .'’-]{{1,40}}?)\.\s+(?P<date>[\w]+\.?\s+\d{{1,2}}|\d{{1,2}}\s+[\w]+)\.\s+"
               rf"(?P<agency>[\w][\w .'’&-]{{1,40}}?){_DASH}"),
    re.compile(rf"\A{_PLACE},\s+{_DAY_MONTH}\.?\s*/(?P<agency>[^/\n]{{2,30}})/\.?\s*"),
    re.compile(rf"\A{_PLACE}[.,]\s+{_DAY_MONTH}\s*\((?P<agency>[^)\n]{{2,40}})\){_DASH}"),
    re.compile(rf"\A{_PLACE},\s+{_DAY_MONTH}{_DASH}(?P<agency>[^\n.]{{2,30}}?)\.\s+"),
    re.compile(rf"\A(?P<place>[A-ZА-ЯЁ][A-ZА-ЯЁ .'’-]{{1,40}}?)(?:,\s*(?P<region>[A-Z][\w. ]{{1,30}}))?\s*"
               rf"\((?P<agency>[^)\n]{{2,40}})\){_DASH}"),
    re.compile(rf"\A(?P<place>[A-ZА-ЯЁ][A-ZА-ЯЁ.'’-]+(?: [A-ZА-ЯЁ.'’-]+){{0,3}})(?:,\s*(?P<region>[A-Z][\w. ]{{1,30}}))?"
               rf"{_DASH}"),
]
_US_STYLE = _DATELINES[-1]
_DATED = _DATELINES[1:4]
# "МОСКВА, 2 дек — РИА Новости.": a sentence could take that shape, so the agency must be a listed one.
_LISTED_AGENCY_ONLY = _DATELINES[3]
# "MOSCOW, March 12. /TASS/." and "MOSCOW. Dec 2 (Interfax) -": a place in capitals, or a listed agency;
# "On Friday, May 5 (local time) - the ferry sank" is a sentence, not a dateline.
_CAPITALS_OR_LISTED = _DATELINES[1:3]


# The classifier's bar in texts of three content lines or fewer. Measured on the shared data's short
# texts (AllSides leads, ECB+, tgpairs; 389 scored lines): no genuine line reaches 0.99, one reaches
# 0.98 (benchmarks/results/robustness.md, "Short texts").
SHORT_TEXT_THRESHOLD = 0.99

_TAG_LINE = re.compile(r"\s*(?:tags|topics|keywords|filed under|categories|теги|метки)\b\s*:?\s*(?P<rest>.*)", re.I)


def find_page_lines(text: str, batch_repeats: Callable[[str], int] | None = None, *, patterns: bool = True,
                    classifier: bool = True, known_tags: Sequence[str] = (), source: str | None = None
                    ) -> tuple[list[Edit], dict[str, Any]]:
    """Page furniture by the patterns, then by the learned line classifier
    (:mod:`storyline.clean.lines`). A tag or keyword line becomes metadata (``tags``, after
    ``known_tags``), never text. An outlet header on the first line is left to
    :func:`find_dateline`, which keeps the outlet it names."""
    from .lines import load_line_model, score_lines

    edits = find_boilerplate(text) if patterns else []
    taken = {e.start for e in edits}
    model = load_line_model() if classifier else None
    # In a text of three lines or fewer most lines are story, and a line inserted above two sentences
    # ("Tags ...", "See all ...") has little page around it: only near-certain lines go there.
    content_lines = sum(1 for line in text.split("\n") if any(c.isalpha() for c in line))
    if model is not None:
        threshold = model.threshold if content_lines >= 4 else max(model.threshold, SHORT_TEXT_THRESHOLD)
        found = [_line_edit(text, start, end, f"boilerplate: line classifier (p={p:.2f})")
                 for start, end, p in score_lines(text, batch_repeats, model)
                 if p >= threshold and start not in taken
                 and not (start == 0 and "\n" in text and is_outlet_header(text[start:end], source))]
        # ... and never all of them: a short text that is nothing but such lines stays as given.
        if content_lines >= 4 or len(found) + len(edits) < content_lines:
            edits = sorted(edits + found, key=lambda e: e.start)
    tags: list[str] = list(known_tags)
    for e in edits:
        m = _TAG_LINE.fullmatch(text[e.start:e.end].strip())
        if m and m["rest"]:
            parts = re.split(r"\s*[,;|]\s*", m["rest"].strip())
            tags += [p for p in parts if p]
    return edits, ({"tags": list(dict.fromkeys(tags))} if tags else {})


def find_boilerplate(text: str) -> list[Edit]:
    """Whole lines of page furniture (newsletter prompts, tag lists, share and cookie notices)."""
    edits: list[Edit] = []
    start = 0
    # Line by line: a news text has a few dozen lines, and testing each short line is
    # much cheaper than scanning the whole text once per pattern.
    for line in text.split("\n"):
        end = start + len(line)
        if line.strip() and len(line) <= _MAX_BOILERPLATE_LINE:
            for reason, pattern in _BOILERPLATE_RE:
                if pattern.fullmatch(line):
                    edits.append(_line_edit(text, start, end, f"boilerplate: {reason}"))
                    break
        start = end + 1
    return edits


# A line holding nothing but a URL, also in the detokenised form "http: / / www. site. com / a - b"
# that tokenised corpora and some copy-pastes produce. At the top of a text it is where the
# text came from, not what it says: it must not become the title or feed the embedding.
_URL_LINE = re.compile(r"[ \t]*(?:https?|ftp)\s*:\s*/\s*/\s*\S[^\n]*|[ \t]*www\s*\.\s*\S+[ \t]*")


def _url_token(line: str) -> str | None:
    """The line as one URL-like token with the spaces around its separators removed, or None
    when words separated by plain spaces remain (prose, a headline)."""
    token = _URL_SEPARATOR_SPACES.sub(r"\1", line.strip())
    return None if not token or " " in token else token


# Spaces a tokenised corpus puts around a URL's separators ("www. site. com / a - b").
_URL_SEPARATOR_SPACES = re.compile(r"\s*([:/.\-_?=&#+—–])\s*")
# The tail of a URL broken over lines: a path fragment ("a-b-c/123/", "story-9.html", "id=3&t=1")
# (or a single lowercase word the wrap cut off: "ley"); a headline has spaces or capitals.
_URL_TAIL = re.compile(r".*[/\-_.&=?#+—–].*|[a-z0-9]+")


def _splits_a_headline_word(line: str, next_line: str) -> bool:
    """"Char-" over "gers lineman faces DUI charges": the first part of a headline word that print
    hyphenation split, not a URL fragment, when the next line goes on in lowercase as prose (a
    URL's next fragment, "seized /", has no plain spaces). Taken as the URL's tail, it left the
    headline starting "gers" (ECB+ dev 35_2ecbplus under print noise, seed 0)."""
    return line.rstrip().endswith(("-", "—", "–")) and next_line.lstrip()[:1].islower() \
        and _url_token(next_line) is None


def find_leading_urls(text: str) -> tuple[list[Edit], dict[str, Any]]:
    """URL-only lines among the first three lines, moved to metadata (``leading_urls``).

    Also under a line of page furniture ("Subscribe to ..."): left in place, the URL line would
    be joined to that line as a hard wrap before the furniture is recognised, and the two would
    become the title. Dash variants inside the URL (machine translation and OCR turn "-" into
    "—" or "--") do not stop it being a URL. A URL that a hard wrap broke over lines goes whole:
    the lines right after a URL line that are path fragments ("pirate - ships / 874560 /") are
    its tail, not the headline (measured in benchmarks/results/robustness.md)."""
    edits: list[Edit] = []
    urls: list[str] = []
    start = 0
    lines = text.split("\n")
    in_url = False
    for i, line in enumerate(lines):
        end = start + len(line)
        token = _url_token(line)
        if i < 3 and token and _URL_LINE.fullmatch(line):
            urls.append(re.sub(r"\s+", "", line))
            edits.append(_line_edit(text, start, end, "URL line moved to metadata"))
            in_url = True
        elif in_url and token and _URL_TAIL.fullmatch(token) and \
                not _splits_a_headline_word(line, lines[i + 1] if i + 1 < len(lines) else ""):
            urls[-1] += re.sub(r"\s+", "", line)
            edits.append(_line_edit(text, start, end, "URL line moved to metadata"))
        elif i >= 3 or line.strip():
            in_url = False
            if i >= 3:
                break
        start = end + 1
    return edits, ({"leading_urls": urls} if urls else {})


def find_credits(text: str) -> tuple[list[Edit], dict[str, Any]]:
    edits, credits, authors = [], [], []
    for m in _CREDIT.finditer(text):
        who = m.group("who") or m.group("who2") or m.group("who3") or m.group("who4") or ""
        credits.append(m.group("line").strip())
        authors += [n for n in _NAME_SPLIT.split(re.sub(r";.*", "", who)) if n]
        edits.append(_line_edit(text, m.start(), m.end(), "credit line moved to metadata"))
    # Bylines only count near the top: "By the end of the day ..." further down is prose.
    head_end = _nth_line_end(text, 3)
    for m in _BYLINE.finditer(text, 0, head_end):
        written = [n.strip() for n in _NAME_SPLIT.split(m.group("who")) if n.strip()]
        names = without_roles(written)
        # "By Staff Writer" is a byline with no name: the line goes, no author comes of it
        if written and all(_looks_like_name(n) for n in names):
            authors = names + authors
            edits.append(_line_edit(text, m.start(), m.end(), "byline moved to metadata"))
    meta: dict[str, Any] = {}
    if credits:
        meta["credits"] = credits
    if authors:
        meta["authors"] = list(dict.fromkeys(a.strip().rstrip(".") for a in authors))
    return edits, meta


def is_outlet_header(line: str, known_source: str | None = None) -> bool:
    """A first line that names the outlet (the page header of a scan or a paste)."""
    header = line.strip()
    # shaped like a name, not a headline holding an outlet word ("Press freedom under attack")
    return 0 < len(header.split()) <= 5 and not re.search(r"[.!?:\"«»]$", header) and not _CREDIT_LINE.search(
        header) and bool((known_source and header.lower() == known_source.lower()) or looks_like_outlet_name(header))


# A photo credit names an outlet too ("(Photo by Jana Pell/Gull Daily)", "Image copyright Gull
# Wire"), but the picture's, not the article's: on the harness's corrupted GGT (seed 0) 5 of the
# 11 outlets inferred were such lines (benchmarks/results/robustness.md, "Outlets").
_CREDIT_LINE = re.compile(r"[/()©]|\b(?:photo\w*|image|picture|credit|copyright|courtesy|getty)\b", re.I)


def find_dateline(text: str, known_source: str | None = None) -> tuple[list[Edit], dict[str, Any]]:
    """An outlet header line and/or a dateline at the very start of the body."""
    edits: list[Edit] = []
    meta: dict[str, Any] = {}
    offset = 0
    first, nl, _rest = text.partition("\n")
    header = first.strip()
    if nl and is_section_line(header):
        # A section name above the headline ("Politics", "World news") is where the page filed it.
        meta["section"] = header
        edits.append(Edit(0, len(first) + 1, "", "section name moved to metadata"))
        offset = len(first) + 1
    # An outlet name alone on the first line: the page header of a scan or a paste.
    elif nl and is_outlet_header(header, known_source):
        meta["outlet_header"] = header
        edits.append(Edit(0, len(first) + 1, "", "outlet header moved to metadata"))
        offset = len(first) + 1
    m = _match_dateline(text[offset:])
    if m is not None:
        groups = {k: v.strip(" .") for k, v in m.groupdict().items() if v}
        if groups.get("region") and dateline_value(groups["region"]):
            groups["date"] = groups.pop("region")  # "PARIS, March 3 —": a date, not a region
        meta["dateline"] = groups
        edits.append(Edit(offset + m.start(), offset + m.end(), "", "dateline moved to metadata"))
    return edits, meta


def _match_dateline(body: str) -> re.Match[str] | None:
    for pattern in _DATELINES:
        m = pattern.match(body)
        if not m:
            continue
        place = m.group("place").strip(" .")
        if len(place) < 2 or (pattern is _US_STYLE and not place.isupper()):
            continue
        if pattern in _DATED and dateline_value(m["date"]) is None:
            continue
        if pattern is _LISTED_AGENCY_ONLY and not is_known_outlet(m["agency"].strip()):
            continue
        if pattern in _CAPITALS_OR_LISTED and not (place.isupper() or is_known_outlet(m["agency"].strip())):
            continue
        return m
    return None


def leading_dateline(s: str) -> int:
    """Length of the dateline ``find_dateline`` would take from the start of ``s`` (0 for none):
    for text that still holds one, as a web page's second line can ("KRASNOVETSK — A fire ...")."""
    m = _match_dateline(s)
    return m.end() if m is not None else 0


def _line_edit(text: str, start: int, end: int, reason: str) -> Edit:
    """Remove a whole line, its line break included, so no blank line is left behind."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end == -1 else line_end + 1
    return Edit(line_start, line_end, "", reason)


def _nth_line_end(text: str, n: int) -> int:
    pos = 0
    for _ in range(n):
        nxt = text.find("\n", pos)
        if nxt == -1:
            return len(text)
        pos = nxt + 1
    return pos


# A job title after a byline's name ("By Jana Pell, Staff writer"): a role, not a second author.
_ROLE = re.compile(r"(?:(?:staff|senior|chief|special|foreign|political|national|local|contributing|associate|"
                   r"investigative|business|science)\s+)*(?:writer|reporter|correspondent|editor|contributor|"
                   r"columnist|journalist|photographer)s?|корреспондент|обозреватель|редактор", re.I)


def without_roles(names: list[str]) -> list[str]:
    """The names of a byline without the job titles written beside them."""
    return [n for n in names if not _ROLE.fullmatch(n.strip().rstrip("."))]


def _looks_like_name(s: str) -> bool:
    words = s.replace(".", " ").split()
    return 1 <= len(words) <= 5 and all(w[0].isupper() or w.lower() in {"de", "van", "von", "al", "bin", "la"}
                                        for w in words)
