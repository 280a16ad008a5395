"""Bounds on what one input item may cost, and text made safe to store and print.

Each guard turns a hostile or broken input into an :class:`InputRejected` with a
reason the user can act on, before the expensive or recursive work that would
otherwise crash or exhaust the process:

* ``load_json``: nesting depth checked without recursion, then parsed; huge
  integers are kept as text instead of raising.
* ``load_front_matter``: YAML through a safe loader that refuses aliases (the
  "billion laughs" bomb) and keeps dates as text (``9999-99-99`` would raise).
* ``check_lines``: refuses single lines long enough to make line-based cleaning
  and NER crawl.
* ``sanitize``: removes NUL and other control characters, ANSI escape sequences
  (they reach terminals through ``storyline articles``) and lone surrogates
  (SQLite and UTF-8 encoders reject them).
* ``time_budget``: a SIGALRM watchdog that interrupts one item's reading or
  cleaning when it runs past its budget.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import signal
import threading
from collections.abc import Iterator
from typing import Any

import yaml

from ..errors import InputRejected

__all__ = ["ItemTimeout", "check_lines", "load_front_matter", "load_json", "sanitize", "sanitize_value",
           "time_budget"]

# Front matter is a handful of keys; 64 KB is far beyond any real block.
MAX_FRONT_MATTER_BYTES = 65_536
# Integers longer than this stay strings (ids like 2**200 would otherwise raise in
# Python's int() or lose meaning as numbers).
_MAX_INT_DIGITS = 18

_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def json_depth(text: str) -> int:
    """The deepest bracket nesting of a JSON text, found without recursion (strings ignored)."""
    import numpy

    opening = text.count("[") + text.count("{")
    if opening <= 1:  # the common flat record: no need to look closer
        return opening

    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    if not brackets:
        return 0
    steps = numpy.frombuffer(brackets.encode("ascii"), dtype=numpy.uint8)
    delta = numpy.where((steps == ord("[")) | (steps == ord("{")), 1, -1)
    return int(numpy.cumsum(delta).max())


def _parse_int(digits: str) -> int | str:
    return int(digits) if len(digits.lstrip("-")) <= _MAX_INT_DIGITS else digits


def _constant_as_null(name: str) -> None:
    # NaN and Infinity are not JSON; Python accepts them, and a NaN title became "nan".
    return None


def load_json(text: str, max_depth: int) -> Any:
    """Parse JSON, refusing nesting deeper than ``max_depth`` before the recursive parser sees it."""
    # Cheap bound first: nesting can be no deeper than the number of opening brackets.
    depth = 0 if text.count("[") + text.count("{") <= max_depth else json_depth(text)
    if depth > max_depth:
        raise InputRejected(f"JSON nested {depth} levels deep (limit {max_depth}; a news record needs a few); "
                            "flatten it, or raise max_json_depth")
    try:
        return json.loads(text, parse_int=_parse_int, parse_constant=_constant_as_null)
    except json.JSONDecodeError as exc:
        raise InputRejected(f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}; fix it") from None
    except (ValueError, RecursionError) as exc:
        raise InputRejected(f"JSON cannot be read ({exc.__class__.__name__}: {str(exc)[:120]}); fix it") from None


class _FrontMatterLoader(yaml.SafeLoader):
    """SafeLoader without aliases and without implicit dates.

    Aliases are refused because nested aliases expand exponentially (741 bytes became
    351 MB); front matter never needs them. Dates stay text: PyYAML's timestamp
    constructor raises on impossible dates such as 9999-99-99, and ingest parses
    dates itself."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise yaml.composer.ComposerError(None, None, "YAML aliases (*name) are not allowed in front matter",
                                              mark)
        return super().compose_node(parent, index)


