"""The records that flow through storyline.

One :class:`Article` moves through the pipeline. Stages never mutate it: they
return new values (``dataclasses.replace``) or annotation lists. Every
annotation is a span with character offsets into ``Article.text`` (the clean
text), so every derived fact can be traced back to the words it came from.
"""

from __future__ import annotations

import bisect
import hashlib
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Article",
    "ArticleDraft",
    "Citation",
    "DateMention",
    "Edit",
    "Mention",
    "OffsetMap",
    "Quote",
    "Rejection",
    "Span",
    "apply_edits",
    "content_hash",
]


@dataclass(frozen=True)
class Span:
    """A stretch of an article's clean text: ``text == article.text[start:end]``."""

    article_id: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Edit:
    """Replace ``text[start:end]`` by ``replacement``; ``reason`` says why (shown to users)."""

    start: int
    end: int
    replacement: str
    reason: str = ""


class OffsetMap:
    """Maps offsets in a derived text back to offsets in the text it came from.

    Stored as runs ``(derived_start, source_start, length)`` in which offsets move
    together. A derived offset outside every run (inside a replacement) maps to the
    start of the source stretch it replaced, which is what a reader wants when
    jumping from a cleaned word to the raw text.
    """

    __slots__ = ("runs", "derived_length", "source_length", "_starts")

    def __init__(self, runs: list[tuple[int, int, int]], derived_length: int, source_length: int):
        self.runs = runs
        self.derived_length = derived_length
        self.source_length = source_length
        self._starts = [r[0] for r in runs]

    @classmethod
    def identity(cls, length: int) -> OffsetMap:
        return cls([(0, 0, length)] if length else [], length, length)

    def to_source(self, offset: int) -> int:
        """Source offset for a derived offset (0 <= offset <= derived_length)."""
        if not 0 <= offset <= self.derived_length:
            raise ValueError(f"offset {offset} outside 0..{self.derived_length}")
        i = bisect.bisect_right(self._starts, offset) - 1
        if i < 0:
            return 0
        d, s, n = self.runs[i]
        if offset <= d + n:
            return s + (offset - d)
        # Inside inserted/replaced text: the end of the previous copied run.
        return s + n

    def compose(self, inner: OffsetMap) -> OffsetMap:
        """``self`` maps C->B and ``inner`` maps B->A; return the map C->A."""
        runs: list[tuple[int, int, int]] = []
        for d, s, n in self.runs:
            # split the run wherever it crosses a run boundary of the inner map
            pos = 0
            while pos < n:
                b = s + pos
                j = bisect.bisect_right(inner._starts, b) - 1
                if j < 0 or b >= inner.runs[j][0] + inner.runs[j][2]:
                    # b lies in a replaced stretch of the inner map: skip to next inner run
                    nxt = inner._starts[j + 1] if j + 1 < len(inner._starts) else s + n
                    pos += max(1, min(nxt, s + n) - b)
                    continue
                id_, is_, in_ = inner.runs[j]
                take = min(n - pos, id_ + in_ - b)
                runs.append((d + pos, is_ + (b - id_), take))
                pos += take
        return OffsetMap(_merge_runs(runs), self.derived_length, inner.source_length)

    def to_json(self) -> dict[str, Any]:
        return {"runs": self.runs, "derived_length": self.derived_length, "source_length": self.source_length}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OffsetMap:
        return cls([tuple(r) for r in data["runs"]], data["derived_length"], data["source_length"])  # type: ignore[misc]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, OffsetMap) and self.to_json() == other.to_json()

    def __repr__(self) -> str:
        return f"OffsetMap({self.runs!r}, {self.derived_length}, {self.source_length})"


def _merge_runs(runs: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    merged: list[tuple[int, int, int]] = []
    for d, s, n in runs:
        if n <= 0:
            continue
        if merged:
            pd, ps, pn = merged[-1]
            if pd + pn == d and ps + pn == s:
                merged[-1] = (pd, ps, pn + n)
                continue
        merged.append((d, s, n))
    return merged


def apply_edits(text: str, edits: list[Edit]) -> tuple[str, OffsetMap]:
    """Apply non-overlapping edits; return the new text and its map back to ``text``.

    Overlapping edits are a programming error in a stage, so they raise.
    """
    out: list[str] = []
    runs: list[tuple[int, int, int]] = []
    pos = 0
    derived = 0
    for e in sorted(edits, key=lambda e: (e.start, e.end)):
        if e.start < pos:
            raise ValueError(f"overlapping edits at {e.start} ({e.reason})")
        if e.start > pos:
            out.append(text[pos : e.start])
            runs.append((derived, pos, e.start - pos))
            derived += e.start - pos
        out.append(e.replacement)
        derived += len(e.replacement)
        pos = e.end
    if pos < len(text):
        out.append(text[pos:])
        runs.append((derived, pos, len(text) - pos))
        derived += len(text) - pos
    return "".join(out), OffsetMap(_merge_runs(runs), derived, len(text))


def content_hash(title: str | None, text: str) -> str:
    """Identity of an article's content: the same words give the same hash.

    Whitespace and case differences do not make a new article, so the same story
    saved twice (or re-exported with other line breaks) is ingested once.
    """
    norm = " ".join(f"{title or ''}\n{text}".split()).lower()  # str.split is ~10x faster than a regex here
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ArticleDraft:
    """What a reader made of one input item, before cleaning."""

    origin: str  # file path or URL the item came from
    item: str  # position inside the origin ("" for a whole file, "line 3" for JSONL)
    raw_text: str
    title: str | None = None
    external_id: str | None = None
    source: str | None = None
    published: str | None = None  # ISO date or datetime
    url: str | None = None
    language: str | None = None
    authors: tuple[str, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Article:
    """A cleaned, stored article. ``text`` is the clean text all spans point into."""

    id: str
    external_id: str | None
    source: str | None
    title: str | None
    published: str | None
    url: str | None
    language: str | None
    authors: tuple[str, ...]
    raw_text: str
    text: str
    offset_map: OffsetMap
    metadata: dict[str, Any] = field(default_factory=dict)
    origin: str = ""
    content_hash: str = ""

    def span(self, start: int, end: int) -> Span:
        return Span(self.id, start, end, self.text[start:end])


@dataclass(frozen=True)
class Rejection:
    """An input item that could not be used, with a reason the user can act on."""

    origin: str
    item: str
    stage: str
    reason: str


@dataclass(frozen=True)
class Mention:
    """A named entity mention in an article's clean text."""

    article_id: str
    start: int
    end: int
    text: str
    label: str  # PERSON, ORG, GPE/LOC, ...
    normal: str = ""  # lemma/nominative form (natasha), or the text itself
    entity_id: str | None = None


@dataclass(frozen=True)
class Quote:
    article_id: str
    start: int
    end: int
    text: str
    speaker: str | None
    speaker_start: int | None = None
    speaker_end: int | None = None
    cue: str | None = None
    kind: str = "direct"  # direct | indirect | attributed (a stance or belief, not speech: "X believes ...")
    speaker_entity_id: str | None = None
    group_id: str | None = None


@dataclass(frozen=True)
class Citation:
    article_id: str
    start: int
    end: int
    text: str
    cited: str
    kind: str  # outlet | official | anonymous | document
    cited_entity_id: str | None = None


@dataclass(frozen=True)
class DateMention:
    article_id: str
    start: int
    end: int
    text: str
    value: str | None  # ISO (possibly partial: "--03-03", "2014", "2014-03"), or None when unresolved
    granularity: str = "day"  # day | week | month | year
    is_event: bool = False  # sits in a sentence with an event phrase: a timeline entry
