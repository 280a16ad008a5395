"""Name normalisation, romanisation and transliteration-robust keys.

The same person reaches a news corpus spelled many ways: "Zelenskyy",
"Zelensky", "Zelenskiy", "Зеленского". Everything here turns a name into keys
that agree across those spellings:

* :func:`romanize` puts any script into plain lowercase ASCII letters
  (Cyrillic through iuliia's Wikipedia scheme, other letters by dropping
  diacritics);
* :func:`sound_key` folds the letters that English, German, French and
  Russian-to-Latin schemes write differently for the same sound (y/i/iy/j,
  kh/h, ts/tz, ks/x, ye/e, w/v, double letters...);
* :func:`skeleton` keeps only the consonants of the sound key, a looser key
  for finding candidates (vowels are what transliterations disagree on most).

The rules were tuned on the training part of ``names/en_ru_translit.train.tsv``
(see ``benchmarks/eval_entities.py``); they are written out by hand here, the
data file is not shipped.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import jellyfish

__all__ = [
    "demonym_pair",
    "translit_key",
    "has_cyrillic",
    "is_initial",
    "name_similarity",
    "nickname_of",
    "romanize",
    "skeleton",
    "sound_key",
    "split_name",
    "word_tokens",
]

_CYRILLIC = re.compile(r"[\u0400-\u04FF]")

# Letters NFKD does not decompose into an ASCII base letter.
_SPECIAL_LETTERS = str.maketrans(
    {
        "ə": "a",  # Azerbaijani: Məmmədov / Мамедов
        "Ə": "A",
        "č": "ch",  # scholarly transliteration: Tučkov / Тучков
        "Č": "Ch",
        "š": "sh",
        "Š": "Sh",
        "ž": "zh",
        "Ž": "Zh",
        "ć": "ch",
        "ś": "sh",
        "ź": "zh",
        "ż": "zh",
        "ţ": "ts",  # Romanian
        "ț": "ts",
        "ș": "sh",
        "ş": "sh",  # Turkish / Romanian
        "ł": "l",
        "Ł": "L",
        "ç": "s",
        "Ç": "S",
        "đ": "d",
        "Đ": "D",
        "ø": "o",
        "Ø": "O",
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ı": "i",
        "ð": "d",
        "þ": "th",
        "ħ": "h",
        "ŀ": "l",
        "’": "'",
        "ʼ": "'",
        "‘": "'",
        "`": "'",
    }
)


def has_cyrillic(text: str) -> bool:
    return bool(_CYRILLIC.search(text))


@functools.lru_cache(maxsize=65536)
def romanize(text: str) -> str:
    """Lowercase ASCII form of ``text`` in any script we can read.

    Cyrillic goes through iuliia's Wikipedia scheme because that is how
    English-language media spell Russian names ("Шойгу" -> "shoygu"); Latin
    letters lose their diacritics ("Muñoz" -> "munoz"). Letters of other
    scripts are dropped (no key is better than a wrong one).
    """
    if has_cyrillic(text):
        import iuliia

        text = iuliia.WIKIPEDIA.translate(text)
    text = unicodedata.normalize("NFKD", text.translate(_SPECIAL_LETTERS))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return "".join(c for c in text.lower() if c.isascii())


_TOKEN = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*")


def word_tokens(text: str) -> list[str]:
    """Romanised lowercase words; apostrophes and hyphens inside a word are dropped
    ("O'Brien" -> "obrien"), so both spellings give one token."""
    return [t.replace("'", "").replace("-", "") for t in _TOKEN.findall(romanize(text))]


# Ordered rewrites applied to a romanised word before vowels are compared. Each
# line folds spellings that name the same sound in different transliteration
# schemes; the comment names a pair the rule makes agree.
_SOUND_RULES: tuple[tuple[str, str], ...] = (
    ("shch", "sh"),  # Khrushchev / Khrushchov (iuliia shch vs "sch" / "sh" spellings)
    ("tsch", "ch"),  # German Tschaikowsky / Tchaikovsky
    ("sch", "sh"),  # German Schukow-style sh
    ("tch", "ch"),  # French Tchekhov / Chekhov
    ("dzh", "j"),  # Dzhokhar / Jokhar
    ("dj", "j"),  # Djokovic / Dzhokovich
    ("zh", "j"),  # French j for zh: Jukov / Zhukov
    ("kh", "h"),  # Khodorkovsky / Hodorkovsky
    ("chr", "kr"),  # Greek ch: Christopher / Kristofer
    ("chl", "kl"),
    ("ck", "k"),
    ("que", "k"),  # French: Jacques / Zhak
    ("dz", "z"),  # Suzuki / Sudzuki
    ("eev", "eyev"),  # Sergeev / Sergeyev (before "ee" below, which is English)
    ("ee", "i"),  # Lee / Li
    ("oo", "u"),  # Moore / Mur
    ("ou", "u"),  # Louis / Lui
    ("ph", "f"),
    ("th", "t"),
    ("gh", "g"),
    ("x", "ks"),  # Alexei / Aleksey
    ("q", "k"),
    ("g", "h"),  # Ukrainian h for Russian g: Serhiy / Sergei, Oleh / Oleg
    ("w", "v"),  # Wladimir / Vladimir
    ("tz", "ts"),  # Tzar / Tsar
)
_C_SOFT = re.compile(r"c(?=[eiy])")
_INITIAL_YE = re.compile(r"(?:^|(?<=[aeiouy]))y(?=e)")  # Yevgeny / Evgeny, Yelena / Elena
_J_GLIDE = re.compile(r"(?<=[a-z])j(?=[aeiou])")  # Slavic j inside a word: Vorobjova / Vorobyova
_CONSONANT_YO = re.compile(r"(?<=[^aeiouy])yo")  # Fyodor / Fedor, Pyotr / Petr (ё written as е)
_SHORT_I = re.compile(
    r"(?:iy|yi|ij(?![aeiou])|yj(?![aeiou])|ii|y|(?<=[aeiou])j(?![aeiou])|j$)"
)  # Dmitriy / Dmitry / Dmitrij / Dmitri
_IE = re.compile(r"(?<=.)(?:ie|eo)(?=[^aeiou])")  # Grigorievich / Grigorevich, Feodor / Fedor
_DOUBLE = re.compile(r"(.)\1+")
# German spellings of Russian names write й/я/ю/е as j, ja, ju, je and х as ch
# ("Jewgenija Chrustaljowa" = "Yevgeniya Khrustaleva"). Read that way only in words
# that end like a Russian name and show a German spelling inside ("w", "ja", "sch"), so
# English "Christopher", "Julia" and "Jabrayilov" keep their sounds.
_SLAVIC_ENDING = re.compile(
    r"(?:ow|ew|owa|ewa|ov|ev|ova|eva|ija|ja|ij|skij|skaja|enko|witsch|itsch|vich|wna|vna)$"
)
_GERMAN_MARK = re.compile(r"w|j[aeiou]|sch")  # inside the word: "Jewgenija", not English "Jabrayilov"
_GERMAN_INITIAL_J = re.compile(r"^j(?=[aeiou])")
_GERMAN_INITIAL_CH = re.compile(r"^ch(?=[^aeiouy])")
# French spellings of Russian names write ш as "ch" and ч as "tch", and end -ин in "-ine"
# ("Pouchkine" = "Pushkin", "Pelchine" = "Pelshin"). Read that way only in words with that
# ending: elsewhere "ch" is English ч ("Chekhov", "Pelchin"). On the names file's training part the
# rule joins 9 more pairs ("Lichine" / Лишин, "Kochkine" / Кошкин) and parts one ("Balanchine",
# the English-conventional spelling of Баланчин); held out: none either way; unrelated names
# collide no more (benchmarks/results/entities.md, "Round 13").
_FRENCH_ENDING = re.compile(r"[^aeiouy]ine$")
_FRENCH_CH = re.compile(r"(?<!t)ch(?![rl])")  # not the Greek "chr", "chl" ("Christine")
_SILENT_E = re.compile(r"(?<=[^aeiou][^aeiou])e$|(?<=[aeiou][^aeiou])e$")  # Moore / Mur, Marie / Mari


@functools.lru_cache(maxsize=131072)
def sound_key(word: str) -> str:
    """A key that transliteration variants of one name share.

    >>> sound_key("Zelenskyy") == sound_key("Zelensky") == sound_key("Зеленский")
    True
    >>> sound_key("Shoigu") == sound_key("Shoygu")
    True
    """
    w = "".join(word_tokens(word))
    if not w:
        return ""
    if _SLAVIC_ENDING.search(w) and _GERMAN_MARK.search(w, 1):
        w = _GERMAN_INITIAL_CH.sub("kh", _GERMAN_INITIAL_J.sub("y", w))
    elif _FRENCH_ENDING.search(w):
        w = _FRENCH_CH.sub("sh", w)
    w = _J_GLIDE.sub("y", w)  # before "dzh" and "zh" become j below
    # Polish digraphs first, before the lone c and z are read
    w = w.replace("szcz", "shch").replace("cz", "ch").replace("sz", "sh")
    w = _C_SOFT.sub("s", w)  # English soft c: Vincent
    w = w.replace("ch", "\x00")  # keep "ch" whole while the lone c becomes k
    w = w.replace("c", "k").replace("\x00", "ch")
    for old, new in _SOUND_RULES:
        w = w.replace(old, new)
    w = _INITIAL_YE.sub("", w)
    w = _CONSONANT_YO.sub("e", w)
    w = _SHORT_I.sub("i", w)
    w = _IE.sub("e", w)
    w = _DOUBLE.sub(r"\1", w)
    w = _SILENT_E.sub("", w)
    # German umlauts written out ("Mueller") and plain ("Muller") agree.
    w = w.replace("ue", "u").replace("oe", "o") if len(w) > 4 else w
    return w


_VOWELS = re.compile(r"[aeiou]")


@functools.lru_cache(maxsize=131072)
def skeleton(word: str) -> str:
    """First letter plus the consonants of :func:`sound_key`: "Alexander" and
    "Aleksandr" share "alksndr". Looser than the sound key; use it to find
    candidates, never alone to decide."""
    key = sound_key(word)
    if not key:
        return ""
    return _DOUBLE.sub(r"\1", key[0] + _VOWELS.sub("", key[1:]))


def name_similarity(a: str, b: str) -> float:
    """Jaro-Winkler similarity of two words' sound keys (1.0 = same key)."""
    ka, kb = sound_key(a), sound_key(b)
    if not ka or not kb:
        return 0.0
    if ka == kb:
        return 1.0
    return jellyfish.jaro_winkler_similarity(ka, kb)


