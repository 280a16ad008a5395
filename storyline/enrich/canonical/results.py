"""What a resolution returns (:class:`Entity`, :class:`Resolution`), the analyst's
decisions (:func:`merge`, :func:`split`) and how they are applied to a run's entities."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from storyline.enrich.canonical.forms import ALIASES, _Form, _Local, _org_words, _parse
from storyline.model import Mention

if TYPE_CHECKING:
    from storyline.enrich.canonical.resolver import EntityResolver


def mention_key(mention: Mention) -> str:
    """A mention's identity in overrides and in :attr:`Resolution.entity_of`."""
    return f"{mention.article_id}:{mention.start}:{mention.end}"


def merge(entity_a: Entity | str, entity_b: Entity | str, note: str = "") -> dict[str, Any]:
    """An analyst's decision that two entities are one; ``entity_a``'s id is kept."""
    return {"op": "merge", "entities": [_eid(entity_a), _eid(entity_b)], "note": note}


def split(entity: Entity | str, *mention_keys: str, note: str = "") -> dict[str, Any]:
    """An analyst's decision that some mentions of ``entity`` are someone else.

    The listed mentions (see :func:`mention_key`) leave the entity and form a
    new one, whose id is derived from the decision, so it is stable.
    """
    return {"op": "split", "entity": _eid(entity), "mentions": sorted(mention_keys), "note": note}


def _eid(entity: Entity | str) -> str:
    return entity if isinstance(entity, str) else entity.id


@dataclass(frozen=True)
class Entity:
    """One real-world person, organisation or place."""

    id: str
    name: str  # canonical display name
    type: str  # PERSON | ORG | LOC
    variants: dict[str, int]  # surface form -> number of mentions
    article_ids: tuple[str, ...]
    explanations: tuple[str, ...]
    mention_keys: tuple[str, ...]


@dataclass(frozen=True)
class Resolution:
    entities: list[Entity]
    entity_of: dict[str, str]  # mention key -> entity id
    unapplied_overrides: list[dict[str, Any]] = field(default_factory=list)  # each with a "reason"
    roles: dict[str, tuple[str, ...]] = field(default_factory=dict)  # mention key -> role words around it

    def entity_id(self, mention: Mention) -> str | None:
        return self.entity_of.get(mention_key(mention))

    def annotate(self, mentions: Iterable[Mention]) -> list[Mention]:
        """The mentions with ``entity_id`` filled in (new records; inputs are not changed)."""
        return [replace(m, entity_id=self.entity_of.get(mention_key(m))) for m in mentions]

    def by_id(self) -> dict[str, Entity]:
        return {e.id: e for e in self.entities}


@dataclass
class _Entity:
    """An entity before overrides: mutable, turned into :class:`Entity` at the end."""

    id: str
    type: str
    mentions: list[Mention]
    forms: list[_Form]
    notes: list[str]
    resolver: EntityResolver
    alias_name: str | None = None
    scope: str = ""  # set for entities that stay inside one article

    def name(self) -> str:
        return _display_name(self.type, self.forms, self.alias_name)


def _build_entity(locs: list[_Local], notes: list[str], resolver: EntityResolver) -> _Entity:
    mentions = [m for loc in locs for m in loc.mentions]
    forms = [f for loc in locs for f in loc.forms]
    type_ = Counter(loc.type for loc in locs).most_common(1)[0][0]
    alias_name = None
    if type_ != "PERSON":
        alias_name = next((a for f in forms if (a := resolver._canonical_name_key(f)[1])), None)
        if alias_name:
            type_ = next(t for t, canonical, _ in (*ALIASES, *resolver.aliases) if canonical == alias_name)
    ent = _Entity("", type_, mentions, forms, list(notes), resolver, alias_name)
    name = ent.name()
    if type_ == "PERSON":
        best = _parse("PERSON", name)
        key = "P:" + best.key
        if not best.full and not resolver._is_rare_surname(best.base):
            # a common surname nobody's full name explains stays per article group
            key += "@" + min(m.article_id for m in mentions)
    else:
        key = "N:" + (" ".join(_org_words(alias_name)) if alias_name else _parse(type_, name).key)
    ent.id = "e_" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]
    return ent


