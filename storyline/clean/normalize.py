"""Unicode and whitespace normalisation, as edits so offsets stay traceable."""

from __future__ import annotations

import bisect
import re

from ..model import Edit

# Typographic variants folded to one form each. Straight double quotes replace the
# curly and low-9 forms because translated copy mixes them freely (`safer, ”the
# minister said`): pairing straight quotes by order is more robust than trusting
# the direction of a mangled curly quote. « » stay: they are unambiguous and carry
# Russian-style quoting.
CHAR_MAP = {
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u301d": '"', "\u301e": '"',
    "\uff02": '"',
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u0060": "'", "\u00b4": "'",
    "\u2013": "\u2014", "\u2015": "\u2014", "\u2012": "\u2014",  # en dash, horizontal bar, figure dash → em dash
    "\u2212": "-", "\u2010": "-", "\u2011": "-",  # minus, hyphen, non-breaking hyphen
    "\u00a0": " ", "\u2007": " ", "\u2009": " ", "\u200a": " ", "\u202f": " ", "\u2002": " ", "\u2003": " ",
    "\u3000": " ", "\t": " ",
    "\u00ad": "", "\u200b": "", "\u200c": "", "\u200d": "", "\u2060": "", "\ufeff": "",  # soft hyphen, zero widths
    "\ufb01": "fi", "\ufb02": "fl", "\ufb00": "ff", "\ufb03": "ffi", "\ufb04": "ffl",  # OCR ligatures
    "\u2026": "...",
}
_CHARS = re.compile("[" + "".join(re.escape(c) for c in CHAR_MAP) + "]")
# An en dash between digits is a range ("1990–1995"), which reads as a hyphen.
_RANGE_DASH = re.compile(r"(?<=\d)\u2013(?=\d)")
_CRLF = re.compile(r"\r\n?")
# One pass over every whitespace run: edges of the text go, runs containing line
# breaks become one break (or one blank line when they held two or more), other
# runs of spaces become one space.
_WS_RUN = re.compile(r" *\n[ \n]*| {2,}|\A | \Z")


def normalize_characters(text: str) -> list[Edit]:
    edits = [Edit(m.start(), m.end(), "-", "range dash") for m in _RANGE_DASH.finditer(text)]
    taken = {e.start for e in edits}
    edits += [Edit(m.start(), m.end(), "\n", "line ending") for m in _CRLF.finditer(text)]
    for m in _CHARS.finditer(text):
        if m.start() not in taken:
            ch = m.group()
            edits.append(Edit(m.start(), m.end(), CHAR_MAP[ch], f"unicode U+{ord(ch):04X}"))
    return edits


def normalize_whitespace(text: str) -> list[Edit]:
    """Collapse runs of spaces, trim line edges, keep at most one blank line."""
    # Fast path: cleaning calls this several times and the later calls nearly always
    # find nothing; substring tests are far cheaper than a regex scan.
    if not text or (text[0] not in " \n" and text[-1] not in " \n" and "  " not in text and " \n" not in text
                    and "\n " not in text and "\n\n\n" not in text):
        return []
    edits = []
    for m in _WS_RUN.finditer(text):
        run = m.group()
        if m.start() == 0 or m.end() == len(text):
            repl = ""
        elif "\n" in run:
            repl = "\n\n" if run.count("\n") >= 2 else "\n"
        else:
            repl = " "
        if repl != run:
            edits.append(Edit(m.start(), m.end(), repl, "whitespace"))
    return edits


def _drop_overlaps(edits: list[Edit]) -> list[Edit]:
    out: list[Edit] = []
    end = -1
    for e in sorted(edits, key=lambda e: (e.start, -(e.end - e.start))):
        if e.start >= end or (e.start == e.end and e.start > end):
            out.append(e)
            end = max(end, e.end)
    return out


# A hard line wrap inside a sentence (print scans, e-mail copy): a line that ends
# mid-sentence followed by one that starts lower-case. Real paragraph breaks end
# with punctuation or are followed by a capital, so they stay.
_WRAP = re.compile(r"(?<=[a-zа-яё0-9,;])\n(?=[a-zа-яё])")


def join_wrapped_lines(text: str) -> list[Edit]:
    return [Edit(m.start(), m.end(), " ", "line wrap") for m in _WRAP.finditer(text)]


_MD_RULES = [
    (re.compile(r"^#{1,6}[ \t]+", re.M), "", "markdown heading"),
    (re.compile(r"!\[[^\]\n]*\]\([^)\n]*\)"), "", "markdown image"),
    (re.compile(r"^>[ \t]?", re.M), "", "markdown blockquote"),
]
_MD_LINK = re.compile(r"\[([^\]\n]+)\]\((?:[^)\s]+)(?:\s+\"[^\"]*\")?\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1|(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")


