"""The per-event coverage report: what each outlet says, where they disagree, what
the story rests on, and a summary whose every sentence points to its source.

    >>> from storyline.report import EventInput, build_event_report, render_html
    >>> report = build_event_report(EventInput("e1", "Dam failure", articles))  # doctest: +SKIP
    >>> html = render_html([report], title="Dam failure")  # doctest: +SKIP

Everything here is a pure function of its inputs; nothing reads the store.
"""

from __future__ import annotations

from .build import (
    CoverageMatrix,
    EntitySummary,
    EventReport,
    OutletSummary,
    UniqueAngle,
    build_event_report,
    report_to_dict,
)
from .claims import Claim, ClaimGroup, align_claims, split_claims
from .discrepancies import Discrepancy, DiscrepancySide, find_discrepancies
from .inputs import EventInput
from .options import ReportOptions
from .quote_groups import QuoteGroup, group_quotes
from .render import render_html, render_markdown
from .sources import SourceGraph, build_source_graph
from .summary import SummarySentence, lead_baseline, summarize
from .timeline import TimelineEntry, build_timeline

__all__ = [
    "Claim",
    "ClaimGroup",
    "CoverageMatrix",
    "Discrepancy",
    "DiscrepancySide",
    "EntitySummary",
    "EventInput",
    "EventReport",
    "OutletSummary",
    "QuoteGroup",
    "ReportOptions",
    "SourceGraph",
    "SummarySentence",
    "TimelineEntry",
    "UniqueAngle",
    "align_claims",
    "build_event_report",
    "build_source_graph",
    "build_timeline",
    "find_discrepancies",
    "group_quotes",
    "lead_baseline",
    "render_html",
    "render_markdown",
    "report_to_dict",
    "split_claims",
    "summarize",
]
