"""What a line or a field of the input looks like: a headline, a site's name, another tool's field name.

The readers (:mod:`storyline.ingest.readers`) ask these questions before cleaning: whether a plain-text
file's first line is its headline, which part of a web page's ``<title>`` is the site, and which of a
record's keys another tool's export uses for our fields. Measured in ``benchmarks/results/robustness.md``
("Round 12: plain-text headlines", "Round 12: web pages").
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["FIELD_ALIASES", "HEADLINE_MAX_WORDS", "fold_spaces", "looks_like_headline", "site_in_title_tag",
           "with_known_aliases"]

_URL_START = re.compile(r"^\s*(?:https?\s*:\s*/\s*/|www\.)", re.I)
# A headline ends without a full stop; a lead paragraph ends with one (or ! ? and a closing mark).
_SENTENCE_END = re.compile(r"[.!?\u2026][\"'\u201d\u2019\u00bb)]?\s*$")
HEADLINE_MAX_WORDS = 20


def looks_like_headline(line: str) -> bool:
    """Whether the first line of a plain-text file is its headline, to be peeled off as the title.

    Taking a lead paragraph for the headline would drop it from the text that is searched,
    enriched and grouped, so only a line shaped like a headline is taken: at most
    :data:`HEADLINE_MAX_WORDS` words (99% of the given titles of BASIL, AllSides, MEANTIME and
    PolNeAR; a quarter of their first paragraphs), no sentence end, not a URL, a date line, a
    byline, nor an outlet's or a section's name (benchmarks/results/robustness.md, "Round 12:
    plain-text headlines"). A line refused here is not lost: cleaning reads it with the text and
    infers the title from it when it is one."""
    from ..clean.infer import _DATE_LINE, is_section_line
    from ..clean.outlets import looks_like_outlet_name

    line = line.strip()
    if not re.search(r"[^\W\d_]", line) or len(line.split()) > HEADLINE_MAX_WORDS or _SENTENCE_END.search(line):
        return False
    if _URL_START.match(line) or is_section_line(line) or _BYLINE_START.match(line) or _DATE_LINE.fullmatch(line):
        return False
    return not looks_like_outlet_name(line)


_BYLINE_START = re.compile(r"(?:by|от|автор:?)\s+\w", re.I)


def site_in_title_tag(html: str, headline: str) -> str | None:
    """The site's name in a ``<title>`` of the form "Headline | Site" (or "Site - Headline").

    trafilatura takes a part of the title tag as the site's name only when it looks like a domain;
    most news pages print the name ("Coast Herald"). The part that is not the page's headline is
    taken when the headline is the other part and the name is short, so a title split by a dash
    inside the headline itself ("Strike - day three") gives nothing."""
    from trafilatura.metadata import examine_title_element
    from trafilatura.utils import load_html

    tree = load_html(html)
    if tree is None:
        return None
    _whole, first, second = examine_title_element(tree)
    for part, other in ((first, second), (second, first)):
        if part and other and fold_spaces(part) == fold_spaces(headline) and _site_like(other):
            return other.strip()
    return None


# Title-tag parts that are about the page, not the site: "Live updates", "Opinion", "Page 2".
_PAGE_WORDS = frozenset("live updates update video videos photos photo gallery page latest breaking".split())


def _site_like(part: str) -> bool:
    from ..clean.infer import SECTION_WORDS

    words = re.findall(r"[^\W\d_]+", part)
    return (0 < len(part.split()) <= 5 and not re.search(r"\d", part) and any(w[:1].isupper() for w in words)
            and not all(w.lower() in SECTION_WORDS | _PAGE_WORDS for w in words))


def fold_spaces(text: str) -> str:
    return " ".join(text.split()).casefold()


# Names other tools' exports give our fields (news-please, NewsAPI, RSS, schema.org, scrapers), taken
# only when the record lacks our name and has exactly one of them; the mapping is kept in the
# article's metadata (``fields_mapped``). A summary (``description``) is not a text.
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "text": ("body", "content", "maintext", "articleBody", "article_text", "full_text", "fulltext", "article"),
    "title": ("headline", "heading"),
    "source": ("outlet", "publisher", "site_name", "sitename", "source_domain", "source_name"),
    "published": ("date", "date_publish", "datePublished", "publishedAt", "published_at", "pubDate",
                  "publish_date", "pub_date"),
    "url": ("link", "canonical_url", "articleURL"),
    "language": ("lang",),
    "authors": ("author", "byline", "creator"),
}


def with_known_aliases(rec: dict[str, Any]) -> dict[str, Any]:
    """``rec`` with another tool's keys moved to our field names (:data:`FIELD_ALIASES`), each only
    when our field is empty, exactly one such key is present and its value has a usable shape."""
    mapped: dict[str, str] = {}
    values: dict[str, Any] = {}
    for ours, names in FIELD_ALIASES.items():
        if rec.get(ours) not in (None, "", []) and not (ours == "source" and isinstance(rec.get(ours), dict)):
            continue
        candidates = [n for n in names if rec.get(n) not in (None, "", [])]
        if ours == "source" and isinstance(rec.get("source"), dict):
            candidates = ["source", *candidates]  # NewsAPI: {"source": {"id": ..., "name": ...}}
        usable = [(n, v) for n in candidates if (v := _alias_value(ours, rec[n])) is not None]
        if len(candidates) == 1 and usable:
            mapped[ours], values[ours] = usable[0]
    if not mapped:
        return rec
    rec = {k: v for k, v in rec.items() if k not in mapped.values() or k in FIELD_ALIASES}
    rec.update(values)
    rec["fields_mapped"] = {ours: theirs + (".name" if isinstance(theirs, str) and theirs == "source" else "")
                            for ours, theirs in mapped.items()}
    return rec


def _alias_value(field: str, value: Any) -> Any:
    """``value`` as ``field`` takes it, or None when it has another shape (then the key stays metadata):
    a string; a schema.org-style object's ``name`` (or a link's ``href``); for authors, a list of those."""
    if isinstance(value, dict):
        value = value.get("href" if field == "url" else "name")
    if field == "authors" and isinstance(value, list):
        names = [_alias_value("source", v) for v in value]
        return names if names and all(isinstance(n, str) for n in names) else None
    return value if isinstance(value, str) and value.strip() else None
