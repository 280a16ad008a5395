"""Incremental entity resolution: a new batch re-examines only the entities it could join.

A full resolution groups every mention of the corpus, so its cost grows with the corpus
at every run. Here a batch of new (or re-enriched) articles is resolved against the
stored entities through a blocking index: each stored entity is filed under the
:meth:`~storyline.enrich.canonical.EntityResolver.blocking_keys` of its name and
spellings; the new mentions' keys pick the *touched* entities. The resolver then runs on
the new mentions plus every mention of the touched entities (and of the entities an
analyst decision ties to them, so merges and splits replay whole), and only those
entities are replaced. Every other entity keeps its id, its mentions and its row.

What it gives up against a full run: the resolver's corpus statistics (majority label of
a spelling, place votes, rarity of shared context) are taken over the re-examined part
only, so a borderline merge may come out differently than a full run would decide it.
``storyline.stages.resolve_entities(store)`` (no ``new_ids``) still runs the full
resolution, e.g. after an analyst merge or split.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from .model import Mention
from .store.sqlite import SQLiteStore

__all__ = ["resolve_incremental"]

# When the touched part grows past this share of the corpus, a full run costs about the same.
FULL_RUN_SHARE = 0.5
_MENTION_KEY = re.compile(r"^(.*):(\d+):(\d+)$")


def _decision_groups(store: SQLiteStore, decisions: Sequence[dict[str, Any]]) -> list[set[str]]:
    """For each analyst decision, the entity ids it ties together: a merge's two entities; a
    split's entity and the entities its mentions now belong to (the split-off one)."""
    groups = []
    for d in decisions:
        if d.get("op") == "merge":
            groups.append(set(d.get("entities", ())))
        elif d.get("op") == "split":
            ids = {d.get("entity")}
            keys = [m.groups() for m in map(_MENTION_KEY.match, d.get("mentions", ())) if m]
            ids |= store.mention_entities([(a, int(s), int(e)) for a, s, e in keys])
            groups.append({i for i in ids if i})
    return groups


def resolve_incremental(store: SQLiteStore, new_ids: Sequence[str]) -> dict[str, Any] | None:
    """Resolve the mentions of ``new_ids`` against the stored entities. Returns counts, or
    None when a full run is the better choice (no entities yet, or the batch touches most of
    the corpus, or a re-examined entity would take the id of one left alone)."""
    from .enrich.canonical import EntityResolver
    from .stages import _EntityLinker

    existing = store.entities()
    if not existing or not new_ids:
        return None
    resolver = EntityResolver()
    index: dict[str, set[str]] = defaultdict(set)
    by_article: dict[str, set[str]] = defaultdict(set)
    for e in existing:
        for name in {e["name"], *e["variants"]}:
            for key in resolver.blocking_keys(name):
                index[key].add(e["id"])
        for aid in e["article_ids"]:
            by_article[aid].add(e["id"])
    new = set(new_ids)
    new_mentions = store.mentions(sorted(new))
    touched: set[str] = set()
    for m in new_mentions:
        for text in {m.text, m.normal} - {""}:
            for key in resolver.blocking_keys(text):
                touched |= index.get(key, set())
    for aid in new:  # a re-enriched article: its old entities lose mentions
        touched |= by_article.get(aid, set())
    decisions = [d["payload"] for d in store.decisions("entity.")]
    groups = _decision_groups(store, decisions)
    grew = True
    while grew:  # an analyst decision replays whole: touch every entity it ties together
        grew = False
        for g in groups:
            if g & touched and not g <= touched:
                touched |= g
                grew = True
    known = {e["id"]: e for e in existing}
    touched &= set(known)
    articles = new | {a for eid in touched for a in known[eid]["article_ids"]}
    if len(articles) > FULL_RUN_SHARE * store.count_articles():
        return None
    subset: dict[str, list[Mention]] = defaultdict(list)
    for m in new_mentions:
        subset[m.article_id].append(m)
    for m in store.mentions(sorted(articles - new)):
        if m.entity_id in touched:
            subset[m.article_id].append(m)
    texts = {aid: t[0] for aid, t in store.article_texts(subset).items()}
    event_of = store.event_assignments()
    resolution = resolver.resolve(subset, texts=texts, groups={a: event_of[a] for a in subset if a in event_of} or None,
                                  overrides=decisions)
    kept = set(known) - touched
    if any(e.id in kept for e in resolution.entities):
        return None  # blocking missed a key the resolver used; the full run sorts it out
    entities = [{"id": e.id, "name": e.name, "type": e.type, "variants": e.variants,
                 "article_ids": list(e.article_ids), "explanations": list(e.explanations)}
                for e in resolution.entities]
    entity_of = {(m.article_id, m.start, m.end): resolution.entity_id(m) for ms in subset.values() for m in ms}
    # Quotes and citations to link again: those of the re-examined articles, and those that
    # pointed at an entity that was just replaced.
    relink_articles = sorted(set(subset))
    quotes = store.quotes_to_link(relink_articles, touched)
    citations = store.citations_to_link(relink_articles, touched)
    mentions_here = [m if (m.article_id, m.start, m.end) not in entity_of else
                     Mention(m.article_id, m.start, m.end, m.text, m.label, m.normal,
                             entity_of[(m.article_id, m.start, m.end)])
                     for m in store.mentions(sorted({q.article_id for _, q in quotes}
                                                    | {c.article_id for _, c in citations} | set(subset)))]
    linker = _EntityLinker([known[k] for k in kept] + entities, mentions_here,
                           {(m.article_id, m.start, m.end): m.entity_id for m in mentions_here if m.entity_id})
    speakers = {qid: linker.link(q.article_id, q.speaker, q.speaker_start, q.speaker_end, "PERSON")
                for qid, q in quotes}
    cited = {cid: linker.link(c.article_id, c.cited, None, None, None) for cid, c in citations}
    store.update_entities(touched, entities, entity_of, speakers, cited)
    return {"mode": "incremental", "touched": len(touched), "replaced_by": len(entities),
            "articles_examined": len(subset), "entities": len(kept) + len(entities),
            "touched_ids": sorted(touched)}
