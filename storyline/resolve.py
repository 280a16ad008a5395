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
from collections.abc import Mapping, Sequence
from typing import Any

from jellyfish import jaro_winkler_similarity

from .enrich.canonical.forms import _Form, _given_compatible, _parse
from .enrich.canonical.results import mention_key
from .enrich.names import skeleton, sound_key, word_tokens
from .model import Mention
from .store.sqlite import SQLiteStore

__all__ = ["entity_keys", "file_all_entity_keys", "file_all_profiles", "resolve_incremental"]


def entity_keys(resolver: Any, entities: Sequence[dict[str, Any]]) -> dict[str, set[str]]:
    """entity id -> the blocking keys of its name and spellings."""
    return {e["id"]: {k for name in {e["name"], *e["variants"]} for k in resolver.blocking_keys(name, e["type"])}
            for e in entities}


# Bumped when what a profile holds changes: a store without current profiles is resolved
# in full once (which files them) before incremental runs resume.
PROFILES_VERSION = "1"
PROFILES_VERSION_KV = "entity_profiles.version"
# Role words kept per profile, most frequent first (an entity's roles are few; a hub's are
# many and rarely decide anything).
ROLES_KEPT = 8


def profile(roles: Counter[str]) -> dict[str, Any]:
    """An entity's stored profile: its most frequent role words with their counts."""
    return {"roles": dict(sorted(roles.items(), key=lambda kv: (-kv[1], kv[0]))[:ROLES_KEPT])}


def file_all_profiles(store: SQLiteStore, roles: Mapping[str, Sequence[str]], entity_of: Mapping[str, str]) -> int:
    """Store every entity's profile after a full resolution: ``roles`` (mention key -> role
    words, :attr:`Resolution.roles`) counted per entity through ``entity_of``."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for key, eid in entity_of.items():
        counts[eid].update(roles.get(key, ()))
    store.put_entity_profiles({eid: profile(counts[eid]) for eid in set(entity_of.values())}, replace_all=True)
    store.set_kv(PROFILES_VERSION_KV, PROFILES_VERSION)
    return len(counts)


# Stored people met only through a shared surname that a batch's name looks at, besides
# those whose given name could be its own (storyline/defaults.toml: resolve_per_surname).
PER_SURNAME = 2

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


def _touched(store: SQLiteStore, resolver: Any, mentions: Sequence[Mention], per_surname: int
             ) -> dict[str, dict[str, Any]]:
    """The stored entities a batch's mentions could join.

    Entities filed under a whole-name, alias or acronym probe key of a mention are all kept.
    Those met only through a last word (``w:`` sound key, ``s:`` skeleton, or the key of a
    one-word name, which every person once named by that surname alone has) are the people
    who share a surname, and they accumulate as the store grows (about 1 per surname at 1k
    articles, 7 at 30k in the scale benchmark): each mention keeps those whose given name
    could be its own (the only full names it can join without a choice) and the
    ``per_surname`` most-mentioned others (a lone surname joins one of them by shared
    context, or none); the rest are not looked at. ``per_surname`` of 0 keeps them all.
    Candidates met only through a skeleton are dropped unless the two last words reach the
    resolver's surname similarity (the resolver joins skeleton-mates only at
    ``surname_similarity`` or above)."""
    names: set[str] = set()
    asks: dict[tuple[frozenset[str], str], _Form] = {}  # (last-word keys, name) -> the name read as a person's
    last_words: dict[str, set[str]] = defaultdict(set)  # skeleton key -> sound keys of the batch's last words
    # A surname alone in an article that names the person in full joins that full name
    # inside the article (EntityResolver._local_people): it needs no candidates of its own.
    named_in_full = {(m.article_id, f.surname) for m in mentions if m.label == "PERSON"
                     for text in {m.text, m.normal} - {"", None} if (f := _parse("PERSON", text)).full}
    for m in mentions:
        for text in {m.text, m.normal} - {"", None}:
            keys = resolver.probe_keys(text, m.label)
            words = word_tokens(text)
            if len(words) == 1 and m.label == "PERSON" and (m.article_id, _parse("PERSON", text).surname) in named_in_full:
                continue
            # A one-word name's own key is a surname key too: every person named by that
            # surname alone somewhere has it among their spellings.
            surname = frozenset(k for k in keys if k.startswith(("w:", "s:")) or (len(words) == 1 and k.startswith("k:")))
            names |= keys - surname
            if surname:
                asks.setdefault((surname, text), _parse("PERSON", text))
            if words and "s:" + skeleton(words[-1]) in keys:
                last_words["s:" + skeleton(words[-1])].add(sound_key(words[-1]))
    by_key = store.entities_by_key(names | {k for keys, _ in asks for k in keys})
    strong = {e for k in names for e in by_key.get(k, ())}
    by_skeleton = {e for k, ids in by_key.items() if k.startswith("s:") for e in ids} - strong - {
        e for k, ids in by_key.items() if not k.startswith("s:") for e in ids}

    def similar_last_word(names_: Any) -> bool:
        pairs = [(ours, sound_key(words[-1])) for name in names_ if (words := word_tokens(name))
                 for ours in last_words.get("s:" + skeleton(words[-1]), ())]
        return any(jaro_winkler_similarity(a, b) >= resolver.surname_similarity for a, b in pairs)

    kept: set[str] = set()
    sizes = store.entity_sizes({e for keys, _ in asks for k in keys for e in by_key.get(k, ())} - strong)
    for (keys, text), form in asks.items():
        candidates = {e for k in keys for e in by_key.get(k, ())} - strong
        if per_surname <= 0 or len(candidates) <= per_surname:
            kept |= candidates
            continue
        kept |= {e for e in candidates if sizes[e][0].casefold() == text.casefold()}  # the name itself
        if form.given or form.initials:
            # A full name joins a stored full name only if the given names are compatible; the
            # others it could meet are people known by the surname alone.
            full = {e for e in candidates if sizes[e][1] == "PERSON" and len(word_tokens(sizes[e][0])) > 1}
            kept |= {e for e in full if _given_compatible(_parse("PERSON", sizes[e][0]), form,
                                                          resolver.given_similarity)}
            candidates -= full
        # A skeleton-mate whose name is not similar enough is dropped below: not worth a place.
        kept.update(sorted(candidates, key=lambda e: (e in by_skeleton and not similar_last_word([sizes[e][0]]),
                                                      -sizes[e][2], e))[:per_surname])
    touched = store.entities_by_ids(strong | kept, articles=False)
    for eid in by_skeleton & kept:
        if not similar_last_word({touched[eid]["name"], *touched[eid]["variants"]}):
            del touched[eid]
    return touched


def _first_articles(store: SQLiteStore, entity_id: str, wanted: Mapping[str, Any], per_entity: int) -> list[str]:
    """The first ``per_entity`` of the entity's articles (sorted by id) that are already
    ``wanted``, then its first others. The entity's list is read page by page until enough
    wanted ones are found, but never longer than the wanted articles are many: past that, they
    are looked up in the entity's index instead. Either way the reads are bounded by the
    batch (the wanted articles), not by the entity's list, which grows with the store."""
    shared: list[str] = []
    others: list[str] = []
    after, page, budget = "", 16, max(len(wanted), 2 * per_entity, 16)
    while len(shared) < per_entity:
        if budget <= 0:
            # ``others`` holds the smallest unshared articles; the shared ones may lie anywhere.
            shared = store.entity_articles_among(entity_id, wanted)
            break
        arts = store.entity_article_page(entity_id, after, min(page, budget))
        for aid in arts:
            (shared if aid in wanted else others).append(aid)
            if len(shared) == per_entity:
                break
        if len(arts) < min(page, budget):
            break
        after, budget, page = arts[-1], budget - len(arts), page * 4
    return (shared + others)[:per_entity]


