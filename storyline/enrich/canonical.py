"""One canonical entity per real-world referent, across articles, spellings and scripts.

:class:`EntityResolver` groups :class:`~storyline.model.Mention` records into
:class:`Entity` records in two passes:

1. **Within an article** a short form joins the full form it abbreviates: a
   surname joins the full name ("Brown" -> "Charles Brown", the nearest one
   when two people share it), an acronym joins the organisation whose initials
   it spells ("NYT" -> "New York Times"), and a one-word organisation joins the
   longer name it begins or ends ("the Times", "Brookings").
2. **Across articles** the per-article entities are compared by transliteration-
   robust keys (:mod:`storyline.enrich.names`: "Shoigu", "Shoygu" and "Шойгу"
   share a key) and by context: the entities they are mentioned with, the role
   words in front of them ("defence minister", "министр обороны") and, when
   the caller passes it, the article's story cluster. Same full name: merged.
   A surname alone, a similar (not equal) spelling, or a given name that only
   resembles another (Volodymyr / Vladimir): merged only when the surname is
   rare or the context agrees, so two different people who share a surname are
   not folded together.

Every merge leaves an explanation. Analyst decisions (:func:`merge`,
:func:`split`) are plain dicts that the caller stores and passes back in.

Resolution is **batch**: :meth:`EntityResolver.resolve` looks at the whole
corpus each time (5,000 articles take seconds), so a grown corpus is simply
resolved again. Entity ids are derived from the canonical name's key, so the
same corpus gives the same ids, and a person keeps their id as articles arrive
unless their best-known full name changes.
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import jellyfish

from storyline.enrich.names import (
    demonym_pair,
    has_cyrillic,
    is_initial,
    nickname_of,
    romanize,
    skeleton,
    sound_key,
    split_name,
    translit_key,
    word_tokens,
)
from storyline.model import Mention

__all__ = [
    "ALIASES",
    "Entity",
    "EntityResolver",
    "Resolution",
    "merge",
    "mention_key",
    "split",
]


# Organisations and places that are written in unrelated ways: (type, canonical
# name, other names). Acronyms introduced inside an article need no entry here;
# this is for names no rule can connect ("FT", "Россия" / "Russia", "Kiev" / "Kyiv").
ALIASES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("ORG", "The New York Times", ("New York Times", "NYT", "N.Y. Times", "Нью-Йорк таймс")),
    ("ORG", "Financial Times", ("FT", "Файненшл таймс")),
    ("ORG", "The Wall Street Journal", ("Wall Street Journal", "WSJ")),
    ("ORG", "The Washington Post", ("Washington Post",)),
    ("ORG", "Associated Press", ("AP", "The Associated Press")),
    ("ORG", "Agence France-Presse", ("AFP", "Франс Пресс", "Франс-Пресс")),
    ("ORG", "Reuters", ("Рейтер", "Рейтерс")),
    ("ORG", "BBC", ("Би-би-си", "British Broadcasting Corporation")),
    ("ORG", "Brookings Institution", ("Brookings", "The Brookings Institution")),
    ("ORG", "United Nations", ("UN", "U.N.", "ООН", "Организация Объединённых Наций")),
    ("ORG", "NATO", ("North Atlantic Treaty Organization", "НАТО", "Nato")),
    ("ORG", "European Union", ("EU", "E.U.", "ЕС", "Евросоюз")),
    ("ORG", "Kremlin", ("Кремль", "The Kremlin")),
    ("ORG", "State Duma", ("Государственная дума", "Госдума", "Duma")),
    ("ORG", "Federal Security Service", ("FSB", "ФСБ")),
    ("ORG", "Federal Bureau of Investigation", ("FBI", "ФБР")),
    ("ORG", "Central Intelligence Agency", ("CIA", "ЦРУ")),
    ("LOC", "Russia", ("Россия", "РФ", "Российская Федерация", "Russian Federation")),
    ("LOC", "Ukraine", ("Украина", "Україна")),
    ("LOC", "United States", ("US", "U.S.", "USA", "U.S.A.", "America", "США", "Соединённые Штаты")),
    ("LOC", "United Kingdom", ("UK", "U.K.", "Britain", "Great Britain", "Великобритания", "Британия")),
    ("LOC", "Moscow", ("Москва",)),
    ("LOC", "Kyiv", ("Kiev", "Киев", "Київ")),
    ("LOC", "Kharkiv", ("Kharkov", "Харьков")),
    ("LOC", "Odesa", ("Odessa", "Одесса")),
    ("LOC", "Lviv", ("Lvov", "Львов")),
    ("LOC", "Belarus", ("Беларусь", "Белоруссия", "Byelorussia")),
    ("LOC", "Germany", ("Германия", "ФРГ")),
    ("LOC", "France", ("Франция",)),
    ("LOC", "China", ("Китай", "КНР", "PRC")),
    ("LOC", "Beijing", ("Пекин",)),
    ("LOC", "Paris", ("Париж",)),
    ("LOC", "Israel", ("Израиль",)),
    ("LOC", "Turkey", ("Турция", "Türkiye")),
    ("LOC", "Poland", ("Польша",)),
    ("LOC", "Japan", ("Япония",)),
    ("LOC", "Georgia", ("Грузия",)),
    ("LOC", "Crimea", ("Крым",)),
    ("LOC", "Europe", ("Европа",)),
    ("LOC", "Saint Petersburg", ("St. Petersburg", "St Petersburg", "Санкт-Петербург", "Петербург")),
)

# Role words that stand in front of a name or after it in apposition; Russian
# ones are mapped to English so that roles compare across languages.
_ROLE_WORDS: dict[str, str] = {
    w: w
    for w in """
    president minister prime foreign defence interior finance economy trade health justice energy
    secretary state general chief commander spokesman spokeswoman spokesperson ambassador envoy
    senator governor mayor judge chairman ceo director head leader speaker deputy vice chancellor
    attorney prosecutor king queen prince pope lawmaker
    """.split()
}
_ROLE_WORDS.update(
    {
        "defense": "defence", "президент": "president", "министр": "minister", "премьер": "prime",
        "премьер-министр": "prime minister", "обороны": "defence", "иностранных": "foreign", "дел": "",
        "внутренних": "interior", "финансов": "finance", "пресс-секретарь": "spokesman", "глава": "head",
        "мэр": "mayor", "губернатор": "governor", "генерал": "general", "посол": "ambassador",
        "депутат": "lawmaker", "председатель": "chairman", "спикер": "speaker", "вице-премьер": "deputy prime",
        "госсекретарь": "secretary state", "канцлер": "chancellor", "судья": "judge", "прокурор": "prosecutor",
        "замминистра": "deputy minister",
    }
)  # fmt: skip
_WORD_BEFORE = re.compile(r"([\w-]+)\.?\s+$")
_APPOSITION = re.compile(r",\s+(?:the\s+)?((?:[\w-]+\s+){0,3}[\w-]+)\s*[,.;]")
_ORG_SUFFIXES = frozenset("inc corp corporation ltd llc plc co ag sa gmbh nv".split())
_ACRONYM_STOPWORDS = frozenset("of the and for de la du des der und in on at и по".split())
_DOTTED = re.compile(r"^(?:[A-Za-zА-Яа-яЁё]\.){2,}$")


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

    def entity_id(self, mention: Mention) -> str | None:
        return self.entity_of.get(mention_key(mention))

    def annotate(self, mentions: Iterable[Mention]) -> list[Mention]:
        """The mentions with ``entity_id`` filled in (new records; inputs are not changed)."""
        return [replace(m, entity_id=self.entity_of.get(mention_key(m))) for m in mentions]

    def by_id(self) -> dict[str, Entity]:
        return {e.id: e for e in self.entities}


# --------------------------------------------------------------------------- forms


@dataclass
class _Form:
    """What a mention's words tell, parsed once per distinct (label, text)."""

    base: str  # nominative form (natasha) or the text
    latin: bool
    given: list[str]  # sound keys of given names (no initials)
    initials: list[str]
    surname: str  # sound key of the surname (PERSON) / "" otherwise
    key: str  # ORG/LOC: sound key of the whole name; PERSON: given + surname keys
    acronym: str  # ORG/LOC: the letters if the name is an acronym ("nyt")
    initials_of: tuple[str, ...]  # ORG/LOC: acronyms this name could be abbreviated to
    words: tuple[str, ...]  # ORG/LOC: sound keys of the words (without "the" and legal suffixes)

    @property
    def full(self) -> bool:
        return bool(self.given or self.initials)


