"""Outlet names: one spelling per outlet, agencies told from outlets, and the agency tag of wire copy.

The table ``outlet_names.json`` (packaged data) lists well-known news agencies and outlets with
their variants and web domains, so ``AP``, ``Associated Press`` and ``The Associated Press`` are
one outlet. It is data, not a rule per example: an outlet that is not listed keeps the spelling
the text gives it.

The agency tag is the ``(AGENCY) -`` of wire copy: ``PARIS (Gull Wire) -``, ``TORVIK, Orla,
Jan. 12 (GW) —``. The cleaner's dateline finder reads it only at the very start of the body; a
page that prints a headline first puts it on the second or third line (measured in
benchmarks/results/robustness.md, "Round 11").
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

__all__ = ["OUTLET_WORD", "canonical_outlet", "domain_outlet", "find_agency_tag", "find_repeated_outlet", "is_agency",
           "is_known_outlet", "looks_like_outlet_name"]

# A word that makes a name an outlet's (News, Times, Post, a broadcaster's acronym).
OUTLET_WORD = re.compile(
    r"\b(?:news|times|post|herald|agency|press|wire|daily|journal|gazette|tribune|telegraph|chronicle|courier|"
    r"observer|guardian|reuters|tass|interfax|bbc|cnn|afp|bloomberg|radio|tv|television|magazine|review|star|"
    r"mail|globe|sun|mirror|express|examiner|standard|insider|dispatch|inquirer|register|politico|axios|"
    r"cbc|ctv|npr|abc|nbc|cbs|msnbc|pbs|itv|rte|sbs|nhk|ledger|bulletin|sentinel|monitor|enquirer)\b",
    re.I,
)

_TABLE = Path(__file__).resolve().parent / "outlet_names.json"


class _Known(NamedTuple):
    name: str
    agency: bool


def _fold(name: str) -> str:
    """A variant as looked up: case and a leading "the" do not matter, nor spacing and dots."""
    name = re.sub(r"^the\s+", "", name.strip().lower())
    return re.sub(r"[\s.]+", " ", name).strip()


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, tuple[_Known, bool]], dict[str, str]]:
    data = json.loads(_TABLE.read_text(encoding="utf-8"))
    variants: dict[str, tuple[_Known, bool]] = {}
    domains: dict[str, str] = {}
    for group, agency in (("agencies", True), ("outlets", False)):
        for name, entry in data[group].items():
            for v in [name, *entry["variants"]]:
                # an acronym only in capitals: "AP" is the agency, "ap" and "Pa." are not
                variants.setdefault(_fold(v), (_Known(name, agency), v.isupper() and len(v) <= 5))
            for d in entry["domains"]:
                domains[d.lower()] = name
    return variants, domains


def _known(name: str) -> _Known | None:
    found = _table()[0].get(_fold(name))
    if not found or (found[1] and not re.sub(r"^[Tt]he\s+", "", name.strip()).isupper()):
        return None
    return found[0]


def canonical_outlet(name: str) -> str:
    """The table's one spelling of a well-known outlet (``AP`` -> ``The Associated Press``), else
    the name as written."""
    known = _known(name)
    return known.name if known else name.strip()


def is_known_outlet(name: str) -> bool:
    """Whether ``name`` is one of the table's outlets or agencies, in one of its spellings."""
    return _known(name) is not None


# Russian outlet words ("Российская газета", "РИА Новости"), beside OUTLET_WORD's.
_RU_OUTLET_WORD = re.compile(r"газета|агентство|новости|известия|коммерсантъ?|ведомости", re.I)
_SMALL_WORDS = frozenset({"the", "of", "and", "&", "de", "la", "le"})


def looks_like_outlet_name(line: str) -> bool:
    """A line that is an outlet's name: one of the table's, or at most five capitalised words that
    end in an outlet word ("Harbor Daily news", "The Gull Post", "Jeff Orr, The Gull Press").
    A headline with such a word elsewhere ("Press freedom under attack", "Fake news spreads
    online", "Daily protests continue") is not one."""
    words = line.split()
    if not 0 < len(words) <= 5:
        return False
    if is_known_outlet(line):
        return True
    last = words[-1].strip(".,:;")
    return bool(OUTLET_WORD.fullmatch(last) or _RU_OUTLET_WORD.fullmatch(last)) and all(
        w[:1].isupper() or w.lower() in _SMALL_WORDS for w in words[:-1])


def same_outlet(name: str, other: str | None) -> bool:
    """Whether two spellings name one outlet ("told RIA Novosti" in a РИА Новости article: the
    agency's own reporting, not a source it cites)."""
    if not other:
        return False
    a, b = (re.sub(r"\s+(?:news\s+)?agency$", "", n.strip(), flags=re.I) for n in (name, other))
    return _fold(canonical_outlet(a)) == _fold(canonical_outlet(b))


def is_agency(name: str) -> bool:
    known = _known(name)
    return bool(known and known.agency)


