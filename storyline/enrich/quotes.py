"""Direct and indirect quotes with their speaker and cue verb (English and Russian).

How it works, in three passes over one article:

1. **Quote marks.** A scanner pairs opening and closing marks of every common style
   (“ ” " « » „ “ ‘ ’) inside a paragraph. A paragraph that opens a quote without closing
   it is continued by the next paragraph when that one opens with a quote mark (news style
   for long quotes). A mark that never closes records nothing and swallows nothing, and a
   quote longer than ``MAX_QUOTE_CHARS`` is dropped. Closing marks mangled by translation
   (``safer, ”the minister said``) are accepted as closers after , . ! ?.
2. **Attribution of direct quotes.** The words right after the closing mark (``," said X``,
   ``," X told TASS``, ``— заявил X``) or right before the opening mark (``X said: "``) give
   the cue verb and speaker; failing that, a speech verb elsewhere in the sentence (English:
   its grammatical subject from the spaCy parse). A quote with no cue that follows another
   quote within two paragraphs continues that speaker (a "floating" quote).
3. **Indirect speech.** English with a parse: a speech verb with a clausal complement
   (``X said (that) ...``, ``..., a source said``) and ``according to X, ...``. Without a
   parse, and for Russian, regular expressions for the same shapes (``X заявил, что ...``,
   ``по словам X, ...``).

Pronoun speakers (he/she, он/она) are resolved to the last-named person before them, and the
quote then carries that person's name and span. With a parse, "named person" means a PERSON
that is a clause subject, and the last named speaker wins when no such person was named
after it; a person whose gender the article itself gives the other way (Ms Lind ... she) is
skipped (RESOLVE_MODE, tuned on the GGT tuning half). A definite title ("the mayor") points
back to the person it titled ("Mayor Doug Reyes"). ``extract_quotes`` returns the resolved
speaker; ``extract_attributions`` keeps the pronoun's
own span too (for evaluation against surface annotations). Unnamed speakers keep their
description ("a defence official", "собеседник издания").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from storyline.model import Quote

__all__ = ["Attribution", "MAX_QUOTE_CHARS", "extract_attributions", "extract_quotes", "find_quoted_spans"]

MAX_QUOTE_CHARS = 3000  # longer "quotes" are almost always a mark that never closed
MAX_QUOTE_PARAGRAPHS = 6
MIN_DIRECT_WORDS = 4  # shorter quoted stretches are scare quotes or titles unless a cue sits next to them
FLOATING_GAP_PARAGRAPHS = 2
RESOLVE_MODE = "subject"  # last | speaker | subject (tuned on the GGT tuning subset)

# ----------------------------------------------------------------------------- quote marks

_OPENERS = {"“": '”"“', '"': '"”“', "«": "»", "„": '“”"', "‘": "’", "‹": "›", "”": '”"'}
_ALL_MARKS = set('“”"«»„‘’‹›')
_FLANK_PUNCT = set(".,;:!?)]}—–-…") | _ALL_MARKS
_OPEN_PREV = set("([{—–-/:") | _ALL_MARKS


def _can_open(text: str, i: int) -> bool:
    nxt = text[i + 1] if i + 1 < len(text) else " "
    prev = text[i - 1] if i > 0 else " "
    return not nxt.isspace() and (prev.isspace() or prev in _OPEN_PREV)


def _can_close(text: str, i: int) -> bool:
    nxt = text[i + 1] if i + 1 < len(text) else " "
    prev = text[i - 1] if i > 0 else " "
    return not prev.isspace() and (nxt.isspace() or nxt in _FLANK_PUNCT)


def _mangled_close(text: str, i: int) -> bool:
    """``safer, ”the minister said`` / ``went well, ”General Orr said``: translation moved the
    space before the closing mark. Inside an open quotation, a mark after clause-final
    punctuation and a space, glued to the next word, closes it: a new quotation cannot open
    inside the first. A capital after the mark is allowed only for the marks that close
    (``”`` and ``"``), since ``“`` there may open the next quotation."""
    j = i - 1
    while j >= 0 and text[j] == " ":
        j -= 1
    if not (j >= 0 and j < i - 1 and text[j] in ",.!?…" and i + 1 < len(text)):
        return False
    nxt = text[i + 1]
    return nxt.islower() or (nxt.isupper() and text[i] in '”"')


def _find_close(text: str, start: int, end: int, opener: str) -> int | None:
    """Index of the mark closing ``opener`` in text[start:end], or None."""
    closers = _OPENERS[opener]
    if opener in "«‹":
        depth = 1
        for k in range(start, end):
            ch = text[k]
            if ch == opener:
                depth += 1
            elif ch in closers:
                depth -= 1
                if depth == 0:
                    return k
        return None
    for k in range(start, end):
        ch = text[k]
        if ch in closers and (_can_close(text, k) or _mangled_close(text, k)):
            if ch == "’" and k + 1 < len(text) and text[k + 1].isalpha():
                continue  # an apostrophe (don’t), not a closing mark
            return k
    return None


_PARA_BREAK = re.compile(r"\n(?:[ \t]*[.\-*•]?[ \t]*\n)*[ \t]*")


def _spans_between(separator: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    """Bounds of the non-empty stretches of ``text`` between matches of ``separator``."""
    out, start = [], 0
    for m in separator.finditer(text):
        if m.start() > start:
            out.append((start, m.start()))
        start = m.end()
    if start < len(text):
        out.append((start, len(text)))
    return out


def _paragraphs(text: str) -> list[tuple[int, int]]:
    """Paragraph bounds; a line holding only a dot (a common scraping artefact) is a separator."""
    return _spans_between(_PARA_BREAK, text)


def find_quoted_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of the content of every closed quotation, marks excluded, in order."""
    paras = _paragraphs(text)
    spans: list[tuple[int, int]] = []
    p = 0
    while p < len(paras):
        ps, pe = paras[p]
        i = ps
        next_p = p + 1
        while i < pe:
            ch = text[i]
            if ch not in _OPENERS or not _can_open(text, i) or (ch == "”" and i != ps):
                # "”" opens only at a paragraph start (mangled translations); elsewhere it closes
                i += 1
                continue
            k = _find_close(text, i + 1, pe, ch)
            if k is not None:
                if k - i - 1 <= MAX_QUOTE_CHARS:
                    spans.append((i + 1, k))
                i = k + 1
                continue
            # Unclosed in this paragraph: continue only if following paragraphs open with a mark.
            q, end = p, None
            while q + 1 < len(paras) and q - p < MAX_QUOTE_PARAGRAPHS:
                ns, ne = paras[q + 1]
                if text[ns] not in _OPENERS:
                    break
                q += 1
                k = _find_close(text, ns + 1, ne, text[ns])
                if k is not None:
                    end = k
                    break
            if end is not None and end - i - 1 <= MAX_QUOTE_CHARS:
                spans.append((i + 1, end))
                next_p = q + 1
                i = pe
                break
            i += 1  # never closed: record nothing, go on scanning after the mark
        p = max(next_p, p + 1)
    return spans


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
    kind: str  # direct | indirect
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
        return start, words[0][1]
    # a description: walk left to its determiner ("a senior defence official")
    for k, (ws, _we) in enumerate(words[:7]):
        w = text[ws:_we].lower()
        if language != "ru" and w in _EN_DETERMINERS:
            return ws, words[0][1]
        if language != "ru" and w in _EN_TIME_WORDS and k > 0:
            return words[k - 1][0], words[0][1]
    if language == "ru":
        return words[min(len(words), 3) - 1][0], words[0][1]
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
            return sorted((s.start, s.stop) for s in doc.spans if s.type == "PER")
        return _natasha_persons(text)
    if doc is not None:
        return [span for e in doc.ents if e.label_ == "PERSON" and (span := _letters(text, e.start_char, e.end_char))]
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
    for ent in doc.ents:
        if ent.label_ == "PERSON" and any(t.dep_ in ("nsubj", "nsubjpass") for t in ent):
            span = _letters(doc.text, ent.start_char, ent.end_char)
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
    # "the mayor" after "Mayor Doug McCallum": a definite title points back to the person it titled
    m = re.fullmatch(r"the (\w+)", word)
    if m and m[1] in _EN_TITLES:
        for ps, pe in reversed(ctx.persons):
            if pe <= span[0] and re.search(
                rf"\b{m[1]}\W{{1,3}}(?:\w+\W+)?$", ctx.text[max(0, ps - 30) : ps], re.I
            ):
                return ps, pe
    return span


# ----------------------------------------------------------------------------- English, parse-based


def _en_np_span(tok: Any) -> tuple[int, int]:
    """Character span of a subject noun phrase without its appositions and relative clauses."""
    if tok.tag_ in ("PRP",):
        return tok.idx, tok.idx + len(tok)
    # prefer a proper-name apposition: "the minister, Sergei Shoigu, said" -> Sergei Shoigu
    if tok.ent_type_ != "PERSON":
        for child in tok.children:
            if child.dep_ == "appos" and child.ent_type_ == "PERSON":
                return _en_np_span(child)
    left = tok
    for child in tok.lefts:
        if child.dep_ in (
            "det",
            "compound",
            "amod",
            "poss",
            "nmod",
            "nummod",
            "case",
            "quantmod",
            "npadvmod",
        ):
            left = child.left_edge if child.left_edge.i < left.i else left
            break
    right = tok
    for child in tok.rights:
        if child.dep_ == "prep" and child.lower_ in ("of", "for", "at", "with", "from"):
            right = child.right_edge
        elif child.dep_ == "case":
            right = child
        else:
            break
    start = left.idx
    end = right.idx + len(right)
    # Doc.text joins every token each time it is read: cache it on the doc.
    doc_text = tok.doc.user_data.get("storyline_text")
    if doc_text is None:
        doc_text = tok.doc.user_data["storyline_text"] = tok.doc.text
    cut = doc_text.rfind("\n", start, tok.idx)
    if cut >= 0:  # a headline above the paragraph is not part of the name
        start = cut + 1
    while start < end and doc_text[start].isspace():
        start += 1
    return start, end


def _en_subject(verb: Any) -> Any | None:
    for child in verb.children:
        # a quote mark the parser took for the subject ('..., »says Ana') names nobody
        if child.dep_ in ("nsubj", "nsubjpass") and not child.is_punct:
            if child.tag_ in ("WP", "WDT") and verb.dep_ == "relcl":
                return verb.head  # "veteran MPs who say ...": the relative pronoun stands for its noun
            return child
    # "..., adding that ..." / "and added": share the governing verb's subject
    if verb.dep_ in ("conj", "advcl", "xcomp") and verb.head is not verb:
        for child in verb.head.children:
            if child.dep_ == "nsubj":
                return child
    return None


def _en_parse_attributions(
    ctx: _Context, doc: Any, direct: list[tuple[int, int]]
) -> tuple[dict[int, tuple[Any, Any]], list[Attribution]]:
    """Speech verbs of the parse: the (verb, subject) per sentence start, and indirect quotes."""
    indirect: list[Attribution] = []
    verbs_by_sentence: dict[int, list[tuple[Any, Any]]] = {}

    def inside_direct(a: int, b: int) -> bool:
        return any(s <= a and b <= e for s, e in direct)

    def overlaps_direct(a: int, b: int) -> int:
        return sum(max(0, min(b, e) - max(a, s)) for s, e in direct)

    for sent in doc.sents:
        for tok in sent:
            low = tok.lower_
            if low == "according" and tok.i + 1 < len(doc) and doc[tok.i + 1].lower_ == "to":
                to = doc[tok.i + 1]
                pobj = next((c for c in to.children if c.dep_ == "pobj"), None)
                if pobj is None or inside_direct(tok.idx, tok.idx + 1):
                    continue
                spk = _en_np_span(pobj)
                # content: the sentence without the "according to X," phrase
                phrase_end = to.right_edge.idx + len(to.right_edge)
                rest_start = phrase_end
                while rest_start < sent.end_char and ctx.text[rest_start] in " ,":
                    rest_start += 1
                if rest_start < sent.end_char - 1 and tok.i == sent.start:
                    cs, ce = rest_start, sent.end_char
                else:
                    cs, ce = sent.start_char, tok.idx
                cs, ce = _trim(ctx.text, cs, ce)
                if ce - cs > 15 and overlaps_direct(cs, ce) < (ce - cs) / 2:
                    indirect.append(
                        Attribution(
                            cs,
                            ce,
                            "indirect",
                            "according to",
                            tok.idx,
                            to.idx + len(to),
                            spk[0],
                            spk[1],
                            *spk,
                        )
                    )
                continue
            # Penn tags (VB*, MD) rather than coarse POS: the attribute ruler that maps
            # tags to POS is left out of the shared pipeline for speed.
            if low not in EN_CUE_SET or not (tok.tag_.startswith("VB") or tok.tag_ == "MD"):
                continue
            if low in _EN_NOT_INDIRECT and not tok.is_lower:
                continue  # "Asked what ...", "Continued below": headings and questions
            if inside_direct(tok.idx, tok.idx + len(tok)):
                continue
            subj = _en_subject(tok)
            if subj is not None:
                verbs_by_sentence.setdefault(sent.start_char, []).append((tok, subj))
            comps = [c for c in tok.children if c.dep_ == "ccomp"]
            if not comps or subj is None or low in _EN_NOT_INDIRECT:
                continue
            # "X says he drank too much, used drugs and ...": several ccomps make one content
            left = min((c.left_edge for c in comps), key=lambda t: t.i)
            right = max((c.right_edge for c in comps), key=lambda t: t.i)
            if left.dep_ == "mark" and left.lower_ in ("that", "if", "whether"):
                left = doc[left.i + 1]
            cs, ce = _trim(ctx.text, left.idx, right.idx + len(right))
            if ce - cs < 12 or len(ctx.text[cs:ce].split()) < 3:
                continue
            if overlaps_direct(cs, ce) > (ce - cs) * 0.5:
                continue  # a direct quote: attributed in the direct pass
            spk = _en_np_span(subj)
            indirect.append(
                Attribution(cs, ce, "indirect", tok.text, tok.idx, tok.idx + len(tok), spk[0], spk[1], *spk)
            )
    return verbs_by_sentence, indirect


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and (text[s].isspace() or text[s] in ',;:—–-"“”«»„‘’'):
        s += 1
    while e > s and (text[e - 1].isspace() or text[e - 1] in ',;:—–-."“”«»„‘’'):
        e -= 1
    return s, e


# ----------------------------------------------------------------------------- regex attribution

# Cue verbs match in lower case only: "the United States" holds no cue.
_EN_AFTER_CUE_FIRST = re.compile(rf"^[\s,.!?…—–-]*(?P<cue>{_EN_CUE})\b")
_EN_AFTER_ACCORDING = re.compile(r"^[\s,.!?…—–-]*(?P<cue>according to)\s", re.I)
_EN_BEFORE_CUE = re.compile(rf"\b(?P<cue>{_EN_CUE})\b(?P<tail>[^\"“”«»„.!?]{{0,60}}?)[:,]?\s*$")
_EN_AFTER_SUBJECT_CUE = re.compile(rf"\b(?P<cue>{_EN_CUE})\b")

_RU_AFTER = re.compile(rf"^[\s,.!?…]*[—–-]\s*(?P<cue>{_RU_CUE})(?!\w)", re.I)
_RU_AFTER_SUBJECT = re.compile(
    rf"^[\s,.!?…]*[—–-]\s*(?P<spk>[^—–\n]{{1,60}}?)\s+(?P<cue>{_RU_CUE})(?!\w)", re.I
)
_RU_BEFORE = re.compile(rf"(?<!\w)(?P<cue>{_RU_CUE})(?P<tail>[^«»\"“”„.!?]{{0,60}}?)[:,]?\s*$", re.I)


def _sentence_of(ctx: _Context, pos: int) -> tuple[int, int]:
    for s, e in ctx.sentences:
        if s <= pos < e:
            return s, e
    return pos, pos


def _attribute_direct_regex(
    ctx: _Context, qs: int, qe: int
) -> tuple[str, int, int, tuple[int, int] | None] | None:
    """(cue, cue_start, cue_end, speaker span) from the words next to the quote marks."""
    text, lang = ctx.text, ctx.language
    after_start = qe + 1
    para_end = text.find("\n", after_start)
    para_end = len(text) if para_end < 0 else para_end
    after = text[after_start : min(para_end, after_start + 160)]
    if lang == "ru":
        m = _RU_AFTER.match(after)
        if m:
            cs, ce = after_start + m.start("cue"), after_start + m.end("cue")
            return m["cue"], cs, ce, _phrase_after(text, ce, min(para_end, ce + 120), lang)
        m = _RU_AFTER_SUBJECT.match(after)
        if m:
            cs, ce = after_start + m.start("cue"), after_start + m.end("cue")
            return m["cue"], cs, ce, (after_start + m.start("spk"), after_start + m.end("spk"))
    else:
        m = _EN_AFTER_CUE_FIRST.match(after)
        if m:
            cs, ce = after_start + m.start("cue"), after_start + m.end("cue")
            spk = _phrase_after(text, ce, min(para_end, ce + 120), lang)
            if spk is not None:
                return m["cue"], cs, ce, spk
        m = _EN_AFTER_ACCORDING.match(after)
        if m:
            cs, ce = after_start + m.start("cue"), after_start + m.end("cue")
            return m["cue"], cs, ce, _phrase_after(text, ce, min(para_end, ce + 120), lang)
        # ', a defence official said.' / '," he told reporters.'
        head = re.match(r"^[\s,.!?…—–-]*", after)
        lead = head.end() if head else 0
        clause_end = re.search(r"[.!?;:]|$", after[lead:])
        window = after[: lead + (clause_end.start() if clause_end else len(after))]
        m = _EN_AFTER_SUBJECT_CUE.search(window, lead)
        if m and m.start() - lead <= 70:
            cs, ce = after_start + m.start("cue"), after_start + m.end("cue")
            spk = _subject_before(text, cs, after_start + lead, lang)
            if spk is not None and spk[0] == after_start + lead:
                return m["cue"], cs, ce, spk
    # before the opening mark: 'X said: "...' / 'X заявил: «...'
    sent_start = _sentence_of(ctx, max(qs - 2, 0))[0]
    para_start = text.rfind("\n", 0, qs - 1) + 1
    floor = max(sent_start, para_start, qs - 200)
    before = text[floor : qs - 1]
    m = (_RU_BEFORE if lang == "ru" else _EN_BEFORE_CUE).search(before)
    if m and (
        before[m.end() - 1 :].strip()[-1:] in (":", ",") or lang == "ru" or not before[m.end() :].strip()
    ):
        cs, ce = floor + m.start("cue"), floor + m.end("cue")
        tail = m["tail"].strip()
        spk = _subject_before(text, cs, floor, lang)
        if spk is None and tail:
            spk = _phrase_after(text, ce, floor + m.end("tail"), lang)
        if spk is not None:
            return m["cue"], cs, ce, spk
    return None


def _attribute_direct_parse(
    ctx: _Context, qs: int, qe: int, verbs: dict[int, list[tuple[Any, Any]]], doc: Any
) -> tuple[str, int, int, tuple[int, int]] | None:
    """A speech verb with a subject in the sentences the quote touches, nearest to the quote."""
    best = None
    for sent in doc.sents:
        if sent.end_char <= qs or sent.start_char >= qe:
            continue
        for verb, subj in verbs.get(sent.start_char, []):
            if qs <= verb.idx < qe:
                continue
            if any(c.dep_ == "ccomp" and not (qs <= c.idx < qe) for c in verb.children):
                continue  # the verb frames its own (indirect) content, not this quote
            dist = qs - verb.idx if verb.idx < qs else verb.idx - qe
            if best is None or dist < best[0]:
                best = (dist, verb, subj)
    if best is None or best[0] > 150:
        return None
    _, verb, subj = best
    return verb.text, verb.idx, verb.idx + len(verb), _en_np_span(subj)


# ----------------------------------------------------------------------------- indirect by regex

_EN_INDIRECT_THAT = re.compile(
    rf"\b(?P<cue>{_EN_CUE})\b(?:\s+\w+){{0,3}}?\s+that\s+(?P<content>[^.!?\n]{{10,}})"
)
_EN_ACCORDING_FRONT = re.compile(
    r"(?:^|(?<=[.!?]\s)|(?<=\n))(?P<cue>According to)\s+(?P<spk>[^,\n]{2,80}),\s*"
    r"(?P<content>[^\n]+?[.!?])(?=\s|$)"
)
_RU_INDIRECT_CHTO = re.compile(
    rf"(?<!\w)(?P<cue>{_RU_CUE})(?P<tail>[^,.!?\n«»]{{0,40}}),\s+что\s+"
    rf"(?P<content>[^.!?\n]{{10,}})",
    re.I,
)
_RU_PO_SLOVAM = re.compile(
    r"(?:^|(?<=[.!?]\s)|(?<=\n)|(?<=[.!?]»\s))(?P<cue>[Пп]о словам|[Кк]ак (?:сказал|заявил|"
    r"отметил|сообщил|пояснил|рассказал|подчеркнул)а?)\s+(?P<spk>[^,\n]{2,80}),\s*"
    r"(?P<content>[^\n]+?[.!?])(?=\s|$)"
)


def _regex_indirect(ctx: _Context, direct: list[tuple[int, int]]) -> list[Attribution]:
    text, lang = ctx.text, ctx.language
    out: list[Attribution] = []

    def clash(a: int, b: int) -> bool:
        return any(s < b and a < e for s, e in direct)

    pat_that = _RU_INDIRECT_CHTO if lang == "ru" else _EN_INDIRECT_THAT
    for m in pat_that.finditer(text):
        cs, ce = _trim(text, m.start("content"), m.end("content"))
        if clash(m.start("cue"), m.end("cue")) or clash(cs, ce):
            continue
        sent_start = _sentence_of(ctx, m.start("cue"))[0]
        spk = _subject_before(text, m.start("cue"), sent_start, lang)
        if spk is None and lang == "ru":
            spk = _phrase_after(text, m.end("cue"), m.end("tail"), lang)
        if spk is None:
            continue
        out.append(
            Attribution(cs, ce, "indirect", m["cue"], m.start("cue"), m.end("cue"), spk[0], spk[1], *spk)
        )
    pat_front = _RU_PO_SLOVAM if lang == "ru" else _EN_ACCORDING_FRONT
    for m in pat_front.finditer(text):
        cs, ce = _trim(text, m.start("content"), m.end("content"))
        if clash(cs, ce):
            continue
        ss, se = m.start("spk"), m.end("spk")
        out.append(Attribution(cs, ce, "indirect", m["cue"], m.start("cue"), m.end("cue"), ss, se, ss, se))
    return out


# ----------------------------------------------------------------------------- public


def _word_count(s: str) -> int:
    return len(s.split())


def extract_attributions(text: str, language: str | None, doc: Any = None) -> list[Attribution]:
    """All quotes found in ``text`` with cue and speaker spans, in reading order."""
    lang = "ru" if (language or "").lower().startswith("ru") else "en"
    use_parse = lang == "en" and doc is not None and hasattr(doc, "sents")
    sentences = [(s.start_char, s.end_char) for s in doc.sents] if use_parse else _regex_sentences(text)
    quoted = find_quoted_spans(text)
    # a name inside quote marks is what someone talked about, not who talks next
    persons = [p for p in _persons(text, lang, doc) if not any(s <= p[0] and p[1] <= e for s, e in quoted)]
    ctx = _Context(
        text,
        lang,
        persons,
        sentences,
        _subject_persons(persons, doc) if use_parse else persons,
        _genders(text, persons, lang),
    )
    paragraphs = _paragraphs(text)

    def para_index(pos: int) -> int:
        for i, (_s, e) in enumerate(paragraphs):
            if pos < e:
                return i
        return len(paragraphs) - 1

    verbs: dict[int, list[tuple[Any, Any]]] = {}
    indirect: list[Attribution] = []
    if use_parse:
        verbs, indirect = _en_parse_attributions(ctx, doc, quoted)

    raw: list[Attribution] = []
    subject_of_verb = {verb.idx: subj for sent_verbs in verbs.values() for verb, subj in sent_verbs}
    for qs, qe in quoted:
        found = _attribute_direct_regex(ctx, qs, qe)
        if found is not None and found[1] in subject_of_verb:
            # the parse knows the cue's subject better than the word-window guess
            found = (*found[:3], _en_np_span(subject_of_verb[found[1]]))
        if found is None and use_parse:
            found = _attribute_direct_parse(ctx, qs, qe, verbs, doc)
        if found is not None:
            if _word_count(text[qs:qe]) < MIN_DIRECT_WORDS and not (
                _adjacent_cue(text, qs, qe, found[1]) and _starts_sentence(text, qs)
            ):
                continue  # a scare quote inside reported speech ('called it "bold"')
            cue, cs, ce, spk = found
            s0, s1 = spk if spk else (None, None)
            raw.append(Attribution(qs, qe, "direct", cue, cs, ce, s0, s1, s0, s1))
        elif _word_count(text[qs:qe]) >= MIN_DIRECT_WORDS and _starts_sentence(text, qs):
            raw.append(Attribution(qs, qe, "direct", None, None, None, None, None, None, None, floating=True))

    if not use_parse:
        indirect = _regex_indirect(ctx, quoted)
    # an indirect quote whose cue already attributes a direct quote is that quote's frame
    used_cues = {a.cue_start for a in raw if a.cue_start is not None}
    raw.extend(a for a in indirect if a.cue_start not in used_cues)
    raw.sort(key=lambda a: (a.start, a.end))
    raw = [a for i, a in enumerate(raw) if i == 0 or (a.start, a.end) != (raw[i - 1].start, raw[i - 1].end)]
    return _resolve_speakers(ctx, raw, para_index)


def _resolve_speakers(ctx: _Context, raw: list[Attribution], para_index: Any) -> list[Attribution]:
    """Pronouns to people, floating quotes to the previous speaker, in reading order.

    A pronoun goes to the last-named person before it; when an earlier quote had a named
    speaker and no other person was named as a sentence subject since, that speaker wins
    (news paragraphs alternate "X said" and "he said" about the same person).
    """
    out: list[Attribution] = []
    last: Attribution | None = None
    last_named: tuple[int, int] | None = None
    for a in raw:
        if a.floating:
            if last is not None and para_index(a.start) - para_index(last.end) <= FLOATING_GAP_PARAGRAPHS:
                a = replace(a, speaker_start=last.speaker_start, speaker_end=last.speaker_end)
            else:
                a = replace(a, floating=False)
        elif a.surface_start is not None:
            span = (a.surface_start, a.surface_end)
            resolved = _resolve(ctx, span, last_named)  # type: ignore[arg-type]
            a = replace(a, speaker_start=resolved[0], speaker_end=resolved[1])
            if any(ps < resolved[1] and resolved[0] < pe for ps, pe in ctx.persons) or _looks_like_name(
                ctx.text[resolved[0] : resolved[1]]
            ):
                last_named = resolved  # only people: "he said" never points back to a company
        out.append(a)
        if a.speaker_start is not None:
            last = a
    return out


def _adjacent_cue(text: str, qs: int, qe: int, cue_start: int) -> bool:
    """A short quote still counts when its cue is right next to it ('"No," he said.')."""
    return 0 <= cue_start - qe <= 25 or 0 <= qs - cue_start <= 40


def _starts_sentence(text: str, qs: int) -> bool:
    j = qs - 2
    while j >= 0 and text[j] in " \t":
        j -= 1
    return j < 0 or text[j] in "\n.!?:…" or text[j] in _ALL_MARKS


def extract_quotes(article_id: str, text: str, language: str | None, doc: Any = None) -> list[Quote]:
    """Quotes of ``text`` as ``Quote`` records (``text[q.start:q.end] == q.text``).

    ``doc`` is the spaCy parse of ``text`` for English (``storyline.nlp.english()(text)``);
    without it English falls back to regular expressions. For Russian ``doc`` may be a
    natasha ``Doc`` with NER already run; otherwise natasha is run here for person names.
    """
    quotes = []
    for a in extract_attributions(text, language, doc):
        spk = text[a.speaker_start : a.speaker_end] if a.speaker_start is not None else None
        quotes.append(
            Quote(
                article_id,
                a.start,
                a.end,
                text[a.start : a.end],
                spk,
                a.speaker_start,
                a.speaker_end,
                a.cue,
                a.kind,
            )
        )
    return quotes
