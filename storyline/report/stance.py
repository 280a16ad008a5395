"""The stance a claim takes, read from its parse, and when two stances contradict.

A claim's *stance* is what its main predicate asserts about the story: that something is
being considered, will happen, was confirmed or agreed, or the opposite (no plans, will not,
denied, rejected, not). The main predicate is the root of the claim's parse, or, when the
root only reports speech ("officials said ..."), the clause it reports. Negation counts only
when it hangs on that predicate (a ``neg`` child, a ``no`` determiner on its subject or on
the plan it has): a "not" inside a relative clause or a quoted word is about something else.
That is the difference from the negation-mismatch baseline
(:func:`~storyline.report.text.negation_cues` anywhere in either claim), which fires on
every stray "not".

Two stances contradict when one is positive and the other negative about the same thing:
either a known pair of frames (considering / no plans, will / will not, confirmed / denied,
agreed / rejected) or the same predicate asserted and negated; and "the same thing" is checked
on the parse: the subjects can name one actor, and the clauses share a nominal argument (the
proposal, the bill). Version 1 had neither check and counted "would" as "will"; all 33 of its
findings on BASIL and AllSides were judged wrong (tests/fixtures/contradiction_judgments.jsonl),
and these checks are what reading them taught. Each contradiction carries a
confidence: the frame pair's prior (set before judging, see benchmarks/results/report.md)
lowered when the two claims are less alike. Only English claims are parsed; other languages
keep the baseline rule.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..enrich.names import name_similarity

__all__ = ["FRAMED", "TIGHT_ALIGNMENT", "Stance", "claim_stance", "contradiction", "mirrored",
           "name_stems", "parse_claims", "stance_hint"]

# Word families by their first letters: one entry covers "consider/considers/considering".
_REPORTING = ("say", "said", "tell", "told", "added", "adds", "stated", "states", "report", "wrote", "write",
              "announc", "accord", "explain", "noted", "notes", "insist", "argu", "claim", "suggest", "warn",
              "indicat")
_CONSIDER = ("consider", "weigh", "mull", "explor", "eye", "eyeing", "ponder", "study", "studi", "review",
             "discuss", "evaluat", "assess", "debat", "contemplat")
# with a "to" clause: "plans to", "intends to" ("is expected to" is someone else's forecast, not a plan)
_PLAN_VERB = ("plan", "intend", "aim", "prepar")
_PLAN_NOUN = ("plan", "intention", "intent", "decision")
_CONFIRM = ("confirm", "acknowledg", "admit", "verif")
_DENY = ("deni", "deny", "refut", "dismiss", "disput", "contest")
_AGREE = ("agre", "accept", "approv", "endors", "ratif")
_SIGN = frozenset({"sign", "signs", "signed", "signing"})  # not "signal"
_REJECT = ("reject", "refus", "declin", "veto", "spurn", "rebuff", "oppos")  # "will oppose" rejects
# "would" is left out of both: on BASIL it marked hypotheticals and arguments ("would put Americans at
# risk", "I would not trust"), never a commitment (benchmarks/results/report.md, stance v1 judgments)
_WILL = frozenset({"will", "'ll", "’ll", "wo", "shall"})
_MAYBE = frozenset({"may", "might", "could", "would"})
_ARGUMENT_DEPS = frozenset({"nsubj", "nsubjpass", "dobj", "attr", "pobj", "dative", "oprd"})
_SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass"})
# Governments are named by their seat or their officials: "the government" / "the capital" /
# "the ministry" / "Moscow" say who acts, alike.
_AUTHORITY = frozenset({"govern", "admini", "capita", "cabine", "minist", "offici", "author", "kremli", "palace",
                        "spokes", "white"})
_NEGATORS = frozenset({"not", "n't", "n’t", "never", "no"})
# "dismissed the report" denies it; "dismissed the complaint" (a court) or "the case was dismissed"
# ends a case: these verbs deny only a statement or a clause
_STATEMENT_NOUNS = ("report", "claim", "allegat", "accusat", "account", "story", "stori", "suggest", "assert",
                    "argument", "statement", "idea", "notion", "rumo", "character", "finding", "criticism",
                    "speculat", "assessm")
_DENY_ONLY_STATEMENTS = ("dismiss", "contest", "disput")
_NO_DET = frozenset({"no", "neither", "none"})
_LIGHT_VERBS = frozenset({"is", "are", "was", "were", "be", "been", "being", "'s", "’s", "has", "have", "had",
                          "having"})

POSITIVE = frozenset({"affirmed", "considering", "will", "possible", "confirmed", "agreed"})
NEGATIVE = frozenset({"negated", "no plans", "will not", "denied", "rejected", "not considering", "not confirmed",
                      "not agreed"})

# (positive frame, negative frame) -> prior that the pair is a real contradiction, given
# that the claims were aligned. Priors were written down before the BASIL findings were
# judged; their measured precision is in benchmarks/results/report.md.
_FRAME_PAIRS: dict[tuple[str, str], float] = {
    ("considering", "no plans"): 0.8, ("considering", "rejected"): 0.75, ("considering", "not considering"): 0.8,
    ("considering", "will not"): 0.75,
    ("will", "will not"): 0.8, ("will", "no plans"): 0.8, ("will", "rejected"): 0.7,
    ("confirmed", "denied"): 0.8,  # "could not confirm" is no denial: not a pair
    ("agreed", "rejected"): 0.8, ("agreed", "not agreed"): 0.8, ("agreed", "will not"): 0.7,
}
FRAMED = frozenset(f for pair in _FRAME_PAIRS for f in pair)  # frames that take part in a known pair
_SAME_PREDICATE = 0.6  # "X was responsible" / "X was not responsible": same verb, opposite polarity
# a missing or pronoun subject names its actor elsewhere: only claims aligned this tightly
# (one sentence repeated, one word changed) are taken to share it
TIGHT_ALIGNMENT = 0.8


_HINT = re.compile(
    r"\b(?:not|no|never|neither|none|nobody|will|won't|wo|shall|would|may|might|could|plan\w*|intend\w*|"
    r"intention|aim\w*|prepar\w*|expect\w*|consider\w*|weigh\w*|mull\w*|explor\w*|eye\w*|ponder\w*|"
    r"stud\w*|review\w*|discuss\w*|evaluat\w*|assess\w*|debat\w*|contemplat\w*|confirm\w*|acknowledg\w*|"
    r"admit\w*|verif\w*|den(?:y|ied|ies|ying)|refut\w*|dismiss\w*|disput\w*|contest\w*|agre\w*|accept\w*|"
    r"approv\w*|endors\w*|sign\w*|ratif\w*|reject\w*|refus\w*|declin\w*|veto\w*|spurn\w*|rebuff\w*|"
    r"rul\w* out)\b|n['’]t\b",
    re.IGNORECASE,
)


def stance_hint(text: str) -> bool:
    """Whether a claim has any word a stance frame is made of (cheap test before parsing)."""
    return _HINT.search(text) is not None


@dataclass(frozen=True)
class Stance:
    """A claim's stance. Offsets are relative to the parsed text (the claim)."""

    frame: str  # one of POSITIVE | NEGATIVE
    cue: tuple[int, int]  # the words that carry the frame ("no plans", "will not", "denied")
    predicate: str  # stem of the main predicate
    content: frozenset[str]  # stems of the predicate and the clause it governs
    subject: frozenset[str] = frozenset()  # stems of the nominal subject, personal pronouns as written
    theme: frozenset[str] = frozenset()  # stems of the other nominal arguments of the clause
    subject_is_name: bool = False
    cue_words: frozenset[str] = frozenset()  # stems of the cue's words ("will", "not", "sign")
    word_counts: tuple[tuple[str, int], ...] = ()  # stems of the claim's words and how often each occurs
    theme_pronoun: bool = False  # the clause's object is a pronoun ("to accept it"): a theme named earlier
    subject_pronoun: bool = False  # "he", "we": an actor named earlier
    hedged: bool = False  # a condition ("if ...", "unless ...") or a question: no assertion

    @property
    def negative(self) -> bool:
        return self.frame in NEGATIVE