def _org_words(text: str) -> list[str]:
    if _DOTTED.match(text.strip()):
        text = text.replace(".", "")
    words = word_tokens(text)
    if words and words[0] == "the":
        words = words[1:]
    while len(words) > 1 and words[-1] in _ORG_SUFFIXES:  # "Microsoft Corp." is Microsoft
        words = words[:-1]
    return [k for k in map(sound_key, words) if k]


@functools.lru_cache(maxsize=65536)
def _org_key(text: str) -> str:
    return " ".join(_org_words(text.strip()))


def _acronyms(text: str) -> tuple[str, ...]:
    """Acronyms a name could be shortened to, in its own script and romanised:
    "Federal Security Service" -> ("fss",), "Федеральная служба безопасности" -> ("фсб", "fsb")."""
    words = [w for w in re.split(r"[\s-]+", text.strip()) if w and w[0].isalpha()]
    if len(words) < 2:
        return ()
    out = []
    for drop_stop in (True, False):
        ws = [w for w in words if not (drop_stop and w.lower() in _ACRONYM_STOPWORDS)]
        if not drop_stop and words[0].lower() == "the":
            ws = ["the", *ws]  # "The Hollywood Reporter" -> "THR"
        if len(ws) >= 2:
            letters = "".join(w[0] for w in ws).lower()
            out.append(letters)
            out.append(romanize(letters))
    return tuple(dict.fromkeys(x for x in out if x))


def _parse(label: str, base: str) -> _Form:
    latin = not has_cyrillic(base)
    if label == "PERSON":
        given_raw, surname_raw = split_name(base)
        raw_words = base.split()
        initials = [sound_key(w)[:1] for w in raw_words[:-1] if is_initial(w)]
        given = [sound_key(g) for g in given_raw if len(g) > 1]
        surname = sound_key(surname_raw) if surname_raw else ""
        return _Form(base, latin, given, initials, surname, " ".join([*given, surname]), "", (), ())
    words = _org_words(base)
    stripped = base.strip()
    letters = stripped.replace(".", "")
    acronym = ""
    if 2 <= len(letters) <= 6 and letters.isalpha() and letters.isupper():
        acronym = letters.lower()
    return _Form(base, latin, [], [], "", " ".join(words), acronym, _acronyms(stripped), tuple(words))


# --------------------------------------------------------------------------- local entities


@dataclass
class _Local:
    """The mentions of one entity inside one article."""

    uid: int
    article_id: str
    type: str
    mentions: list[Mention]
    forms: list[_Form]
    best: _Form  # fullest form seen (the full name when the article gives one)
    key: str  # blocking key: PERSON surname key / ORG-LOC name key
    notes: list[str] = field(default_factory=list)
    features: set[str] = field(default_factory=set)

    def add(self, mention: Mention, form: _Form, note: str = "") -> None:
        self.mentions.append(mention)
        self.forms.append(form)
        if note:
            self.notes.append(note)


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x


# --------------------------------------------------------------------------- resolver