def strip_markdown(text: str) -> list[Edit]:
    """Markdown syntax that is not part of the words: headings, images, links, emphasis."""
    edits: list[Edit] = []
    for pattern, repl, reason in _MD_RULES:
        edits += [Edit(m.start(), m.end(), repl, reason) for m in pattern.finditer(text)]
    for m in _MD_LINK.finditer(text):
        edits.append(Edit(m.start(), m.start(1), "", "markdown link"))
        edits.append(Edit(m.end(1), m.end(), "", "markdown link"))
    for m in _MD_EMPHASIS.finditer(text):
        if m.group(1):
            n = len(m.group(1))
            edits.append(Edit(m.start(), m.start() + n, "", "markdown emphasis"))
            edits.append(Edit(m.end() - n, m.end(), "", "markdown emphasis"))
        else:
            edits.append(Edit(m.start(), m.start() + 1, "", "markdown emphasis"))
            edits.append(Edit(m.end() - 1, m.end(), "", "markdown emphasis"))
    return _drop_overlaps(edits)


# Machine translation and some copy-pastes misplace spaces around punctuation: a space before a
# comma or full stop ("the talks , he said"), and a closing quote mark moved past its space and
# glued to the next word ('went well, "General Orr said', '... honoured, »Wang said'). A parser
# reads the glued mark as part of the next word, so the speaker after it is lost.
_SPACE_BEFORE_PUNCT = re.compile(r"(?<=[^\W\d_])[ ]+(?=[,;:!?.](?:[ \n]|$))")
# After a number only , ; ! ? move back: the robustness harness (storyline/corrupt.py) spaces them
# after digits as after letters ("in 2009 , the"), while a spaced colon after a number is a score
# or ratio ("won 3 : 1") and a spaced full stop was never seen detached after one
# (benchmarks/results/detokenize.md).
_SPACE_BEFORE_PUNCT_DIGIT = re.compile(r"(?<=\d)[ ]+(?=[,;!?](?:[ \n]|$))")
_GLUED_CLOSE = re.compile(r"(?<=[,.!?'])( +)([\"»])(?=[^\W\d_])")
_DETACHED_OPEN = re.compile(r"(?:(?<=[ \n(])|^)([\"«])( +)(?=[^\W\d_])", re.M)
# Tokenised copy (ECB+) also detaches a closing mark from the clause it ends ('the ferry is late ,
# " the clerk said'): the quote parser then pairs the mark with the next one and reads the speaker
# into the quotation. A straight " with a space before it closes when an odd number of " come
# before it on its line, and only on a line whose marks pair up. Not after a single quote: '...,' "
# is how some copy nests a quotation inside a quotation.
_DETACHED_CLOSE = re.compile(r"""(?<=[^\s"'])( +)"(?=[ \n,.;:!?)]|$)""", re.M)


def repair_punctuation_spacing(text: str) -> list[Edit]:
    """Spaces before punctuation removed; a closing mark glued to the next word put back after
    its clause (`, "General` -> `," General`); an opening mark cut off from its word rejoined
    (`" The` -> `"The`). A straight ``"`` counts as closing only when an odd number of ``"`` come
    before it on its line (a quotation is open); ``»`` always closes and ``«`` always opens. A
    closing ``"`` cut off from its clause by a space moves back to it (`late , " the` -> `late," the`)
    when the marks of its line pair up."""
    if '"' not in text and "»" not in text and "«" not in text and not any(
            f" {mark}" in text for mark in ",.;:!?"):
        return []
    edits = [Edit(m.start(), m.end(), "", "punctuation spacing") for m in _SPACE_BEFORE_PUNCT.finditer(text)]
    edits += [Edit(m.start(), m.end(), "", "punctuation spacing") for m in _SPACE_BEFORE_PUNCT_DIGIT.finditer(text)]
    # Where the " marks and line breaks are, found once: counting them from each match's line
    # start instead made a long line with many marks cost its length times its marks (36 s for
    # one 560 kB line); with the positions each count is two binary searches.
    marks = [m.start() for m in re.finditer('"', text)]
    breaks = [m.start() for m in re.finditer("\n", text)]

    def line_of(pos: int) -> tuple[int, int]:
        k = bisect.bisect_left(breaks, pos)
        return (breaks[k - 1] + 1 if k else 0), (breaks[k] if k < len(breaks) else len(text))

    def count(start: int, end: int) -> int:
        return bisect.bisect_left(marks, end) - bisect.bisect_left(marks, start)

    for m in _GLUED_CLOSE.finditer(text):
        mark = m.group(2)
        if mark == '"' and count(line_of(m.start())[0], m.start(2)) % 2 == 0:
            continue  # no quotation open on this line: the mark opens a new one
        edits.append(Edit(m.start(1), m.end(2), mark + m.group(1), "punctuation spacing"))
    for m in _DETACHED_OPEN.finditer(text):
        mark = m.group(1)
        if mark == '"' and count(line_of(m.start())[0], m.start(1)) % 2 == 1:
            continue  # a quotation is open: this mark closes it
        edits.append(Edit(m.start(2), m.end(2), "", "punctuation spacing"))
    for m in _DETACHED_CLOSE.finditer(text):
        line_start, line_end = line_of(m.start())
        if count(line_start, m.start()) % 2 == 1 and count(line_start, line_end) % 2 == 0:
            edits.append(Edit(m.start(1), m.end(1), "", "punctuation spacing"))
    return _drop_overlaps(edits)