def _representatives(store: SQLiteStore, entities: dict[str, dict[str, Any]], per_entity: int
                     ) -> dict[str, list[Mention]]:
    """Mentions that stand for each stored entity in an incremental run: all its mentions in
    at most ``per_entity`` of its articles. Articles already chosen for another entity are
    preferred, so the articles read stay few however many entities the batch touches, and a
    hub entity (a country in every article) costs the same as a rare one. ``entities`` are
    rows without their article lists (``n_articles``): the articles come from the index."""
    wanted: dict[str, set[str]] = defaultdict(set)  # article -> entities to take from it
    # Rare entities first: they have the fewest articles to choose from.
    for eid in sorted(entities, key=lambda e: (entities[e]["n_articles"], e)):
        for aid in _first_articles(store, eid, wanted, per_entity):
            wanted[aid].add(eid)
    reps: dict[str, list[Mention]] = defaultdict(list)
    for m in store.entity_mentions((aid, eid) for aid, eids in wanted.items() for eid in eids):
        reps[m.article_id].append(m)
    return reps


def resolve_incremental(store: SQLiteStore, new_ids: Sequence[str], per_entity: int = 4,
                        per_surname: int = PER_SURNAME) -> dict[str, Any] | None:
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

    if not new_ids or store.count_entities() == 0 or store.get_kv(PROFILES_VERSION_KV) != PROFILES_VERSION:
        return None  # nothing resolved yet, or resolved before profiles were kept: a full run files them
    resolver = EntityResolver()
    if not store.entity_keys_filed() or store.get_kv(KEYS_VERSION_KV) != KEYS_VERSION:
        file_all_entity_keys(store)  # a store resolved before the keys were kept, or kept otherwise
    new = set(new_ids)
    new_mentions = store.mentions(sorted(new))
    touched = _touched(store, resolver, new_mentions, per_surname)
    # A re-enriched article: its old mentions are gone, so the entities that listed it shrink.
    # Their rows are found through the article index by article (a hub's list is not read).
    listed_new = store.entity_memberships(new)
    stale = store.entities_by_ids({eid for _, eid in listed_new}, articles=False)
    subset: dict[str, list[Mention]] = defaultdict(list)
    for m in new_mentions:
        subset[m.article_id].append(m)
    for aid, ms in _representatives(store, touched, per_entity).items():
        if aid not in new:
            subset[aid].extend(ms)
    # Only the new articles are read: a stored entity's representatives carry the role words
    # of its profile instead of their articles' text.
    texts = {aid: t[0] for aid, t in store.article_texts(sorted(new)).items()}
    profiles = store.entity_profiles(touched)
    roles = {mention_key(m): list(profiles[m.entity_id]["roles"]) for a, ms in subset.items() if a not in new
             for m in ms if m.entity_id in profiles and profiles[m.entity_id]["roles"]}
    event_of = store.event_assignments(subset)
    resolution = resolver.resolve(subset, texts=texts, groups={a: event_of[a] for a in subset if a in event_of} or None,
                                  roles=roles)
    changed: dict[str, dict[str, Any]] = {}
    removed: set[tuple[str, str]] = set()
    for eid, e in stale.items():
        gone = {a for a, listed in listed_new if listed == eid}
        removed |= {(a, eid) for a in gone}
        # Neither ``article_ids`` nor ``added_article_ids``: the store rewrites the row (as it
        # did when the list was read here) and moves its count by the index rows removed.
        changed[eid] = e | {"n_articles": e["n_articles"] - len(gone)}
    added: set[tuple[str, str]] = set()
    # A stored entity's articles gained here, and its count before them (a re-enriched
    # article's rows already removed): fresh articles are new to it, a re-enriched one was removed.
    gained: dict[str, set[str]] = defaultdict(set)
    count_before: dict[str, int] = {}
    gained_roles: dict[str, Counter[str]] = defaultdict(Counter)
    entity_of: dict[tuple[str, int, int], str | None] = {}
    created = 0
    for ent in resolution.entities:
        keys = [k.rsplit(":", 2) for k in ent.mention_keys]
        fresh = [(a, int(s), int(e_)) for a, s, e_ in keys if a in new]
        if not fresh:
            continue
        olds = Counter(m.entity_id for a, s, e_ in keys if a not in new
                       for m in subset[a] if (m.start, m.end) == (int(s), int(e_)) and m.entity_id)
        stored_same_key = None if olds else (changed.get(ent.id)
                                             or store.entities_by_ids([ent.id], articles=False).get(ent.id))
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
        if "article_ids" in base:  # a new entity
            grown = {"article_ids": sorted(set(base["article_ids"]) | {k[0] for k in fresh})}
        else:  # the store adds the rows to the article index: a hub's list is neither read nor rewritten
            count_before.setdefault(target, base["n_articles"])
            gained[target] |= {k[0] for k in fresh}
            grown = {"n_articles": count_before[target] + len(gained[target])}
            if target not in stale:  # (a row left by a re-enriched article is rewritten whole, as before)
                grown["added_article_ids"] = sorted(gained[target])
        changed[target] = base | {"variants": dict(variants.most_common())} | grown
        for k in fresh:
            entity_of[k] = target
            gained_roles[target].update(resolution.roles.get(f"{k[0]}:{k[1]}:{k[2]}", ()))
        added |= {(k[0], target) for k in fresh}
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
        {k for n in names for k in resolver.probe_keys(n) if k.startswith("w:")}), articles=False)
    near.update(changed)
    linker = _EntityLinker(list(near.values()), mentions_here,
                           {(m.article_id, m.start, m.end): m.entity_id for m in mentions_here if m.entity_id})
    speakers = {qid: linker.link(q.article_id, q.speaker, q.speaker_start, q.speaker_end, "PERSON")
                for qid, q in quotes}
    cited = {cid: linker.link(c.article_id, c.cited, None, None, None) for cid, c in citations}
    empty = {eid for eid, e in changed.items() if e.get("n_articles", 1) <= 0}
    kept = [e for e in entities if e["id"] not in empty]
    old_profiles = store.entity_profiles(set(changed) - set(profiles)) | profiles
    new_profiles = {e["id"]: profile(Counter(old_profiles.get(e["id"], {}).get("roles", {})) + gained_roles[e["id"]])
                    for e in kept}
    store.update_entities(empty, kept, entity_of, speakers, cited, keys=entity_keys(resolver, kept),
                          memberships=(sorted(added), sorted(removed)), profiles=new_profiles)
    return {"mode": "incremental", "touched": len(touched), "changed": len(changed), "new": created,
            "articles_examined": len(subset), "entities": store.count_entities(),
            "touched_ids": sorted(touched), "changed_ids": sorted(changed)}
