"""A learned speaker ranker: who said each quote, chosen among the people and noun phrases
around it (English, with a parse).

The rules (:mod:`storyline.enrich.quotes`) name one speaker per quote: the cue verb's
subject, a pronoun resolved to the last-named person, the previous quote's speaker for a
floating quote. Their choices were fitted by hand to half of the GGT sample and generalise
less well than they look (issue 9). Here each speech quote gets *candidates*: the named
people and organisations of its sentence, the sentences before it and the one after, the
subjects of speech verbs there ("a defence official said"), the rules' own choice and the
previous quote's speaker. Each candidate gets features (its relation to the cue verb,
side and distance in sentences and characters, rank among the names before the quote,
mention type, whether it was the previous quote's speaker or the rules' choice, gender
against the pronoun the quote uses) and a logistic regression scores it; the best-scoring
candidate becomes the speaker. The model is a small JSON file of feature weights
(``models/speakers-v1.json``), rebuilt by ``storyline train speakers``
(:mod:`storyline.enrich.train_speakers`).

Nominal speakers stay nominal: when the rules' surface speaker is a description ("a White
House official", "the interlocutor") the ranker leaves the quote alone; it never swaps an
anonymous source for the nearest name.
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import json
import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy
from spacy.attrs import DEP

from .quote_cues import _en_np_span, _en_subject
from .quote_speakers import EN_CUE_SET, Attribution, _Context, _letters, _looks_like_name

__all__ = ["SpeakerModel", "load_speaker_model", "quote_candidates", "rank_speakers", "use_speaker_model"]

MODEL_PATH = Path(__file__).parent / "models" / "speakers-v1.json"
SENTENCES_BEFORE = 4  # candidates come from this many sentences before the quote ...
SENTENCES_AFTER = 1  # ... and this many after it
_ENTITY_KINDS = {"PERSON": "person", "ORG": "org"}
_PRONOUNS = {"he": "m", "him": "m", "she": "f", "her": "f", "they": "", "i": "", "we": "", "it": ""}


@dataclass(frozen=True)
class SpeakerModel:
    weights: dict[str, float]
    meta: dict[str, Any]

    def score(self, feats: dict[str, float]) -> float:
        return sum(self.weights.get(k, 0.0) * v for k, v in feats.items())

    def to_json(self) -> dict[str, Any]:
        return {"name": "speakers", "version": 1, "weights": self.weights, "meta": self.meta}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SpeakerModel:
        if data.get("name") != "speakers":
            raise ValueError("not a speaker ranker file; rebuild it with `storyline train speakers`")
        return cls(dict(data["weights"]), data.get("meta", {}))


@functools.lru_cache(maxsize=2)
def load_speaker_model(path: str | None = None) -> SpeakerModel | None:
    """The packaged ranker (or ``path``); None when the file is missing (the rules decide)."""
    p = Path(path) if path else MODEL_PATH
    if not p.exists():
        return None
    return SpeakerModel.from_json(json.loads(p.read_text("utf-8")))


_UNSET = object()
_override: list[Any] = [_UNSET]


@contextlib.contextmanager
def use_speaker_model(model: SpeakerModel | None) -> Iterator[None]:
    """Rank with ``model`` (None: the rules' speakers) instead of the packaged file, for
    cross-validation, which trains one ranker per fold and runs the product path with it."""
    _override.append(model)
    try:
        yield
    finally:
        _override.pop()


def _active_model() -> SpeakerModel | None:
    return load_speaker_model() if _override[-1] is _UNSET else _override[-1]


# ----------------------------------------------------------------------------- candidates


@dataclass(frozen=True)
class SpeakerCandidate:
    start: int
    end: int
    features: dict[str, float]


def _overlaps(a: tuple[int, int] | None, s: int, e: int) -> bool:
    return a is not None and a[0] < e and s < a[1]


def _surname(text: str, span: tuple[int, int] | None) -> str:
    if span is None:
        return ""
    words = re.findall(r"\w+", text[span[0] : span[1]].replace("’s", "").replace("'s", ""))
    return words[-1].lower() if words else ""


def situation(ctx: _Context, a: Attribution) -> str:
    """How the rules found the speaker: ``pron`` (he/she ...), ``name``, ``nominal`` (a
    description), ``none`` (floating or no speaker)."""
    if a.surface_start is None:
        return "none"
    surface = ctx.text[a.surface_start : a.surface_end]
    if surface.lower() in _PRONOUNS:
        return "pron"
    if _looks_like_name(surface) or any(_overlaps(p, a.surface_start, a.surface_end) for p in ctx.persons):  # type: ignore[arg-type]
        return "name"
    return "nominal"


class _Article:
    """What every quote of one article shares: sentences, entity spans, speech-verb subjects."""

    def __init__(self, ctx: _Context, doc: Any, quoted: list[tuple[int, int]]) -> None:
        self.ctx = ctx
        self.starts = [s for s, _e in ctx.sentences]
        self.paragraph_breaks = [m.start() for m in re.finditer(r"\n", ctx.text)]
        inside = lambda s, e: any(qs <= s and e <= qe for qs, qe in quoted)  # noqa: E731
        self.entities: dict[tuple[int, int], str] = {}
        for ent in doc.ents:
            kind = _ENTITY_KINDS.get(ent.label_)
            span = _letters(ctx.text, ent.start_char, ent.end_char) if kind else None
            if span and not inside(*span):
                self.entities[span] = kind  # type: ignore[assignment]
        # subjects of speech verbs outside quote marks: (span, cue token start)
        self.speech_subjects: dict[tuple[int, int], int] = {}
        self.subjects: set[tuple[int, int]] = set()
        # only the subject tokens are built (iterating every token of the doc cost more than the ranking)
        subject_deps = [doc.vocab.strings.add(d) for d in ("nsubj", "nsubjpass")]
        where = numpy.nonzero(numpy.isin(doc.to_array(DEP), subject_deps))[0] if len(doc) else []
        for i in where:
            tok = doc[int(i)]
            if tok.lower_ not in _PRONOUNS and not tok.is_punct:
                span = _en_np_span(tok)
                self.subjects.add(span)
                head = tok.head
                if (
                    head.lower_ in EN_CUE_SET
                    and head.tag_.startswith("VB")
                    and not inside(head.idx, head.idx + 1)
                ):
                    self.speech_subjects[span] = head.idx
        self._surnames: dict[tuple[int, int], str] = {}
        surnames = [self.surname(p) for p in ctx.persons]
        # a surname the recogniser typed PERSON anywhere is a person everywhere ("Myers" as ORG)
        self.person_names = {s for s in surnames if s}
        self.first_person = surnames[0] if surnames else ""
        self.doc = doc
        self.words = Counter(re.findall(r"\w+", ctx.text.lower()))

    def mentions(self, name: str) -> int:
        """How often the word ``name`` occurs in the article (a main character is named often)."""
        return self.words.get(name, 0) if name else 0

    def surname(self, span: tuple[int, int]) -> str:
        if span not in self._surnames:
            self._surnames[span] = _surname(self.ctx.text, span)
        return self._surnames[span]

    def sentence(self, pos: int) -> int:
        return max(0, bisect.bisect_right(self.starts, pos) - 1)

    def paragraph(self, pos: int) -> int:
        return bisect.bisect_right(self.paragraph_breaks, pos)


def _cue_subject(art: _Article, a: Attribution) -> tuple[int, int] | None:
    if a.cue_start is None:
        return None
    doc = art.doc
    span = doc.char_span(a.cue_start, a.cue_end or a.cue_start + 1, alignment_mode="expand")
    if span is None or not len(span):
        return None
    subj = _en_subject(span[0])
    return _en_np_span(subj) if subj is not None else None


def quote_candidates(
    art: _Article, a: Attribution, previous: Attribution | None, speakers: dict[str, int]
) -> list[SpeakerCandidate]:
    """The candidate speakers of quote ``a`` with their features (``previous``: the speech
    quote before it, with the rules' speaker; ``speakers``: how many of the article's other
    quotes the rules gave each surname)."""
    ctx, text = art.ctx, art.ctx.text
    s0, s1 = art.sentence(a.start), art.sentence(max(a.start, a.end - 1))
    lo = art.starts[max(0, s0 - SENTENCES_BEFORE)] if art.starts else 0
    hi = art.starts[s1 + SENTENCES_AFTER + 1] if s1 + SENTENCES_AFTER + 1 < len(art.starts) else len(text)
    rule = (a.speaker_start, a.speaker_end) if a.speaker_start is not None else None
    surface = (a.surface_start, a.surface_end) if a.surface_start is not None else None
    prev = (
        (previous.speaker_start, previous.speaker_end)
        if previous and previous.speaker_start is not None
        else None
    )
    spans: dict[tuple[int, int], str] = {}
    for span, kind in art.entities.items():
        if lo <= span[0] < hi and not (a.start <= span[0] < a.end):
            spans[span] = kind
    for span in art.speech_subjects:
        if lo <= span[0] < hi and not (a.start <= span[0] < a.end):
            spans.setdefault(span, "")
    for span in (rule, prev):
        if span is not None and span[1] > span[0]:
            spans.setdefault(span, "")
    for span, kind in list(spans.items()):
        if text[span[0] : span[1]].lower() in _PRONOUNS:
            spans[span] = "pron"  # a pronoun the rules could not resolve
        elif art.surname(span) in art.person_names:
            spans[span] = "person"
        elif not kind:  # a noun phrase: a name inside it makes it a person or an organisation
            inner = [k for e, k in art.entities.items() if span[0] <= e[0] and e[1] <= span[1]]
            spans[span] = (
                inner[0] if inner else ("person" if _looks_like_name(text[span[0] : span[1]]) else "nominal")
            )
    sit = situation(ctx, a)
    want = _PRONOUNS.get(text[surface[0] : surface[1]].lower(), "") if surface and sit == "pron" else ""
    cue_subj = _cue_subject(art, a)
    rule_name, prev_name = _surname(text, rule), _surname(text, prev)
    # rank of each person before the quote among the distinct surnames, nearest first, and
    # among those the quote's pronoun fits
    rank_before: dict[str, int] = {}
    rank_fit: dict[str, int] = {}
    for sp in sorted(
        (sp for sp, k in spans.items() if k == "person" and sp[1] <= a.start), key=lambda sp: -sp[0]
    ):
        name = art.surname(sp)
        if name not in rank_before:
            rank_before[name] = len(rank_before)
            if not want or ctx.genders.get(name, want) == want:
                rank_fit[name] = len(rank_fit)
    qpara = art.paragraph(a.start)
    out = []
    for span, kind in spans.items():
        name = art.surname(span)
        side = "before" if span[1] <= a.start else "after"
        if side == "before":
            off = art.sentence(span[0]) - s0
            dist = a.start - span[1]
        else:
            off = art.sentence(span[0]) - s1
            dist = span[0] - a.end
        off = max(-SENTENCES_BEFORE, min(SENTENCES_AFTER, off))
        is_rule = _overlaps(rule, *span) or (kind == "person" and bool(name) and name == rule_name)
        is_prev = _overlaps(prev, *span) or (kind == "person" and bool(name) and name == prev_name)
        gender = ctx.genders.get(name, "") if kind == "person" else ""
        flags = {
            "rule": is_rule,
            "rule_exact": rule == span,
            "surface": _overlaps(surface, *span),
            "cue_subj": _overlaps(cue_subj, *span),
            "speech_subj": span in art.speech_subjects,
            "subj": span in art.subjects,
            "prev": is_prev,
            "same_para": art.paragraph(span[0]) == qpara,
            "gender_ok": bool(want) and gender == want,
            "gender_clash": bool(want) and bool(gender) and gender != want,
            "first_person": kind == "person" and name == art.first_person,
        }
        rank = rank_before.get(name) if kind == "person" else None
        fit = rank_fit.get(name) if kind == "person" else None
        quoted_often = speakers.get(name, 0) if kind == "person" else 0
        pos = f"{side}{off}"
        f: dict[str, float] = {
            "bias": 1.0,
            f"kind={kind}": 1.0,
            f"pos={pos}": 1.0,
            f"kind|pos={kind}|{pos}": 1.0,
            f"sit|kind={sit}|{kind}": 1.0,
            f"sit|pos={sit}|{pos}": 1.0,
            f"qkind|pos={a.kind}|{pos}": 1.0,
            "log_dist": math.log1p(max(0, dist)) / 5,
            f"sit|log_dist={sit}": math.log1p(max(0, dist)) / 5,
            "log_mentions": math.log1p(art.mentions(name)) if kind in ("person", "org") else 0.0,
            "log_quoted": math.log1p(quoted_often),
            f"sit|log_quoted={sit}": math.log1p(quoted_often),
        }
        if rank is not None:
            f[f"rank_before={min(rank, 3)}"] = 1.0
            f[f"sit|rank_before={sit}|{min(rank, 3)}"] = 1.0
        if fit is not None:
            f[f"sit|rank_fit={sit}|{min(fit, 3)}"] = 1.0
        for key, on in flags.items():
            if on:
                f[key] = 1.0
                f[f"sit|{key}={sit}"] = 1.0
                f[f"kind|{key}={kind}"] = 1.0
        out.append(SpeakerCandidate(span[0], span[1], f))
    return out


def article_candidates(
    ctx: _Context, doc: Any, found: list[Attribution], quoted: list[tuple[int, int]] | None = None
) -> list[list[SpeakerCandidate] | None]:
    """Per quote of ``found``: its candidates, or None when the ranker leaves it to the rules
    (stances and beliefs, and quotes whose rules' speaker is a description: nominal
    speakers stay nominal)."""
    if quoted is None:
        quoted = [(a.start, a.end) for a in found if a.kind == "direct"]
    art = _Article(ctx, doc, quoted)
    said: dict[str, int] = {}
    for a in found:
        if a.kind != "attributed" and a.speaker_start is not None:
            name = _surname(ctx.text, (a.speaker_start, a.speaker_end))  # type: ignore[arg-type]
            said[name] = said.get(name, 0) + 1
    out: list[list[SpeakerCandidate] | None] = []
    previous: Attribution | None = None
    for a in found:
        if a.kind == "attributed" or situation(ctx, a) == "nominal":
            out.append(None)
        else:
            own = _surname(ctx.text, (a.speaker_start, a.speaker_end)) if a.speaker_start is not None else ""  # type: ignore[arg-type]
            others = {k: v - (k == own) for k, v in said.items()}
            out.append(quote_candidates(art, a, previous, others))
        if a.kind != "attributed" and a.speaker_start is not None:
            previous = a
    return out


def rank_speakers(ctx: _Context, doc: Any, found: list[Attribution]) -> list[Attribution]:
    """``found`` with each speech quote's speaker replaced by the ranker's best candidate
    (unchanged without a model, for descriptions, and where no candidate exists)."""
    model = _active_model()
    if model is None:
        return found
    out = []
    for a, cands in zip(found, article_candidates(ctx, doc, found), strict=True):
        if cands:
            best = max(cands, key=lambda c: model.score(c.features))
            # the ranker decides who; the same person keeps the mention the rules chose
            same = a.speaker_start is not None and _surname(ctx.text, (best.start, best.end)) == _surname(
                ctx.text,
                (a.speaker_start, a.speaker_end),  # type: ignore[arg-type]
            )
            if not same:
                a = replace(a, speaker_start=best.start, speaker_end=best.end)
        out.append(a)
    return out
