"""The same utterance as each outlet quotes it.

Outlets quote one statement in different translations ("We will find out who
signed that paper" / "We will find out, who has signed this paper"), truncate it
("the first step, not the last"), or report it in indirect speech. Two quotes
from different articles are one utterance when their speakers are compatible and
their words are close: embedding cosine at least ``quote_threshold`` (higher when a
speaker is unknown), or, for a truncation, most of the shorter quote's words
inside the longer one.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy import sparse  # installed with scikit-learn, a dependency

from ..enrich.names import name_similarity, romanize
from ..model import Article, Quote
from .claims import article_order, outlet_of
from .options import ReportOptions
from .text import greedy_groups

__all__ = ["QuoteGroup", "group_quotes", "speakers_compatible"]


@dataclass(frozen=True)
class QuoteGroup:
    id: str
    speaker: str | None  # the entity's name, else the most frequent speaker string
    speaker_entity_id: str | None
    quotes: tuple[Quote, ...]  # group_id set; earliest article first
    outlets: tuple[str, ...]

    @property
    def unique(self) -> bool:
        """Quoted by one outlet only."""
        return len(self.outlets) == 1


# Speaker strings that name a role or a pronoun, not a person: compatible with anyone.
_GENERIC = frozenset(
    """the a an he she they it his her its this that minister ministry governor president spokesman spokeswoman
    spokesperson official officials police mayor director head chairman chief leader agency service company
    said told он она они его её министр губернатор президент глава мэр представитель директор""".split()
)
_TOKEN = re.compile(r"[^\W\d_]+", re.UNICODE)


def _speaker_name(q: Quote, entities: Mapping[str, Mapping]) -> str | None:
    if q.speaker_entity_id and q.speaker_entity_id in entities:
        return str(entities[q.speaker_entity_id].get("name") or q.speaker or "") or None
    return q.speaker


def _is_generic(name: str | None) -> bool:
    if not name:
        return True
    tokens = _TOKEN.findall(name)
    return not tokens or all(t.lower() in _GENERIC or not t[0].isupper() for t in tokens)


def speakers_compatible(a: Quote, b: Quote, entities: Mapping[str, Mapping]) -> tuple[bool, bool]:
    """``(compatible, both_known)``. Known speakers are compatible when they are one entity, or,
    without entity ids, when their surnames match across spellings and scripts."""
    if a.speaker_entity_id and b.speaker_entity_id:
        return a.speaker_entity_id == b.speaker_entity_id, True
    na, nb = _speaker_name(a, entities), _speaker_name(b, entities)
    if _is_generic(na) or _is_generic(nb):
        return True, False
    sa = [t for t in _TOKEN.findall(na or "") if t[0].isupper() and t.lower() not in _GENERIC]
    sb = [t for t in _TOKEN.findall(nb or "") if t[0].isupper() and t.lower() not in _GENERIC]
    same = name_similarity(sa[-1], sb[-1]) >= 0.85 or romanize(sa[-1])[:5] == romanize(sb[-1])[:5]
    return same, True


def _containment(a: str, b: str) -> float:
    """Share of the shorter quote's words found in the longer one (truncations)."""
    ta, tb = [t.lower() for t in _TOKEN.findall(a)], [t.lower() for t in _TOKEN.findall(b)]
    short, long_ = (ta, set(tb)) if len(ta) <= len(tb) else (tb, set(ta))
    if len(short) < 3:
        return 0.0
    return sum(t in long_ for t in short) / len(short)


class _Words:
    """The quotes' words, for :func:`_containment` of many pairs at once (the same values)."""

    def __init__(self, texts: Sequence[str]) -> None:
        tokens = [[t.lower() for t in _TOKEN.findall(x)] for x in texts]
        self.length = np.array([len(t) for t in tokens], dtype=np.float64)
        # Only words of two quotes or more can be found in another quote.
        df: dict[str, int] = {}
        for ts in tokens:
            for t in set(ts):
                df[t] = df.get(t, 0) + 1
        vocab = {t: k for k, t in enumerate(t for t, c in df.items() if c > 1)}
        # Sparse (a quote has tens of words, the event thousands): the two products below took
        # 0.7 s of the 50-article event's report as dense matrices. Counts are integers, so the
        # sums are exact either way.
        cells: Counter[tuple[int, int]] = Counter((i, vocab[t]) for i, ts in enumerate(tokens) for t in ts if t in vocab)
        rows_, cols_ = (np.array(x, dtype=np.int64) for x in zip(*cells, strict=True)) if cells else ([], [])
        shape = (len(texts), max(1, len(vocab)))
        self.counts = sparse.csr_matrix((np.array(list(cells.values()), dtype=np.float64), (rows_, cols_)), shape=shape)
        self.present = self.counts.copy()
        self.present.data[:] = 1.0
        self._present_t = self.present.T.tocsr()
        self._counts_t = self.counts.T.tocsr()

    def containment(self, rows: slice) -> np.ndarray:
        """Rows ``rows`` of the containment matrix."""
        found = (self.counts[rows] @ self._present_t).toarray()  # [i, j]: words of i present in j
        found_t = (self.present[rows] @ self._counts_t).toarray()  # [i, j]: words of j present in i
        li, lj = self.length[rows][:, None], self.length[None, :]
        i_short = li <= lj
        short_len = np.where(i_short, li, lj)
        shared = np.where(i_short, found, found_t)
        return np.where(short_len >= 3, shared / np.maximum(short_len, 1.0), 0.0)