class EntityResolver:
    """Groups mentions into entities (see the module docstring for the rules).

    ``context_threshold``: how much shared context (sum of idf weights of shared
    co-mentioned entities; a shared role or story cluster counts ``strong_context``)
    a merge that names alone cannot justify needs. ``surname_similarity`` /
    ``given_similarity``: Jaro-Winkler floors on sound keys for "similar" names.
    ``common_surname_zipf``: surnames at least this frequent as English words
    (Brown, Johnson) need context to join a full name in another article.
    ``aliases``: extra rows in the format of :data:`ALIASES`.
    """

    def __init__(
        self,
        *,
        context_threshold: float = 1.0,
        strong_context: float = 1.5,
        surname_similarity: float = 0.88,
        given_similarity: float = 0.8,
        common_surname_zipf: float = 4.3,
        aliases: Sequence[tuple[str, str, Sequence[str]]] = (),
        max_explanations: int = 12,
    ) -> None:
        self.context_threshold = context_threshold
        self.strong_context = strong_context
        self.surname_similarity = surname_similarity
        self.given_similarity = given_similarity
        self.common_surname_zipf = common_surname_zipf
        self.aliases = aliases
        self.max_explanations = max_explanations
        self._alias_index: dict[str, tuple[str, str]] = {}
        for type_, canonical, others in (*ALIASES, *aliases):
            key = " ".join(_org_words(canonical))
            for name in (canonical, *others):
                self._alias_index[" ".join(_org_words(name))] = (type_, canonical)
                if _DOTTED.match(name) or (name.isupper() and name.isalpha()):
                    self._alias_index[name.replace(".", "").lower()] = (type_, canonical)
            self._alias_index[key] = (type_, canonical)
        self._forms: dict[tuple[str, str], _Form] = {}

    # -- public --------------------------------------------------------------

    def resolve(
        self,
        mentions_by_article: Mapping[str, Sequence[Mention]],
        *,
        texts: Mapping[str, str] | None = None,
        groups: Mapping[str, str] | None = None,
        overrides: Sequence[Mapping[str, Any]] = (),
    ) -> Resolution:
        """Group every mention of the corpus into entities.

        ``texts`` (article id -> clean text) lets role words around names count
        as context; ``groups`` (article id -> story/event cluster id) makes
        articles of one story count as shared context; ``overrides`` are the
        analyst decisions made with :func:`merge` and :func:`split`.
        """
        majority = _majority_labels(mentions_by_article)
        places = _place_votes(mentions_by_article, texts) if texts else {}
        locals_: list[_Local] = []
        for article_id in sorted(mentions_by_article):
            mentions = sorted(mentions_by_article[article_id], key=lambda m: (m.start, m.end))
            text = texts.get(article_id) if texts else None
            group = groups.get(article_id) if groups else None
            locals_.extend(
                self._local_entities(article_id, mentions, text, group, len(locals_), majority, places)
            )
        same_person = self._people_tagged_as_names(locals_)
        self._surnames_tagged_as_names(locals_)
        run = _Run(self, locals_, n_articles=len(mentions_by_article))
        for a, b, why in same_person:
            run.union(a, b, why)
        run.resolve_people()
        run.resolve_names()
        entities = run.entities()
        return _apply_overrides(entities, overrides, self.max_explanations)

    def _people_tagged_as_names(self, locals_: list[_Local]) -> list[tuple[int, int, str]]:
        """A full personal name tagged ORG/LOC ("Arkadiy Voloshenko" as ORG) whose
        words match the full name of a person of the corpus by the people's rules
        (same or similar surname by sound with a compatible given name) is that
        person, when the person's own mentions outnumber the ORG/LOC ones ("Varn
        Offshore" tagged PERSON once and ORG once stays as it is). The local is
        relabelled, so the people's pass merges it; returns the pairs of locals to
        join inside one article (the relabelled name and its surname mentions)."""
        people = [loc for loc in locals_ if loc.type == "PERSON" and loc.best.full and loc.best.given]
        if not people:
            return []
        by_skeleton: dict[str, list[_Local]] = defaultdict(list)
        for loc in people:
            by_skeleton[skeleton(loc.key)].append(loc)
        name_votes: Counter[str] = Counter(
            loc.key for loc in locals_ if loc.type != "PERSON" for _ in loc.mentions
        )
        pairs: list[tuple[int, int, str]] = []
        for loc in locals_:
            if loc.type == "PERSON" or not _looks_like_full_name(loc.best) or loc.key in self._alias_index:
                continue
            form = _parse("PERSON", loc.best.base)
            if not form.given:
                continue
            matches = [
                p
                for p in by_skeleton.get(skeleton(form.surname), ())
                if (
                    p.key == form.surname
                    or jellyfish.jaro_winkler_similarity(p.key, form.surname) >= self.surname_similarity
                )
                and _given_compatible(p.best, form, self.given_similarity) == "strict"
            ]
            person_votes = sum(len(p.mentions) for p in matches)
            if person_votes <= name_votes[loc.key]:
                continue
            loc.notes.append(
                f"'{loc.best.base}' tagged {loc.type} by the NER model, label corrected to PERSON: "
                f"the full name of a person named in {len({p.article_id for p in matches})} article(s)"
            )
            loc.type = "PERSON"
            loc.mentions = [replace(m, label="PERSON") for m in loc.mentions]
            loc.forms = [self._form(m) for m in loc.mentions]
            loc.best = max(loc.forms, key=lambda f: len(f.given) + len(f.initials))
            loc.key = loc.best.surname
            for other in locals_:
                if other.article_id == loc.article_id and other.type == "PERSON" and not other.best.full:
                    if other.key == loc.key:
                        pairs.append(
                            (
                                loc.uid,
                                other.uid,
                                f"'{other.best.base}' = '{loc.best.base}' (surname, within article)",
                            )
                        )
        return pairs

    def _surnames_tagged_as_names(self, locals_: list[_Local]) -> None:
        """A lone rare word tagged ORG/LOC that is the surname of a person named in
        full elsewhere is that person ("Navalny" tagged ORG in an article whose
        "Alexei Navalny's" the model missed)."""
        surnames = {loc.key for loc in locals_ if loc.type == "PERSON" and loc.best.full}
        for loc in locals_:
            if loc.type == "PERSON" or len(loc.best.words) != 1 or loc.best.acronym:
                continue
            if (
                loc.key in surnames
                and loc.key not in self._alias_index
                and self._is_rare_surname(loc.best.base)
            ):
                loc.notes.append(
                    f"'{loc.best.base}' was tagged {loc.type}; taken as a surname of a person named elsewhere"
                )
                loc.type = "PERSON"
                loc.mentions = [replace(m, label="PERSON") for m in loc.mentions]
                loc.forms = [self._form(m) for m in loc.mentions]
                loc.best = loc.forms[0]

    def _is_rare_surname(self, name: str) -> bool:
        """A surname rare as an English word ("Shoigu", not "Brown") names few people."""
        from wordfreq import zipf_frequency

        word = (word_tokens(name) or [""])[-1]
        return zipf_frequency(word, "en") < self.common_surname_zipf

    # -- within one article ----------------------------------------------------

    def blocking_keys(self, text: str, label: str | None = None) -> set[str]:
        """Every key under which :meth:`resolve` could compare a name with another: the last
        word's sound key and skeleton (surnames, similar spellings), the whole name's key read
        as a person's and as an organisation's, the alias it stands for, its acronym and the
        acronyms it could be shortened to. Two names that share none of these are never
        joined, so an incremental run only re-examines the entities that share a key with a
        new mention.

        The last-word keys serve surnames: a name of several words labelled ORG or LOC gets
        none, or every "... Department" would be filed beside every other one (a person's full
        name mislabelled ORG still meets the person through the whole-name key)."""
        text = text.strip()
        words = word_tokens(text)
        keys: set[str] = set()
        if words and (label in (None, "PERSON") or len(words) == 1):
            keys |= {"w:" + sound_key(words[-1]), "s:" + skeleton(words[-1])}
        for label in ("PERSON", "ORG"):
            form = _parse(label, text)
            if form.key:
                keys.add("k:" + form.key)
            if label == "ORG":
                key, alias = self._canonical_name_key(form)
                if alias:
                    keys.add("a:" + alias)
                keys |= {"i:" + a for a in (form.acronym, *form.initials_of) if a}
                if form.acronym:
                    keys.add("i:" + romanize(form.acronym))
        keys.discard("w:")
        keys.discard("s:")
        return keys

    def _form(self, mention: Mention) -> _Form:
        base = (mention.normal or mention.text).strip()
        k = (mention.label, base)
        form = self._forms.get(k)
        if form is None:
            form = self._forms[k] = _parse(mention.label, base)
        return form

    def _local_entities(
        self,
        article_id: str,
        mentions: Sequence[Mention],
        text: str | None,
        group: str | None,
        start_uid: int,
        majority: Mapping[str, str],
        places: Mapping[str, str],
    ) -> list[_Local]:
        people, names, relabelled = self._fix_labels(mentions, majority, places)
        out = self._local_people(article_id, people, start_uid)
        out += self._local_names(article_id, names, start_uid + len(out))
        for loc in out:
            loc.notes.extend(relabelled[mention_key(m)] for m in loc.mentions if mention_key(m) in relabelled)
        # context features: the other entities of the article, roles, the story cluster
        feats = {self._feature(loc) for loc in out}
        for loc in out:
            loc.features = feats - {self._feature(loc)}
            if group is not None:
                loc.features.add(f"G:{group}")
            if text is not None and loc.type == "PERSON":
                for m in loc.mentions:
                    loc.features.update(f"R:{r}" for r in _roles(text, m))
        return out

    def _fix_labels(
        self, mentions: Sequence[Mention], majority: Mapping[str, str], places: Mapping[str, str]
    ) -> tuple[list[Mention], list[Mention], dict[str, str]]:
        """PERSON and ORG/LOC mentions, correcting common NER slips: a known place
        or organisation tagged as a person ("Kyiv"); a lone surname tagged as an
        organisation when the article names that person in full ("Navalnyi's wife"
        after "Aleksei Navalnyi"); and a name tagged against the corpus majority
        ("Wladimir Klitschko" as ORG once, PERSON everywhere else); a one-word place
        tagged PERSON or ORG, told by the words around its mentions (``places``, see
        :func:`_place_votes`). Returns the relabelling notes by mention key."""
        surnames = {
            f.surname for m in mentions if m.label == "PERSON" and (f := self._form(m)).full and f.surname
        }
        people: list[Mention] = []
        names: list[Mention] = []
        notes: dict[str, str] = {}

        def relabel(m: Mention, label: str, why: str) -> Mention:
            notes[mention_key(m)] = f"'{m.text}' tagged {m.label} by the NER model, taken as {label}: {why}"
            return replace(m, label=label)

        for m in mentions:
            if m.label not in ("PERSON", "ORG", "LOC"):
                continue
            form = self._form(m)
            single = " " not in m.text.strip()
            in_article_surname = single and sound_key(m.normal or m.text) in surnames
            voted = majority.get(_surface_key(m))
            place = places.get(_surface_key(m)) if single else None
            if m.label == "PERSON":
                alias = self._alias_index.get(_org_key(m.normal or m.text))
                if alias and single and not in_article_surname:
                    names.append(relabel(m, alias[0], "a known name"))
                elif place and not alias and not in_article_surname:
                    names.append(relabel(m, "LOC", place))
                elif voted and voted != "PERSON" and not in_article_surname:
                    names.append(relabel(m, voted, "so tagged in most of the corpus"))
                else:
                    people.append(m)
                continue
            lone = len(form.words) == 1 and not form.acronym
            if lone and form.key in surnames and form.key not in self._alias_index:
                people.append(relabel(m, "PERSON", "the surname of a person named in the article"))
            elif m.label == "ORG" and lone and place and form.key not in self._alias_index:
                names.append(relabel(m, "LOC", place))
            elif voted == "PERSON" and form.key not in self._alias_index and not place:
                people.append(relabel(m, "PERSON", "so tagged in most of the corpus"))
            else:
                names.append(m)
        return people, names, notes

    @staticmethod
    def _feature(loc: _Local) -> str:
        return f"{'P' if loc.type == 'PERSON' else 'N'}:{loc.key}"

    def _local_people(self, article_id: str, mentions: Sequence[Mention], start_uid: int) -> list[_Local]:
        out: list[_Local] = []
        full_by_surname: dict[str, list[_Local]] = defaultdict(list)
        short: list[tuple[Mention, _Form]] = []
        for m in mentions:
            form = self._form(m)
            if not form.surname:
                continue
            if not form.full:
                short.append((m, form))
                continue
            same = [
                loc for loc in full_by_surname[form.surname] if _given_compatible(loc.best, form) == "strict"
            ]
            if not same:
                # "Nancy Pelosie" after "Nancy Pelosi": a transliteration variant of the surname joins
                # a full name of the same article only when the given names agree too.
                same = [loc for key, locs in full_by_surname.items() if key != form.surname
                        and translit_key(key) == translit_key(form.surname) for loc in locs
                        if _given_compatible(loc.best, form) == "strict"][:1]
            if not same:
                # "J. Smith" after "John Smith": an initial joins the one name it fits
                weak = [
                    loc
                    for loc in full_by_surname[form.surname]
                    if _given_compatible(loc.best, form) == "weak"
                ]
                same = weak if len(weak) == 1 else []
            if same:
                loc = same[0]
                note = (
                    ""
                    if form.base == loc.best.base
                    else f"'{m.text}' = '{loc.best.base}' (same name, within article)"
                )
                loc.add(m, form, note)
                if len(form.given) + len(form.initials) > len(loc.best.given) + len(loc.best.initials):
                    loc.best = form
            else:
                loc = _Local(start_uid + len(out), article_id, "PERSON", [m], [form], form, form.surname)
                out.append(loc)
                full_by_surname[form.surname].append(loc)
        for m, form in short:
            token = form.surname
            candidates = full_by_surname.get(token, [])
            how = "surname"
            if not candidates:
                # "Lamettey" after "David Lametti": a transliteration variant of one surname of the article
                variants = [locs for key, locs in full_by_surname.items() if translit_key(key) == translit_key(token)]
                if len(variants) == 1:
                    candidates, how = variants[0], "surname spelled another way"
            if not candidates:
                # a first-name reference ("Charles" for "Charles Brown") or an East Asian
                # surname written first ("Xi" for "Xi Jinping")
                candidates = [loc for loc in out if loc.best.given and loc.best.given[0] == token]
                how = "first name"
            if candidates:
                loc = _nearest(candidates, m)
                rivals = (
                    f"; {len(candidates) - 1} other(s) share it, nearest chosen"
                    if len(candidates) > 1
                    else ""
                )
                loc.add(m, form, f"'{m.text}' = '{loc.best.base}' ({how}, within article{rivals})")
                continue
            loc = next((x for x in out if not x.best.full and x.key == token), None)
            if loc is None:
                loc = _Local(start_uid + len(out), article_id, "PERSON", [m], [form], form, token)
                out.append(loc)
            else:
                loc.add(m, form)
        return out

    def _canonical_name_key(self, form: _Form) -> tuple[str, str | None]:
        """(key, alias canonical name or None) for an organisation or place."""
        hit = self._alias_index.get(form.key) or (
            self._alias_index.get(form.acronym) if form.acronym else None
        )
        if hit:
            return " ".join(_org_words(hit[1])), hit[1]
        return form.key, None

    def _local_names(self, article_id: str, mentions: Sequence[Mention], start_uid: int) -> list[_Local]:
        out: list[_Local] = []
        by_key: dict[str, _Local] = {}
        pending: list[tuple[Mention, _Form]] = []
        for m in mentions:
            form = self._form(m)
            if not form.key:
                continue
            key, alias = self._canonical_name_key(form)
            if alias is None and (form.acronym or len(form.words) == 1):
                pending.append((m, form))  # may abbreviate a longer name of this article
                continue
            loc = by_key.get(key)
            if loc is None:
                loc = by_key[key] = _Local(start_uid + len(out), article_id, m.label, [m], [form], form, key)
                out.append(loc)
            else:
                note = (
                    f"'{m.text}' = '{loc.best.base}' (known alias)"
                    if alias and form.key != loc.best.key
                    else ""
                )
                loc.add(m, form, note)
                if len(form.words) > len(loc.best.words):
                    loc.best = form
        for m, form in pending:
            target = None
            note = ""
            if form.acronym:
                hits = [loc for loc in out if any(form.acronym in f.initials_of for f in loc.forms)]
                if hits:
                    target = _nearest(hits, m)
                    note = f"'{m.text}' = '{target.best.base}' (acronym introduced in the article)"
            elif len(form.words) == 1:
                hits = [loc for loc in out if loc.type == m.label and _short_form_of(form, loc.best)]
                if len({id(h) for h in hits}) == 1:
                    target = hits[0]
                    note = f"'{m.text}' = '{target.best.base}' (short form, within article)"
            if target is None:
                target = by_key.get(form.key)
            if target is None:
                target = by_key[form.key] = _Local(
                    start_uid + len(out), article_id, m.label, [m], [form], form, form.key
                )
                out.append(target)
            else:
                target.add(m, form, note)
        return out


