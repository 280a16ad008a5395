"""A learned attribution tagger over the English parse: which word frames which content.

The rules in :mod:`storyline.enrich.quotes` read quote marks and a closed list of speech
verbs. Attribution in news is wider: beliefs, intentions, denials, "according to",
"the claim that ...", paraphrase with cue words no list foresees. This module proposes
every frame the parse offers and lets a model trained on PolNeAR (source, cue, content)
decide which ones are attributions.

Candidates (``candidates``): for a verb or noun *cue*, each clausal or object dependent
is a *content* (its subtree: ``ccomp``, ``xcomp``, ``dobj``, the object of a following
preposition, a noun's ``acl``), and the cue's subject is the *source*; "according to X"
frames the clause it hangs on. Each candidate gets sparse features (cue word, cue word
with the content's dependency, source kind, lengths, quote marks, position) and the
model, a logistic regression stored as a small JSON file of feature weights
(``models/attribution-v1.json``, rebuilt by ``storyline train attribution``, see
:mod:`storyline.enrich.train_attribution`), scores it. The packaged threshold was chosen
on PolNeAR train, never on the dev split or GGT.

The tagger needs a parse of the sentence; ``CUE_WORDS`` (the cue words seen in training)
is what makes enrichment parse a sentence (:func:`storyline.stages.english_docs`).
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..nlp import doc_text

__all__ = ["AttributionModel", "Candidate", "candidate_features", "candidates", "load_attribution_model", "select"]

MODEL_PATH = Path(__file__).parent / "models" / "attribution-v1.json"

# Dependencies whose subtree can be what a cue frames.
_CONTENT_DEPS = frozenset({"ccomp", "xcomp", "dobj", "acl", "pcomp", "advcl", "attr", "oprd"})
_SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass", "agent"})
_PRONOUNS = frozenset({"he", "she", "they", "i", "we", "you", "it", "him", "her", "them", "us"})
SAME_CONTENT = 0.8  # two frames sharing this much of the longer content are one attribution
MIN_CONTENT_TOKENS = 2  # one-word "contents" are objects ("said it"), almost never attributions


@dataclass(frozen=True)
class Candidate:
    """One cue (token index) framing one content (character span), with its source if any."""

    cue: int  # token index of the cue word
    content_start: int
    content_end: int
    source: int | None  # token index of the source's head word
    link: str  # how the content hangs on the cue (dependency, or "prep:<word>", "according")


def _span_chars(first: Any, last: Any) -> tuple[int, int]:
    return first.idx, last.idx + len(last)


def _subtree_chars(tok: Any, cut_before: int | None = None) -> tuple[int, int]:
    """Characters of ``tok``'s subtree; trailing punctuation is not content."""
    left, right = tok.left_edge, tok.right_edge
    doc = tok.doc
    while right.i > left.i and (right.is_punct or right.is_space):
        right = doc[right.i - 1]
    while left.i < right.i and (left.is_punct or left.is_space):
        left = doc[left.i + 1]
    return _span_chars(left, right)


def _source_of(cue: Any) -> Any | None:
    for child in cue.children:
        if child.dep_ in _SUBJECT_DEPS and not child.is_punct:
            if child.dep_ == "agent":  # "was denied by the ministry": the agent's object
                for g in child.children:
                    if g.dep_ == "pobj":
                        return g
                continue
            return child
    if cue.dep_ in ("conj", "xcomp", "advcl") and cue.head is not cue:  # "and added", "wants to say"
        for child in cue.head.children:
            if child.dep_ in ("nsubj", "nsubjpass"):
                return child
    if cue.tag_.startswith("NN"):  # "his claim that": the possessor
        for child in cue.children:
            if child.dep_ == "poss":
                return child
    return None


def candidates(doc: Any) -> list[Candidate]:
    """Every (cue, content) frame of the parsed sentences of ``doc``."""
    out: list[Candidate] = []
    for tok in doc:
        if not tok.tag_:  # an unparsed sentence (flat tree): nothing to read
            continue
        is_verb = tok.tag_.startswith("VB")
        is_noun = tok.tag_.startswith("NN")
        if tok.lower_ == "according" and tok.dep_ == "prep":
            to = next((c for c in tok.children if c.lower_ == "to"), None)
            src = next((g for g in to.children if g.dep_ == "pobj"), None) if to is not None else None
            head = tok.head
            # the clause it hangs on, minus the "according to X" phrase itself
            s, e = _subtree_chars(head)
            a0, a1 = _subtree_chars(tok)
            if a0 <= s + 1:
                s = a1
            elif a1 >= e - 1:
                e = a0
            text = doc_text(doc)
            while s < e and not text[s].isalnum() and text[s] not in "“\"«":
                s += 1
            if e - s > 10:
                out.append(Candidate(tok.i, s, e, src.i if src is not None else None, "according"))
            continue
        if not (is_verb or is_noun):
            continue
        src_tok = _source_of(tok)
        src = src_tok.i if src_tok is not None else None
        for child in tok.children:
            link = None
            target = child
            if child.dep_ in _CONTENT_DEPS and child.i > tok.i:
                link = child.dep_
            elif child.dep_ == "ccomp" and child.i < tok.i:
                link = "ccomp_before"  # '"...," he said' / 'Taxes will rise, she said'
            elif child.dep_ == "prep" and child.i > tok.i:
                obj = next((g for g in child.children if g.dep_ in ("pobj", "pcomp")), None)
                if obj is not None:
                    link, target = f"prep:{child.lower_}", obj
            if link is None:
                continue
            s, e = _subtree_chars(target)
            if len(doc.char_span(s, e, alignment_mode="expand") or ()) < MIN_CONTENT_TOKENS:
                continue
            out.append(Candidate(tok.i, s, e, src, link))
    return out