def group_quotes(quotes: Sequence[Quote], vectors: np.ndarray, articles: Sequence[Article],
                 entities: Mapping[str, Mapping], options: ReportOptions | None = None
                 ) -> tuple[list[QuoteGroup], list[Quote]]:
    """Group quotes of one utterance across articles; returns the groups (single quotes
    included, marked :attr:`QuoteGroup.unique`) and the quotes with ``group_id`` set."""
    options = options or ReportOptions()
    n = len(quotes)
    # Speakers compared once per pair of distinct (entity, speaker string), not per quote pair.
    keys = [(q.speaker_entity_id, q.speaker) for q in quotes]
    distinct = list(dict.fromkeys(keys))
    index = {k: x for x, k in enumerate(distinct)}
    key_of = np.array([index[k] for k in keys], dtype=np.int64)
    first: dict[tuple[str | None, str | None], Quote] = {}
    for k, q in zip(keys, quotes, strict=True):
        first.setdefault(k, q)
    compat = np.zeros((len(distinct), len(distinct)), dtype=bool)
    known = np.zeros_like(compat)
    for a, ka in enumerate(distinct):
        for b, kb in enumerate(distinct):
            compat[a, b], known[a, b] = speakers_compatible(first[ka], first[kb], entities)
    candidates: list[tuple[float, int, int]] = []
    if n > 1:
        words = _Words([q.text for q in quotes])
        articles_of = {a: x for x, a in enumerate(dict.fromkeys(q.article_id for q in quotes))}
        art = np.array([articles_of[q.article_id] for q in quotes])
        cols = np.arange(n)
        all_sims = vectors @ vectors.T
        for r0 in range(0, n, 256):  # row blocks: memory stays bounded for events with thousands of quotes
            rows = slice(r0, min(n, r0 + 256))
            sims = all_sims[rows].astype(np.float64)
            ki = key_of[rows][:, None]
            pair = (cols[None, :] > np.arange(rows.start, rows.stop)[:, None]) & (art[rows][:, None] != art[None, :])
            pair &= compat[ki, key_of[None, :]]
            threshold = np.where(known[ki, key_of[None, :]], options.quote_threshold,
                                 options.quote_threshold_unknown_speaker)
            contained = words.containment(rows) >= options.quote_containment
            ii, jj = np.nonzero(pair & ((sims >= threshold) | contained))
            score = np.maximum(sims[ii, jj], contained[ii, jj].astype(np.float64))
            candidates += zip(score.tolist(), (ii + r0).tolist(), jj.tolist(), strict=True)

    def accept(a: list[int], b: list[int]) -> bool:
        # every known speaker of the merged group must stay compatible
        return bool(compat[np.ix_(key_of[a], key_of[b])].all())

    groups = greedy_groups([q.article_id for q in quotes], candidates, accept)

    ordered = article_order(articles)
    rank = {a.id: k for k, a in enumerate(ordered)}
    by_id = {a.id: a for a in articles}
    clusters = [sorted(g, key=lambda i: (rank.get(quotes[i].article_id, 1 << 30), quotes[i].start)) for g in groups]
    clusters.sort(key=lambda c: (-len({quotes[i].article_id for i in c}),
                                 rank.get(quotes[c[0]].article_id, 1 << 30), quotes[c[0]].start))
    groups, new_quotes = [], list(quotes)
    for k, cluster in enumerate(clusters, start=1):
        gid = f"q{k}"
        for i in cluster:
            new_quotes[i] = replace(quotes[i], group_id=gid)
        eids = [quotes[i].speaker_entity_id for i in cluster if quotes[i].speaker_entity_id]
        # Ties go to the earliest quote (the cluster is in article order), never to set order,
        # which changes with string hashing from one process to the next.
        eid = max(dict.fromkeys(eids), key=eids.count) if eids else None
        names = [_speaker_name(quotes[i], entities) for i in cluster]
        named = [x for x in names if x and not _is_generic(x)]
        speaker = (entities.get(eid, {}).get("name") if eid else None) or (
            max(dict.fromkeys(named), key=named.count) if named else next((x for x in names if x), None))
        outlets = tuple(dict.fromkeys(outlet_of(by_id[quotes[i].article_id]) for i in cluster
                                      if quotes[i].article_id in by_id))
        groups.append(QuoteGroup(gid, speaker, eid, tuple(new_quotes[i] for i in cluster), outlets))
    return groups, new_quotes