# Words that make a name an institution's: "Brookings" is short for "Brookings Institution".
_GENERIC_ORG_WORDS = frozenset(
    sound_key(w)
    for w in """institution institute foundation university college company corporation group bank
    agency council centre center association society trust fund club""".split()
)
_OF_WORDS = frozenset({"of", "for", "on", "de", "du", "des", "der"})


def _short_form_of(short: _Form, full: _Form) -> bool:
    """True when a one-word name abbreviates ``full``: its head ("the Times" for
    "The New York Times") or its proper part before a generic word ("Brookings" for
    "Brookings Institution"). Not a place inside a name: "Turkmenistan" is not
    "Democratic Party of Turkmenistan", "Microsoft" is not "Microsoft Security Bulletin"."""
    words = full.words
    if len(words) < 2:
        return False
    word = short.words[0]
    raw = [w.lower() for w in full.base.split()]
    if word == words[-1]:
        return not _OF_WORDS.intersection(raw)
    if word == words[0]:
        return all(w in _GENERIC_ORG_WORDS for w in words[1:])
    return False


def _looks_like_full_name(form: _Form) -> bool:
    """Two or three capitalised words, none of them an institution's word
    ("Seltva Hydro" passes, "Skarn Research Institute" does not)."""
    words = form.base.split()
    return (
        2 <= len(words) <= 3
        and not form.acronym
        and len(form.words) == len(words)
        and all(w[:1].isupper() and w.replace("-", "").isalpha() and not w.isupper() for w in words)
        and not any(w in _GENERIC_ORG_WORDS or w in _ORG_SUFFIXES for w in form.words)
    )


