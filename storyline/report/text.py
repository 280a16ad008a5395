"""Text helpers for the report: sentences, clauses, numbers and negation.

Everything returns character offsets into the text it was given, so a claim or
a number found here can always be shown in place. Rules are kept small and
language-light (English and Russian first, the Romance languages and Dutch for
numbers and negation), because the report must run on any outlet's text
without a parser.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

__all__ = [
    "NumberMention",
    "clause_spans",
    "extract_numbers",
    "is_heading",
    "negation_cues",
    "sentence_spans",
    "word_count",
    "words",
]

_WORD = re.compile(r"\w+(?:[-'’]\w+)*", re.UNICODE)


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


# ----------------------------------------------------------------------------- sentences

# A period after one of these does not end a sentence ("Dr. Markov", "U.S. forces").
_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof gen sen rep gov lt col capt sgt cpl st jr sr inc co corp ltd vs etc jan feb mar apr jun jul
    aug sep sept oct nov dec u.s u.k u.n e.g i.e approx dept est fig mt ft rev hon pres atty supt cmdr adm maj ave
    blvd rd no nos vol pp op gov't
    г гг т е им ул д тыс млн млрд руб см т.е т.д т.п др пр ст
    sr sra dña av dra ing avv sig dott dhr mevr""".split()
)
# "a.m."/"p.m." end a sentence only when a capitalised word follows.
_TIME_ABBREVIATIONS = frozenset({"a.m", "p.m"})
_SENTENCE_END = re.compile(r"([.!?…]+)([\"'”’»)\]]*)(\s+)(?=[\"'“‘«„(\[¿¡]?\s?[A-ZА-ЯЁÀ-ÖØ-Þ0-9])")
_BLANK_OR_NEWLINE = re.compile(r"\n+")
_TOKEN_BEFORE = re.compile(r"(\S+)$")


def _paragraph_spans(text: str) -> list[tuple[int, int]]:
    """Lines of the clean text: cleaning leaves one paragraph per line."""
    spans, start = [], 0
    for m in _BLANK_OR_NEWLINE.finditer(text):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    return [_strip(text, s, e) for s, e in spans if text[s:e].strip()]


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _is_abbreviation(text: str, par_start: int, dot: int, punct: str) -> bool:
    if punct != ".":
        return False
    m = _TOKEN_BEFORE.search(text, par_start, dot)
    if not m:
        return False
    token = m.group(1).lstrip("\"'“‘«(").lower()
    if len(token) == 1 and token.isalpha():
        return True  # an initial: "J. Smith", "А. Иванов"
    if token in _TIME_ABBREVIATIONS:
        return False
    return token in _ABBREVIATIONS


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentences as ``(start, end)`` offsets, stripped of surrounding whitespace.

    A sentence ends at ``.``, ``!``, ``?`` or ``…`` (plus any closing quotes) followed by
    whitespace and a capital letter, digit or opening quote, unless the word before the
    period is a known abbreviation or an initial. A line break always ends a sentence:
    the clean text has one paragraph per line.
    """
    out: list[tuple[int, int]] = []
    for ps, pe in _paragraph_spans(text):
        start = ps
        for m in _SENTENCE_END.finditer(text, ps, pe):
            if _is_abbreviation(text, ps, m.start(1), m.group(1)):
                continue
            end = m.end(2)
            if end > start:
                out.append(_strip(text, start, end))
            start = m.end()
        if start < pe:
            out.append(_strip(text, start, pe))
    return [(s, e) for s, e in out if e > s]


_TERMINAL = re.compile(r"[.!?…:;\"'”’»)]\s*$")


def is_heading(text: str, start: int, end: int) -> bool:
    """A line on its own without final punctuation and at most 12 words: a headline,
    a subheading, a byline or a date line ("March 01, 2008"), not a claim."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    if text[line_start:start].strip() or text[end:line_end].strip():
        return False  # shares its line with other sentences
    segment = text[start:end]
    return not _TERMINAL.search(segment) and word_count(segment) <= 12


