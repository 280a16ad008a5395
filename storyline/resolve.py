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


def entity_keys(resolver: Any, entities: Sequence[dict[str, Any]]) -> dict[str, set[str]]:
    """entity id -> the blocking keys of its name and spellings."""
    return {e["id"]: {k for name in {e["name"], *e["variants"]} for k in resolver.blocking_keys(name)}
            for e in entities}


def file_all_entity_keys(store: SQLiteStore) -> int:
    """File every stored entity under its blocking keys (after a full resolution)."""
    from .enrich.canonical import EntityResolver

    keys = entity_keys(EntityResolver(), store.entities())
    store.put_entity_keys(keys, replace_all=True)
    return len(keys)


def resolve_incremental(store: SQLiteStore, new_ids: Sequence[str]) -> dict[str, Any] | None:
    """Resolve the mentions of ``new_ids`` against the stored entities. Returns counts, or
    None when a full run is the better choice (no entities yet, or the batch touches most of
    the corpus, or a re-examined entity would take the id of one left alone).

    Reads only what the batch can reach: the entities filed under its mentions' blocking
    keys (an indexed lookup), their mentions, and the quotes and citations to link again."""
    from .enrich.canonical import EntityResolver
    from .stages import _EntityLinker

    if not new_ids or store.count_entities() == 0:
        return None
    resolver = EntityResolver()
    if not store.entity_keys_filed():  # a store resolved before the keys were kept
        file_all_entity_keys(store)
    new = set(new_ids)
    new_mentions = store.mentions(sorted(new))
    batch_keys = {k for m in new_mentions for text in {m.text, m.normal} - {""} for k in resolver.blocking_keys(text)}
    touched = store.entities_for_keys(batch_keys)
    touched |= store.entities_in_articles(new)  # a re-enriched article: its old entities lose mentions
    decisions = [d["payload"] for d in store.decisions("entity.")]
    groups = _decision_groups(store, decisions)
    grew = True
    while grew:  # an analyst decision replays whole: touch every entity it ties together
        grew = False
        for g in groups:
            if g & touched and not g <= touched:
                touched |= g
                grew = True
    known = store.entities_by_ids(touched)
    touched = set(known)
    articles = new | {a for e in known.values() for a in e["article_ids"]}
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
    if set(store.entities_by_ids(e.id for e in resolution.entities)) - touched:
        return None  # blocking missed a key the resolver used; the full run sorts it out
    entities = [{"id": e.id, "name": e.name, "type": e.type, "variants": e.variants,
                 "article_ids": list(e.article_ids), "explanations": list(e.explanations)}
                for e in resolution.entities]
    entity_of = {(m.article_id, m.start, m.end): resolution.entity_id(m) for ms in subset.values() for m in ms}
    # Quotes and citations to link again: those of the re-examined articles, and those that
    # pointed at an entity that was just replaced.
    quotes = store.quotes_to_link(sorted(subset), touched)
    citations = store.citations_to_link(sorted(subset), touched)
    mentions_here = [m if (m.article_id, m.start, m.end) not in entity_of else
                     Mention(m.article_id, m.start, m.end, m.text, m.label, m.normal,
                             entity_of[(m.article_id, m.start, m.end)])
                     for m in store.mentions(sorted({q.article_id for _, q in quotes}
                                                    | {c.article_id for _, c in citations} | set(subset)))]
    # The linker's corpus-wide name lookup needs only the entities that share a last-word
    # key with a speaker or cited name, plus the new ones.
    names = {q.speaker for _, q in quotes if q.speaker} | {c.cited for _, c in citations if c.cited}
    near = store.entities_for_keys({k for n in names for k in resolver.blocking_keys(n) if k.startswith("w:")})
    others = [e for eid, e in store.entities_by_ids(near - touched).items()]
    linker = _EntityLinker(others + entities, mentions_here,
                           {(m.article_id, m.start, m.end): m.entity_id for m in mentions_here if m.entity_id})
    speakers = {qid: linker.link(q.article_id, q.speaker, q.speaker_start, q.speaker_end, "PERSON")
                for qid, q in quotes}
    cited = {cid: linker.link(c.article_id, c.cited, None, None, None) for cid, c in citations}
    store.update_entities(touched, entities, entity_of, speakers, cited, keys=entity_keys(resolver, entities))
    total = store.count_entities()
    return {"mode": "incremental", "touched": len(touched), "replaced_by": len(entities),
            "articles_examined": len(subset), "entities": total, "touched_ids": sorted(touched)}
