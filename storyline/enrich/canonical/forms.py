"""What a name's words tell: parsed forms of mentions, the alias table, and the small
name tests the within-article and cross-article passes share."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import jellyfish

from storyline.enrich.names import (
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
_ORG_SUFFIXES = frozenset("inc corp corporation ltd llc plc co ag sa gmbh nv".split())
_ACRONYM_STOPWORDS = frozenset("of the and for de la du des der und in on at и по".split())
_DOTTED = re.compile(r"^(?:[A-Za-zА-Яа-яЁё]\.){2,}$")


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
        if x == y or nickname_of(x, y) or translit_key(x) == translit_key(y):
            return "strict"  # translit_key: "Katie" / "Katey", spellings of one name
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


def _feature(loc: _Local) -> str:
    """A local entity as a context feature of the other entities of its article."""
    return f"{'P' if loc.type == 'PERSON' else 'N'}:{loc.key}"
