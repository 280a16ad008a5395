"""Cue verbs and their speakers: from the English parse, and by regular expressions for
direct quotes, unparsed English and Russian (part of ``storyline.enrich.quotes``)."""

from __future__ import annotations

import re
from typing import Any

from ..clean.boilerplate import leading_dateline
from ..nlp import doc_text
from .quote_speakers import (
    _EN_CUE,
    _EN_NOT_INDIRECT,
    _RU_CUE,
    EN_CUE_SET,
    Attribution,
    _Context,
    _phrase_after,
    _subject_before,
)

# ----------------------------------------------------------------------------- refusals

# Verbs of refusing: "declined to say when ...", "refused to comment": what follows is what was
# not said, so neither they nor the speech verb they govern make a quote.
REFUSAL_VERBS = frozenset("decline declined declines declining refuse refused refuses refusing".split())
_EN_REFUSAL_BEFORE = re.compile(
    r"(?:\b(?:declin|refus)\w*\s+to|\b(?:not|never)|n[’']t)\s+(?:\w+ly\s+)?$", re.I
)
_RU_REFUSAL_BEFORE = re.compile(r"(?:(?<!\w)не|(?<!\w)отказ\w*)\s+$", re.I)


def _refused(tok: Any) -> bool:
    """A speech verb that is negated ("would not say", "did n't say") or governed by a verb of
    refusing ("declined to say", "refused to confirm"): its complement was not said."""
    if any(c.dep_ == "neg" for c in tok.children):
        return True
    return tok.dep_ == "xcomp" and tok.head is not tok and tok.head.lower_ in REFUSAL_VERBS


def _refusal_before(text: str, cue_start: int, language: str) -> bool:
    """The same without a parse: a negation or a verb of refusing right before the cue."""
    pattern = _RU_REFUSAL_BEFORE if language == "ru" else _EN_REFUSAL_BEFORE
    return pattern.search(text, max(0, cue_start - 30), cue_start) is not None


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
    text = doc_text(tok.doc)
    cut = text.rfind("\n", start, tok.idx)
    if cut >= 0:  # a headline above the paragraph is not part of the name
        start = cut + 1
    while start < end and text[start].isspace():
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
            if inside_direct(tok.idx, tok.idx + len(tok)) or _refused(tok):
                continue  # inside a quote, or "declined to say when ...": not a statement
            subj = _en_subject(tok)
            if subj is not None:
                verbs_by_sentence.setdefault(sent.start_char, []).append((tok, subj))
            comps = [c for c in tok.children if c.dep_ == "ccomp"]
            if not comps and subj is not None and tok.dep_ == "parataxis" and low not in _EN_NOT_INDIRECT:
                indirect.extend(_parenthetical(ctx, sent, tok, subj, overlaps_direct))
                continue
            if not comps or subj is None or low in _EN_NOT_INDIRECT:
                continue
            # "X says he drank too much, used drugs and ...": several ccomps make one content
            left = min((c.left_edge for c in comps), key=lambda t: t.i)
            right = max((c.right_edge for c in comps), key=lambda t: t.i)
            if left.dep_ == "mark" and left.lower_ in ("that", "if", "whether"):
                left = doc[left.i + 1]
            cs, ce = _trim(ctx.text, left.idx, right.idx + len(right))
            spk = _en_np_span(subj)
            if right.i < subj.i:
                ce = _cut_subject_front(doc, ctx.text, cs, ce, spk[0])
            if ce - cs < 12 or len(ctx.text[cs:ce].split()) < 3:
                continue
            if overlaps_direct(cs, ce) > (ce - cs) * 0.5:
                continue  # a direct quote: attributed in the direct pass
            indirect.append(
                Attribution(cs, ce, "indirect", tok.text, tok.idx, tok.idx + len(tok), spk[0], spk[1], *spk)
            )
    return verbs_by_sentence, indirect


def _cut_subject_front(doc: Any, text: str, cs: int, ce: int, subject_start: int) -> int:
    """End of a content that comes before its speaker ("..., governor of the region Pavel Pelshin
    said"). When nothing separates the content from the speaker, the parser may have hung the
    front of the speaker's phrase (a title) on the content: a last part after a comma with no
    verb in it belongs to the speaker, not to what was said."""
    if text[ce:subject_start].strip():
        return ce
    comma = text.rfind(",", cs, ce)
    if comma < 0:
        return ce
    tail = doc.char_span(comma + 1, ce, alignment_mode="expand")
    if tail is None or not len(tail) or any(t.tag_.startswith("VB") or t.tag_ == "MD" for t in tail):
        return ce
    return _trim(text, cs, comma)[1]


_PARENTHETICAL_TAIL = frozenset({"prep", "npadvmod", "advmod", "dative", "dobj", "pobj"})


def _parenthetical(ctx: _Context, sent: Any, verb: Any, subj: Any, overlaps_direct: Any) -> list[Attribution]:
    """Unquoted speech around a parenthetical attribution: "The drugs have few uses, he says,
    and are meant for short use." and "Prices will rise, argued Palvetzian." The parser hangs
    the speech verb on the clause as ``parataxis`` (no clausal complement), so the content is
    the sentence around the "subject + verb (+ its adjuncts)" phrase; each side of it is one
    quote, as news annotators count them."""
    first = min(subj.left_edge.i, verb.i)
    last = max(subj.right_edge.i, verb.i)
    for child in verb.rights:  # "he said in an interview", "she told reporters on Friday"
        if child.dep_ in _PARENTHETICAL_TAIL and child.left_edge.i == last + 1:
            last = child.right_edge.i
    doc = verb.doc
    out = []
    for cs, ce in ((sent.start_char, doc[first].idx), (doc[last].idx + len(doc[last]), sent.end_char)):
        cs, ce = _trim(ctx.text, cs, ce)
        if len(ctx.text[cs:ce].split()) < 2 or overlaps_direct(cs, ce) > (ce - cs) * 0.5:
            continue
        spk = _en_np_span(subj)
        out.append(Attribution(cs, ce, "indirect", verb.text, verb.idx, verb.idx + len(verb), *spk, *spk))
    return out


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and (text[s].isspace() or text[s] in ',;:—–-"“”«»„‘’'):
        s += 1
    if s == 0 or text[s - 1] == "\n":
        # a dateline cleaning left in ("KRASNOVETSK — A fire tore ...") is the page's, not the speaker's
        s += leading_dateline(text[s:e])
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
        if (
            clash(m.start("cue"), m.end("cue"))
            or clash(cs, ce)
            or _refusal_before(text, m.start("cue"), lang)
        ):
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
