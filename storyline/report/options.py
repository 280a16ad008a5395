"""Thresholds of the report, in one frozen object passed explicitly.

The values were set on the invented demo corpus and hand-made examples (see
benchmarks/results/report.md), never on the evaluation sets they are measured on.
Cosines are those of the multilingual Universal Sentence Encoder v3 (usem3), where
a sentence and its translation score about 0.8 and unrelated sentences about 0.1.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ReportOptions"]


@dataclass(frozen=True)
class ReportOptions:
    # claims
    min_claim_words: int = 4  # shorter fragments ("Leave a comment") are not claims
    clause_split_words: int = 20  # only sentences longer than this are cut into clauses
    # alignment: cosine + bonuses >= align_threshold, and the average cosine between the
    # two groups being joined >= link_threshold
    align_threshold: float = 0.6
    link_threshold: float = 0.5
    entity_bonus: float = 0.03  # per shared entity, at most three
    number_bonus: float = 0.05  # per shared number, at most two
    date_bonus: float = 0.03  # per shared date value, at most two
    # discrepancies: pairs must be this similar before a disagreement is reported
    number_min_similarity: float = 0.55
    polarity_min_similarity: float = 0.75
    entity_conflict_min_similarity: float = 0.75
    # quotes: cosine of the quoted words for a known-compatible speaker, and for an
    # unknown one; token containment for truncations
    quote_threshold: float = 0.55
    quote_threshold_unknown_speaker: float = 0.7
    quote_containment: float = 0.8
    # summary
    summary_min: int = 3
    summary_max: int = 7
    summary_redundancy: float = 0.75  # a candidate this close to a chosen sentence is skipped
    unique_angles_per_outlet: int = 5