# A date line under a headline ("Updated: Nov. 11, 2011", "Posted on ...") is a line of its own,
# never the continuation of a wrapped headline.
_DATE_LINE_START = re.compile(r"[ \t]*(?:Last [Uu]pdated|Updated|Published|Posted)\b|[ \t]*(?:(?:Mon|Tue|Wed|Thu|Fri|"
                              r"Sat|Sun)[a-z]*,? +)?(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? +\d{1,2}"
                              r"(?:,? +\d{4})?[ \t]*$")
_SENTENCE_FINAL = re.compile(r"[.!?:;\"'»)\]…]$")


def join_hard_wraps(text: str) -> list[Edit]:
    """Line breaks of a hard-wrapped text (print scans, e-mail, fixed-width copies) that end a
    line mid-sentence before a capital ("...between the\\nFSIN youth"), which
    :func:`join_wrapped_lines` leaves alone.

    A text counts as hard-wrapped when its lines have a width W (the 90th percentile of line lengths,
    at most 100 characters): at least eight lines, at least 40% of them between 0.7 W and W + 10,
    and at least half of those ending mid-sentence. Then such a line ending mid-sentence joins the
    next non-empty line, unless the next line's first word would have fitted within W.
    Texts with a paragraph per line never qualify: their lines vary in length and end sentences."""
    lines = text.split("\n")
    lengths = [len(line) for line in lines if any(c.isalpha() for c in line)]
    if len(lengths) < 8:
        return []
    # the width: most wrapped lines come close to it, so a high percentile finds it even when a
    # headline or a pasted paragraph runs longer
    width = sorted(lengths)[int(0.9 * (len(lengths) - 1))]
    if width > 100:
        return []
    low, high = 0.7 * width, width + 10

    def wrapped(line: str) -> bool:
        # a wrapped line stops at a word (or a comma after it); "... marked *" is a line of its own
        end = line.rstrip()[-1:]
        return low <= len(line) <= high and (end.isalnum() or end in ",—")

    full = [line for line in lines if low <= len(line) <= high]
    if len(full) < 0.4 * len(lengths) or sum(map(wrapped, full)) < 0.5 * len(full):
        return []
    # The wrapper's own width: the lines it broke end mid-sentence, while lines that end a paragraph
    # (which may run longer when the wrapper left them alone) would overstate it.
    ends_mid = sorted(len(line.rstrip()) for line in full if wrapped(line))
    wrap_width = ends_mid[int(0.9 * (len(ends_mid) - 1))]
    edits = []
    pos = 0
    for i, line in enumerate(lines[:-1]):
        end = pos + len(line)
        nxt = lines[i + 1]
        # A wrapper breaks a line only when the next word does not fit: if it would have fitted,
        # the break was the author's (a headline above a date line, a short list item).
        fits = len(line.rstrip()) + 1 + len(nxt.split(maxsplit=1)[0] if nxt.strip() else "") <= wrap_width
        # A line may also end in punctuation inside a sentence ("the U.S." / "voting system",
        # '"... no single point of failure,"' / "he said"): the lowercase word after it continues it.
        mid_sentence = wrapped(line) or (low <= len(line) <= high and nxt.lstrip()[:1].islower())
        # A word's hyphen at a line end was judged by the hyphen repair; a dash ("... the extreme --",
        # "... in Virginia -") is punctuation inside the sentence.
        hyphen = line.rstrip().endswith("-") and not re.search(r"(?:\s-|--)$", line.rstrip())
        if mid_sentence and nxt.strip() and not fits and not hyphen \
                and not _DATE_LINE_START.match(nxt):
            edits.append(Edit(end, end + 1, " ", "line wrap"))
        pos = end + 1
    return edits
