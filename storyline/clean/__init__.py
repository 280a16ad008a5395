"""Cleaning: from raw article text to the clean text every annotation points into.

Cleaning is a sequence of small steps; each step proposes edits on the text it
sees, the edits are applied, and the offset maps are composed, so any offset in
the clean text maps back to the raw text (``CleanResult.offset_map``) and every
change is listed with its reason (``CleanResult.changes``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..model import Edit, OffsetMap, apply_edits
from .boilerplate import find_credits, find_dateline, find_leading_urls, find_page_lines
from .contractions import contraction_repairs
from .normalize import (
    join_hard_wraps,
    join_wrapped_lines,
    normalize_characters,
    normalize_whitespace,
    repair_punctuation_spacing,
    strip_markdown,
)

__all__ = ["Change", "CleanResult", "clean_text"]


@dataclass(frozen=True)
class Change:
    """One thing cleaning changed, in raw-text coordinates."""

    raw_start: int
    raw_end: int
    before: str
    after: str
    reason: str


@dataclass(frozen=True)
class CleanResult:
    text: str
    offset_map: OffsetMap  # clean offsets -> raw offsets
    changes: tuple[Change, ...]
    metadata: dict[str, Any] = field(default_factory=dict)


# Character-level normalisation is too fine-grained to list change by change; the
# summary counts it instead.
_QUIET_REASONS = ("unicode", "whitespace", "line ending", "blank lines", "range dash", "line wrap",
                  "punctuation spacing", "contraction")


def clean_text(raw: str, *, language: str | None = None, markdown: bool = False, source: str | None = None,
               evidence: Any = None) -> CleanResult:
    """Clean ``raw`` article text.

    ``evidence`` is a :class:`storyline.clean.hyphens.WordEvidence` built from the
    surrounding corpus *including this text*; it lets hyphen repair join a split
    name that the corpus spells whole elsewhere.
    """
    from .hyphens import WordEvidence, hyphen_repairs

    text = raw
    omap = OffsetMap.identity(len(raw))
    changes: list[Change] = []
    quiet: dict[str, int] = {}
    meta: dict[str, Any] = {}

    def step(find: Callable[[str], list[Edit]]) -> None:
        nonlocal text, omap
        edits = find(text)
        if not edits:
            return
        for e in edits:
            reason = e.reason.split(":")[0]
            if reason.startswith(_QUIET_REASONS):
                quiet[reason.split(" U+")[0]] = quiet.get(reason.split(" U+")[0], 0) + 1
            else:
                changes.append(Change(omap.to_source(e.start), omap.to_source(e.end), text[e.start:e.end],
                                      e.replacement, e.reason))
        text, inner = apply_edits(text, edits)
        omap = inner.compose(omap)

    def with_meta(find: Callable[[str], tuple[list[Edit], dict[str, Any]]]) -> Callable[[str], list[Edit]]:
        def run(t: str) -> list[Edit]:
            edits, found = find(t)
            meta.update(found)
            return edits
        return run

    step(normalize_characters)
    if markdown:
        step(strip_markdown)
    step(normalize_whitespace)
    step(with_meta(find_leading_urls))
    repeats = evidence.line_count if evidence is not None else None
    step(with_meta(lambda t: find_page_lines(t, classifier=False)))
    step(with_meta(find_credits))
    # Evidence must count the document's own words; the corpus evidence the ingest
    # passes in was built from the whole batch, this document included.
    doc_evidence = evidence if evidence is not None else WordEvidence.from_text(text)
    step(lambda t: hyphen_repairs(t, doc_evidence, language=language or "en"))
    step(join_hard_wraps)
    step(join_wrapped_lines)
    # Split contractions ("didn ' t") are English tokeniser output; other languages keep their
    # apostrophes as written. Undetected text (None) is judged by the Latin-only patterns.
    if language is None or language.split("-")[0].lower() == "en":
        step(contraction_repairs)
    step(repair_punctuation_spacing)
    # After credits and bylines have moved to metadata and wrapped lines are joined, the
    # learned classifier judges the remaining lines.
    step(with_meta(lambda t: find_page_lines(t, repeats, patterns=False, known_tags=meta.get("tags", ()),
                                             source=source)))
    step(normalize_whitespace)
    step(with_meta(lambda t: find_dateline(t, source)))
    step(normalize_whitespace)
    if quiet:
        meta["normalised"] = quiet
    return CleanResult(text, omap, tuple(changes), meta)
