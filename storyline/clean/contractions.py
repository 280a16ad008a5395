"""Rejoining English contractions that an upstream tokeniser split apart.

Some input arrives tokenised: ECB+ documents carry ``didn ' t``, ``it ' s`` and ``we ' re``,
Penn-Treebank style copies carry ``did n't`` and ``it 's``, and machine translation leaves
``can' t``. Later stages read words, so a split ``didn ' t`` loses its negation (the stance
parser saw none in one outlet's copy of a sentence and reported a disagreement that was not
there; benchmarks/results/report.md, "Stance v5") and ``' s`` reads as a quotation mark.

:func:`contraction_repairs` returns :class:`~storyline.model.Edit` records that delete the
spaces inside such a contraction, one edit per space, so every character that stays maps to
its own raw character (as hyphen repair deletes just the hyphen). It runs after
``normalize_characters``, which has already folded curly apostrophes, backticks and primes
into ``'``.

It is deliberately narrow. Each guard keeps a form apart that is not a contraction; the
word-end guard was added after the wider pattern made one wrong join on PolNeAR train, the
others cover the cases in tests/test_detokenize.py (counts: benchmarks/results/detokenize.md):

- negations only for a closed list of English auxiliaries (``didn``, ``can``, ``won`` ...),
  so ``Iran ' t`` or a name ending in n is never glued;
- the other clitics (``'s 're 've 'll 'd 'm``) only after a word of Latin letters, never
  after digits (``5 ' 11``);
- the contraction must end a word: a space, the end or closing punctuation follows it, so a
  quoted word that starts with the same letters (``an 's-curve' budget``) stays apart, and
  a lone apostrophe after it makes it a quoted letter (``the letter ' s '``);
- an uppercase clitic only after an all-capitals word (``IT ' S``), so a quoted capital
  (``the ' M ' word``) stays apart;
- a clitic spaced before only (``it 's``) stays apart when an apostrophe closes a quotation a
  few words on (``the so-called 'd word'``): it opens a quoted word (found in review, round 9);
- English text only: the caller skips texts in other languages, and Cyrillic never matches.
"""

from __future__ import annotations

import re

from storyline.model import Edit

__all__ = ["contraction_repairs"]

# Words that take n't. "ca", "wo", "sha" and "ai" are the Penn Treebank halves of can't, won't,
# shan't and ain't ("ca n't"); the regex below splits "can ' t" the same way.
_NEGATABLE = frozenset(
    """
    ain aren can couldn daren didn doesn don hadn hasn haven isn mightn mustn needn oughtn shan
    shouldn wasn weren won wouldn
    """.split()
)
# A contraction ends a word: a space, the end, or punctuation that closes a clause follows it.
# Anything else (a hyphen or dash, another letter) makes it the start of a quoted word ("a 's-t
# show'"). A lone apostrophe after it (" '" then no letter) closes a quoted letter.
_WORD_END = r"""(?=[\s.,;:!?)\]"»]|$)(?! '(?!\w))"""
# A word, optional space, "n", optional space, apostrophe, optional space, "t": "didn ' t",
# "did n't", "don 't", "can' t". The lazy stem lets the n be the word's own last letter.
_NEGATION = re.compile(rf"\b([A-Za-z]+?)( ?)([nN])( ?)'( ?)([tT]){_WORD_END}")
# Within a few words on the same line, an apostrophe after a word and before a non-letter.
_QUOTE_CLOSES = re.compile(r"[^\n']{0,30}?[^\W\d_]'(?![^\W\d_])")
# A word, apostrophe with a space on one or both sides, and a clitic as a whole word.
_CLITIC = re.compile(rf"\b([A-Za-z]+)( ?)'( ?)(s|re|ve|ll|d|m|S|RE|VE|LL|D|M){_WORD_END}")


def _case_fits(stem: str, suffix: str) -> bool:
    # An uppercase clitic belongs to an all-capitals word (a headline); after any other word it
    # is a quoted letter or an initial.
    return suffix.islower() or (stem.isupper() and len(stem) > 1)


def contraction_repairs(text: str) -> list[Edit]:
    """Edits that delete the spaces inside split English contractions (``didn ' t`` ->
    ``didn't``, ``did n't`` -> ``didn't``, ``it 's`` -> ``it's``). Text without a spaced
    apostrophe gives no edit."""
    if " '" not in text and "' " not in text and " n'" not in text and " N'" not in text:
        return []
    edits: list[Edit] = []
    for m in _NEGATION.finditer(text):
        stem, n, t = m.group(1), m.group(3), m.group(6)
        spaces = [m.start(g) for g in (2, 4, 5) if m.group(g)]
        if not spaces or (stem + n).lower() not in _NEGATABLE or not _case_fits(stem + n, t):
            continue
        edits += [Edit(s, s + 1, "", f"contraction: {m.group()} -> {stem}{n}'{t}") for s in spaces]
    taken = {e.start for e in edits}
    for m in _CLITIC.finditer(text):
        stem, suffix = m.group(1), m.group(4)
        spaces = [m.start(g) for g in (2, 3) if m.group(g)]
        if not spaces or not _case_fits(stem, suffix) or taken.intersection(spaces):
            continue
        if m.group(2) and not m.group(3) and _QUOTE_CLOSES.match(text, m.end()):
            continue  # "the so-called 'd word'": a quoted word, not a contraction
        edits += [Edit(s, s + 1, "", f"contraction: {m.group()} -> {stem}'{suffix}") for s in spaces]
    return sorted(edits, key=lambda e: e.start)
