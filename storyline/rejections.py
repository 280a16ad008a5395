"""Why an input was refused, and what to do about it (``storyline rejects``).

Every rejection reason is written as "what failed; how to fix it". This module
splits the two, and supplies the fix by stage for the few reasons (from older
runs, or from libraries) that carry none.
"""

from __future__ import annotations

__all__ = ["FIX_BY_STAGE", "explain"]

FIX_BY_STAGE = {
    "read": "check that the file is an article in a supported format (.txt, .md, .html, .json, .jsonl, .urls), "
            "saved as text",
    "extract": "save the article page itself, not an index, navigation or script page",
    "clean": "check that the item is a news article with a body of text",
    "fetch": "check the address; retry later if the server was down",
    "budget": "check the item: it took too long to read or clean; raise item_time_budget if it is genuine",
    "store": "check the item's metadata; please report it if the item looks valid",
    "stalled": "check the item, or remove it from the input; the next run tries it again",
}

# Phrases that begin the fix part of a reason ("...; fix it", "...; save it as UTF-8").
_FIX_WORDS = ("fix", "save", "check", "give", "split", "map", "raise", "use", "remove", "convert", "extract",
              "decompress", "unpack", "retry", "name", "break", "flatten", "keep", "pass", "is this", "please",
              "the server", "the item", "storyline does not")


def explain(stage: str, reason: str) -> tuple[str, str]:
    """(cause, fix) of one rejection."""
    cause, sep, tail = reason.rpartition("; ")
    if sep and tail.strip().lower().startswith(_FIX_WORDS):
        return cause, tail
    return reason, FIX_BY_STAGE.get(stage, "check this item")
