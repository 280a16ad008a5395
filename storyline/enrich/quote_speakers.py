"""Cue vocabulary, speaker noun phrases, named persons and pronoun resolution (part of
``storyline.enrich.quotes``)."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from ..nlp import doc_text
from .quote_marks import _spans_between

RESOLVE_MODE = "subject"  # last | speaker | subject (tuned on the GGT tuning subset)

# ----------------------------------------------------------------------------- vocabulary

_EN_CUES = (
    "said says say saying told tells tell telling added adds adding stated states warned warns warning "
    "noted notes noting explained explains explaining claimed claims argued argues announced announces "
    "wrote writes insisted insists admitted admits acknowledged acknowledges confirmed confirms denied "
    "suggested suggests stressed stresses emphasized emphasised replied responded asked asks urged urges "
    "recalled recalls predicted concluded continued declared maintained tweeted testified quipped joked "
    "conceded observed remarked complained cautioned reiterated countered boasted vowed promised alleged "
    "alleges described describes reported reports revealed disclosed pledged"
).split()
EN_CUE_SET = frozenset(_EN_CUES)
# Cues that frame direct quotes only: their clause is a question or a page artefact ("Continued below").
_EN_NOT_INDIRECT = frozenset({"asked", "asks", "continued", "continues", "tell"})
_EN_CUE = r"(?:" + "|".join(sorted(_EN_CUES, key=len, reverse=True)) + r"|pointed out|went on)"
_EN_PRONOUNS = {"he", "she", "him", "her"}
_EN_OTHER_PRONOUNS = {"they", "it", "we", "i", "you"}
_EN_TITLES = {
    "mayor",
    "minister",
    "premier",
    "president",
    "senator",
    "chief",
    "spokesperson",
    "spokesman",
    "spokeswoman",
    "prime",
    "governor",
    "judge",
    "professor",
    "director",
    "ceo",
    "chair",
    "leader",
    "commissioner",
    "superintendent",
    "councillor",
    "councilor",
    "secretary",
    "ambassador",
    "coach",
    "officer",
    "sergeant",
    "inspector",
    "doctor",
    "dr",
    "researcher",
    "economist",
    "analyst",
}
_EN_DETERMINERS = {
    "a",
    "an",
    "the",
    "one",
    "another",
    "two",
    "three",
    "several",
    "some",
    "many",
    "his",
    "her",
    "their",
    "its",
    "our",
}
_EN_TIME_WORDS = {
    "on",
    "in",
    "at",
    "during",
    "while",
    "when",
    "after",
    "before",
    "who",
    "which",
    "to",
    "as",
    "and",
    "but",
    "from",
    "with",
    "this",
    "last",
    "late",
    "earlier",
    "later",
    "recently",
    "told",
    "via",
    "about",
    "of",
}

_RU_CUES = (
    "заявил заявила заявили заявляет заявляют сказал сказала сказали говорит говорят сообщил сообщила "
    "сообщили сообщает сообщают отметил отметила отметили отмечает подчеркнул подчеркнула подчеркнули "
    "подчеркивает добавил добавила добавили пояснил пояснила пояснили рассказал рассказала рассказали "
    "уточнил уточнила уточнили предупредил предупредила предупредили признал признала признали написал "
    "написала написали пишет указал указала указали считает считают заверил заверила констатировал "
    "констатировала призвал призвала ответил ответила объяснил объяснила напомнил напомнила заметил "
    "заметила передал передала цитирует"
).split()
RU_CUE_SET = frozenset(_RU_CUES)
_RU_CUE = r"(?:" + "|".join(sorted(_RU_CUES, key=len, reverse=True)) + r")"
_RU_PRONOUNS = {"он", "она"}
# Words that end a Russian speaker phrase after the cue: the addressee or the circumstances.
_RU_STOP = re.compile(
    r"\s+(?:в|во|на|по|после|при|журналистам|репортерам|агентству|изданию|газете|телеканалу|радиостанции|"
    r"РИА|ТАСС|Интерфаксу|РБК|корреспонденту|[А-ЯЁ]{2,}\b)(?!\w)"
)

_NOT_A_SPEAKER = {"that", "this", "there", "if", "whether", "how", "what", "why", "when", "что"}
_WORD = re.compile(r"[\w’'.-]+")


@dataclass(frozen=True)
class Attribution:
    """One quote with everything found about it; ``extract_quotes`` turns it into a ``Quote``.

    ``surface_*`` is the speaker as written (a pronoun stays a pronoun); ``speaker_*`` is
    the speaker after resolving pronouns to the last-named person.
    """

    start: int
    end: int
    kind: str  # direct | indirect | attributed (a stance or belief, not speech: "X believes ...")
    cue: str | None
    cue_start: int | None
    cue_end: int | None
    surface_start: int | None
    surface_end: int | None
    speaker_start: int | None
    speaker_end: int | None
    floating: bool = False


# ----------------------------------------------------------------------------- noun phrases by regex


def _words_before(text: str, pos: int, floor: int) -> list[tuple[int, int]]:
    """Word spans ending at or before ``pos``, nearest first, stopping at clause punctuation."""
    out: list[tuple[int, int]] = []
    j = pos
    while j > floor:
        while j > floor and text[j - 1] in " \t":
            j -= 1
        if j <= floor or not (text[j - 1].isalnum() or text[j - 1] in "’'.-"):
            break
        k = j
        while k > floor and (text[k - 1].isalnum() or text[k - 1] in "’'.-"):
            k -= 1
        if text[k:j] == ".":
            break
        out.append((k, j))
        j = k
        if len(out) > 8:
            break
    return out


def _is_cap(word: str) -> bool:
    return word[:1].isupper()


def _subject_before(text: str, pos: int, floor: int, language: str) -> tuple[int, int] | None:
    """The noun phrase ending right before ``pos`` (a cue verb): pronoun, name or description."""
    words = _words_before(text, pos, floor)
    if not words:
        return None
    while (
        words
        and words[0][1] - words[0][0] > 0
        and text[words[0][0] : words[0][1]].lower()
        in (
            "also",
            "later",
            "then",
            "further",
            "previously",
            "earlier",
            "again",
            "has",
            "have",
            "had",
            "was",
            "were",
            "quoted",
            "as",
            "would",
            "will",
            "once",
            "recently",
            "тоже",
            "также",
            "ранее",
        )
    ):
        words = words[1:]
    if not words:
        return None
    first = text[words[0][0] : words[0][1]]
    pronouns = _RU_PRONOUNS if language == "ru" else _EN_PRONOUNS | _EN_OTHER_PRONOUNS
    if first.lower() in pronouns:
        return words[0]
    if _is_cap(first):
        k = 0
        while k + 1 < len(words) and _is_cap(text[words[k + 1][0] : words[k + 1][1]]):
            k += 1
        start = words[k][0]
        # "the newspaper's interlocutor", "Reuters' correspondent": keep a possessive owner
        if language == "ru":
            return _ru_head_left(text, (start, words[0][1]), floor)
        return start, words[0][1]
    # a description: walk left to its determiner ("a senior defence official")
    for k, (ws, _we) in enumerate(words[:7]):
        w = text[ws:_we].lower()
        if language != "ru" and w in _EN_DETERMINERS:
            return ws, words[0][1]
        if language != "ru" and w in _EN_TIME_WORDS and k > 0:
            return words[k - 1][0], words[0][1]
    if language == "ru":
        return _ru_head_left(text, (words[min(len(words), 3) - 1][0], words[0][1]), floor)
    return None


@functools.lru_cache(maxsize=1)
def _ru_morph() -> Any:
    from natasha import MorphVocab  # pymorphy2's analyser, as natasha ships it

    return MorphVocab()


@functools.lru_cache(maxsize=4096)
def _ru_best_tag(word: str) -> tuple[str, str, str]:
    """(part of speech, case, normal form) of the likeliest reading of a Russian word."""
    parses = _ru_morph().parse(word)
    if not parses:
        return "", "", word.lower()
    p = parses[0]
    return str(p.tag.POS or ""), str(p.tag.case or ""), str(p.normal_form)


_RU_OBLIQUE_WORD = frozenset({"NOUN", "ADJF", "PRTF", "NUMR", "NPRO"})
_RU_MAX_HEAD_STEPS = 6


def _ru_head_left(text: str, span: tuple[int, int], floor: int) -> tuple[int, int]:
    """A Russian subject phrase taken from the words before a cue may be only the end of the noun
    phrase: "Источник в МЧС сообщил", "Представитель пресс-службы МЧС заявил". When its first word
    is not in the nominative, the phrase is extended left over prepositions and oblique-case words
    to the nominative noun that heads it (with that noun's nominative adjectives); failing one
    within a few words, the phrase stays as it was ("В МЧС сообщили": nobody in the nominative)."""
    first = re.match(r"[\w-]+", text[span[0] : span[1]])
    if first is None or _ru_best_tag(first.group())[1] in ("nomn", ""):
        return span
    left = _words_before(text, span[0], floor)
    for k, (ws, we) in enumerate(left[:_RU_MAX_HEAD_STEPS]):
        pos, case, _lemma = _ru_best_tag(text[ws:we])
        if pos == "NOUN" and case == "nomn":
            start = ws
            for aws, awe in left[k + 1 : k + 3]:  # "высокопоставленный источник"
                if _ru_best_tag(text[aws:awe])[:2] != ("ADJF", "nomn"):
                    break
                start = aws
            return start, span[1]
        if pos != "PREP" and not (pos in _RU_OBLIQUE_WORD and case not in ("nomn", "")):
            break
    return span


_RU_NAME_GRAMMEMES = ("Name", "Surn", "Patr")


def _ru_name_only(text: str, span: tuple[int, int]) -> tuple[int, int]:
    """A Russian person span without a leading word that cannot be a name when a first name follows
    it: natasha's span of "министр иностранных дел Дравонии Лидия Корнеева" can take the country."""
    words = list(re.finditer(r"[\w-]+", text[span[0] : span[1]]))
    if len(words) < 3:
        return span
    parses = _ru_morph().parse

    def can_be(word: str, grammemes: tuple[str, ...]) -> bool:
        return any(g in p.tag for p in parses(word) for g in grammemes)

    if not can_be(words[0].group(), _RU_NAME_GRAMMEMES) and can_be(words[1].group(), ("Name",)):
        return span[0] + words[1].start(), span[1]
    return span


_RU_ROLE_WORDS = (
    4  # a title and up to three words of its own: "министр иностранных дел Дравонии Лидия Корнеева"
)


def _ru_role_holder(ctx: _Context, span: tuple[int, int]) -> tuple[int, int] | None:
    """A Russian speaker that is one role noun ("— сказал губернатор") -> the last person named
    before it whom the text gave that role: the noun (any case) among the four words before the
    name ("губернатор Улминской области Павел Пельшин") or right after it ("Павел Пельшин,
    губернатор ...")."""
    word = ctx.text[span[0] : span[1]]
    if not re.fullmatch(r"\w+", word):
        return None
    pos, case, lemma = _ru_best_tag(word)
    if pos != "NOUN" or case != "nomn":
        return None
    for ps, pe in reversed(ctx.persons):
        if pe > span[0]:
            continue
        around = [ctx.text[a:b] for a, b in _words_before(ctx.text, ps, max(0, ps - 60))[:_RU_ROLE_WORDS]]
        m = re.match(r",?\s*(\w+)", ctx.text[pe : pe + 40])
        if m:
            around.append(m.group(1))
        if any(_ru_best_tag(w)[2] == lemma for w in around):
            return ps, pe
    return None


def _phrase_after(text: str, pos: int, ceiling: int, language: str) -> tuple[int, int] | None:
    """The speaker phrase right after a cue ("said Lu Kang, a spokesman" -> "Lu Kang")."""
    m = re.compile(r"[ \t]*").match(text, pos)
    s = m.end() if m else pos
    stop = s
    seg_end = min(ceiling, len(text))
    # up to clause punctuation
    m2 = re.compile(r"[,;:.!?()\n—–]|\s[-–—]\s").search(text, s, seg_end)
    stop = m2.start() if m2 else seg_end
    # a dot inside an abbreviation (U.S., Mr.) is not the end
    while (
        m2
        and text[m2.start()] == "."
        and m2.start() + 1 < seg_end
        and (
            not text[m2.start() + 1].isspace()
            or re.search(r"(?:\b[A-Z]|Mr|Mrs|Ms|Dr|Gen|Sen|Rep|St|Lt|Col|Gov)$", text[s : m2.start()])
        )
    ):
        m2 = re.compile(r"[,;:.!?()\n—–]").search(text, m2.start() + 1, seg_end)
        stop = m2.start() if m2 else seg_end
    phrase = text[s:stop]
    if language == "ru":
        m3 = _RU_STOP.search(phrase)
        if m3 and m3.start() > 0:
            phrase = phrase[: m3.start()]
    else:
        words = list(_WORD.finditer(phrase))
        keep = 0
        for idx, w in enumerate(words):
            lw = w.group().lower()
            if idx > 0 and (lw in _EN_TIME_WORDS or lw in {"in", "on", "at", "to"}):
                break
            keep = w.end()
        phrase = phrase[:keep]
        if words and words[0].group().lower() in _EN_TIME_WORDS - {"this"}:
            return None
    phrase = phrase.rstrip()
    if not phrase or len(phrase) > 80 or phrase.split()[0] in _NOT_A_SPEAKER:
        return None
    return s, s + len(phrase)


# ----------------------------------------------------------------------------- speakers


@dataclass
class _Context:
    text: str
    language: str
    persons: list[tuple[int, int]]  # spans of named persons, in order
    sentences: list[tuple[int, int]]
    subject_persons: list[
        tuple[int, int]
    ]  # named persons that are a clause subject (all of them without a parse)
    genders: dict[str, str]  # surname -> "m" | "f", from the article's own pronouns and titles


_SENT_END = re.compile(r"(?<=[.!?…])[\"'»”’)]*\s+(?=[\"'«“„‘(]*[A-ZА-ЯЁ0-9])|\n+")


def _regex_sentences(text: str) -> list[tuple[int, int]]:
    return _spans_between(_SENT_END, text)


_EN_NAME_GUESS = re.compile(
    r"\b(?:[A-Z][a-z’'-]+|[A-Z]\.)(?:\s+(?:[A-Z][a-z’'-]+|[A-Z]\.|de|van|von|bin|al-\w+))+"
)


def _persons(text: str, language: str, doc: Any) -> list[tuple[int, int]]:
    if language == "ru":
        if doc is not None and hasattr(doc, "spans"):
            found = sorted((s.start, s.stop) for s in doc.spans if s.type == "PER")
        else:
            found = _natasha_persons(text)
        return [_ru_name_only(text, p) for p in found]
    if doc is not None:
        return [
            span
            for e in doc.ents
            if e.label_ == "PERSON" and (span := _letters(text, e.start_char, e.end_char))
        ]
    return [(m.start(), m.end()) for m in _EN_NAME_GUESS.finditer(text)]


def _letters(text: str, start: int, end: int) -> tuple[int, int] | None:
    """``text[start:end]`` without the marks and punctuation at its edges (the small English model
    sometimes tags a lone ``»`` or a ``"`` glued to a name as PERSON); None when no letter is left."""
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and not text[end - 1].isalnum() and text[end - 1] != ".":
        end -= 1
    return (start, end) if any(c.isalpha() for c in text[start:end]) else None


def _subject_persons(persons: list[tuple[int, int]], doc: Any) -> list[tuple[int, int]]:
    subjects = []
    text = doc_text(doc)
    for ent in doc.ents:
        if ent.label_ == "PERSON" and any(t.dep_ in ("nsubj", "nsubjpass") for t in ent):
            span = _letters(text, ent.start_char, ent.end_char)
            if span:
                subjects.append(span)
    return subjects


def _natasha_persons(text: str) -> list[tuple[int, int]]:
    from natasha import Doc

    from storyline.nlp import russian

    nlp = russian()
    ndoc = Doc(text)
    ndoc.segment(nlp.segmenter)
    ndoc.tag_ner(nlp.ner_tagger)
    return [(s.start, s.stop) for s in ndoc.spans if s.type == "PER"]


_NAME_LIKE = re.compile(r"(?:Mr\.?|Ms\.?|Mrs\.?|Dr\.?)?\s*[A-Z][a-z’'-]+(?:\s+[A-Z][a-z’'-]+){0,3}")


def _looks_like_name(s: str) -> bool:
    """ "Baxter", "Moyra Baxter" (the small NER model misses many names); not "The board"."""
    return bool(_NAME_LIKE.fullmatch(s)) and s.split()[0] not in ("The", "A", "An", "It", "They", "He", "She")


def _pronoun_gender(word: str) -> str:
    return {"he": "m", "him": "m", "он": "m", "she": "f", "her": "f", "она": "f"}.get(word, "")


def _surname_key(ctx: _Context, span: tuple[int, int]) -> str:
    words = re.findall(r"\w+", ctx.text[span[0] : span[1]])
    return words[-1].lower() if words else ""


def _gender_fits(ctx: _Context, person: tuple[int, int], want: str) -> bool:
    """False only when the article's own pronouns say this person has the other gender."""
    have = ctx.genders.get(_surname_key(ctx, person), "")
    return not want or not have or have == want


_EN_GENDER_PRONOUN = re.compile(r"\b(?:(?P<m>he|him|his|himself)|(?P<f>she|her|hers|herself))\b", re.I)
_EN_GENDER_TITLE = re.compile(r"\b(?:(?P<m>Mr|Sir|Lord|King)|(?P<f>Ms|Mrs|Miss|Madam|Lady|Queen))\.?\s+$")


def _genders(text: str, persons: list[tuple[int, int]], language: str) -> dict[str, str]:
    """Gender of each surname, learned from the article: a title before the name, or the
    first he/she pronoun after it when no other person is named in between (votes add up)."""
    if language == "ru":
        return {}
    votes: dict[str, list[int]] = {}
    for i, (ps, pe) in enumerate(persons):
        words = re.findall(r"\w+", text[ps:pe])
        if not words:
            continue
        key = words[-1].lower()
        tally = votes.setdefault(key, [0, 0])
        t = _EN_GENDER_TITLE.search(text, max(0, ps - 8), ps)
        if t:
            tally[0 if t["m"] else 1] += 2
        stop = persons[i + 1][0] if i + 1 < len(persons) else len(text)
        m = _EN_GENDER_PRONOUN.search(text, pe, min(stop, pe + 250))
        if m:
            tally[0 if m["m"] else 1] += 1
    return {k: ("m" if m > f else "f") for k, (m, f) in votes.items() if m != f}


def _resolve(ctx: _Context, span: tuple[int, int], last_speaker: tuple[int, int] | None) -> tuple[int, int]:
    """Pronoun -> a person named before it; a description containing a name -> the name."""
    word = ctx.text[span[0] : span[1]].lower()
    pron = _RU_PRONOUNS if ctx.language == "ru" else _EN_PRONOUNS
    if word in pron:
        want = _pronoun_gender(word)
        pool = ctx.subject_persons if RESOLVE_MODE == "subject" else ctx.persons
        best = None
        for ps, pe in pool:
            if pe > span[0]:
                break
            if _gender_fits(ctx, (ps, pe), want):
                best = (ps, pe)
        if RESOLVE_MODE != "last" and last_speaker is not None and last_speaker[1] <= span[0]:
            if (best is None or best[0] <= last_speaker[0] or RESOLVE_MODE == "speaker") and _gender_fits(
                ctx, last_speaker, want
            ):
                best = last_speaker
        return best or span
    # "министр обороны Сергей Шойгу", "the minister, Sergei Shoigu": prefer the name inside
    inside = [p for p in ctx.persons if p[0] >= span[0] and p[1] <= span[1]]
    if inside and ctx.language == "ru":
        return inside[-1]
    if ctx.language == "ru":
        return _ru_role_holder(ctx, span) or span
    # "the mayor" after "Mayor Doug McCallum": a definite title points back to the person it titled
    m = re.fullmatch(r"the (\w+)", word)
    if m and m[1] in _EN_TITLES:
        for ps, pe in reversed(ctx.persons):
            if pe <= span[0] and re.search(
                rf"\b{m[1]}\W{{1,3}}(?:\w+\W+)?$", ctx.text[max(0, ps - 30) : ps], re.I
            ):
                return ps, pe
    return span
