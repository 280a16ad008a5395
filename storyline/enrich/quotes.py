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
4. **Learned attributions.** English with a parse: the attribution tagger trained on PolNeAR
   (:mod:`storyline.enrich.attribution_model`) adds the frames the rules missed whose cue is not
   a speech verb, as kind ``attributed`` (stances, beliefs, intentions: ``X believes ...``,
   ``X wants ...``, ``X's claim that ...``); reported speech stays the rules' job
   (``LEARNED_SPEECH``).

A refusal is not a quote: a speech verb that is negated or governed by a verb of refusing
("would not say", "declined to say when ..."), and a tagger frame whose cue is one ("declined to
comment"), record nothing (``quote_cues.REFUSAL_VERBS``).

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

from dataclasses import replace
from typing import Any

from storyline.model import Quote

from .attribution_model import load_attribution_model
from .quote_cues import (
    REFUSAL_VERBS,
    _attribute_direct_parse,
    _attribute_direct_regex,
    _en_np_span,
    _en_parse_attributions,
    _regex_indirect,
)
from .quote_marks import _ALL_MARKS, MAX_QUOTE_CHARS, _paragraphs, find_quoted_spans
from .quote_speakers import (
    EN_CUE_SET,
    RU_CUE_SET,
    Attribution,
    _Context,
    _genders,
    _looks_like_name,
    _persons,
    _regex_sentences,
    _resolve,
    _subject_persons,
)
from .speaker_ranker import rank_speakers

__all__ = [
    "EN_CUE_SET",
    "MAX_QUOTE_CHARS",
    "RU_CUE_SET",
    "Attribution",
    "extract_attributions",
    "extract_quotes",
    "find_quoted_spans",
    "model_cue_words",
    "rule_attributions",
]

MIN_DIRECT_WORDS = 4  # shorter quoted stretches are scare quotes or titles unless a cue sits next to them
FLOATING_GAP_PARAGRAPHS = 2
# Reported speech is the rules' job: the tagger's speech-verb frames the rules did not take
# cost GGT 5 points of quote precision for 2 of recall (benchmarks/results/quotes.md).
LEARNED_SPEECH = False
LEARNED_OVERLAP = 0.5  # a learned frame sharing more than this with a rule quote is that quote

# ----------------------------------------------------------------------------- public


def _word_count(s: str) -> int:
    return len(s.split())


def extract_attributions(
    text: str, language: str | None, doc: Any = None, learned: bool = True
) -> list[Attribution]:
    """All quotes found in ``text`` with cue and speaker spans, in reading order.

    With a parse and ``learned`` (the default), the attribution tagger
    (:mod:`storyline.enrich.attribution_model`) adds the frames the rules missed; the
    rules keep every quote they found (direct quotes above all); and the speaker ranker
    (:mod:`storyline.enrich.speaker_ranker`) picks each speech quote's speaker among the
    people and noun phrases around it, the rules' choice among them."""
    ctx, found = rule_attributions(text, language, doc, learned)
    if learned and ctx.language == "en" and doc is not None and hasattr(doc, "sents"):
        found = rank_speakers(ctx, doc, found)
    return found


def rule_attributions(
    text: str, language: str | None, doc: Any = None, learned: bool = True
) -> tuple[_Context, list[Attribution]]:
    """The article's context and its quotes with the rules' speakers (no ranker)."""
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
    if use_parse and learned:
        raw.extend(_learned_attributions(doc, raw, quoted))
    raw.sort(key=lambda a: (a.start, a.end))
    raw = [a for i, a in enumerate(raw) if i == 0 or (a.start, a.end) != (raw[i - 1].start, raw[i - 1].end)]
    return ctx, _split_paragraphs(text, _resolve_speakers(ctx, raw, para_index), paragraphs)


def _split_paragraphs(
    text: str, found: list[Attribution], paragraphs: list[tuple[int, int]]
) -> list[Attribution]:
    """A direct quote continued over several paragraphs (news style: each paragraph reopens
    the mark) becomes one quote per paragraph, all with its cue and speaker: annotators count
    each paragraph as a quote, and a shorter span says where each part was said."""
    out = []
    for a in found:
        if a.kind != "direct" or "\n" not in text[a.start : a.end]:
            out.append(a)
            continue
        for ps, pe in paragraphs:
            s, e = max(a.start, ps), min(a.end, pe)
            while s < e and (text[s].isspace() or text[s] in _ALL_MARKS):
                s += 1
            while e > s and (text[e - 1].isspace() or text[e - 1] in _ALL_MARKS):
                e -= 1
            if e > s:
                out.append(replace(a, start=s, end=e))
    return out


def model_cue_words() -> frozenset[str]:
    """Cue words of the packaged attribution tagger (empty without it): sentences holding
    one are parsed by enrichment so the tagger can read them."""
    model = load_attribution_model()
    return model.cue_words if model is not None else frozenset()


def _learned_attributions(
    doc: Any, found: list[Attribution], quoted: list[tuple[int, int]]
) -> list[Attribution]:
    """The tagger's frames that no rule found: content not overlapping a found quote by
    more than ``LEARNED_OVERLAP`` of the shorter one, cue not already used, cue not inside
    quote marks (a frame inside a quote is part of what the speaker said), and, unless
    ``LEARNED_SPEECH``, cue not a speech verb."""
    model = load_attribution_model()
    if model is None:
        return []
    used_cues = {a.cue_start for a in found if a.cue_start is not None}
    out = []
    for c, _p in model.predict(doc):
        cue = doc[c.cue]
        if cue.idx in used_cues or any(qs <= cue.idx < qe for qs, qe in quoted):
            continue
        if cue.lower_ in REFUSAL_VERBS or (cue.dep_ == "xcomp" and cue.head.lower_ in REFUSAL_VERBS):
            continue  # "declined to comment", "refused to say why": a refusal says nothing
        length = c.content_end - c.content_start
        if any(
            min(a.end, c.content_end) - max(a.start, c.content_start)
            > LEARNED_OVERLAP * min(length, a.end - a.start)
            for a in found
        ):
            continue
        source = doc[c.source] if c.source is not None else _noun_cue_agent(cue)
        s0, s1 = _en_np_span(source) if source is not None else (None, None)
        # reported speech when the cue is a speech verb; otherwise a stance, belief or
        # intention attributed to the source ("X believes ...", "X wants ...")
        kind = "indirect" if cue.lower_ in EN_CUE_SET or c.link == "according" else "attributed"
        if kind == "indirect" and not LEARNED_SPEECH:
            continue
        out.append(
            Attribution(
                c.content_start,
                c.content_end,
                kind,
                cue.text,
                cue.idx,
                cue.idx + len(cue),
                s0,
                s1,
                s0,
                s1,
            )
        )
    return out


def _noun_cue_agent(cue: Any) -> Any | None:
    """Whose a noun cue is when no possessive says so: "a plan by the governor to build ..."."""
    if not cue.tag_.startswith("NN"):
        return None
    for child in cue.children:
        if child.dep_ == "prep" and child.lower_ == "by":
            return next((g for g in child.children if g.dep_ == "pobj"), None)
    return None


def _resolve_speakers(ctx: _Context, raw: list[Attribution], para_index: Any) -> list[Attribution]:
    """Pronouns to people, floating quotes to the previous speaker, in reading order.

    A pronoun goes to the last-named person before it; when an earlier quote had a named
    speaker and no other person was named as a sentence subject since, that speaker wins
    (news paragraphs alternate "X said" and "he said" about the same person). The tagger's
    ``attributed`` frames are resolved too but leave the chain as the rules' quotes made it.
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
            if a.kind == "attributed":
                out.append(a)  # a stance or belief: it never decides who the next quote's "he" is
                continue
            if any(ps < resolved[1] and resolved[0] < pe for ps, pe in ctx.persons) or _looks_like_name(
                ctx.text[resolved[0] : resolved[1]]
            ):
                last_named = resolved  # only people: "he said" never points back to a company
        out.append(a)
        if a.speaker_start is not None and a.kind != "attributed":
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


def extract_quotes(
    article_id: str, text: str, language: str | None, doc: Any = None, learned: bool = True
) -> list[Quote]:
    """Quotes of ``text`` as ``Quote`` records (``text[q.start:q.end] == q.text``).

    ``doc`` is the spaCy parse of ``text`` for English (``storyline.nlp.english()(text)``);
    without it English falls back to regular expressions. For Russian ``doc`` may be a
    natasha ``Doc`` with NER already run; otherwise natasha is run here for person names.
    """
    quotes = []
    for a in extract_attributions(text, language, doc, learned):
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
