"""What an event rests on: who the outlets cite, and who those sources cite.

A three-layer graph: outlets -> cited sources (other outlets, officials, unnamed
sources, documents) -> people quoted. A cited outlet *relays* the other sources
cited in the same sentence ("according to the Meridian Post, citing two unnamed
officials"), and the people quoted in a sentence that cites an outlet ("Governor
Strunin told the Amber Wire agency") hang under that outlet rather than under the
reporting one. Reliance lines summarise it: "3 of 6 articles rely on Meridian
Post, citing two unnamed officials".
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..clean.outlets import same_outlet
from ..model import Article, Citation, Quote
from .claims import outlet_of
from .quote_groups import QuoteGroup, _is_generic, _speaker_name
from .text import sentence_spans

__all__ = ["GraphEdge", "GraphNode", "Reliance", "SourceGraph", "build_source_graph"]


@dataclass(frozen=True)
class GraphNode:
    id: str
    label: str
    layer: str  # outlet | source | person
    kind: str  # outlet | official | anonymous | document | person
    articles: int  # articles in which it appears


@dataclass(frozen=True)
class GraphEdge:
    source: str
    target: str
    count: int  # citations or quotes behind the edge
    article_ids: tuple[str, ...]


@dataclass(frozen=True)
class Reliance:
    node_id: str
    text: str  # "3 of 6 articles rely on Meridian Post, citing two unnamed officials"
    article_ids: tuple[str, ...]
    total_articles: int
    relays: tuple[str, ...]  # labels of what it cites in turn


@dataclass(frozen=True)
class SourceGraph:
    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]
    reliance: tuple[Reliance, ...]


_LEADING = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
_TRAILING = re.compile(r"\s+(?:news\s+)?agency$|[\s,.;:]+$", re.IGNORECASE)


def _clean_label(text: str) -> str:
    return _TRAILING.sub("", _LEADING.sub("", " ".join(text.split())))


def _key(text: str) -> str:
    return _clean_label(text).lower()


_CITING = re.compile(r"^(?:,?\s*)(?:citing|which cited|who cited|quoting|ссылаясь|со ссылкой)", re.IGNORECASE)


def _relays(citations: Sequence[Citation]) -> list[int | None]:
    """For each citation of one sentence, the index of the citation that relays it, or None.

    "according to the Meridian Post, citing two unnamed officials": the second is relayed by
    the first. A citation introduced by "citing"/"quoting"/"ссылаясь на", or an unnamed source
    after a named outlet or document, is relayed by the nearest named citation before it.
    """
    out: list[int | None] = []
    for i, c in enumerate(citations):
        parent = None
        if i > 0 and (_CITING.match(c.text) or c.kind == "anonymous"):
            named = [j for j in range(i) if citations[j].kind != "anonymous" and out[j] is None]
            if named and (_CITING.match(c.text) or citations[named[-1]].kind in ("outlet", "document")):
                parent = named[-1]
        out.append(parent)
    return out


def _label(counts: Counter) -> str:
    """The most frequent wording; on a tie the shortest ("two unnamed officials")."""
    return min(counts, key=lambda label: (-counts[label], len(label), label))


def build_source_graph(articles: Sequence[Article], citations: Sequence[Citation], quotes: Sequence[Quote],
                       entities: Mapping[str, Mapping], quote_groups: Sequence[QuoteGroup] = ()) -> SourceGraph:
    """The graph and its reliance lines. A quote whose speaker is a source another article cites
    ("..., the regional emergency service said." next to "according to the regional emergency
    service") counts as that article relying on the source too; a quote with a role for a speaker
    ("officials said") takes the speaker of its quote group (``quote_groups``)."""
    by_id = {a.id: a for a in articles}
    sentences = {a.id: sentence_spans(a.text) for a in articles}

    def sentence_of(article_id: str, pos: int) -> int:
        for k, (s, e) in enumerate(sentences.get(article_id, ())):
            if s <= pos < e:
                return k
        return -1

    labels: dict[str, Counter] = defaultdict(Counter)
    kinds: dict[str, str] = {}
    node_articles: dict[str, set[str]] = defaultdict(set)
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)

    def node_for_citation(c: Citation, relay: str | None) -> str:
        if c.cited_entity_id:
            nid = f"s:{c.cited_entity_id}"
        elif c.kind == "anonymous" and relay:
            nid = f"s:anonymous@{relay}"  # unnamed sources behind one outlet are one node
        else:
            nid = f"s:{c.kind}:{_key(c.cited)}"
        name = entities.get(c.cited_entity_id, {}).get("name") if c.cited_entity_id else None
        labels[nid][name or _clean_label(c.cited)] += 1
        kinds.setdefault(nid, c.kind)
        node_articles[nid].add(c.article_id)
        return nid

    cites_by_sentence: dict[tuple[str, int], list[Citation]] = defaultdict(list)
    for c in citations:
        if c.article_id in by_id and not (c.kind == "outlet" and same_outlet(c.cited, by_id[c.article_id].source)):
            cites_by_sentence[(c.article_id, sentence_of(c.article_id, c.start))].append(c)
    relay_of_sentence: dict[tuple[str, int], str] = {}
    for (aid, k), cs in cites_by_sentence.items():
        outlet_node = f"o:{outlet_of(by_id[aid])}"
        labels[outlet_node][outlet_of(by_id[aid])] += 1
        kinds[outlet_node] = "outlet"
        node_articles[outlet_node].add(aid)
        cs = sorted(cs, key=lambda c: c.start)
        parent_of = _relays(cs)
        nodes: list[str] = []
        for c, parent in zip(cs, parent_of, strict=True):
            relay = nodes[parent] if parent is not None else None
            nid = node_for_citation(c, relay)
            nodes.append(nid)
            edges[(relay or outlet_node, nid)].append(aid)
            if c.kind in ("outlet", "document") or (relay is None and any(p is not None for p in parent_of)):
                relay_of_sentence.setdefault((aid, k), nid)
    cited_keys: dict[str, set[str]] = defaultdict(set)
    for c in citations:
        cited_keys[c.article_id].add(_key(c.cited))
    # the source nodes a speaker can be: by the cited words and by the cited entity
    source_by_key: dict[str, str] = {}
    for nid, counts in labels.items():
        if nid.startswith("s:") and kinds.get(nid) != "anonymous":
            for label in counts:
                source_by_key.setdefault(_key(label), nid)
    for c in citations:
        if c.kind != "anonymous":
            nid = f"s:{c.cited_entity_id}" if c.cited_entity_id else f"s:{c.kind}:{_key(c.cited)}"
            if nid in labels:
                source_by_key.setdefault(_key(c.cited), nid)
                if c.cited_entity_id:
                    source_by_key.setdefault(f"entity:{c.cited_entity_id}", nid)
    group_of = {g.id: g for g in quote_groups}

    def source_of_speaker(q: Quote, name: str | None) -> str | None:
        speakers = [(q.speaker_entity_id, name)]
        g = group_of.get(q.group_id or "")
        if _is_generic(name) and g is not None:
            speakers.append((g.speaker_entity_id, g.speaker))
        for eid, who in speakers:
            found = (source_by_key.get(f"entity:{eid}") if eid else None) or source_by_key.get(_key(who or ""))
            if found:
                return found
        return None

    for q in quotes:
        if q.article_id not in by_id:
            continue
        name = _speaker_name(q, entities)
        if _key(name or "") in cited_keys.get(q.article_id, ()):
            continue  # "the Meridian Post" as a speaker is the cited outlet, already a node
        src = source_of_speaker(q, name)
        if src is not None:
            outlet_node = f"o:{outlet_of(by_id[q.article_id])}"
            labels[outlet_node][outlet_of(by_id[q.article_id])] += 1
            kinds[outlet_node] = "outlet"
            node_articles[outlet_node].add(q.article_id)
            node_articles[src].add(q.article_id)
            if q.article_id not in edges[(outlet_node, src)]:
                edges[(outlet_node, src)].append(q.article_id)
            continue
        if _is_generic(name):
            continue
        pid = f"p:{q.speaker_entity_id}" if q.speaker_entity_id else f"p:{_key(name or '')}"
        labels[pid][name or ""] += 1
        kinds[pid] = "person"
        node_articles[pid].add(q.article_id)
        outlet_node = f"o:{outlet_of(by_id[q.article_id])}"
        labels[outlet_node][outlet_of(by_id[q.article_id])] += 1
        kinds[outlet_node] = "outlet"
        node_articles[outlet_node].add(q.article_id)
        parent = relay_of_sentence.get((q.article_id, sentence_of(q.article_id, q.start)), outlet_node)
        edges[(parent, pid)].append(q.article_id)

    def layer(nid: str) -> str:
        return {"o": "outlet", "s": "source", "p": "person"}[nid[0]]

    nodes = tuple(sorted(
        (GraphNode(nid, _label(labels[nid]), layer(nid), kinds[nid], len(node_articles[nid]))
         for nid in labels),
        key=lambda n: ("osp".index(n.id[0]), -n.articles, n.label)))
    edge_list = tuple(sorted(
        (GraphEdge(s, t, len(aids), tuple(dict.fromkeys(aids))) for (s, t), aids in edges.items()),
        key=lambda e: (-e.count, e.source, e.target)))
    label_of = {n.id: n.label for n in nodes}
    total = len(articles)
    reliance = []
    for n in nodes:
        if n.layer != "source":
            continue
        # Sources reached only through another source appear in that source's line ("citing ...").
        aids = tuple(sorted({a for e in edge_list if e.target == n.id and e.source.startswith("o:")
                             for a in e.article_ids}))
        if not aids:
            continue
        relays = tuple(dict.fromkeys(label_of[e.target] for e in edge_list if e.source == n.id))
        text = f"{len(aids)} of {total} article{'s' if total != 1 else ''} rely on {n.label}"
        if relays:
            text += f", citing {', '.join(relays)}"
        reliance.append(Reliance(n.id, text, aids, total, relays))
    reliance.sort(key=lambda r: (-len(r.article_ids), r.text))
    return SourceGraph(nodes, edge_list, tuple(reliance))
