"""Seeded, realistic corruptions of article text: what web copies, machine translation and print do.

The robustness harness (:mod:`storyline.robustness`) feeds the gold datasets through the
product twice, clean and corrupted by :func:`corrupt_text`, and scores both runs. Every
corruption is recorded in the :class:`Corruption` it returns (which lines were inserted,
which words were split, which names were respelled), so a score can tell what the product
should have undone. All randomness comes from the ``random.Random`` passed in: the same seed
gives the same corrupted text.

The boilerplate catalogue (:data:`CATALOGUE`) is written for storyline: each entry is a kind
and a template whose fields are filled from small invented word lists. It is also the
positive class the boilerplate line classifier learns from.

Kinds of corruption (``KINDS``):

- ``boilerplate``: 2-6 catalogue lines inserted at the top, the bottom and between paragraphs;
- ``punctuation``: machine-translation punctuation noise (quote marks detached from their
  words and glued to the next, mixed ``«»“”„"``, spaces before punctuation, dash variants);
- ``print``: print hyphenation (``govern-`` + line break + ``ment``), rare OCR confusions
  (``rn``/``m``, ``l``/``1``, ``O``/``0``) and hard line wraps at about 70 characters;
- ``names``: transliteration variants of the given person names (``-ey``/``-i``/``-ie``,
  ``-sky``/``-skiy``/``-skii``, ``Zh``/``J``, ``Yu``/``Iu``, ``-y``/``-i``) for about half of
  their occurrences, as a machine translation that spells one person several ways.

Stripping metadata (title, outlet, date) happens on the record, in the harness.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

__all__ = ["CATALOGUE", "DATASET_FURNITURE", "KINDS", "Corruption", "boilerplate_line", "corrupt_text", "name_variants"]

KINDS = ("boilerplate", "punctuation", "print", "names")

# Invented fillers: no real outlet, person or headline of the datasets.
_PEOPLE = ["Mara Velko", "Tobias Renn", "Ilse Marandi", "Oren Castell", "Pia Lindqvist", "Dario Feln",
           "Sana Okafor", "Bram Hollis", "Yelena Dorsk", "Kofi Anseli", "Greta Wahl", "Luis Ordaz"]
_ORGS = ["Harbor Council", "Northgate Union", "Velmont Party", "Civic Data Office", "Alder Bank", "Ridge Alliance"]
_PLACES = ["Velmont", "Port Aster", "Northgate", "Kaleva", "Dunmore", "Saltmarsh"]
_SECTIONS = ["Politics", "World", "Business", "Health", "Opinion", "Sports", "Science", "Local news", "Culture",
             "Technology", "Elections", "Climate"]
_OUTLETS = ["Harbor Ledger", "Velmont Daily", "Northgate Courier", "The Aster Review", "Kaleva Wire"]
_HEADLINES = ["Council delays vote on harbor budget", "New ferry line opens to island towns",
              "Farmers brace for a dry summer", "Court hears appeal in school funding case",
              "Museum returns carved panels to village", "Rail strike talks resume on Monday",
              "Clinic waiting times fall for a third month", "City weighs ban on night flights"]
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"]

# (kind, template). Fields: {person} {person2} {org} {place} {section} {outlet} {headline} {month} {day}
# {year} {n} {time}. Kinds match the reasons a user would give for removing the line.
CATALOGUE: tuple[tuple[str, str], ...] = (
    ("tag line", "Tags: {person}, {org}, {place}"),
    ("tag line", "Tags {org} {person} {person2}"),
    ("tag line", "Topics: {section}, {place}"),
    ("tag line", "Topics {section} {org} {place}"),
    ("tag line", "Keywords: {place}; {org}; {section}"),
    ("tag line", "Filed under: {section}"),
    ("tag line", "{section} | {place} | {org}"),
    ("see all", "See all {section}"),
    ("see all", "See all stories on {place}"),
    ("see all", "See all news"),
    ("see all", "View all {section} articles"),
    ("comment form", "Your email address will not be published. Required fields are marked *"),
    ("comment form", "Leave a Reply Cancel reply"),
    ("comment form", "Save my name, email, and website in this browser for the next time I comment."),
    ("comment form", "{n} comments"),
    ("comment form", "Comments are closed."),
    ("comment form", "Join the conversation"),
    ("newsletter", "Sign up for our {section} newsletter"),
    ("newsletter", "Get the day's top stories delivered to your inbox every morning."),
    ("newsletter", "Subscribe to {outlet} for unlimited access"),
    ("newsletter", "Enter your email address to receive our free newsletter"),
    ("share bar", "Share this article"),
    ("share bar", "Facebook Twitter LinkedIn Email"),
    ("share bar", "Share on Facebook Share on Twitter Share via Email"),
    ("share bar", "Share Tweet Pin Email"),
    ("share bar", "Copy link"),
    ("related links", "Related: {headline}"),
    ("related links", "Read more: {headline}"),
    ("related links", "More from {section}"),
    ("related links", "• {headline}"),
    ("related links", "Related stories"),
    ("related links", "Most popular"),
    ("cookie notice", "We use cookies to give you the best experience. By continuing you agree to our Cookie Policy."),
    ("cookie notice", "Accept all cookies"),
    ("cookie notice", "This website uses cookies to improve your experience."),
    ("photo credit", "Photo: {person}/{outlet}"),
    ("photo credit", "(Photo by {person}/{outlet})"),
    ("photo credit", "Image copyright {outlet}"),
    ("photo credit", "{person} / {outlet} via Getty Images"),
    ("photo credit", "Photograph: {person} for {outlet}"),
    ("byline", "By {person}"),
    ("byline", "By {person} and {person2}"),
    ("byline", "{person}, {outlet}"),
    ("byline", "Published {month} {day}, {year}"),
    ("byline", "Updated {time} ET, {month} {day}, {year}"),
    ("byline", "Posted: {month} {day}, {year} {time}"),
    ("page", "Advertisement"),
    ("page", "Scroll to continue with content"),
    ("page", "Follow us on Twitter and Facebook"),
    ("page", "Click here to read the full story"),
    ("page", "Loading..."),
    ("page", "Skip to main content"),
)


# Page furniture the shared datasets carry themselves (checked by hand on their most
# furniture-like lines): related-story links, agency bylines, "continues below" markers,
# PolNeAR's section labels, photo credits, and date/time lines under a headline. Such a line is
# neither an inserted line nor a genuine one: the harness and the classifier's training leave
# it out of both counts.
DATASET_FURNITURE = re.compile(
    r"\s*(?:READ MORE\s*:.*|[A-Z][\w.' -]{2,40}, The (?:Canadian|Associated) Press"
    r"|[—-]? ?With files from .{3,60}|.{0,40}\bSOURCE: .{3,80}|\(?[\w .'-]{3,40}(?:/[\w .'-]{2,30}){1,3}\)\.?"
    r"|Story continues below advertisement\.?|Article Continued Below\.?|FILE PHOTO ?\)?|ABSTRACT\.|FULL TEXT\."
    r"|(?:[\w ]+(?:/| via ))?Getty(?: Images)?(?:/\w+)?\.|FACEBOOK\.|TWITTER\.|Twitter\."
    r"|(?:(?:Last )?(?:Published|Updated|Posted|Last updated)\s*:?\s*)?(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day"
    r",?\s*)?(?:\d{1,2}\s*[:/]\s*\d{2}|(?:January|February|March|April|May|June|July|August|September|October"
    r"|November|December) \d{1,2}, \d{4}|\d{1,2} (?:January|February|March|April|May|June|July|August|September"
    r"|October|November|December) \d{4})[\d\s:/.,|]*(?:[ap]\.? ?m\.?|AM|PM)?\s*(?:[A-Z]{2,4})?)\s*",
    re.I,
)


def boilerplate_line(rng: random.Random, kind: str | None = None,
                     catalogue: Sequence[tuple[str, str]] = CATALOGUE) -> tuple[str, str]:
    """One catalogue line, its fields filled; returns ``(kind, line)``."""
    entries = [e for e in catalogue if kind is None or e[0] == kind]
    k, template = rng.choice(entries)
    people = rng.sample(_PEOPLE, 2)
    line = template.format(
        person=people[0], person2=people[1], org=rng.choice(_ORGS), place=rng.choice(_PLACES),
        section=rng.choice(_SECTIONS), outlet=rng.choice(_OUTLETS), headline=rng.choice(_HEADLINES),
        month=rng.choice(_MONTHS), day=rng.randint(1, 28), year=rng.randint(2015, 2025), n=rng.randint(0, 300),
        time=f"{rng.randint(1, 12)}:{rng.randint(0, 59):02d} {rng.choice(['AM', 'PM', 'a.m.', 'p.m.'])}",
    )
    return k, line


@dataclass
class Corruption:
    """A corrupted text and what was done to it."""

    text: str
    boilerplate: list[str] = field(default_factory=list)  # inserted lines, exactly as inserted
    hyphenated: list[str] = field(default_factory=list)  # words split by print hyphenation
    names: dict[str, str] = field(default_factory=dict)  # respelled word -> original word
    ocr: int = 0


def corrupt_text(text: str, rng: random.Random, kinds: Iterable[str] = KINDS, *,
                 names: Sequence[str] = (), catalogue: Sequence[tuple[str, str]] = CATALOGUE) -> Corruption:
    """``text`` with the ``kinds`` of corruption applied, in a fixed order (names, punctuation,
    print, boilerplate), so inserted lines are never themselves respelled or wrapped.
    ``catalogue``: the boilerplate entries to draw from (a part of it, to test unseen ones)."""
    kinds = set(kinds)
    unknown = kinds - set(KINDS)
    if unknown:
        raise ValueError(f"unknown corruption kinds {sorted(unknown)}; choose from {', '.join(KINDS)}")
    out = Corruption(text)
    # a headline is a short first line of its own, decided before print noise wraps the text
    first, _nl, rest = text.partition("\n")
    headline = bool(_nl) and len(first) <= 80 and rest[:1].isupper()
    if "names" in kinds:
        out.text, out.names = _respell_names(out.text, names, rng)
    if "punctuation" in kinds:
        out.text = _punctuation_noise(out.text, rng)
    if "print" in kinds:
        out.text, out.hyphenated, out.ocr = _print_noise(out.text, rng)
    if "boilerplate" in kinds:
        out.text, out.boilerplate = _insert_boilerplate(out.text, rng, catalogue, headline)
    return out


# ----------------------------------------------------------------------------- names

# Each group holds spellings of one ending (or beginning) that transliteration produces
# for the same original letters; a word in one form may be respelled into another.
_ENDINGS = (("skiy", "skii", "sky"), ("ey", "ie", "i"), ("iy", "y", "i"))
_BEGINNINGS = (("Zh", "J"), ("Yu", "Iu"), ("Ya", "Ia"))


def name_variants(word: str) -> list[str]:
    """Transliteration respellings of one name ``word`` (never ``word`` itself)."""
    out: list[str] = []
    if len(word) < 3 or not word[0].isupper():
        return out
    for group in _ENDINGS:
        for ending in group:
            if word.endswith(ending) and len(word) > len(ending) + 1:
                stem = word[: -len(ending)]
                out += [stem + e for e in group if e != ending]
                break
        if out:
            break
    for group in _BEGINNINGS:
        for start in group:
            if word.startswith(start) and len(word) > len(start) + 1 and word[len(start)].islower():
                out += [s + word[len(start):] for s in group if s != start]
                break
    return list(dict.fromkeys(v for v in out if v != word))


def _respell_names(text: str, names: Sequence[str], rng: random.Random) -> tuple[str, dict[str, str]]:
    mapping: dict[str, str] = {}
    for name in names:
        for word in name.split():
            if word in mapping.values() or word in mapping:
                continue
            variants = name_variants(word)
            if variants:
                mapping[rng.choice(variants)] = word
    if not mapping:
        return text, {}
    by_original = {orig: var for var, orig in mapping.items()}
    pattern = re.compile(r"\b(" + "|".join(re.escape(w) for w in sorted(by_original, key=len, reverse=True)) + r")\b")
    seen: dict[str, int] = {}

    def respell(m: re.Match[str]) -> str:
        # The first occurrence keeps its spelling, later ones flip a coin: one text, several spellings.
        k = seen.get(m[1], 0)
        seen[m[1]] = k + 1
        return by_original[m[1]] if k and rng.random() < 0.5 else m[1]

    new = pattern.sub(respell, text)
    used = {v: o for v, o in mapping.items() if re.search(rf"\b{re.escape(v)}\b", new)}
    return new, used


# ----------------------------------------------------------------------------- punctuation

_OPENERS = "“„«\""
_STYLES = (("“", "”"), ("«", "»"), ("„", "“"), ('"', '"'), ("”", "”"))


def _punctuation_noise(text: str, rng: random.Random) -> str:
    out = []
    pos = 0
    # Quote pairs: restyle, and sometimes detach the closing mark from its word and glue it to
    # the next one ('went well, ”General X said'), as machine translation does.
    for m in re.finditer(r"[“\"]([^”\"\n]{1,600})[”\"]", text):
        out.append(text[pos:m.start()])
        opener, closer = rng.choice(_STYLES) if rng.random() < 0.7 else ("“", "”")
        body = m[1]
        after = text[m.end():m.end() + 1]
        if after == " " and rng.random() < 0.35:
            out.append(f"{opener}{body} {closer}")
            pos = m.end() + 1  # the space moved before the mark: the mark is glued to the next word
            continue
        if rng.random() < 0.15:
            opener = opener + " "
        out.append(f"{opener}{body}{closer}")
        pos = m.end()
    out.append(text[pos:])
    text = "".join(out)
    # Spaces before punctuation (French-style typesetting carried into English).
    text = re.sub(r"(?<=\w)([,;:?!])(?=\s)", lambda m: (" " + m[1]) if rng.random() < 0.15 else m[1], text)
    # Dash variants around a spaced dash.
    text = re.sub(r" [—–-]{1,2} ", lambda m: rng.choice([" — ", " – ", " - ", " -- ", "—"]), text)
    return text


# ----------------------------------------------------------------------------- print

_OCR = (("rn", "m"), ("m", "rn"), ("cl", "d"), ("li", "h"))


def _print_noise(text: str, rng: random.Random) -> tuple[str, list[str], int]:
    hyphenated: list[str] = []
    ocr = 0

    def word(m: re.Match[str]) -> str:
        nonlocal ocr
        w = m[0]
        r = rng.random()
        if len(w) >= 7 and w.isalpha() and r < 0.04:
            cut = rng.randint(3, len(w) - 3)
            hyphenated.append(w)
            return w[:cut] + "-\n" + w[cut:]
        if len(w) >= 5 and w.islower() and r > 0.997:
            for a, b in _OCR:
                if a in w:
                    ocr += 1
                    return w.replace(a, b, 1)
        return w

    # The datasets' own furniture lines are left whole, so the harness still knows them.
    text = "\n".join(line if DATASET_FURNITURE.fullmatch(line) else re.sub(r"[^\W\d_]+", word, line)
                     for line in text.split("\n"))
    # Hard wraps: long lines broken at the last space before 70 characters.
    lines = []
    for line in text.split("\n"):
        while len(line) > 80 and not DATASET_FURNITURE.fullmatch(line):
            cut = line.rfind(" ", 40, 70)
            if cut < 0:
                break
            lines.append(line[:cut])
            line = line[cut + 1:]
        lines.append(line)
    return "\n".join(lines), hyphenated, ocr


# ----------------------------------------------------------------------------- boilerplate


def _insert_boilerplate(text: str, rng: random.Random, catalogue: Sequence[tuple[str, str]],
                        headline: bool = True) -> tuple[str, list[str]]:
    lines = text.split("\n")
    inserted: list[str] = []
    top = [boilerplate_line(rng, catalogue=catalogue)[1] for _ in range(rng.randint(0, 2))]
    bottom = [boilerplate_line(rng, catalogue=catalogue)[1] for _ in range(rng.randint(1, 3))]
    middle = [boilerplate_line(rng, catalogue=catalogue)[1] for _ in range(rng.randint(0, 1))]
    breaks = [i for i, line in enumerate(lines) if not line.strip(" .")]
    for line in middle:
        if breaks:
            at = rng.choice(breaks)
            lines[at:at] = ["", line]
            inserted.append(line)
    # Page furniture sits above the headline and between the headline and the body (bylines, dates).
    under = [boilerplate_line(rng, catalogue=catalogue)[1] for _ in range(rng.randint(0, 1))]
    # only where the first line is a line of its own (a headline), never inside a wrapped paragraph
    if under and headline and len(lines) > 2 and not lines[0].endswith("-"):
        lines[1:1] = under
        inserted += under
    lines = top + lines + bottom
    inserted += top + bottom
    return "\n".join(lines), inserted
