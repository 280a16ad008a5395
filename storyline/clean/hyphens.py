"""Repair of words split by stray hyphens (print layout and OCR noise).

Text copied from print, PDFs or OCR often carries hyphens that split a word:
``gov-ernment``, ``Lav-rov`` or, at a line end, ``gov-\\nernment``. Genuine
compounds (``well-known``, ``pro-Western``, ``Su-35``) must stay as they are.

:func:`hyphen_repairs` returns :class:`~storyline.model.Edit` records that
remove such hyphens; the caller applies them with
:func:`storyline.model.apply_edits`, which also yields the offset map back to
the raw text. Each edit covers exactly the hyphen (and, after a line-end
hyphen, the line break and the spaces around it).

The decision for each hyphen weighs three kinds of evidence:

1. the *shape* of the two parts (digits, capital letters), which settles most
   genuine compounds without any lookup;
2. counts of word forms in this document and the corpus
   (:class:`WordEvidence`): a name seen unhyphenated elsewhere is a split word,
   a hyphenated form seen again and again is a genuine compound;
3. word frequencies from ``wordfreq`` for the joined word and for its parts.

Thresholds were tuned on the train parts of ECB+ and PolNeAR with
``benchmarks/hyphen_repair.py``; the figures are in
``benchmarks/results/hyphen_repair.md``.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from storyline.model import Edit

__all__ = ["WordEvidence", "hyphen_repairs"]

# A hyphen-minus or U+2010 HYPHEN (OCR output uses both). U+2011 NON-BREAKING
# HYPHEN is left out on purpose: a typesetter chose it, so it is never stray.
_HYPHEN = "\\-\u2010"  # for use inside a regex character class
# A hyphen followed by a letter or digit, possibly across one line break (with
# the spaces layout leaves around it). One break only: a blank line after a
# hyphen ends a paragraph, not a word. Matching the hyphen first, and checking
# the character before it in Python, is several times faster than one regex
# for the whole chain.
_JOINER = re.compile(rf"[{_HYPHEN}](?:[ \t]*(?:\r\n|\r|\n)[ \t]*)?(?=[^\W_])")
_PIECE = re.compile(r"[^\W_]+")
_HAS_DIGIT = re.compile(r"\d")
# Characters around a chain that make it part of an address, a handle or markup
# ("www.some-site.com", "@first-last", "/news/some-slug", "file_name-v2").
_ADDRESS_BEFORE = frozenset("@/\\#_.:=&?%+~")
_ADDRESS_AFTER = frozenset("@/\\_")


class _Chain:
    """Letters/digits joined by hyphens: ``parts[i]`` and ``parts[i + 1]`` meet at ``joiners[i]``."""

    __slots__ = ("start", "end", "parts", "joiners")

    def __init__(self, start: int, end: int, parts: list[str], joiners: list[tuple[int, int, bool]]):
        self.start = start
        self.end = end
        self.parts = parts
        self.joiners = joiners  # (start, end, line_break) offsets in the text


def _chains(text: str) -> Iterator[_Chain]:
    """All hyphen chains of ``text`` ("well-known", "gov-\\nernment", "mother-in-law")."""
    chain: _Chain | None = None
    for m in _JOINER.finditer(text):
        hyphen = m.start()
        if hyphen == 0 or not text[hyphen - 1].isalnum():
            continue  # " -word", "--word": a dash or a list bullet, not a split
        right = _PIECE.match(text, m.end())
        assert right is not None  # guaranteed by the lookahead of _JOINER
        joiner = (hyphen, m.end(), m.end() - hyphen > 1)
        if chain is not None and chain.end == hyphen:
            chain.parts.append(right.group())
            chain.joiners.append(joiner)
            chain.end = right.end()
            continue
        if chain is not None:
            yield chain
        # Step back over the word before the hyphen: words are short, and this
        # is much faster than a regex search backwards over a window.
        start = hyphen - 1
        while start > 0 and text[start - 1].isalnum():
            start -= 1
        chain = _Chain(start, right.end(), [text[start:hyphen], right.group()], [joiner])
    if chain is not None:
        yield chain


def _in_address(text: str, chain: _Chain) -> bool:
    """URLs, e-mail addresses, handles and file names keep their hyphens."""
    if chain.start > 0 and text[chain.start - 1] in _ADDRESS_BEFORE:
        return True
    if chain.end < len(text):
        after = text[chain.end]
        if after == "/" and CREDIT_SLASH and (chain.start == 0 or text[chain.start - 1] in " \t\n(\"'"):
            # "(Mark Sch-\niefelbein/Associated Press)": a name before an agency in a photo credit. A
            # path segment has an address character before it ("site.org/some-slug/"), a credit a space.
            return False
        if after in _ADDRESS_AFTER:
            return True
        # "some-site.com", "report-final.pdf": a dot directly followed by a
        # letter continues a name (a sentence end has a space after the dot).
        if after == "." and chain.end + 1 < len(text) and text[chain.end + 1].isalpha():
            return True
    return False


# English prefixes that make genuine compounds whose second part is a word of
# its own ("re-election", "co-founder", "e-mail"). After one of them the joined
# form must be clearly more common than the second part before we join, because
# both spellings are words ("re-port"/"report" is a split, "re-election" is not).
_PREFIXES = {
    "en": frozenset(
        """
        anti co counter cross e ex inter intra mid multi neo non over pan post pre pro
        re self semi sub super trans ultra under vice well
        """.split()
    ),
    # Russian: prefixes written with a hyphen by rule ("вице-премьер", "экс-министр").
    "ru": frozenset("вице экс лейб обер унтер штаб кое".split()),
}

# English suffixes: a part after the hyphen that is only a suffix ("kiss-ed",
# "distress-ing", "peace-fully") ends a word; no compound ends in one. Some are
# words elsewhere ("Ed", "ion"), which would otherwise make the split look like
# a compound of two words.
_SUFFIXES = {
    "en": frozenset(
        """
        able ably al ally ance ances ant ants ed ence ences ent ents er ers es est ful fully ial ible
        ibly ied ier ies iest ily ing ings ion ions ise ised ises ism isms ist ists ities ity ive ives
        ize ized izes less ly ment ments ness ous s sion sions tion tions
        """.split()
    ),
}

# Tuned on the train split (see module docstring).
# A joined word this common (Zipf scale: 3 = once per million words) counts as
# a known word; below it, a split is repaired only on document/corpus evidence
# or when neither part is a word either.
MIN_JOINED_ZIPF = 1.0
# Join when the joined word is at least this much more common (Zipf) than the
# rarer part. Negative: a corruption usually leaves one part rare, while both
# parts of a genuine compound are common words.
JOIN_MARGIN = -0.5
# After a known prefix the joined word is compared with the second part alone.
PREFIX_MARGIN = 0.2
# After a single letter, too ("a-head" is a split, "T-shirt" and "x-ray" are
# compounds): the joined word may be rarer than the second part by this much.
SINGLE_LETTER_MARGIN = -1.5
# A part at most this common is not a word on its own ("ernment", "mlin").
RARE_PART_ZIPF = 2.5
# Hyphenated forms seen this many times elsewhere (and at least a tenth as often
# as the joined form) are taken as the document's or corpus's own spelling.
MIN_HYPHENATED_REPEATS = 2
HYPHENATED_SHARE = 0.1
# Zipf bonus for a joined word written unhyphenated elsewhere in the evidence.
EVIDENCE_BONUS = 1.0
# Zipf bonus for a hyphen at a line end: in print most of them split a word, but typesetters also
# break lines at a compound's own hyphen. Chosen on the train parts laid out as print lays them out
# (`python benchmarks/hyphen_repair.py --tune-print`: lines filled to 35 or 65 characters, long words
# hyphenated, compounds broken at their hyphen; 4-14% of line-end hyphens are genuine there). 1.0 gains
# 0.5 points of recall on train for 0.1-0.2 points of genuine hyphens (hyphen_repair.md, "Typeset text").
LINE_BREAK_BONUS = 1.0
# A slash after a chain that starts after a space is a photo credit's "Name/Agency", not an address
# (benchmarks/results/hyphen_repair.md, "Names split at line ends").
CREDIT_SLASH = True
# In a chain of three or more parts, a very common short word next to the
# hyphen marks a phrase compound ("day-to-day", "Mar-a-Lago", "one-on-one").
PHRASE_WORD_ZIPF = 6.0
PHRASE_WORD_MAX_LENGTH = 3
# Only a lowercase (or all-capitals) part counts as a phrase word (hyphen_repair.md, "Typeset text").
PHRASE_WORD_CASE = True


class WordEvidence:
    """Counts of word forms seen in a document and/or a corpus.

    ``words`` counts words (every run of letters/digits, also the parts of a
    hyphenated form) and ``hyphenated`` counts adjacent pairs joined by an
    inline hyphen ("well-known"; both pairs of "mother-in-law"), all lowercased.
    A line-end hyphen is not counted as a hyphenated form: it is usually layout.

    Build one per document with :meth:`from_text` and one per corpus with
    :meth:`add_text`; ``doc.merged(corpus)`` gives a view that looks up both
    without copying the corpus counts.
    """

    __slots__ = ("words", "hyphenated", "lines", "_others")

    def __init__(
        self,
        words: Counter[str] | None = None,
        hyphenated: Counter[str] | None = None,
        others: tuple[WordEvidence, ...] = (),
    ):
        self.words: Counter[str] = words if words is not None else Counter()
        self.hyphenated: Counter[str] = hyphenated if hyphenated is not None else Counter()
        # Short lines, keyed by storyline.clean.lines.line_key, counted once per text: a line that
        # many texts of a batch share is page furniture evidence for the boilerplate classifier.
        self.lines: Counter[str] = Counter()
        self._others = others

    @classmethod
    def from_text(cls, text: str) -> WordEvidence:
        evidence = cls()
        evidence.add_text(text)
        return evidence

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> WordEvidence:
        evidence = cls()
        for text in texts:
            evidence.add_text(text)
        return evidence

    def add_text(self, text: str) -> None:
        from .lines import line_key

        self.lines.update({line_key(line) for line in text.split("\n") if 0 < len(line) <= 160 and line.strip()})
        lower = text.lower()
        self.words.update(_PIECE.findall(lower))
        pairs = []
        for chain in _chains(lower):
            for i, (_, _, line_break) in enumerate(chain.joiners):
                if not line_break:
                    pairs.append(f"{chain.parts[i]}-{chain.parts[i + 1]}")
        if pairs:
            self.hyphenated.update(pairs)

    def merged(self, other: WordEvidence) -> WordEvidence:
        """Evidence that counts both ``self`` and ``other`` (a view: later
        ``add_text`` calls on either are seen by it)."""
        return WordEvidence(Counter(), Counter(), (self, other))

    def word_count(self, word: str) -> int:
        key = word.lower()
        return self.words.get(key, 0) + sum(o.word_count(key) for o in self._others)

    def hyphenated_count(self, left: str, right: str) -> int:
        key = f"{left.lower()}-{right.lower()}"
        return self.hyphenated.get(key, 0) + sum(o._hyphenated_key(key) for o in self._others)

    def line_count(self, key: str) -> int:
        """How many texts hold a line with this ``line_key``."""
        return self.lines.get(key, 0) + sum(o.line_count(key) for o in self._others)

    def _hyphenated_key(self, key: str) -> int:
        return self.hyphenated.get(key, 0) + sum(o._hyphenated_key(key) for o in self._others)

    def __repr__(self) -> str:
        return f"WordEvidence({len(self.words)} words, {len(self.hyphenated)} hyphenated forms, {len(self._others)} merged)"


# wordfreq tokenizes these languages with optional packages (MeCab for Japanese and
# Korean, jieba for Chinese); without them every lookup raises ImportError, which made
# any text detected as Japanese fail cleaning (found by tests/fuzz/fuzz_readers.py).
_NEEDS_TOKENIZER = {"ja": "MeCab", "ko": "MeCab", "zh": "jieba"}


@functools.lru_cache(maxsize=1)
def _wordfreq_languages() -> frozenset[str]:
    import importlib.util

    import wordfreq

    missing = {lang for lang, module in _NEEDS_TOKENIZER.items() if importlib.util.find_spec(module) is None}
    return frozenset(wordfreq.available_languages()) - missing


@functools.lru_cache(maxsize=200_000)
def _zipf(word: str, language: str) -> float:
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word, language))


@dataclass(frozen=True)
class _Decision:
    join: bool
    confidence: float  # how far past the threshold; used to join the surest split first
    why: str


def _decide(
    left: str,
    right: str,
    line_break: bool,
    in_phrase: bool,
    original_pair: bool,
    evidence: WordEvidence,
    language: str | None,
) -> _Decision:
    """Is the hyphen between ``left`` and ``right`` stray (join) or genuine (keep)?

    ``in_phrase``: the chain has more than two words left. ``original_pair``:
    neither side was joined from smaller parts, so the evidence counted this
    very "left-right" occurrence.
    """
    # Digits: "Su-35", "40-year-old", "COVID-19". Corruption of a word never
    # produces digits, and joining them would make model numbers unreadable.
    if _HAS_DIGIT.search(left) or _HAS_DIGIT.search(right):
        return _Decision(False, 1.0, "digits")

    joined = left + right
    joined_seen = evidence.word_count(joined)
    # The evidence includes this text, so it counted the occurrence being
    # judged (inline hyphens between two original parts only): subtract it.
    counted_here = 1 if original_pair and not line_break else 0
    hyphen_seen = max(evidence.hyphenated_count(left, right) - counted_here, 0)

    # The same hyphenated form again and again in the document or corpus is its
    # spelling ("e-mail" throughout), unless the joined word is far more common
    # there: a frequent word like "their" gets split the same way by chance in a
    # large noisy corpus.
    if hyphen_seen >= MIN_HYPHENATED_REPEATS and hyphen_seen >= HYPHENATED_SHARE * joined_seen:
        return _Decision(False, float(hyphen_seen), "hyphenated form seen elsewhere")

    # The wordfreq language, or None when there is no word list for it.
    lexicon = language if language in _wordfreq_languages() else None
    if in_phrase and lexicon is not None:
        for part in (left, right):
            # A capitalised part inside a chain is no phrase word: "pan-Can-\nadian" is a split
            # "Canadian", not "day-to-day" (title-case "Day-To-Day" is kept by the capital rule).
            if PHRASE_WORD_CASE and part[:1].isupper() and not part.isupper():
                continue
            if len(part) <= PHRASE_WORD_MAX_LENGTH and _zipf(part.lower(), lexicon) >= PHRASE_WORD_ZIPF:
                return _Decision(False, 1.0, "phrase compound")

    # Shape rules: a split inside one word keeps that word's casing, so the
    # part after the hyphen starts lowercase unless the whole word is capitals.
    left_caps = left.isupper()
    right_caps = right.isupper()
    right_capital = right[:1].isupper()
    if right_capital and not (left_caps and right_caps and len(left) > 1):
        # "pro-Western", "mid-March", "Lieutenant-General", "R-TX": a capital
        # after the hyphen starts a new word. Exception: "Mc-Donald" when
        # "McDonald" is written unhyphenated elsewhere; only after a capitalised
        # part of two letters or more, as "trans-Atlantic" and "R-Ga" are
        # compounds even where "transatlantic" or "rga" occur.
        if joined_seen and not hyphen_seen and left[:1].isupper() and len(left) > 1 and not left_caps:
            return _Decision(True, float(joined_seen), "joined form seen elsewhere")
        return _Decision(False, 1.0, "capital after hyphen")
    if left_caps and len(left) > 1 and not right_caps:
        # "EU-brokered", "NATO-led": an acronym then a lowercase word.
        return _Decision(False, 1.0, "acronym before hyphen")

    lower_left, lower_right = left.lower(), right.lower()
    lower_joined = lower_left + lower_right

    if lexicon is None:
        # No word list: only the document and corpus can tell. A line-end hyphen
        # in print usually splits a word, so without evidence it is joined.
        if joined_seen:
            return _Decision(True, float(joined_seen), "joined form seen elsewhere")
        if line_break and not hyphen_seen:
            return _Decision(True, 0.0, "line-end hyphen")
        return _Decision(False, 0.0, "no evidence")

    z_joined = _zipf(lower_joined, lexicon)
    z_right = _zipf(lower_right, lexicon) if len(lower_right) > 1 else 0.0
    prefixes = _PREFIXES.get(lexicon, frozenset())
    if lower_left in prefixes and z_right >= RARE_PART_ZIPF:
        # "re-election" vs "re-port": both parts are fine words after a prefix,
        # so compare the joined word with the second part alone. (When the part
        # after the prefix is no word, as in "H-olan", the general rule decides.)
        margin = z_joined - z_right - PREFIX_MARGIN + (LINE_BREAK_BONUS if line_break else 0.0)
        if joined_seen and not hyphen_seen:
            margin += EVIDENCE_BONUS
        return _Decision(margin >= 0, margin, "joined word more common than the part after the prefix")

    if len(lower_left) == 1 and z_right >= RARE_PART_ZIPF:
        # A single letter then a word: "a-head", "s-tate" (splits) against
        # "T-shirt", "x-ray", "U-turn" (compounds, whose joined spelling is
        # rare). Compare the joined word with the word after the letter.
        margin = z_joined - z_right - SINGLE_LETTER_MARGIN + (LINE_BREAK_BONUS if line_break else 0.0)
        if joined_seen and not hyphen_seen:
            margin += EVIDENCE_BONUS
        return _Decision(margin >= 0, margin, "joined word common next to the part after the letter")

    # A single letter is a word in any word list ("a", "e"), but as a part of a
    # split word it is just a letter: treat it as rare. So is a suffix.
    z_left = _zipf(lower_left, lexicon) if len(lower_left) > 1 else 0.0
    if len(lower_left) >= 3 and lower_right in _SUFFIXES.get(lexicon, frozenset()):
        # (Not after one or two letters: "op-ed" is a word pair, not "op" + -ed.)
        z_right = 0.0
    z_rarer = min(z_left, z_right)

    if z_joined < MIN_JOINED_ZIPF:
        # The joined word is unknown to the word list: names ("Lav-rov" when
        # the list lacks "Lavrov") and rare words. Join only on evidence.
        if joined_seen:
            return _Decision(True, float(joined_seen), "joined form seen elsewhere")
        if z_left < RARE_PART_ZIPF and z_right < RARE_PART_ZIPF:
            # Neither part is a word either ("Ketso-yan"): genuine compounds
            # are made of words, so this is most likely a split name.
            return _Decision(True, 0.0, "parts are not words")
        return _Decision(False, 0.0, "joined word unknown")

    margin = z_joined - z_rarer - JOIN_MARGIN + (LINE_BREAK_BONUS if line_break else 0.0)
    if joined_seen and not hyphen_seen:
        # The joined word is written that way elsewhere in this text or corpus.
        margin += EVIDENCE_BONUS
    return _Decision(margin >= 0, margin, "joined word more common than its parts")


def hyphen_repairs(
    text: str, evidence: WordEvidence | None = None, language: str | None = "en"
) -> list[Edit]:
    """Edits that join words split by stray hyphens.

    ``evidence`` must include this text's own counts: pass
    ``WordEvidence.from_text(text).merged(corpus_evidence)``, or a corpus
    evidence that was built with this text. When it is None it is built from
    ``text`` alone. ``language`` is an ISO 639-1 code; languages that
    ``wordfreq`` does not cover (and None, for an undetected language) are
    judged on the evidence alone.

    A stray hyphen gives an edit that removes it and any line break after it
    (``replacement=""``). A genuine compound broken at a line end
    ("well-\\nknown") gives an edit that keeps the hyphen and removes the line
    break (``replacement="-"``). Genuine inline compounds give no edit.
    """
    if "-" not in text and "\u2010" not in text:
        return []
    chains = [chain for chain in _chains(text) if not _in_address(text, chain)]
    if not chains:
        return []
    if evidence is None:
        evidence = WordEvidence.from_text(text)
    edits: list[Edit] = []
    for chain in chains:
        edits.extend(_repair_chain(chain, evidence, language))
    return edits


def _repair_chain(chain: _Chain, evidence: WordEvidence, language: str | None) -> list[Edit]:
    # Groups of parts joined so far. Decide the surest join first, then judge
    # its neighbours against the joined word ("well-kno-wn": "kno|wn" joins to
    # "known" first, then "well|known" stays hyphenated).
    groups = [[part] for part in chain.parts]
    open_joiners = list(range(len(chain.joiners)))  # open_joiners[k] sits between groups k and k+1
    reasons: dict[int, str] = {}
    while open_joiners:
        best: tuple[float, int, str] | None = None
        for k, j in enumerate(open_joiners):
            left, right = "".join(groups[k]), "".join(groups[k + 1])
            original_pair = len(groups[k]) == 1 and len(groups[k + 1]) == 1
            decision = _decide(
                left, right, chain.joiners[j][2], len(groups) >= 3, original_pair, evidence, language
            )
            if decision.join and (best is None or decision.confidence > best[0]):
                best = (
                    decision.confidence,
                    k,
                    f"hyphen repair: {left}-{right} -> {left}{right} ({decision.why})",
                )
        if best is None:
            break
        _, k, reason = best
        reasons[open_joiners.pop(k)] = reason
        groups[k : k + 2] = [groups[k] + groups[k + 1]]

    edits = []
    for j, (start, end, line_break) in enumerate(chain.joiners):
        if j in reasons:
            edits.append(Edit(start, end, "", reasons[j]))
        elif line_break:
            edits.append(Edit(start, end, "-", "hyphen repair: line break inside a hyphenated compound"))
    return edits
