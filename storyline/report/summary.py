"""An extractive summary of an event across outlets, and the lead-3 baseline.

Each claim group is scored by

* centrality: cosine of the group's mean embedding to the event centroid (the mean
  of per-article means, so a long article does not pull the centre to itself),
  rescaled to 0..1 over the event's groups;
* coverage: the share of the event's outlets that report it (wire copies once);
* lead position: news puts what matters first, so groups whose claims sit early
  in their articles gain a little.

Groups are taken best first; a group whose sentence is too close to one already
chosen is skipped (redundancy), one sentence per group, so the same fact from
several outlets appears once. The chosen sentence of a group is its most typical
claim (closest to the group's mean). Sentences are then put in story order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..model import Article, Span
from .claims import Claim, ClaimGroup, article_order, lead_sentences, outlet_of
from .discrepancies import Discrepancy
from .options import ReportOptions
from .text import word_count

__all__ = ["SummarySentence", "lead_baseline", "summarize"]


@dataclass(frozen=True)
class SummarySentence:
    span: Span
    group_id: str
    outlets: tuple[str, ...]  # outlets that report this claim and do not contradict the sentence
    support: int  # those outlets, wire copies of one story counted once
    score: float
    disputed_by: tuple[str, ...] = ()  # ids of discrepancies about this claim group
    disputing_outlets: tuple[str, ...] = ()  # outlets stating another value than the sentence


W_CENTRALITY, W_COVERAGE, W_POSITION = 0.45, 0.4, 0.15
FRAGMENT_PENALTY = 0.15  # a clause cut from a longer sentence reads badly on its own


def summarize(claims: Sequence[Claim], groups: Sequence[ClaimGroup], vectors: np.ndarray,
              articles: Sequence[Article], disputes: Mapping[str, Sequence[str]] | None = None,
              options: ReportOptions | None = None,
              discrepancies: Sequence[Discrepancy] = ()) -> list[SummarySentence]:
    """3 to 7 sentences (fewer only when the event has fewer claims). A sentence is credited to
    the outlets of its group, less those that state another value than it in one of
    ``discrepancies`` (the "15 dead" outlet is not a source of "Twelve people died")."""
    options = options or ReportOptions()
    if not claims:
        return []
    disputes = disputes or {}
    index = {c.id: i for i, c in enumerate(claims)}
    per_article: dict[str, list[int]] = {}
    for i, c in enumerate(claims):
        per_article.setdefault(c.article_id, []).append(i)
    article_means = np.stack([vectors[ix].mean(axis=0) for ix in per_article.values()])
    centroid = _unit(article_means.mean(axis=0))
    n_claims_in = {a: len(ix) for a, ix in per_article.items()}
    n_outlets = len({outlet_of(a) for a in articles}) or 1

    rows = []
    for g in groups:
        ix = [index[cid] for cid in g.claim_ids]
        mean = _unit(vectors[ix].mean(axis=0))
        centrality = float(mean @ centroid)
        position = float(np.mean([1.0 - claims[i].position / max(n_claims_in[claims[i].article_id], 1)
                                  for i in ix]))
        rep = max(ix, key=lambda i: (float(vectors[i] @ mean) - _length_penalty(claims[i].text)
                                     - FRAGMENT_PENALTY * _is_fragment(claims[i].text), -i))
        rows.append((g, centrality, g.support / n_outlets, position, rep))
    cents = np.array([r[1] for r in rows])
    lo, hi = float(cents.min()), float(cents.max())
    scored = []
    for g, cent, cov, pos, rep in rows:
        cent01 = (cent - lo) / (hi - lo) if hi > lo else 1.0
        score = W_CENTRALITY * cent01 + W_COVERAGE * cov + W_POSITION * pos
        scored.append((score - FRAGMENT_PENALTY * _is_fragment(claims[rep].text), g, rep))
    scored.sort(key=lambda t: (-t[0], t[1].id))

    k = _summary_length(groups, options)
    chosen: list[tuple[float, ClaimGroup, int]] = []
    for score, g, rep in scored:
        if len(chosen) == k:
            break
        if any(float(vectors[rep] @ vectors[other]) >= options.summary_redundancy for _, _, other in chosen):
            continue
        chosen.append((score, g, rep))
    ordered = article_order(articles)
    rank = {a.id: r for r, a in enumerate(ordered)}
    # story order: the mean relative position of the group's claims, earliest article breaking ties
    chosen.sort(key=lambda t: (np.mean([claims[index[c]].position / max(n_claims_in[claims[index[c]].article_id], 1)
                                        for c in t[1].claim_ids]), rank[claims[t[2]].article_id]))
    by_group: dict[str, list[Discrepancy]] = {}
    for d in discrepancies:
        if d.group_id:
            by_group.setdefault(d.group_id, []).append(d)
    out = []
    for score, g, rep in chosen:
        c = claims[rep]
        against = dissenting_outlets(c, by_group.get(g.id, ()))
        outlets = tuple(o for o in g.outlets if o not in against)
        support = max(1, min(len(outlets), g.support - (len(g.outlets) - len(outlets))))
        out.append(SummarySentence(Span(c.article_id, c.start, c.end, c.text), g.id, outlets, support,
                                   round(score, 4), tuple(disputes.get(g.id, ())),
                                   tuple(o for o in g.outlets if o in against)))
    return out


def dissenting_outlets(claim: Claim, discrepancies: Sequence[Discrepancy]) -> set[str]:
    """Outlets that state another value than ``claim`` in one of ``discrepancies``: those on a
    side ``claim`` is not on, and not on its side too. A claim on no side states none of the
    values, so no outlet contradicts it there."""
    out: set[str] = set()
    for d in discrepancies:
        own = [s for s in d.sides if any(sp.article_id == claim.article_id and sp.start == claim.start
                                         and sp.end == claim.end for sp in s.spans)]
        if not own:
            continue
        agree = {o for s in own for o in s.outlets}
        out |= {o for s in d.sides if s not in own for o in s.outlets} - agree
    return out


def _summary_length(groups: Sequence[ClaimGroup], options: ReportOptions) -> int:
    shared = sum(1 for g in groups if len(g.outlets) > 1)
    return max(options.summary_min, min(options.summary_max, shared // 2 or options.summary_min))


def _is_fragment(text: str) -> bool:
    """A clause cut out of a sentence: starts in lower case or ends with a comma/semicolon."""
    first = next((ch for ch in text if ch.isalpha()), "")
    return first.islower() or text.rstrip()[-1:] in ",;"


def _length_penalty(text: str) -> float:
    # Very short or very long sentences make poor summary lines.
    n = word_count(text)
    return 0.1 if n < 6 or n > 45 else 0.0


def _unit(v: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(v))
    return v / norm if norm else v


def lead_baseline(articles: Sequence[Article], n: int = 3) -> list[Span]:
    """The first ``n`` sentences of the earliest article (headings skipped)."""
    ordered = article_order(articles)
    if not ordered:
        return []
    first = ordered[0]
    return [first.span(s, e) for s, e in lead_sentences(first, n)]
