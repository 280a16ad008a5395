"""Incremental entity resolution: a new batch is resolved against the stored entities, and
only the entities its mentions could join are looked at.

A full resolution groups every mention of the corpus, so its cost grows with the corpus
at every run. Here each stored entity is filed under the
:meth:`~storyline.enrich.canonical.EntityResolver.blocking_keys` of its name and spellings
(table ``entity_keys``); a batch's mentions pick the *touched* entities by an indexed
lookup. The resolver runs on the batch's mentions plus a few representative mentions of
each touched entity, and the batch's mentions join the stored entity whose
representatives they were grouped with, or form new entities. Stored entities are never
merged or split by an incremental run, so analyst decisions stay applied, and every entity
the batch does not join keeps its row.

What it gives up against a full run: the resolver's corpus statistics (majority label of
a spelling, place votes, rarity of shared context) come from the re-examined part only,
and a stored entity keeps its display name. ``storyline.stages.resolve_entities(store)``
(no ``new_ids``) still runs the full resolution, as analyst merges and splits do.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

from jellyfish import jaro_winkler_similarity

from .enrich.names import skeleton, sound_key, word_tokens
from .model import Mention
from .store.sqlite import SQLiteStore

__all__ = ["entity_keys", "file_all_entity_keys", "resolve_incremental"]


def entity_keys(resolver: Any, entities: Sequence[dict[str, Any]]) -> dict[str, set[str]]:
    """entity id -> the blocking keys of its name and spellings."""
    return {e["id"]: {k for name in {e["name"], *e["variants"]} for k in resolver.blocking_keys(name, e["type"])}
            for e in entities}


# Bumped when EntityResolver.blocking_keys files names differently: a store filed under
# other keys is filed again before its next incremental run.
KEYS_VERSION = "2"
KEYS_VERSION_KV = "entity_keys.version"


def file_all_entity_keys(store: SQLiteStore) -> int:
    """File every stored entity under its blocking keys (after a full resolution)."""
    from .enrich.canonical import EntityResolver

    keys = entity_keys(EntityResolver(), store.entities())
    store.put_entity_keys(keys, replace_all=True)
    store.set_kv(KEYS_VERSION_KV, KEYS_VERSION)
    return len(keys)


def _touched(store: SQLiteStore, resolver: Any, mentions: Sequence[Mention]) -> dict[str, dict[str, Any]]:
    """The stored entities a batch's mentions could join: those filed under a probe key of a
    mention, less those met only through a last-word skeleton (``s:``) whose last words are
    not similar enough for the resolver to ever join them (the resolver compares surnames of
    one skeleton and joins them only at ``surname_similarity`` or above)."""
    probes: set[str] = set()
    last_words: dict[str, set[str]] = defaultdict(set)  # skeleton key -> sound keys of the batch's last words
    for m in mentions:
        for text in {m.text, m.normal} - {"", None}:
            keys = resolver.probe_keys(text, m.label)
            probes |= keys
            words = word_tokens(text)
            if words and "s:" + skeleton(words[-1]) in keys:
                last_words["s:" + skeleton(words[-1])].add(sound_key(words[-1]))
    strong = store.entities_for_keys(k for k in probes if not k.startswith("s:"))
    by_skeleton = store.entities_for_keys(k for k in probes if k.startswith("s:")) - strong
    touched = store.entities_by_ids(strong | by_skeleton)
    for eid in by_skeleton:
        e = touched[eid]
        pairs = [(ours, sound_key(words[-1])) for name in {e["name"], *e["variants"]}
                 if (words := word_tokens(name)) for ours in last_words.get("s:" + skeleton(words[-1]), ())]
        if not any(jaro_winkler_similarity(a, b) >= resolver.surname_similarity for a, b in pairs):
            del touched[eid]
    return touched


def _representatives(store: SQLiteStore, entities: dict[str, dict[str, Any]], per_entity: int
                     ) -> dict[str, list[Mention]]:
    """Mentions that stand for each stored entity in an incremental run: all its mentions in
    at most ``per_entity`` of its articles. Articles already chosen for another entity are
    preferred, so the articles read stay few however many entities the batch touches, and a
    hub entity (a country in every article) costs the same as a rare one."""
    wanted: dict[str, set[str]] = defaultdict(set)  # article -> entities to take from it
    # Rare entities first: they have the fewest articles to choose from.
    for eid, e in sorted(entities.items(), key=lambda kv: (len(kv[1]["article_ids"]), kv[0])):
        arts = sorted(e["article_ids"])
        shared = [a for a in arts if a in wanted]
        for aid in (shared + [a for a in arts if a not in wanted])[:per_entity]:
            wanted[aid].add(eid)
    reps: dict[str, list[Mention]] = defaultdict(list)
    for m in store.mentions(sorted(wanted)):
        if m.entity_id in wanted[m.article_id]:
            reps[m.article_id].append(m)
    return reps


def resolve_incremental(store: SQLiteStore, new_ids: Sequence[str], per_entity: int = 4) -> dict[str, Any] | None:
    """Resolve the mentions of ``new_ids`` against the stored entities. Returns counts, or
    None when a full run is needed (no entities yet).

    The resolver runs on the new mentions plus a few representative mentions of each
    *touched* entity (one sharing a blocking key with a new mention; found by an indexed
    lookup). A group holding representatives of a stored entity joins its new mentions to
    that entity (the one with most representatives there, if several: an incremental run
    never merges or splits stored entities, so analyst decisions stay as they are); a group
    without any becomes a new entity. Only touched entities' rows are rewritten, and the
    work depends on the batch, not on the corpus."""
    from .enrich.canonical import EntityResolver
    from .stages import _EntityLinker

    if not new_ids or store.count_entities() == 0:
        return None
    resolver = EntityResolver()
    if not store.entity_keys_filed() or store.get_kv(KEYS_VERSION_KV) != KEYS_VERSION:
        file_all_entity_keys(store)  # a store resolved before the keys were kept, or kept otherwise
    new = set(new_ids)
    new_mentions = store.mentions(sorted(new))
    touched = _touched(store, resolver, new_mentions)
    # A re-enriched article: its old mentions are gone, so the entities that listed it shrink.
    stale = store.entities_by_ids(store.entities_in_articles(new))
    subset: dict[str, list[Mention]] = defaultdict(list)
    for m in new_mentions:
        subset[m.article_id].append(m)
    for aid, ms in _representatives(store, touched, per_entity).items():
        if aid not in new:
            subset[aid].extend(ms)
    texts = {aid: t[0] for aid, t in store.article_texts(subset).items()}
    event_of = store.event_assignments()
    resolution = resolver.resolve(subset, texts=texts, groups={a: event_of[a] for a in subset if a in event_of} or None)
    changed: dict[str, dict[str, Any]] = {}
    for eid, e in stale.items():
        if eid not in new:
            gone = {a for a in e["article_ids"] if a in new}
            changed[eid] = e | {"article_ids": [a for a in e["article_ids"] if a not in gone]}
    entity_of: dict[tuple[str, int, int], str | None] = {}
    created = 0
    for ent in resolution.entities:
        keys = [k.rsplit(":", 2) for k in ent.mention_keys]
        fresh = [(a, int(s), int(e_)) for a, s, e_ in keys if a in new]
        if not fresh:
            continue
        olds = Counter(m.entity_id for a, s, e_ in keys if a not in new
                       for m in subset[a] if (m.start, m.end) == (int(s), int(e_)) and m.entity_id)
        stored_same_key = None if olds else (changed.get(ent.id) or store.entities_by_ids([ent.id]).get(ent.id))
        if olds:
            target = olds.most_common(1)[0][0]
            base = changed.get(target) or touched[target]
        elif stored_same_key is not None:
            # The id comes from the canonical key: a stored entity with it is this one.
            target, base = ent.id, stored_same_key
        else:
            target, base = ent.id, {"id": ent.id, "name": ent.name, "type": ent.type, "variants": {},
                                    "article_ids": [], "explanations": list(ent.explanations)}
            created += 1
        variants = Counter(base["variants"])
        texts_of = {(m.article_id, m.start, m.end): m.text for a in {k[0] for k in fresh} for m in subset[a]}
        variants.update(texts_of[k] for k in fresh)
        changed[target] = base | {"variants": dict(variants.most_common()),
                                  "article_ids": sorted(set(base["article_ids"]) | {k[0] for k in fresh})}
        for k in fresh:
            entity_of[k] = target
    for m in new_mentions:
        entity_of.setdefault((m.article_id, m.start, m.end), None)
    entities = list(changed.values())
    # Quotes and citations of the new articles are linked; a speaker named elsewhere is looked
    # up among the entities sharing a last-word key with the name.
    quotes = store.quotes_to_link(sorted(new), ())
    citations = store.citations_to_link(sorted(new), ())
    mentions_here = [Mention(m.article_id, m.start, m.end, m.text, m.label, m.normal,
                             entity_of.get((m.article_id, m.start, m.end))) for m in new_mentions]
    names = {q.speaker for _, q in quotes if q.speaker} | {c.cited for _, c in citations if c.cited}
    near = store.entities_by_ids(store.entities_for_keys(
        {k for n in names for k in resolver.probe_keys(n) if k.startswith("w:")}))
    near.update(changed)
    linker = _EntityLinker(list(near.values()), mentions_here,
                           {(m.article_id, m.start, m.end): m.entity_id for m in mentions_here if m.entity_id})
    speakers = {qid: linker.link(q.article_id, q.speaker, q.speaker_start, q.speaker_end, "PERSON")
                for qid, q in quotes}
    cited = {cid: linker.link(c.article_id, c.cited, None, None, None) for cid, c in citations}
    empty = {eid for eid, e in changed.items() if not e["article_ids"]}
    store.update_entities(empty, [e for e in entities if e["id"] not in empty], entity_of, speakers, cited,
                          keys=entity_keys(resolver, [e for e in entities if e["id"] not in empty]))
    return {"mode": "incremental", "touched": len(touched), "changed": len(changed), "new": created,
            "articles_examined": len(subset), "entities": store.count_entities(),
            "touched_ids": sorted(touched), "changed_ids": sorted(changed)}