def domain_outlet(url: str) -> str | None:
    """The outlet a URL belongs to: the table's name for a known domain (a subdomain counts:
    ``edition.cnn.com``), else the domain itself without ``www.`` (``gullcoast-news.example``)."""
    m = re.match(r"\s*(?:https?://)?(?:www\d?\.)?(?P<host>[\w-]+(?:\.[\w-]+)+)", url, re.I)
    if not m:
        return None
    host = m["host"].lower()
    domains = _table()[1]
    parts = host.split(".")
    for i in range(len(parts) - 1):
        name = domains.get(".".join(parts[i:]))
        if name:
            return name
    return host


# A dateline line: a place (and region, date) then the agency in brackets and a dash. The place
# starts with a capital and holds no brackets or quotes; the agency is one to four words.
_TAG_LINE = re.compile(
    r"[ \t]*(?P<place>[A-ZÀ-ÝА-ЯЁ][\w .,'’/-]{0,70}?)\s*\((?P<agency>[A-Z][\w&.'’ -]{0,38}?)\)\s*[-—–]{1,2}\s*\S")
# How many non-empty lines from the top may hold it: a headline, a byline or a date line may come first.
_TAG_LINES = 3


def _agency_like(name: str) -> bool:
    """An agency in a dateline's brackets: a listed one, or a name with an agency or outlet word
    ("Gull Wire", "Orla News Agency"), or an acronym ("GW"); not a party tag ("R-Texas")."""
    return bool(_known(name)) or bool(OUTLET_WORD.search(name)) or re.fullmatch(r"[A-Z]{2,6}", name) is not None


def find_agency_tag(raw: str) -> tuple[str, int, int] | None:
    """(agency as written, start, end) of the agency tag on one of the first non-empty lines."""
    pos = 0
    seen = 0
    for line in raw[:3000].split("\n"):
        if line.strip():
            m = _TAG_LINE.match(line)
            if m and _agency_like(m["agency"].strip()):
                return m["agency"].strip(), pos + m.start("agency"), pos + m.start("agency") + len(m["agency"].strip())
            seen += 1
            if seen >= _TAG_LINES:
                break
        pos += len(line) + 1
    return None


# Mentions of an outlet that, said often enough, are the outlet speaking of its own reporting:
# "told <Outlet>", "in an interview with <Outlet>", "spoke to <Outlet>", "<Name> is a reporter
# for <Outlet>", "<Outlet>'s correspondent", a photo credit "(Name/<Outlet>)", "obtained by
# <Outlet>". Each one alone is as often another outlet cited: "told X" alone was right 30 times in
# 102 on PolNeAR train (benchmarks/results/robustness.md, "Round 11").
_NAME = (r"((?:[Tt]he )?(?:[A-Z][\w&'’.-]*|[A-Z]{2,})"
         r"(?: (?:[A-Z][\w&'’.-]*|[A-Z]{2,}|News|of|and)){0,4})")
_NAME_AT_END = re.compile(rf"(?<![\w&'’.-]){_NAME}\Z")


class _NameBefore:
    """A pattern whose outlet name comes first ("<Outlet>'s correspondent"): the words after the
    name are found first and the name read backwards from them, since a pattern that starts with
    the name tries it at every capital of the text (four times slower on PolNeAR)."""

    def __init__(self, after: str) -> None:
        self.after = re.compile(after)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        for m in self.after.finditer(text):
            name = _NAME_AT_END.search(text, max(0, m.start() - 80), m.start())
            if name:
                yield name


_MENTIONS = {
    "told": re.compile(rf"\b(?:told|tells|telling) {_NAME}"),
    "interview": re.compile(rf"\binterview with {_NAME}"),
    "spoke": re.compile(rf"\b(?:spoke|speaking|talked) (?:to|with) {_NAME}"),
    "staff bio": re.compile(r"\bis an? (?:\w+ ){0,3}(?:reporter|correspondent|writer|columnist|editor|contributor|"
                            rf"producer|journalist)\b(?: \w+){{0,3}}? (?:for|at|with) {_NAME}"),
    "staff role": _NameBefore(r"(?:'s|’s) (?:\w+ ){0,2}(?:reporter|correspondent|columnist|editor|bureau|"
                              r"investigation|analysis)\b"),
    "photo credit": re.compile(rf"\(\s*[A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*){{0,3}}\s*/\s*{_NAME}\s*\)"),
    "obtained by": re.compile(rf"\b(?:obtained|reviewed|seen|contacted|reached|asked) by {_NAME}"),
}
# Words each mention needs, tested before its pattern scans the whole text.
_MENTION_WORDS = {"told": ("told ", "tells ", "telling "), "interview": ("interview with",),
                  "spoke": ("spoke ", "speaking ", "talked "), "staff bio": (" for ", " at ", " with "),
                  "staff role": ("’s ", "'s "), "photo credit": ("/",), "obtained by": (" by ",)}
