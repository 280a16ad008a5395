"""HTML bounds, and a plain paragraph reader for pages the main extractor cannot parse.

trafilatura builds an lxml tree; a page with millions of elements costs gigabytes,
and libxml2 gives up on trees nested deeper than about 256 levels. Both checks
here run in one streaming pass, without building a tree.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from ..errors import InputRejected

__all__ = ["check_html_size", "paragraph_text"]

# The attributes stop at the next "<" as well as at ">": an unclosed "<a" then costs one
# short scan, not a scan to the end of the page for every one of them (quadratic).
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)([^<>]*)>")
# Real elements have a handful of attributes; libxml2's time grows with the square of
# their number (30,000 on one element took 7 s, uninterruptibly, inside the C parser).
MAX_ATTRIBUTES = 256
# Elements that never have a closing tag, so they do not nest.
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())


def check_html_size(html: str, max_nodes: int) -> int:
    """Refuse a page with more than ``max_nodes`` elements; return its (approximate) nesting depth."""
    depth = deepest = nodes = 0
    for m in _TAG.finditer(html):
        closing, name, self_closing = m.group(1), m.group(2).lower(), m.group(3).endswith("/")
        if closing:
            depth = max(0, depth - 1)
            continue
        nodes += 1
        attributes = m.group(3)
        if len(attributes) > 4096 and len(attributes.split()) > MAX_ATTRIBUTES:
            raise InputRejected(f"an HTML <{name}> element has over {MAX_ATTRIBUTES} attributes (libxml2 checks them "
                                "pairwise, so such a page takes minutes); save the article page itself")
        if nodes > max_nodes:
            raise InputRejected(f"HTML page has over {max_nodes:,} elements (limit max_html_nodes; an article page "
                                "has a few thousand); save the article itself, or raise max_html_nodes")
        if name not in _VOID and not self_closing:
            depth += 1
            deepest = max(deepest, depth)
    return deepest


class _Paragraphs(HTMLParser):
    """Text inside <p> elements (and headings), ignoring scripts and styles; event-driven, so depth costs nothing."""

    _BLOCKS = frozenset({"p", "h1", "h2", "h3", "blockquote", "li"})
    _SKIP = frozenset({"script", "style", "noscript", "template", "nav", "footer"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self._current: list[str] | None = None
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in self._SKIP:
            self._skip += 1
        elif tag in self._BLOCKS:
            self._flush()
            self._current = []

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in self._BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self._current is not None and not self._skip:
            self._current.append(data)

    def _flush(self) -> None:
        if self._current:
            text = " ".join("".join(self._current).split())
            if text:
                self.paragraphs.append(text)
        self._current = None


def paragraph_text(html: str) -> str:
    """The paragraphs of a page, one a line."""
    parser = _Paragraphs()
    parser.feed(html)
    parser.close()
    parser._flush()
    return "\n".join(parser.paragraphs)