def _source_kind(doc: Any, c: Candidate) -> str:
    if c.source is None:
        return "none"
    head = doc[c.source]
    if head.lower_ in _PRONOUNS:
        return "pron"
    kinds = {head.ent_type_} | {t.ent_type_ for t in head.children if t.dep_ == "compound"}
    for kind in ("PERSON", "ORG", "NORP", "GPE"):
        if kind in kinds:
            return kind
    return "noun"


def candidate_features(doc: Any, c: Candidate) -> dict[str, float]:
    """Sparse features of one candidate (names -> values; absent means 0)."""
    cue = doc[c.cue]
    word = cue.lower_
    content = doc_text(doc)[c.content_start : c.content_end]
    n_words = max(1, content.count(" ") + 1)
    src = _source_kind(doc, c)
    f = {
        "bias": 1.0,
        f"w={word}": 1.0,
        f"w|l={word}|{c.link}": 1.0,
        f"l={c.link}": 1.0,
        f"tag={cue.tag_}": 1.0,
        f"tag|l={cue.tag_}|{c.link}": 1.0,
        f"dep={cue.dep_}": 1.0,
        f"src={src}": 1.0,
        f"src|l={src}|{c.link}": 1.0,
        f"w|src={word}|{src}": 1.0,
        "log_words": math.log1p(n_words),
        "short": float(n_words <= 3),
        "quote_mark": float(any(m in content for m in '“”"«»')),
        "neg": float(any(ch.dep_ == "neg" for ch in cue.children)),
        "first_word=that": float(content.split(" ", 1)[0].lower() == "that"),
    }
    if c.link.startswith("prep:"):
        f[f"w|prep={word}|{c.link}"] = 1.0
    return f


@dataclass(frozen=True)
class AttributionModel:
    weights: dict[str, float]
    threshold: float
    cue_words: frozenset[str]  # cue words seen in training: a sentence holding one gets parsed
    meta: dict[str, Any]

    def probability(self, feats: dict[str, float]) -> float:
        z = sum(self.weights.get(k, 0.0) * v for k, v in feats.items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def to_json(self) -> dict[str, Any]:
        return {"name": "attribution", "version": 1, "threshold": self.threshold,
                "cue_words": sorted(self.cue_words), "weights": self.weights, "meta": self.meta}  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AttributionModel:
        if data.get("name") != "attribution":
            raise ValueError("not an attribution model file; rebuild it with `storyline train attribution`")
        return cls(dict(data["weights"]), float(data["threshold"]), frozenset(data["cue_words"]), data.get("meta", {}))

    def predict(self, doc: Any, threshold: float | None = None) -> list[tuple[Candidate, float]]:
        """The candidates of ``doc`` the model keeps, in reading order, with their probability."""
        cut = self.threshold if threshold is None else threshold
        return select([(c, self.probability(candidate_features(doc, c))) for c in candidates(doc)], cut)


def select(scored: list[tuple[Candidate, float]], threshold: float) -> list[tuple[Candidate, float]]:
    """Candidates at or above ``threshold``; of two near-identical contents (each covering
    ``SAME_CONTENT`` of the other) the likelier stays. Nested frames ("said he wants to ...")
    both stay: PolNeAR annotates both."""
    kept: list[tuple[Candidate, float]] = []
    for c, p in sorted((x for x in scored if x[1] >= threshold), key=lambda x: -x[1]):
        if any(_same_content(c, k) for k, _ in kept):
            continue
        kept.append((c, p))
    kept.sort(key=lambda x: (x[0].content_start, x[0].content_end))
    return kept


def _same_content(a: Candidate, b: Candidate) -> bool:
    shared = min(a.content_end, b.content_end) - max(a.content_start, b.content_start)
    return shared >= SAME_CONTENT * max(a.content_end - a.content_start, b.content_end - b.content_start)


@functools.lru_cache(maxsize=2)
def load_attribution_model(path: str | None = None) -> AttributionModel | None:
    """The packaged model (or ``path``); None when the file is missing."""
    p = Path(path) if path else MODEL_PATH
    if not p.exists():
        return None
    return AttributionModel.from_json(json.loads(p.read_text("utf-8")))