def _display_name(type_: str, forms: list[_Form], alias_name: str | None) -> str:
    """The most frequent full form, Latin script first; the alias table's name when known."""
    if alias_name:
        return alias_name
    counts = Counter(f.base for f in forms)
    by_base = {f.base: f for f in forms}
    first_seen = {base: i for i, base in enumerate(reversed([f.base for f in forms]))}
    n = len(forms)

    def rank(base: str) -> tuple[int, int, int, int]:
        f = by_base[base]
        fullness = int(f.full) if type_ == "PERSON" else int(not f.acronym and len(f.words) > 1)
        # ties go to the spelling met first (articles in id order)
        return (-fullness, -int(f.latin), -counts[base], n - 1 - first_seen[base])

    return min(counts, key=rank)


def _apply_overrides(
    draft: list[_Entity], overrides: Sequence[Mapping[str, Any]], max_explanations: int
) -> Resolution:
    # ids must be unique even when two entities share a canonical key
    seen: Counter[str] = Counter()
    for ent in sorted(draft, key=lambda e: min(mention_key(m) for m in e.mentions)):
        seen[ent.id] += 1
        if seen[ent.id] > 1:
            ent.id = f"{ent.id}_{seen[ent.id]}"
    by_id = {e.id: e for e in draft}
    unapplied: list[dict[str, Any]] = []
    for decision in overrides:
        op = decision.get("op")
        note = f" ({decision['note']})" if decision.get("note") else ""
        if op == "merge":
            a_id, b_id = decision["entities"]
            missing = [x for x in (a_id, b_id) if x not in by_id]
            if missing:
                unapplied.append({**decision, "reason": f"entity {', '.join(missing)} not found in this run"})
                continue
            if a_id == b_id:
                continue
            a, b = by_id[a_id], by_id.pop(b_id)
            a.mentions += b.mentions
            a.forms += b.forms
            a.notes += b.notes + [f"merged by analyst with {b_id} '{b.name()}'{note}"]
        elif op == "split":
            ent = by_id.get(decision["entity"])
            if ent is None:
                unapplied.append({**decision, "reason": f"entity {decision['entity']} not found in this run"})
                continue
            keys = set(decision["mentions"])
            moved = [i for i, m in enumerate(ent.mentions) if mention_key(m) in keys]
            if not moved or len(moved) == len(ent.mentions):
                reason = (
                    "none of the mentions is in the entity"
                    if not moved
                    else "the split would leave the entity empty"
                )
                unapplied.append({**decision, "reason": reason})
                continue
            new = _Entity(
                "e_" + hashlib.sha1(f"split:{ent.id}:{sorted(keys)}".encode()).hexdigest()[:12],
                ent.type,
                [ent.mentions[i] for i in moved],
                [ent.forms[i] for i in moved],
                [f"split by analyst from {ent.id}{note}"],
                ent.resolver,
            )
            ent.mentions = [m for i, m in enumerate(ent.mentions) if i not in set(moved)]
            ent.forms = [f for i, f in enumerate(ent.forms) if i not in set(moved)]
            ent.notes.append(f"{len(moved)} mention(s) split off by analyst into {new.id}{note}")
            by_id[new.id] = new
        else:
            unapplied.append({**decision, "reason": f"unknown op {op!r}; expected 'merge' or 'split'"})
    entities: list[Entity] = []
    entity_of: dict[str, str] = {}
    for ent in by_id.values():
        keys = tuple(mention_key(m) for m in ent.mentions)
        for k in keys:
            entity_of[k] = ent.id
        entities.append(
            Entity(
                id=ent.id,
                name=ent.name(),
                type=ent.type,
                variants=dict(Counter(m.text for m in ent.mentions).most_common()),
                article_ids=tuple(sorted({m.article_id for m in ent.mentions})),
                explanations=_summarise(ent.notes, max_explanations),
                mention_keys=keys,
            )
        )
    entities.sort(key=lambda e: (-len(e.mention_keys), e.name, e.id))
    return Resolution(entities, entity_of, unapplied)


def _summarise(notes: list[str], limit: int) -> tuple[str, ...]:
    counts = Counter(notes)
    lines = [f"{n} (x{c})" if c > 1 else n for n, c in counts.items()]
    if len(lines) > limit:
        lines = lines[:limit] + [f"... and {len(lines) - limit} more"]
    return tuple(lines)