def _surface_key(mention: Mention) -> str:
    return _words_key(mention.normal or mention.text)


@functools.lru_cache(maxsize=65536)
def _words_key(text: str) -> str:
    return " ".join(word_tokens(text))


# Words that put a place after them ("in Lomir", "south of Lomir") or before them
# ("the Lomir region"). Organisations follow "at", "from" and "to" as often as places
# do ("an analyst at Skarn", "a letter from Reuters"), so those count only for PERSON.
_PLACE_PREPOSITIONS = frozenset(
    "in near outside above below into around across inside within в во под около возле близ".split()
)
_PLACE_PREPOSITIONS_WEAK = frozenset("at from to".split())
_NOT_PLACE_TO = frozenset("according close next due thanks aide adviser advisor".split())
_PLACE_OF = frozenset(
    """north south east west northern southern eastern western northeast northwest southeast southwest
    outskirts village villages town towns city port region province residents inhabitants""".split()
)
_PLACE_BEFORE = frozenset("village villages town city port".split())
_PLACE_AFTER = frozenset("region regional district dam reservoir river province valley area county".split())
_HONORIFICS = frozenset("mr mrs ms miss dr prof sir dame lord lady г-н г-жа господин госпожа".split())
_WORD_AFTER = re.compile(r"\s+([\w-]+)")


_COORDINATED = re.compile(r"(\w[\w'’-]*)(?:,\s+|\s+(?:and|or|и)\s+)$")


def _place_context(text: str, m: Mention, depth: int = 0) -> str:
    """ "strong" when the words around a mention put a place there ("in Lomir",
    "north of Lomir", "the Lomir region", "villages of Dobrel and Harsk"), "weak"
    after "at", "from" or "to", "title" after an honorific ("Mr. Lomir"), else ""."""
    before = text[max(0, m.start - 60) : m.start]
    words = [w.lower() for w in re.findall(r"[\w'’-]+", before)[-3:]]
    if words and words[-1] in _HONORIFICS and re.search(r"[\w'’-]+\.?\s+$", before):
        return "title"
    if words and not re.search(r"[.!?;:\n]\s*$", before):
        last = words[-1]
        if last in _PLACE_PREPOSITIONS or last in _PLACE_BEFORE:
            return "strong"
        if last == "of" and len(words) > 1 and words[-2] in _PLACE_OF:
            return "strong"
        if last in _PLACE_PREPOSITIONS_WEAK and not (len(words) > 1 and words[-2] in _NOT_PLACE_TO):
            return "weak"
        # the second of two names joined by "and" shares the first one's context
        coordinated = _COORDINATED.search(before)
        if coordinated and depth < 2 and coordinated.group(1)[:1].isupper():
            first_start = m.start - len(before) + coordinated.start(1)
            first = replace(m, start=first_start, end=first_start + len(coordinated.group(1)))
            if _place_context(text, first, depth + 1) == "strong":
                return "strong"
    after = _WORD_AFTER.match(text, m.end, min(len(text), m.end + 30))
    if after and after.group(1).lower() in _PLACE_AFTER:
        return "strong"
    return ""


