"""What the report reads: one event with its articles and their annotations.

The report stages are pure functions over this record, so they run the same on
what the store holds, on a test's hand-made event, or on an evaluation set.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..model import Article, Citation, DateMention, Mention, Quote

__all__ = ["EventInput"]


@dataclass(frozen=True)
class EventInput:
    """One event: its articles and every annotation on them.

    ``entities`` maps an entity id to ``{"name": ..., "type": "PERSON"|"ORG"|"LOC",
    "variants": {surface: count}}``. ``duplicate_groups`` lists article ids that are
    wire copies of each other: they count once when support is weighed.
    """

    event_id: str
    title: str | None
    articles: Sequence[Article]
    mentions: Sequence[Mention] = ()
    entities: dict[str, dict[str, Any]] = field(default_factory=dict)
    quotes: Sequence[Quote] = ()
    citations: Sequence[Citation] = ()
    dates: Sequence[DateMention] = ()
    duplicate_groups: Sequence[Sequence[str]] = ()