def is_initial(token: str) -> bool:
    """ "J." or "J" (a single letter, with or without the dot)."""
    t = token.rstrip(".")
    return len(t) == 1 and t.isalpha()


# Particles that belong to the surname, not to the given names.
_PARTICLES = frozenset("von van der den de del della di da du le la bin ibn al el dos das ter ten zu".split())
_SUFFIXES = frozenset("jr jr. sr sr. ii iii iv".split())


def split_name(name: str) -> tuple[list[str], str]:
    """Given names and surname of a personal name in any script, romanised.

    "Ursula von der Leyen" -> (["ursula"], "leyen"); "Charles Q. Brown Jr." ->
    (["charles", "q"], "brown"). A one-word name is a surname: (["..."] is empty).
    """
    words = [w for w in re.split(r"\s+", name.strip()) if w]
    words = [w for w in words if w.lower().strip(",") not in _SUFFIXES]
    tokens = [t for t in ("".join(word_tokens(w)) for w in words) if t]
    if not tokens:
        return [], ""
    surname = tokens[-1]
    given: list[str] = []
    for t in tokens[:-1]:
        if t in _PARTICLES:
            break
        given.append(t)
    return given, surname


# English given names and their short forms (hand-picked from the common ones;
# a wrong nickname merges two people, so the list stays conservative).
_NICKNAMES: dict[str, tuple[str, ...]] = {
    "alexander": ("alex", "sasha", "sandy"),
    "alexandra": ("alex", "sasha", "sandra"),
    "andrew": ("andy", "drew"),
    "anthony": ("tony",),
    "benjamin": ("ben", "benny"),
    "charles": ("charlie", "chuck"),
    "christopher": ("chris",),
    "daniel": ("dan", "danny"),
    "david": ("dave",),
    "donald": ("don",),
    "edward": ("ed", "eddie", "ted", "ned"),
    "frederick": ("fred", "freddie", "freddy"),
    "gregory": ("greg",),
    "kathryn": ("kate", "kathy", "katie"),
    "lawrence": ("larry",),
    "jeffrey": ("jeff",),
    "gerald": ("jerry",),
    "jerome": ("jerry",),
    "ronald": ("ron", "ronnie"),
    "raymond": ("ray",),
    "kenneth": ("ken", "kenny"),
    "douglas": ("doug",),
    "philip": ("phil",),
    "theodore": ("ted", "teddy"),
    "victoria": ("vicky",),
    "rebecca": ("becky",),
    "deborah": ("debbie", "deb"),
    "pamela": ("pam",),
    "abigail": ("abby",),
    "elizabeth": ("liz", "beth", "betty", "lizzie"),
    "james": ("jim", "jimmy", "jamie"),
    "jennifer": ("jen", "jenny"),
    "john": ("jack", "johnny"),
    "joseph": ("joe", "joey"),
    "katherine": ("kate", "kathy", "katie"),
    "catherine": ("kate", "cathy", "katie"),
    "margaret": ("maggie", "peggy", "meg"),
    "matthew": ("matt",),
    "michael": ("mike", "mick"),
    "nicholas": ("nick",),
    "patricia": ("pat", "patty", "trish"),
    "patrick": ("pat", "paddy"),
    "peter": ("pete",),
    "richard": ("rick", "dick", "rich"),
    "robert": ("bob", "bobby", "rob", "robbie", "bert"),
    "samuel": ("sam",),
    "stephen": ("steve",),
    "steven": ("steve",),
    "susan": ("sue", "suzy"),
    "thomas": ("tom", "tommy"),
    "timothy": ("tim",),
    "william": ("bill", "billy", "will", "willie"),
    "vladimir": ("volodya",),
    "dmitry": ("dima",),
    "aleksandr": ("sasha", "sanya"),
    "mikhail": ("misha",),
    "yevgeny": ("zhenya",),
}