# ----------------------------------------------------------------------------- clauses

# Where a long sentence may be cut into two claims. Coordinating "and"/"but" after a
# comma, and semicolons, join independent statements in news prose more often than
# anything else; cutting elsewhere (relative clauses, lists) breaks the meaning.
_CLAUSE_BOUNDARY = re.compile(r";\s+|,\s+(?=(?:and|but|while|whereas|а|но|и|однако|y|pero|e|ma|en|maar)\s)",
                              re.IGNORECASE)
MIN_CLAUSE_WORDS = 7  # "more than 6 words" on each side


def clause_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split one sentence at clause boundaries when both sides keep more than six words.

    Cuts are taken left to right: a boundary is used when the words since the last cut
    and the words after the boundary both number at least :data:`MIN_CLAUSE_WORDS`.
    The separator (``; `` or ``, ``) stays with the left part, so spans tile the sentence.
    """
    cuts = []
    last = start
    for m in _CLAUSE_BOUNDARY.finditer(text, start, end):
        left, right = text[last : m.start()], text[m.end() : end]
        if _quote_open(text[start : m.start()]):
            continue  # never cut inside a quotation
        if word_count(left) >= MIN_CLAUSE_WORDS and word_count(right) >= MIN_CLAUSE_WORDS:
            cuts.append((m.start() + 1, m.end()))
            last = m.end()
    spans, s = [], start
    for left_end, right_start in cuts:
        spans.append(_strip(text, s, left_end))
        s = right_start
    spans.append(_strip(text, s, end))
    return [(a, b) for a, b in spans if b > a]


def _quote_open(prefix: str) -> bool:
    opens = sum(prefix.count(c) for c in "“«„")
    closes = sum(prefix.count(c) for c in "”»“") - prefix.count("“")
    straight = prefix.count('"')
    return opens > closes or straight % 2 == 1


# ----------------------------------------------------------------------------- numbers


@dataclass(frozen=True)
class NumberMention:
    """A quantity in the text: ``value`` in base units, ``unit`` a canonical name or ""."""

    start: int
    end: int
    value: float
    unit: str
    context: str  # the first word after the number ("people", "houses"), lowercased
    qualifier: str = ""  # "min" (at least, more than), "max" (up to, nearly), "approx" (about), or ""

    def compatible(self, other: NumberMention) -> bool:
        """Could both be true of the same quantity? "more than 300" and "320" can; "12" and "14" cannot."""
        if self.same_quantity(other):
            return True
        if self.unit and other.unit and self.unit != other.unit:
            return True  # different quantities, not a disagreement
        return _within(self, other.value) or _within(other, self.value)

    def same_quantity(self, other: NumberMention) -> bool:
        if self.unit and other.unit and self.unit != other.unit:
            return False
        big = max(abs(self.value), abs(other.value))
        return abs(self.value - other.value) <= 1e-6 * max(big, 1.0)


def _within(bound: NumberMention, value: float) -> bool:
    if bound.qualifier == "min":
        return value >= bound.value
    if bound.qualifier == "max":
        return value <= bound.value
    if bound.qualifier == "approx":
        return abs(value - bound.value) <= 0.2 * max(abs(bound.value), 1.0)
    return False


_QUALIFIERS = [
    ("min", re.compile(r"(?:at least|more than|over|upwards of|as many as|no fewer than|не менее|более|свыше|больше|"
                       r"по меньшей мере|как минимум|más de|al menos|almeno|oltre|più di|minstens|meer dan|ruim)\s*$",
                       re.IGNORECASE)),
    ("max", re.compile(r"(?:up to|less than|fewer than|under|almost|nearly|at most|до|менее|меньше|почти|"
                       r"не более|hasta|menos de|casi|quasi|fino a|meno di|bijna|tot|minder dan)\s*$", re.IGNORECASE)),
    ("approx", re.compile(r"(?:about|around|some|roughly|approximately|an estimated|около|примерно|приблизительно|"
                          r"порядка|unos|unas|cerca de|circa|ongeveer|zo'n)\s*$", re.IGNORECASE)),
]


def _qualifier(text: str, start: int) -> str:
    before = text[max(0, start - 25) : start]
    for name, pattern in _QUALIFIERS:
        if pattern.search(before):
            return name
    return ""


_EN_WORD_NUMBERS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "dozen": 12,
}
# Russian numerals decline; the forms below cover nominative, genitive/dative/prepositional
# and instrumental ("двенадцать", "двенадцати", "двенадцатью").
_RU_STEMS = {
    "дв": 2, "тр": 3, "четыр": 4, "пят": 5, "шест": 6, "сем": 7, "восем": 8, "восьм": 8, "девят": 9, "десят": 10,
    "одиннадцат": 11, "двенадцат": 12, "тринадцат": 13, "четырнадцат": 14, "пятнадцат": 15, "шестнадцат": 16,
    "семнадцат": 17, "восемнадцат": 18, "девятнадцат": 19, "двадцат": 20, "тридцат": 30,
}
_RU_WORD_NUMBERS = {
    "два": 2, "две": 2, "двух": 2, "двум": 2, "двумя": 2, "три": 3, "трёх": 3, "трех": 3, "трём": 3, "тремя": 3,
    "четыре": 4, "четырёх": 4, "четырех": 4, "четырьмя": 4, "сорок": 40, "сорока": 40, "сто": 100, "ста": 100,
}
for _stem, _value in _RU_STEMS.items():
    if len(_stem) > 4:  # short stems ("пят") also start unrelated words ("пятница"): exact forms only
        for _ending in ("ь", "и", "ью"):
            _RU_WORD_NUMBERS[_stem + _ending] = _value
for _stem, _value in (("пят", 5), ("шест", 6), ("сем", 7), ("девят", 9), ("десят", 10)):
    for _ending in ("ь", "и", "ью"):
        _RU_WORD_NUMBERS[_stem + _ending] = _value
_RU_WORD_NUMBERS.update({"восемь": 8, "восьми": 8, "восемью": 8})
_RU_WORD_NUMBERS.pop("семи", None)
_RU_WORD_NUMBERS["семи"] = 7
_WORD_NUMBERS = {**_EN_WORD_NUMBERS, **_RU_WORD_NUMBERS,
                 # Spanish, Italian, Dutch: the small counts that news writes out
                 "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7, "ocho": 8, "nueve": 9, "diez": 10,
                 "doce": 12, "due": 2, "tre": 3, "quattro": 4, "cinque": 5, "sei": 6, "sette": 7, "otto": 8,
                 "nove": 9, "dieci": 10, "dodici": 12, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6,
                 "zeven": 7, "acht": 8, "negen": 9, "tien": 10, "twaalf": 12}

_SCALES = {
    "thousand": 1e3, "million": 1e6, "millions": 1e6, "billion": 1e9, "billions": 1e9, "trillion": 1e12,
    "bn": 1e9, "mln": 1e6, "tys": 1e3,
    "тыс": 1e3, "тысяч": 1e3, "тысячи": 1e3, "тысяча": 1e3, "млн": 1e6, "миллион": 1e6, "миллиона": 1e6,
    "миллионов": 1e6, "млрд": 1e9, "миллиард": 1e9, "миллиарда": 1e9, "миллиардов": 1e9,
    "mil": 1e3, "millón": 1e6, "millones": 1e6, "milione": 1e6, "milioni": 1e6, "miliardo": 1e9, "miliardi": 1e9,
    "miljoen": 1e6, "miljard": 1e9, "duizend": 1e3, "mila": 1e3,
}
# canonical unit -> factor to the base unit
_UNITS = {
    "%": ("%", 1.0), "percent": ("%", 1.0), "per cent": ("%", 1.0), "процента": ("%", 1.0), "процентов": ("%", 1.0),
    "процент": ("%", 1.0), "por ciento": ("%", 1.0), "per cento": ("%", 1.0), "procent": ("%", 1.0),
    "gw": ("W", 1e9), "gigawatt": ("W", 1e9), "gigawatts": ("W", 1e9), "гвт": ("W", 1e9), "гигаватт": ("W", 1e9),
    "mw": ("W", 1e6), "megawatt": ("W", 1e6), "megawatts": ("W", 1e6), "мвт": ("W", 1e6), "мегаватт": ("W", 1e6),
    "kw": ("W", 1e3), "kilowatts": ("W", 1e3),
    "km": ("m", 1e3), "kilometres": ("m", 1e3), "kilometers": ("m", 1e3), "kilometre": ("m", 1e3),
    "kilometer": ("m", 1e3), "километров": ("m", 1e3), "километра": ("m", 1e3), "км": ("m", 1e3),
    "kilómetros": ("m", 1e3), "chilometri": ("m", 1e3),
    "m": ("m", 1.0), "metre": ("m", 1.0), "metres": ("m", 1.0), "meter": ("m", 1.0), "meters": ("m", 1.0),
    "метров": ("m", 1.0), "метра": ("m", 1.0), "метр": ("m", 1.0),
    "miles": ("mi", 1.0), "mile": ("mi", 1.0),
    "dollars": ("$", 1.0), "dollar": ("$", 1.0), "долларов": ("$", 1.0), "euros": ("€", 1.0), "евро": ("€", 1.0),
    "pounds": ("£", 1.0), "рублей": ("₽", 1.0),
}
_CURRENCY_PREFIX = {"$": "$", "us$": "$", "€": "€", "£": "£", "¥": "¥", "₽": "₽"}
_MONTHS = frozenset(
    """january february march april may june july august september october november december jan feb mar apr jun
    jul aug sep sept oct nov dec января февраля марта апреля мая июня июля августа сентября октября ноября декабря
    enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre gennaio febbraio
    aprile maggio giugno luglio settembre ottobre novembre dicembre januari februari maart mei juni juli augustus
    oktober""".split()
)

_NUMBER = re.compile(
    r"(?P<cur>US\$|[$€£¥₽])?\s?"
    r"(?P<num>\d{1,3}(?:[,.  ]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)"
    r"(?P<tail>(?:st|nd|rd|th)\b|(?=:\d))?",
    re.UNICODE,
)
_WORD_NUMBER = re.compile(r"\b(?:a\s+)?(?P<w>" + "|".join(sorted(map(re.escape, _WORD_NUMBERS), key=len,
                                                                  reverse=True)) + r")\b", re.IGNORECASE)
_WORD_RUN = re.compile(r"\w+")
_DECIMAL_COMMA_LANGS = frozenset({"ru", "es", "it", "nl", "de", "fr", "pt", "pl", "uk"})


def _parse_digits(raw: str, language: str | None) -> float | None:
    raw = raw.replace(" ", " ")
    comma_decimal = (language or "en")[:2] in _DECIMAL_COMMA_LANGS
    if re.fullmatch(r"\d{1,3}(?:[ ,.]\d{3})+", raw):
        # "1,200" / "40.000" / "1 200": thousands groups, except "4.200" in English reads as 4.2
        if not comma_decimal and "." in raw and "," not in raw and raw.count(".") == 1:
            return float(raw)
        if comma_decimal and "," in raw and "." not in raw and raw.count(",") == 1:
            return float(raw.replace(",", "."))
        return float(re.sub(r"[ ,.]", "", raw))
    if comma_decimal:
        raw = raw.replace(".", "").replace(",", ".")
    else:
        raw = raw.replace(",", "")
    try:
        return float(raw)
    except ValueError:
        return None


def extract_numbers(text: str, start: int = 0, end: int | None = None, language: str | None = None,
                    skip: list[tuple[int, int]] | tuple[()] = ()) -> list[NumberMention]:
    """Quantities in ``text[start:end]``, normalised: "twelve" -> 12, "4.2 million" -> 4.2e6,
    "1.8 GW" -> 1.8e9 W, "28-metre" -> 28 m.

    Left out, because they are not quantities a report should compare: years (a bare
    four-digit 1800-2100), clock times ("5:40"), ordinals ("4th"), day numbers next to a
    month name ("March 4", "4 марта"), parts of identifiers ("F-16", "COVID-19"), "one"
    (nearly always "one of", not a count) and anything inside a ``skip`` span (date mentions).
    """
    end = len(text) if end is None else end
    found: list[NumberMention] = []
    taken: list[tuple[int, int]] = list(skip)

    def inside_taken(a: int, b: int) -> bool:
        return any(a < te and ts < b for ts, te in taken)

    for m in _NUMBER.finditer(text, start, end):
        ns, ne = m.start("num"), m.end("num")
        if m.group("tail") is not None or inside_taken(ns, ne):
            continue
        before = text[max(start, ns - 2) : ns]
        if re.search(r"[^\W\d_]-?$", before) or re.search(r"\d[.,:/]$", before):
            continue  # "F-16", "COVID-19", or the second half of "3/4", "10:30"
        if ne < end and re.match(r"[/:]\d", text[ne : ne + 2]):
            continue
        if _next_to_month(text, ns, ne, start, end):
            continue
        value = _parse_digits(m.group("num"), language)
        if value is None:
            continue
        unit = _CURRENCY_PREFIX.get((m.group("cur") or "").lower(), "")
        mention = _finish(text, m.start() if unit else ns, ne, value, unit, end)
        if mention is None:
            continue
        if not mention.unit and not ("." in m.group("num") or "," in m.group("num")) and 1800 <= value <= 2100 \
                and mention.value == value:
            continue  # a year
        found.append(mention)
        taken.append((mention.start, mention.end))
    # The number-word pattern (a long case-blind alternation) is most of this function's cost;
    # a word it matches is a whole word of the span whose lower case is a key of _WORD_NUMBERS,
    # so a span without such a word is skipped without running it.
    has_words = not _WORD_NUMBERS.keys().isdisjoint(t.lower() for t in _WORD_RUN.findall(text, start, end))
    for m in _WORD_NUMBER.finditer(text, start, end) if has_words else ():
        if inside_taken(m.start(), m.end()):
            continue
        word = m.group("w").lower()
        if word in ("dozen",) and not m.group(0).lower().startswith("a"):
            continue  # "dozens", "dozen" without "a" is vague
        if word == "hundred" and not m.group(0).lower().startswith("a"):
            continue  # part of "three hundred": the digit-less compound is rare in news; skip
        value = float(_WORD_NUMBERS[word])
        # "twenty-five", "forty two"
        tail = re.match(r"[-\s](one|two|three|four|five|six|seven|eight|nine)\b", text[m.end() : end], re.I)
        ws, we = m.start("w"), m.end()
        if tail and value >= 20 and value % 10 == 0:
            value += _EN_WORD_NUMBERS.get(tail.group(1).lower(), 1 if tail.group(1).lower() == "one" else 0)
            we = m.end() + tail.end()
        mention = _finish(text, ws, we, value, "", end)
        if mention is not None and not inside_taken(mention.start, mention.end):
            found.append(mention)
            taken.append((mention.start, mention.end))
    return sorted(found, key=lambda n: n.start)


def _next_to_month(text: str, ns: int, ne: int, start: int, end: int) -> bool:
    before = re.search(r"([^\W\d_]+)\.?\s+$", text[max(start, ns - 15) : ns])
    after = re.match(r"\s+([^\W\d_]+)", text[ne : min(end, ne + 15)])
    after_de = re.match(r"\s+de\s+([^\W\d_]+)", text[ne : min(end, ne + 18)])
    return any(g and g.group(1).lower() in _MONTHS for g in (before, after, after_de))


_NEXT_WORD = re.compile(r"[-\s]{0,2}(%|[^\W\d_]+\.?)", re.UNICODE)


def _finish(text: str, start: int, end: int, value: float, unit: str, limit: int) -> NumberMention | None:
    """Read an optional scale word and unit after the number; the next other word is its context."""
    pos, context = end, ""
    scaled = False
    for _ in range(3):
        m = _NEXT_WORD.match(text, pos, limit)
        if not m:
            break
        word = m.group(1).lower().rstrip(".")
        if word == "%" and not unit:
            unit, pos = "%", m.end()
            break
        if word in ("per", "por") and re.match(r"\s+cen?to?\b|\s+ciento\b", text[m.end() : limit]):
            unit, pos = "%", m.end() + re.match(r"\s+\w+", text[m.end() : limit]).end()
            break
        if not scaled and (word in _SCALES or (unit in _CURRENCY_PREFIX.values() and word in ("m", "bn", "k"))):
            value *= _SCALES.get(word, {"m": 1e6, "bn": 1e9, "k": 1e3}.get(word, 1.0))
            scaled, pos = True, m.end() if m.group(1).endswith(".") and word in ("тыс", "млн", "млрд") else m.end(1)
            continue
        if not unit and word in _UNITS:
            base, factor = _UNITS[word]
            unit, value, pos = base, value * factor, m.end(1) - (1 if m.group(1).endswith(".") else 0)
            continue
        context = word
        break
    if pos > limit:
        return None
    return NumberMention(start, pos, value, unit, context, _qualifier(text, start))


# ----------------------------------------------------------------------------- negation

_NEGATION = re.compile(
    r"\b(?:not|no|never|none|nobody|nothing|neither|nor|cannot|without|denied|denies|deny|refused|refuses|"
    r"rejected|rejects|declined|declines|не|нет|ни|никогда|никто|ничего|отказал\w*|отказыва\w*|отверг\w*|"
    r"опроверг\w*|nunca|jamás|nadie|non|mai|niet|geen|nooit)\b|n[’']t\b",
    re.IGNORECASE | re.UNICODE,
)
# "no" opens Spanish negation but is also the English determiner; both count.


def negation_cues(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans of negation and refusal cues ("not", "n't", "has no plans", "denied", Russian
    "не"/"нет"). Polarity disagreements are claims where one side has cues and the other none."""
    end = len(text) if end is None else end
    return [(m.start(), m.end()) for m in _NEGATION.finditer(text, start, end)]


def greedy_groups(article_of: Sequence[str], candidates: list[tuple[float, int, int]],
                  accept: Callable[[list[int], list[int]], bool] | None = None) -> list[list[int]]:
    """Group items ``0..n-1`` by linking candidate pairs ``(score, i, j)``, best first.

    A link that would put two items of one article in a group is refused (an article
    states a claim or a quote once), and so is one ``accept(members_a, members_b)`` turns
    down. Returns the groups as sorted member lists, singletons included.
    """
    n = len(article_of)
    parent = list(range(n))
    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    arts: dict[int, set[str]] = {i: {article_of[i]} for i in range(n)}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for _score, i, j in sorted(candidates, key=lambda t: (-t[0], t[1], t[2])):
        ri, rj = find(i), find(j)
        if ri == rj or arts[ri] & arts[rj]:
            continue
        if accept is not None and not accept(members[ri], members[rj]):
            continue
        parent[rj] = ri
        members[ri].extend(members.pop(rj))
        arts[ri] |= arts.pop(rj)
    return [sorted(members[r]) for r in sorted({find(i) for i in range(n)})]
