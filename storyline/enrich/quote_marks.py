"""Pairing quotation marks into quoted spans, paragraph by paragraph (part of ``storyline.enrich.quotes``)."""

from __future__ import annotations

import re

MAX_QUOTE_CHARS = 3000  # longer "quotes" are almost always a mark that never closed
MAX_QUOTE_PARAGRAPHS = 6

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