def _stem(word: str) -> str:
    w = word.lower().replace("’", "'")
    for suffix in ("ing", "ied", "ies", "ed", "es", "s"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            w = w[: -len(suffix)] + ("y" if suffix in ("ied", "ies") else "")
            break
    return w[:6]


def name_stems(names: Sequence[str]) -> frozenset[str]:
    """Stems of the words of entity names, comparable with a :class:`Stance`'s subject."""
    return frozenset(_stem(w) for n in names for w in re.findall(r"[^\W\d_]+", n))


def _is(token: Any, family: tuple[str, ...]) -> bool:
    """Does the word start like one of ``family``? Proper nouns never do ("Sayers")."""
    return token.tag_ not in ("NNP", "NNPS") and token.lower_.startswith(family)


def _is_verb(token: Any) -> bool:
    return token.tag_.startswith("VB") or token.tag_ == "MD"


@lru_cache(maxsize=1)
def _parser() -> Any:
    from ..nlp import english

    # the stance reads tags and dependencies only
    return english(with_ner=False)


_PARSED: dict[str, Any] = {}  # text -> Doc, bounded like an LRU by dropping the oldest half
_PARSED_MAX = 4096


def _parse(text: str) -> Any:
    doc = _PARSED.get(text)
    if doc is None:
        parse_claims([text])
        # (another report built in another thread may have evicted it meanwhile)
        doc = _PARSED.get(text) or _parser()(text)
    return doc


def parse_claims(texts: Sequence[str]) -> None:
    """Parse the claims not parsed yet in one batch (at most the cache's size; the rest are
    parsed when read): ``nlp.pipe`` over a report's claims costs a fraction of one call per
    claim."""
    todo = list(dict.fromkeys(t for t in texts if t not in _PARSED))[:_PARSED_MAX]
    if not todo:
        return
    if len(_PARSED) + len(todo) > _PARSED_MAX:
        for key in list(_PARSED)[: max(len(_PARSED) // 2, len(_PARSED) + len(todo) - _PARSED_MAX)]:
            _PARSED.pop(key, None)
    for text, doc in zip(todo, _parser().pipe(todo, batch_size=64), strict=True):
        _PARSED[text] = doc


_SHORT_QUOTE = re.compile(r"[\"“«„][^\"“”«»„]{1,40}[\"”»“]")


def _main_predicate(sent: Any) -> Any:
    """The predicate the claim asserts: the root, or the clause a reporting verb reports."""
    pred = sent.root
    for _ in range(3):
        if not _is(pred, _REPORTING):
            break
        reported = [c for c in pred.children if c.dep_ in ("ccomp", "xcomp", "parataxis") and _is_verb(c)]
        if not reported:
            # "according to officials, X" parses with X's verb as the root already; a bare
            # "he said" clause with nothing reported has no stance
            break
        pred = reported[0]
    return pred


def _governed_clause(pred: Any) -> list[Any]:
    """The predicate and the verbs of the clause it takes ("plans to accept", "denied that it hit")."""
    out = [pred]
    for c in pred.children:
        if c.dep_ in ("xcomp", "ccomp", "acl", "dobj", "attr") and (_is_verb(c) or c.dep_ in ("dobj", "attr")):
            out.append(c)
            out += [g for g in c.children if g.dep_ in ("xcomp", "acl", "ccomp") and _is_verb(g)]
    return out


def _arguments(clause: list[Any]) -> tuple[frozenset[str], frozenset[str], bool, bool]:
    """(subject stems, other argument stems, whether the subject is a proper name, whether an
    object is a pronoun) of a clause: nominal dependents of its verbs, through prepositions,
    with their compound modifiers. Plan nouns ("has no plans") are the frame, not the theme."""
    subject: set[str] = set()
    theme: set[str] = set()
    named = pronoun_object = False
    verbs = [t for t in clause if _is_verb(t)] or clause[:1]
    verbs += [c for v in verbs for c in v.children if c.dep_ == "acomp"]  # "responsible for the crash"
    for verb in verbs:
        for child in verb.children:
            heads = [child] if child.dep_ in _ARGUMENT_DEPS else \
                [g for g in child.children if g.dep_ == "pobj"] if child.dep_ == "prep" else []
            for h in heads:
                if child.dep_ in _SUBJECT_DEPS and h.tag_ == "PRP":
                    subject.add(h.lower_)  # "we" and "he" are two actors; "he" and "he" may be one
                    continue
                if h.tag_ == "PRP" and child.dep_ == "dobj":
                    pronoun_object = True
                if not h.tag_.startswith("NN") or (child.dep_ not in _SUBJECT_DEPS and _is(h, _PLAN_NOUN)):
                    continue  # other pronouns and clauses say nothing about which thing is meant
                words = {_stem(h.text)} | {_stem(c.text) for c in h.children if c.dep_ in ("compound", "amod", "poss")
                                           and c.tag_.startswith(("NN", "JJ"))}
                if child.dep_ in _SUBJECT_DEPS:
                    subject |= words
                    named = named or h.tag_ in ("NNP", "NNPS")
                else:
                    theme |= words
    return frozenset(subject), frozenset(theme), named, pronoun_object


def _same_actor(a: Stance, b: Stance, similarity: float, places: tuple[frozenset[str], frozenset[str]] | None) -> bool:
    """(b) Whether the two subjects name one actor: a shared word, one name in two
    transliterations, or a country, its capital, its government and its officials ("the
    government" / "the capital" / "Moscow"). A place name counts only when the resolver typed it
    a place in that claim (``places``: the stems of each claim's place entities; None when the
    claims carry no entity types, as in a bare parse). A missing subject (a passive, "there are
    no plans") or a pronoun ("he", "we") names its actor elsewhere: then only two claims aligned
    at :data:`TIGHT_ALIGNMENT` with the same pronoun, or no subject, count as one actor."""
    if not a.subject or not b.subject or a.subject_pronoun or b.subject_pronoun:
        # "he" / "he", or no subject on a side; never "he" / "the mayor"
        same = a.subject == b.subject if a.subject_pronoun or b.subject_pronoun else True
        return same and similarity >= TIGHT_ALIGNMENT
    if a.subject & b.subject:
        return True
    if a.subject_is_name and b.subject_is_name and any(
            name_similarity(x, y) >= 0.85 for x in a.subject for y in b.subject if len(x) >= 4 and len(y) >= 4):
        return True  # one name in two transliterations ("Zhukov" / "Jukov"), as a translated outlet writes it

    def actor_like(st: Stance, place: frozenset[str] | None) -> bool:
        return bool(st.subject & _AUTHORITY) or (st.subject_is_name and (place is None or bool(st.subject & place)))

    # two different places ("Moscow" / "Kyiv") share no word and are two actors: one side
    # must be a government word
    pa, pb = places or (None, None)
    if pa is not None and pb is not None and a.subject & pa and b.subject & pb:
        return False  # two places named ("Keltsa's government" / "Dravonia"), no word shared: two actors
    return (bool(a.subject & _AUTHORITY) and actor_like(b, pb)) or (bool(b.subject & _AUTHORITY) and actor_like(a, pa))


def _same_proposition(pos: Stance, neg: Stance, known_pair: bool) -> bool:
    """(a) Whether the two claims state one proposition: they share a nominal argument (the
    proposal, the bill); or one names it by a pronoun ("has no plans to accept it") and the
    frames are a known pair (the caller has tied the claims by alignment or a shared entity);
    or neither has a nominal argument and the main verb is the same ("this will help you")."""
    if pos.theme and neg.theme:
        return bool(pos.theme & neg.theme)
    if pos.theme or neg.theme:
        other = neg if pos.theme else pos
        return known_pair and other.theme_pronoun
    return pos.predicate == neg.predicate


def _denies_a_statement(pred: Any) -> bool:
    """"denied that ...", "disputed the report": yes; "the case was dismissed", "dismissed the
    complaint": a case ended, not a statement denied (v3 read both as denials on AllSides)."""
    if not pred.lower_.startswith(_DENY_ONLY_STATEMENTS):
        return True
    if any(c.dep_ in ("nsubjpass", "auxpass") for c in pred.children):
        return False
    return any(c.dep_ == "ccomp" or (c.dep_ == "dobj" and _is(c, _STATEMENT_NOUNS))
               for c in pred.children)


def _refuses_something(pred: Any) -> bool:
    """"declined to comment", "declined the offer": a refusal; "claims declined" (fell) is not."""
    if not pred.lower_.startswith("declin"):
        return True
    return any(c.dep_ in ("xcomp", "dobj", "ccomp") for c in pred.children)


@lru_cache(maxsize=8192)
def claim_stance(text: str) -> Stance | None:
    """The stance of one English claim, or None when it has no predicate to read.

    Cached (a Stance is immutable): a report compares each claim with many others, and reading
    the parse again for every pair was about half of building a 50-article event's report."""
    doc = _parse(text)
    sents = [s for s in doc.sents if any(_is_verb(t) for t in s)]
    if not sents:
        return None
    pred = _main_predicate(sents[0])
    quoted = [(m.start(), m.end()) for m in _SHORT_QUOTE.finditer(text)]

    def usable(t: Any) -> bool:
        return not any(s <= t.idx < e for s, e in quoted)

    children = list(pred.children)
    neg = [c for c in children if c.dep_ == "neg" and c.lower_ in _NEGATORS | {"never"} and usable(c)]
    neg += [g for c in children if c.dep_ in ("nsubj", "nsubjpass") for g in c.children
            if g.dep_ == "det" and g.lower_ in _NO_DET and usable(g)]
    neg += [c for c in children if c.dep_ in ("nsubj", "nsubjpass") and c.lower_ in ("nobody", "none", "nothing")]
    modal = [c for c in children if c.dep_ == "aux" and c.tag_ == "MD"]
    will = [c for c in modal if c.lower_ in _WILL]
    maybe = [c for c in modal if c.lower_ in _MAYBE]
    clause = _governed_clause(pred)
    content = frozenset(_stem(t.text) for t in clause)
    subject, theme, named, pronoun_object = _arguments(clause)
    # "if they don't pass this bill", "unless the council agrees", "will he sign?": no assertion
    hedged = text.rstrip().rstrip("\"”'’").endswith("?") or any(
        c.dep_ == "mark" and c.lower_ in ("if", "unless", "whether") for c in children)
    subjects = [c for c in children if c.dep_ in _SUBJECT_DEPS]
    subject_pronoun = bool(subjects) and all(c.tag_ == "PRP" for c in subjects)

    def span(*tokens: Any) -> tuple[int, int]:
        start = min(t.idx for t in tokens)
        end = max(t.idx + len(t.text) for t in tokens)
        return start, end

    # a copula or "have" says little: "was responsible" is about "responsible"
    head = pred
    if pred.lower_ in _LIGHT_VERBS:
        head = next((c for c in children if c.dep_ in ("acomp", "attr", "dobj", "oprd")), pred)

    counts: dict[str, int] = {}
    for t in doc:
        if usable(t):
            w = "not" if t.lower_ in ("n't", "n’t") else _stem(t.text)
            counts[w] = counts.get(w, 0) + 1

    def stance(frame: str, *tokens: Any) -> Stance:
        cue_words = frozenset("not" if t.lower_ in ("n't", "n’t") else _stem(t.text) for t in tokens)
        return Stance(frame, span(*tokens), _stem(head.text), content, subject, theme, named, cue_words,
                      tuple(sorted(counts.items())), pronoun_object, subject_pronoun, hedged)

    # "has no plans to", "there are no plans": a plan noun with "no" on it
    plan_nouns = [c for c in children if c.dep_ in ("dobj", "attr", "nsubj") and _is(c, _PLAN_NOUN)]
    for noun in plan_nouns:
        nos = [g for g in noun.children if g.dep_ in ("det", "neg") and g.lower_ in _NO_DET and usable(g)]
        if nos or neg:
            return stance("no plans", *(nos or neg), noun)
        if any(g.dep_ in ("acl", "relcl") for g in noun.children) or _is(noun, ("plan",)):
            return stance("will", pred, noun)
    if _is(pred, _DENY) and _denies_a_statement(pred):
        return None if neg else stance("denied", pred)  # "did not deny" is neither confirmation nor denial
    if (_is(pred, _REJECT) and _refuses_something(pred)) or \
            (pred.lower_.startswith("rul") and any(c.lower_ == "out" for c in children)):
        return None if neg else stance("rejected", pred)
    if _is(pred, _CONSIDER):
        return stance("not considering", *neg, pred) if neg else stance("considering", pred)
    if _is(pred, _CONFIRM):
        return stance("not confirmed", *neg, pred) if neg else stance("confirmed", pred)
    if _is(pred, _PLAN_VERB) and any(c.dep_ == "xcomp" for c in children):
        return stance("no plans", *neg, pred) if neg else stance("will", *(will or [pred]))
    if maybe and not neg and not _is(pred, _REJECT):
        return stance("possible", *maybe, pred)  # "could be approved", "would consider": not a stance
    if _is(pred, _AGREE) or pred.lower_ in _SIGN:
        if neg:
            return stance("will not" if will else "not agreed", *will, *neg, pred)
        return stance("will", *will, pred) if will else stance("agreed", pred)
    if neg:
        return stance("will not", *will, *neg) if will else stance("negated", *neg)
    if will:
        return stance("will", *will, pred)
    if maybe:
        return stance("possible", *maybe, pred)
    return stance("affirmed", pred)


def mirrored(pos: Stance, neg: Stance) -> bool:
    """Whether the positive claim carries every word of the negative one's cue at least as often
    ("I'm not an alcoholic" twice, parsed two ways; "he opposes" / "is opposed"): then the two
    signs are the parser's, not the outlets'. v3's in-group findings on BASIL were mostly these."""
    counts_pos, counts_neg = dict(pos.word_counts), dict(neg.word_counts)
    return bool(neg.cue_words) and all(counts_pos.get(w, 0) >= counts_neg.get(w, 1) for w in neg.cue_words)


def contradiction(a: Stance, b: Stance, similarity: float, framed_only: bool = False,
                  places: tuple[frozenset[str], frozenset[str]] | None = None) -> float | None:
    """Confidence that stances ``a`` and ``b`` of two aligned claims contradict, or None.

    Version 5 is precise by construction: a pair is reported only when (c) the two stances are
    incompatible, a known frame pair (considering / no plans, will / will not, confirmed /
    denied, agreed / rejected) or one predicate asserted and negated, neither hedged by a
    condition or a question; (a) they state one proposition (:func:`_same_proposition`); and
    (b) one actor states both (:func:`_same_actor`). v4 kept pairs failing (a) or (b), and any
    pair of opposite signs, at a lower confidence: 80 of its 81 findings on real coverage were
    wrong, and these were most of them (benchmarks/results/report.md, "Stance v5"). A fact
    against someone's denial of it is left out too: that is an outlet reporting a denial, not
    two outlets disagreeing. The confidence is the pair's prior minus half of how far the
    claims' cosine falls below 0.85; what it measures is in the report's options.
    ``framed_only``: only the known frame pairs count (for claims the aligner did not group)."""
    if a.negative == b.negative or a.hedged or b.hedged:
        return None
    pos, neg = (b, a) if a.negative else (a, b)
    if mirrored(pos, neg):
        return None
    prior = _FRAME_PAIRS.get((pos.frame, neg.frame))
    known_pair = prior is not None
    if prior is None and framed_only:
        return None
    if prior is None:
        if pos.predicate == neg.predicate and pos.frame in ("affirmed", "will", "agreed") \
                and neg.frame in ("negated", "will not", "not agreed"):
            prior = _SAME_PREDICATE
        else:
            return None
    if not _same_proposition(pos, neg, known_pair) or not _same_actor(a, b, similarity, places):
        return None
    return round(max(0.05, prior - 0.5 * max(0.0, 0.85 - similarity)), 2)