def _place_votes(
    mentions_by_article: Mapping[str, Sequence[Mention]], texts: Mapping[str, str]
) -> dict[str, str]:
    """One-word names the small English model tags PERSON or ORG that are places,
    by a vote over their mentions in the corpus: a mention tagged LOC, or one in a
    place's context (see :func:`_place_context`), votes "place". A name is a place
    when at least two mentions and more than half of them vote so. A PERSON name
    also must never be the surname of a full name ("Anna Lomir") nor follow a
    title or a role word; an ORG name counts only the strong contexts (not "at",
    "from", "to"). Returns surface key -> the explanation of the relabelling."""
    surnames: set[str] = set()
    stats: dict[str, Counter[str]] = defaultdict(Counter)
    for article_id, mentions in mentions_by_article.items():
        text = texts.get(article_id)
        for m in mentions:
            if m.label not in ("PERSON", "ORG", "LOC"):
                continue
            surface = (m.normal or m.text).split()
            if m.label == "PERSON" and len(surface) > 1:
                surnames.add(_words_key(surface[-1]))
            if len(surface) != 1 or text is None:
                continue
            key = _surface_key(m)
            c = stats[key]
            c["total"] += 1
            c[m.label] += 1
            if m.label == "LOC":
                continue
            context = _place_context(text, m)
            if m.label == "PERSON" and (context == "title" or _roles(text, m)):
                c["person_evidence"] += 1
            if context:
                c[f"{m.label}:{context}"] += 1
    out: dict[str, str] = {}
    for key, c in stats.items():
        if not (c["PERSON"] or c["ORG"]) or not key:
            continue
        if key in surnames or c["person_evidence"]:
            continue  # a surname ("Anna Lomir", "Mr Lomir") stays a person's
        votes = c["LOC"] + c["PERSON:strong"] + c["PERSON:weak"] + c["ORG:strong"]
        if votes >= 2 and votes * 2 > c["total"]:
            out[key] = (
                f"a place by its contexts ({votes} of {c['total']} mentions tagged LOC or after "
                "'in', 'near', 'north of'... or before 'region', 'dam'...)"
            )
    return out


def _majority_labels(mentions_by_article: Mapping[str, Sequence[Mention]]) -> dict[str, str]:
    """The label most mentions of a name carry across the corpus, where it is clear
    (at least two votes and more than any other label); ORG and LOC count as one
    side, as both are resolved together. A tie on an all-capitals acronym ("TMZ")
    goes to the organisation: people are rarely written that way."""
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    acronyms: set[str] = set()
    for mentions in mentions_by_article.values():
        for m in mentions:
            if m.label in ("PERSON", "ORG", "LOC"):
                key = _surface_key(m)
                votes[key][m.label] += 1
                letters = m.text.replace(".", "").strip()
                if 2 <= len(letters) <= 6 and letters.isalpha() and letters.isupper():
                    acronyms.add(key)
    out: dict[str, str] = {}
    for key, c in votes.items():
        person = c["PERSON"]
        names = c["ORG"] + c["LOC"]
        if not (person and names):
            continue
        if person >= 2 and person > names:
            out[key] = "PERSON"
        elif (names >= 2 and names > person) or (names == person and key in acronyms):
            out[key] = "ORG" if c["ORG"] >= c["LOC"] else "LOC"
    return out


def _nearest(candidates: Sequence[_Local], mention: Mention) -> _Local:
    """The candidate whose latest mention before ``mention`` is closest; failing
    that, the first one mentioned after it."""

    def distance(loc: _Local) -> tuple[int, int]:
        before = [mention.start - m.start for m in loc.mentions if m.start < mention.start]
        if before:
            return (0, min(before))
        return (1, min(m.start - mention.start for m in loc.mentions))

    return min(candidates, key=distance)


def _given_compatible(a: _Form, b: _Form, similarity: float = 0.8) -> str | None:
    """How well the given names of two full forms agree: "strict" (same name by
    sound, or a nickname), "weak" (similar sound or an initial), or None."""
    if a.given and b.given:
        x, y = a.given[0], b.given[0]
        if x == y or nickname_of(x, y):
            return "strict"
        if skeleton(x) == skeleton(y) and jellyfish.jaro_winkler_similarity(x, y) >= similarity:
            return "weak"
        if min(len(x), len(y)) >= 3 and (x.startswith(y) or y.startswith(x)):
            return "weak"  # a short form: Fred / Frederick, Alex / Alexandros
        return None
    a_first = (a.given[0][:1] if a.given else "") or (a.initials[0] if a.initials else "")
    b_first = (b.given[0][:1] if b.given else "") or (b.initials[0] if b.initials else "")
    if a_first and a_first == b_first:
        return "weak"
    return None


_ROLE_HEADS = frozenset(
    """president minister secretary general chief commander spokesman spokeswoman spokesperson ambassador
    envoy senator governor mayor judge chairman ceo director head leader speaker chancellor attorney
    prosecutor king queen prince pope lawmaker""".split()
)


def _roles(text: str, mention: Mention) -> set[str]:
    """Role words right in front of a name ("defence minister Sergei Shoigu",
    "министр обороны России Сергей Шойгу") or in apposition after it ("Shoigu,
    the defence minister,"). The words must touch the name: in "an aide to
    Macron" the "to" stops the run, so Macron is not given anyone's role."""
    words: list[str] = []
    pos = mention.start
    window_start = max(0, pos - 80)
    skipped = False
    while True:
        m = _WORD_BEFORE.search(text, window_start, pos)
        if not m:
            break
        word = m.group(1).lower()
        if word not in _ROLE_WORDS:
            # one capitalised word may sit between title and name: "министр обороны России Сергей Шойгу"
            before = _WORD_BEFORE.search(text, window_start, m.start())
            if (
                skipped
                or words
                or not m.group(1)[0].isupper()
                or not before
                or before.group(1).lower() not in _ROLE_WORDS
            ):
                break
            skipped = True
        else:
            words.append(_ROLE_WORDS[word])
        pos = m.start()
    after = _APPOSITION.match(text, mention.end, min(len(text), mention.end + 80))
    if after:
        tail = [w.lower() for w in after.group(1).split()]
        if tail and all(w in _ROLE_WORDS for w in tail):
            words.extend(_ROLE_WORDS[w] for w in tail)
    parts = {p for w in words for p in w.split() if p}
    if not parts & _ROLE_HEADS:
        return set()
    # qualifiers first, then the head noun: "defence minister", "deputy prime minister"
    role = " ".join(sorted(parts - _ROLE_HEADS) + sorted(parts & _ROLE_HEADS))
    return {role}