_FrontMatterLoader.yaml_implicit_resolvers = {
    first: [(tag, regex) for tag, regex in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_front_matter(block: str) -> Any:
    """The YAML of a Markdown front matter block, bounded and without aliases."""
    if len(block.encode("utf-8", "surrogatepass")) > MAX_FRONT_MATTER_BYTES:
        raise InputRejected(f"front matter is over {MAX_FRONT_MATTER_BYTES // 1024} KB; keep only metadata "
                            "between the --- lines")
    try:
        return yaml.load(block, Loader=_FrontMatterLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or exc.__class__.__name__
        raise InputRejected(f"front matter is not valid YAML ({problem}); fix the block between the --- lines"
                            ) from None
    except (ValueError, TypeError, RecursionError) as exc:
        raise InputRejected(f"front matter cannot be read ({exc.__class__.__name__}: {str(exc)[:120]}); "
                            "fix the block between the --- lines") from None


def check_lines(text: str, max_line_chars: int, max_text_chars: int) -> None:
    """Refuse a text longer than ``max_text_chars`` or with a line longer than ``max_line_chars``."""
    if len(text) > max_text_chars:
        raise InputRejected(f"text is {len(text):,} characters (limit {max_text_chars:,}); split it into "
                            "articles, or raise max_text_chars")
    if len(text) <= max_line_chars:
        return
    start = 0
    for lineno, m in enumerate(re.finditer(r"\n|\Z", text), 1):
        if m.start() - start > max_line_chars:
            raise InputRejected(f"line {lineno} is {m.start() - start:,} characters long (limit "
                                f"{max_line_chars:,}; a data dump or minified text, not an article); "
                                "break it into paragraphs, or raise max_line_chars")
        start = m.end()


# ANSI/VT escape sequences: CSI (ESC [ ... final byte), OSC (ESC ] ... BEL or ESC \), and two-byte escapes.
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]|\x9b[0-?]*[ -/]*[@-~]")
# Control characters other than tab, newline and carriage return (C0, DEL, C1); form
# and vertical feeds separate pages or lines in OCR output, so they become newlines.
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_ANYTHING_TO_DO = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def sanitize(text: str) -> str:
    """``text`` without ANSI escapes, control characters or lone surrogates."""
    if not _ANYTHING_TO_DO.search(text):  # one scan; nearly every text is clean
        return text
    text = _ANSI.sub("", text)
    text = text.replace("\x0b", "\n").replace("\x0c", "\n")
    text = _CONTROLS.sub("", text)
    return _SURROGATE.sub("\ufffd", text)


def sanitize_value(value: Any, depth: int = 0) -> Any:
    """A JSON-safe copy of a metadata value: strings sanitized, NaN/Infinity dropped, other
    types as text, nesting cut at 32 levels (metadata is stored as JSON)."""
    if isinstance(value, str):
        return sanitize(value)
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if depth >= 32:
        return "…"
    if isinstance(value, dict):
        return {sanitize(str(k)): sanitize_value(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [sanitize_value(v, depth + 1) for v in value]
    return sanitize(str(value))


class ItemTimeout(InputRejected):
    """One item ran past its time budget."""


@contextlib.contextmanager
def time_budget(seconds: float, what: str = "reading and cleaning") -> Iterator[None]:
    """Interrupt the block with :class:`ItemTimeout` after ``seconds``.

    A SIGALRM timer: Python runs the handler between bytecodes and inside regular
    expression matching, so a runaway heuristic is stopped; a single long C call
    (an XML parse) finishes first, which the size bounds keep short. Off the main
    thread (signals cannot be used there) or with ``seconds <= 0`` the block runs unbounded.
    """
    if (seconds <= 0 or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer")
            or _active):
        # Off the main thread signals cannot be used; inside another budget, the outer one governs
        # (one timer per process: an inner budget would cancel the outer one on exit).
        yield
        return

    def expired(_signum: int, _frame: Any) -> None:
        raise ItemTimeout(f"{what} took over {seconds:g} s (item_time_budget; the item is probably "
                          "malformed); check it, or raise item_time_budget", stage="budget")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    _active.append(seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        _active.pop()


_active: list[float] = []  # the budget in force on the main thread, if any