@functools.lru_cache(maxsize=1)
def _nickname_pairs() -> frozenset[tuple[str, str]]:
    pairs: set[tuple[str, str]] = set()
    for full, shorts in _NICKNAMES.items():
        for short in shorts:
            a, b = sound_key(full), sound_key(short)
            pairs.add((a, b))
            pairs.add((b, a))
    return frozenset(pairs)


def nickname_of(a: str, b: str) -> bool:
    """True when one given name is a known short form of the other (Bob / Robert)."""
    return (sound_key(a), sound_key(b)) in _nickname_pairs()


_DEMONYM_ENDINGS = ("n", "an", "ian", "ean", "ese", "ish", "ic", "i", "ans", "ians", "ns")


def demonym_pair(a: str, b: str) -> bool:
    """Whether one word is the other's demonym or adjective ("Russia"/"Russian",
    "Ukraine"/"Ukrainian", "China"/"Chinese"): related words, not two spellings of one name."""
    short, long_ = sorted((a.lower(), b.lower()), key=len)
    if not 1 <= len(long_) - len(short) <= 4 or len(short) < 4:
        return False
    stem = short[:-1] if short[-1] in "aeiouy" else short
    return long_.startswith(stem) and long_[len(stem):].endswith(_DEMONYM_ENDINGS) and not long_.endswith("a")


_TRANSLIT_END = re.compile(r"(?:skiy|skii|skey|skei|skie|sky|ski)$|(?:iy|ey|ei|ie|yi|y|i)$")
_TRANSLIT_START = (("zh", "j"), ("iu", "yu"), ("ia", "ya"))


def translit_key(word: str) -> str:
    """One key for the spellings transliteration gives one name word: ``-sky``/``-skiy``/``-skii``,
    ``-ey``/``-i``/``-ie``/``-y``, ``Zh``/``J``, ``Yu``/``Iu``, ``Ya``/``Ia``, ``ks``/``x``
    ("Zhukovskiy" and "Jukovsky" share one). Words shorter than four letters are their own key."""
    w = word.lower()
    if len(w) < 4:
        return w
    for a, b in _TRANSLIT_START:
        if w.startswith(a):
            w = b + w[len(a):]
            break
    m = _TRANSLIT_END.search(w)
    if m and len(w) - len(m.group()) >= 3:
        w = w[: m.start()] + ("sky" if m.group().startswith("sk") else "i")
    return w.replace("ks", "x")