class _Run:
    """State of one resolve() call: per-article entities and the merges between them."""

    def __init__(self, resolver: EntityResolver, locals_: list[_Local], n_articles: int) -> None:
        self.r = resolver
        self.locals = locals_
        self.uf = _UnionFind(len(locals_))
        self.notes: dict[int, list[str]] = {loc.uid: list(loc.notes) for loc in locals_}
        self.context: dict[int, Counter[str]] = {loc.uid: Counter(loc.features) for loc in locals_}
        self.articles: dict[int, set[str]] = {loc.uid: {loc.article_id} for loc in locals_}
        per_article: dict[str, set[str]] = defaultdict(set)
        for loc in locals_:
            per_article[loc.article_id] |= loc.features
        df: Counter[str] = Counter()
        for feats in per_article.values():
            df.update(feats)
        self.idf = {f: math.log((n_articles + 1) / c) for f, c in df.items()}
        self.display: dict[str, str] = {}
        for loc in locals_:
            self.display.setdefault(EntityResolver._feature(loc), loc.best.base)

    # -- bookkeeping ---------------------------------------------------------

    def union(self, a: int, b: int, why: str) -> int:
        ra, rb = self.uf.find(a), self.uf.find(b)
        if ra == rb:
            return ra
        if rb < ra:
            ra, rb = rb, ra
        self.uf.parent[rb] = ra
        self.notes[ra].extend(self.notes.pop(rb))
        self.notes[ra].append(why)
        # fold the smaller context into the larger one (popular entities grow large)
        small, large = self.context.pop(rb), self.context[ra]
        if len(small) > len(large):
            small, large = large, small
        large.update(small)
        self.context[ra] = large
        arts_small, arts_large = self.articles.pop(rb), self.articles[ra]
        if len(arts_small) > len(arts_large):
            arts_small, arts_large = arts_large, arts_small
        arts_large |= arts_small
        self.articles[ra] = arts_large
        return ra

    def weight(self, feature: str) -> float:
        if feature[0] in "RG":
            return self.r.strong_context
        return self.idf.get(feature, 0.0)

    def shared_context(self, a: int, b: int) -> tuple[float, list[str]]:
        """Weight of the context two groups share, and its most telling items
        (readable); -1 when they share an article (then they are different)."""
        ra, rb = self.uf.find(a), self.uf.find(b)
        if ra == rb:
            return 0.0, []
        arts_a, arts_b = self.articles[ra], self.articles[rb]
        if len(arts_a) > len(arts_b):
            arts_a, arts_b = arts_b, arts_a
        if any(x in arts_b for x in arts_a):
            return -1.0, []
        common = self.context[ra].keys() & self.context[rb].keys()
        if not common:
            return 0.0, []
        shared = sorted(((self.weight(f), f) for f in common), reverse=True)[:5]
        score = sum(w for w, _ in shared)
        return score, [self._label(f) for _, f in shared[:4]]

    def _label(self, feature: str) -> str:
        if feature[0] == "R":
            return feature[2:]
        if feature[0] == "G":
            return "same story cluster"
        return self.display.get(feature, feature[2:])

    def _why_context(self, items: list[str]) -> str:
        return f", shared context: {', '.join(items)}" if items else ""

    # -- people --------------------------------------------------------------

    def resolve_people(self) -> None:
        people = [loc for loc in self.locals if loc.type == "PERSON"]
        full = [loc for loc in people if loc.best.full]
        short = [loc for loc in people if not loc.best.full]
        by_surname: dict[str, list[_Local]] = defaultdict(list)
        for loc in full:
            by_surname[loc.key].append(loc)
        # 1. same surname, same given name by sound (or a nickname): one person
        for group in by_surname.values():
            firsts: dict[str, _Local] = {}
            for loc in group:
                if not loc.best.given:
                    continue
                g = loc.best.given[0]
                anchor = firsts.get(g) or next(
                    (x for x in firsts.values() if nickname_of(x.best.given[0], g)), None
                )
                if anchor is None:
                    firsts[g] = loc
                    continue
                self.union(anchor.uid, loc.uid, "merged: " + _same_name_note(anchor.best, loc.best))
        # 2. same surname, given names only alike (Volodymyr / Vladimir, J. / John): needs context
        for group in by_surname.values():
            self._merge_weak(group, same_surname=True)
        # 3. similar surnames (Mueller / Muller): needs a compatible given name and context
        by_skeleton: dict[str, list[str]] = defaultdict(list)
        for surname in by_surname:
            by_skeleton[skeleton(surname)].append(surname)
        for surnames in by_skeleton.values():
            for i, s1 in enumerate(surnames):
                for s2 in surnames[i + 1 :]:
                    if jellyfish.jaro_winkler_similarity(s1, s2) >= self.r.surname_similarity:
                        self._merge_weak(by_surname[s1] + by_surname[s2], same_surname=False)
        # 4. a surname alone joins the one full name it can belong to
        pool: dict[str, list[_Local]] = defaultdict(list)
        full_roots = {
            key: sorted({self.uf.find(loc.uid) for loc in locs}) for key, locs in by_surname.items()
        }
        for loc in short:
            if not self._attach_surname(loc, full_roots.get(loc.key, [])):
                pool[loc.key].append(loc)
        # 5. surnames nobody's full name explains: same key, and rare or in shared context
        for key, locs in pool.items():
            if self._rare(locs[0].best.base):
                for loc in locs[1:]:
                    self.union(locs[0].uid, loc.uid, f"merged: same rare surname ({key})")
                continue
            seen: dict[str, list[int]] = defaultdict(list)  # feature -> pool locals that have it
            for loc in locs:
                best: tuple[float, int, list[str]] | None = None
                for root in self._candidates_by_context(loc, seen):
                    score, items = self.shared_context(root, loc.uid)
                    if score >= self.r.context_threshold and (best is None or score > best[0]):
                        best = (score, root, items)
                if best is not None:
                    self.union(
                        best[1],
                        loc.uid,
                        f"merged: same surname ({key}), shared context{self._why_context(best[2])}",
                    )
                for f in loc.features:
                    seen[f].append(loc.uid)

    def _candidates_by_context(
        self, loc: _Local, seen: Mapping[str, list[int]], limit: int = 50
    ) -> list[int]:
        """Groups that share the most informative features with ``loc``: a bounded
        candidate list, so a common surname in a large corpus is not compared with
        every other mention of it."""
        top = sorted(loc.features, key=lambda f: (-self.weight(f), f))[:8]
        votes: Counter[int] = Counter()
        for f in top:
            for uid in seen.get(f, ())[-200:]:
                votes[self.uf.find(uid)] += 1
        return sorted(r for r, _ in votes.most_common(limit))

    def _merge_weak(self, group: list[_Local], same_surname: bool) -> None:
        roots = sorted({self.uf.find(loc.uid) for loc in group})
        reps = {r: next(loc for loc in group if self.uf.find(loc.uid) == r) for r in roots}
        for i, ra in enumerate(roots):
            for rb in roots[i + 1 :]:
                a, b = reps[ra], reps[rb]
                if self.uf.find(a.uid) == self.uf.find(b.uid):
                    continue
                compat = _given_compatible(a.best, b.best, self.r.given_similarity)
                if compat is None or (compat == "strict" and same_surname):
                    continue
                score, items = self.shared_context(a.uid, b.uid)
                if score < self.r.context_threshold:
                    continue
                what = "same surname" if same_surname else f"similar surname by sound ({a.key}~{b.key})"
                given = "same given name" if compat == "strict" else "similar given name"
                self.union(
                    a.uid,
                    b.uid,
                    f"merged: '{a.best.base}' ~ '{b.best.base}': {what}, {given}{self._why_context(items)}",
                )

    def _attach_surname(self, loc: _Local, candidate_roots: list[int]) -> bool:
        roots: dict[int, _Local] = {}
        for uid in candidate_roots:
            roots.setdefault(self.uf.find(uid), self.locals[uid])
        if not roots:
            return False
        scored = sorted(
            ((*self.shared_context(loc.uid, c.uid), c) for c in roots.values()),
            key=lambda x: -x[0],
        )
        best_score, items, best = scored[0]
        if best_score < 0:
            return False
        s1, s2 = _surname_text(loc.best), _surname_text(best.best)
        surname_note = "same surname" if s1 == s2 else f"same surname by sound ({s1}~{s2})"
        if len(scored) == 1:
            if best_score >= self.r.context_threshold or self._rare(loc.best.base):
                why = (
                    ""
                    if best_score >= self.r.context_threshold
                    else "; rare surname, only one full name has it"
                )
                self.union(
                    best.uid,
                    loc.uid,
                    f"merged: '{loc.best.base}' -> '{best.best.base}': {surname_note}{why}{self._why_context(items)}",
                )
                return True
            return False
        second = scored[1][0]
        if best_score >= self.r.context_threshold and best_score > second + 0.5:
            self.union(
                best.uid,
                loc.uid,
                f"merged: '{loc.best.base}' -> '{best.best.base}': {surname_note}, "
                f"chosen among {len(scored)} people with that surname{self._why_context(items)}",
            )
            return True
        return False

    def _rare(self, name: str) -> bool:
        return self.r._is_rare_surname(name)

    # -- organisations and places --------------------------------------------

    def resolve_names(self) -> None:
        names = [loc for loc in self.locals if loc.type != "PERSON"]
        # acronyms introduced in some article stand for the same name elsewhere
        learned: dict[str, Counter[str]] = defaultdict(Counter)
        for loc in names:
            if loc.best.acronym:
                continue
            for form in loc.forms:
                if form.acronym:
                    learned[form.acronym][loc.key] += 1
        # and an acronym of 3+ letters that spells exactly one name of the corpus stands for it
        spelled: dict[str, set[str]] = defaultdict(set)
        for loc in names:
            if not loc.best.acronym:
                for form in loc.forms:
                    for letters in form.initials_of:
                        spelled[letters].add(loc.key)
        by_key: dict[str, list[_Local]] = defaultdict(list)
        for loc in names:
            key = loc.key
            acronym = loc.best.acronym
            if (
                acronym
                and not learned.get(acronym)
                and len(acronym) >= 3
                and len(spelled.get(acronym, ())) == 1
            ):
                (expansion,) = spelled[acronym]
                if expansion != key:
                    self.notes[loc.uid].append(
                        f"'{loc.best.base}' = '{self.display.get('N:' + expansion, expansion)}' "
                        "(its initials; the only such name in the corpus)"
                    )
                key = expansion
            elif acronym and learned.get(acronym):
                expansion, n = learned[loc.best.acronym].most_common(1)[0]
                if expansion != key:
                    self.notes[loc.uid].append(
                        f"'{loc.best.base}' = '{self.display.get('N:' + expansion, expansion)}' "
                        f"(acronym introduced so in {n} other article(s))"
                    )
                key = expansion
            by_key[key].append(loc)
        for key, locs in by_key.items():
            first = locs[0]
            for loc in locs[1:]:
                if self.uf.find(loc.uid) != self.uf.find(first.uid):
                    self.union(first.uid, loc.uid, f"merged: same name ({key})")
        # similar spellings (Kharkov / Kharkiv style) merge only with shared context
        by_skeleton: dict[str, list[str]] = defaultdict(list)
        for key in by_key:
            by_skeleton[" ".join(skeleton(w) for w in key.split())].append(key)
        for keys in by_skeleton.values():
            for i, k1 in enumerate(keys):
                for k2 in keys[i + 1 :]:
                    if jellyfish.jaro_winkler_similarity(k1, k2) < self.r.surname_similarity:
                        continue
                    if any(demonym_pair(w1, w2) for w1, w2 in zip(k1.split(), k2.split(), strict=False)):
                        continue  # "Russia" / "Russian" are related words, not spellings of one name
                    a, b = by_key[k1][0], by_key[k2][0]
                    score, items = self.shared_context(a.uid, b.uid)
                    if score >= self.r.context_threshold:
                        self.union(
                            a.uid,
                            b.uid,
                            f"merged: similar spelling by sound ({k1}~{k2}){self._why_context(items)}",
                        )

    # -- output --------------------------------------------------------------

    def entities(self) -> list[_Entity]:
        members: dict[int, list[_Local]] = defaultdict(list)
        for loc in self.locals:
            members[self.uf.find(loc.uid)].append(loc)
        out = []
        for root, locs in members.items():
            out.append(_build_entity(locs, self.notes[root], self.r))
        return out


def _surname_text(form: _Form) -> str:
    return (word_tokens(form.base) or [form.surname])[-1]


def _same_name_note(a: _Form, b: _Form) -> str:
    if romanize(a.base) == romanize(b.base) and a.latin == b.latin:
        return f"same name '{a.base}'"
    ra = " ".join(word_tokens(a.base))
    rb = " ".join(word_tokens(b.base))
    across = " in another script" if a.latin != b.latin else ""
    if ra == rb:
        return f"same name{across} ('{a.base}' ~ '{b.base}')"
    return f"same full name{across}{',' if across else ''} by sound ({ra}~{rb})"


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