# An outlet cited as another's reporting: "<Outlet> reported", "according to <Outlet>", "reported
# by <Outlet>", "a column in <Outlet>". A text that cites an outlet this way is not by it.
_CITED = [
    _NameBefore(r" (?:first |previously |also |has |had |later |originally )?(?:reported|reports|published|broke)\b"),
    re.compile(rf"\b[Aa]ccording to (?:a |an )?(?:\w+ ){{0,2}}?(?:report |story |article |poll )?(?:by |from |in )?{_NAME}"),
    re.compile(rf"\b(?:reported|published|broken) (?:by|in) {_NAME}"),
    re.compile(rf"\b(?:op-ed|column|editorial|report|story|article|piece|interview) (?:in|for|on|published by) {_NAME}"),
]
# Chosen on GGT's tune half and PolNeAR train: three mentions, or two of two different kinds, and no
# other outlet mentioned or cited (robustness.md, "Round 11": 7 right, 0 wrong there; fewer let
# wrong outlets in: two mentions of one kind named 2 wrong of 8 on PolNeAR train).
_MIN_MENTIONS = 3
_MIN_MENTIONS_TWO_KINDS = 2


def _clip_name(name: str) -> str:
    """The outlet's words of a matched name: not past a sentence end ("the Orla Post. She"), nor a
    day or month after it ("the Orla Post Thursday"), nor a possessive's "'s"."""
    name = re.split(r"(?<=[a-z])\.\s", name.strip())[0].rstrip(".")
    name = re.sub(r"(?:\s+(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April|"
                  r"May|June|July|August|September|October|November|December))+$", "", name)
    return re.sub(r"[’']s$", "", name)


def _mentioned(m: re.Match[str]) -> str | None:
    """The outlet a mention names, or None when the name is no outlet's (a person, an office)."""
    name = _clip_name(m.group(1))
    if not (_known(name) or OUTLET_WORD.search(name) or re.fullmatch(r"(?:The )?[A-Z]{2,5}", name)):
        return None
    return None if is_agency(name) else name  # an agency's photo or quote is bought, not staff work


def _outlet_key(name: str) -> str:
    """One outlet's mentions under one key: "the Orla Post's" and "Orla Post" are "orla post"."""
    return " ".join(re.sub(r"[^a-z ]", " ", re.sub(r"^the ", "", canonical_outlet(name).lower())).split())


def _short_forms_joined(mentions: dict[str, list[tuple[str, re.Match[str]]]], cited: set[str]
                        ) -> tuple[dict[str, list[tuple[str, re.Match[str]]]], set[str]]:
    """"the Post" is "Orla Post" when the text names one such outlet only (with "Orla Post" and
    "Gull Post" both there, "the Post" stays apart, and the text names more than one outlet)."""
    keys = set(mentions) | cited
    longer = {k: [o for o in keys if o.endswith(" " + k)] for k in keys}
    into = {k: found[0] for k, found in longer.items() if len(found) == 1}
    joined: dict[str, list[tuple[str, re.Match[str]]]] = {}
    for k, found in mentions.items():
        joined.setdefault(into.get(k, k), []).extend(found)
    return joined, {into.get(k, k) for k in cited}


def find_repeated_outlet(text: str) -> tuple[str, int, int, int] | None:
    """(outlet, start, end of its first mention, mentions) when one outlet, and only one, is
    mentioned as the text's own often enough (see ``_MENTIONS``) and never cited as another's."""
    mentions: dict[str, list[tuple[str, re.Match[str]]]] = {}
    low = text.lower()
    for kind, pattern in _MENTIONS.items():
        if not any(w in low for w in _MENTION_WORDS[kind]):
            continue
        for m in pattern.finditer(text):
            name = _mentioned(m)
            if name:
                mentions.setdefault(_outlet_key(name), []).append((kind, m))
    if not mentions:
        return None
    cited = {_outlet_key(n) for p in _CITED for m in p.finditer(text) if (n := _mentioned(m))}
    mentions, cited = _short_forms_joined(mentions, cited)
    if len(mentions) > 1 or cited:  # another outlet, or this one cited as another's reporting
        return None
    (found,) = mentions.values()
    kinds = {kind for kind, _m in found}
    if len(found) < _MIN_MENTIONS and not (len(found) >= _MIN_MENTIONS_TWO_KINDS and len(kinds) >= 2):
        return None
    # the evidence is the first mention under the longest name ("Orla Post" rather than "the Post")
    longest = max(len(_clip_name(m.group(1))) for _k, m in found)
    first = min((m for _k, m in found if len(_clip_name(m.group(1))) == longest), key=lambda m: m.start(1))
    name = _clip_name(first.group(1))
    start = first.start(1) + (4 if name.startswith("the ") else 0)  # "told the Courier": "the" is the sentence's
    name = name.removeprefix("the ")
    return name, start, start + len(name), len(found)
