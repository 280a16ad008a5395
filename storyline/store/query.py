"""The full-text query language, one meaning on every store.

    dam collapse             both words (AND is implied between items)
    dam AND collapse         the same
    dam OR spillway          either
    dam NOT Seltva           dam, without Seltva (NOT needs something before it)
    "the spillway gates"     the words in this order
    spill*                   any word starting with "spill"
    (dam OR weir) AND burst  parentheses group

Operators are upper case; ``and``, ``or`` and ``not`` in lower case are ordinary words. Words
match their other forms: English by the stores' English stemmer (FTS5's porter tokenizer on
SQLite, the english text search configuration on PostgreSQL), Russian by prefix of the word's
Snowball stem when that stem has at least ``MIN_RU_STEM`` letters (``граница`` finds ``о
границе``), so both stores read a query the same way.

``parse`` turns the text into a tree and refuses what no store can answer (an empty query, a
query that only excludes, a dangling operator) with a ``QueryError`` that says how to write it;
``to_fts5`` and ``to_tsquery`` write the tree in each store's own syntax. A stray double quote
is closed at the end of the query rather than refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..errors import QueryError
from .stopwords import STOP_WORDS

__all__ = ["QueryError", "parse", "to_fts5", "to_tsquery", "SYNTAX_HELP", "MIN_RU_STEM"]

SYNTAX_HELP = 'words, AND, OR, NOT, "a phrase", prefix*, (groups); e.g. \'dam AND (collapse OR burst) NOT drill\''
MIN_RU_STEM = 4  # shorter Russian stems ("пар" of "паром") would match unrelated words by prefix
MAX_TERMS = 200  # words and phrases in one query (a pasted paragraph); each is a node of the tree
MAX_DEPTH = 20  # nested parentheses
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_TOKEN = re.compile(r'\s*(?:(\()|(\))|("[^"]*"?)|([^\s()"]+))')
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]  # one word, or several (a phrase, or "U.S." read as its words)
    prefix: bool = False


@dataclass(frozen=True)
class Op:
    kind: str  # "AND", "OR", "NOT" (left NOT right: left without right)
    left: Node
    right: Node


Node = Term | Op


def parse(query: str) -> Node:
    """The query's tree; ``QueryError`` when it is empty, only excludes, or misuses an operator."""
    items: list[str | Node] = []
    depth_stack: list[list[str | Node]] = []
    pos = 0
    terms = 0
    text = query or ""
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            break
        pos = m.end()
        opening, closing, phrase, bare = m.groups()
        if opening:
            if len(depth_stack) >= MAX_DEPTH:
                raise QueryError(f"the query nests parentheses more than {MAX_DEPTH} deep; {SYNTAX_HELP}")
            depth_stack.append(items)
            items = []
        elif closing:
            if not depth_stack:
                raise QueryError(f"unbalanced ')' in the query {_shown(query)}; write {SYNTAX_HELP}")
            group = _combine(items, query)
            items = depth_stack.pop()
            if group is not None:
                items.append(group)
        elif bare in ("AND", "OR", "NOT"):
            items.append(bare)
        else:
            if bare and bare.startswith("-") and _WORD.match(bare, 1):
                items.append("NOT")  # "dam -drill", as web search engines write it: dam NOT drill
                bare = bare[1:]
            words = tuple(w.lower() for w in _WORD.findall(phrase.strip('"') if phrase is not None else bare))
            terms += len(words)
            if terms > MAX_TERMS:
                raise QueryError(f"the query has more than {MAX_TERMS} words; search for the few that matter "
                                 f"({SYNTAX_HELP}), or use --semantic to find sentences like a passage")
            if words:
                prefix = phrase is None and bare.endswith("*") and len(words) == 1
                items.append(Term(words, prefix=prefix))
    if depth_stack:
        raise QueryError(f"unbalanced '(' in the query {_shown(query)}; write {SYNTAX_HELP}")
    tree = _combine(items, query)
    if tree is None:
        raise QueryError(f"empty query {_shown(query)}: give at least one word to search for; {SYNTAX_HELP}")
    pruned = _prune(tree)
    if pruned is _EXCLUDES_ONLY:
        raise QueryError(f"the query {_shown(query)} only excludes: NOT needs something to search for before it "
                         f"('ferry NOT strike'); {SYNTAX_HELP}")
    if pruned is None:
        raise QueryError(f"the query {_shown(query)} has only words too common to be indexed ('the', 'и'), "
                         f"quoted or not: add a more specific word; {SYNTAX_HELP}")
    tree = pruned
    if not _positive(tree):
        raise QueryError(f"the query {_shown(query)} only excludes: NOT needs something to search for before it "
                         f"('ferry NOT strike'); {SYNTAX_HELP}")
    return tree


def _shown(query: str) -> str:
    """The query as quoted in a message: at most 80 characters of it."""
    return repr(query if len(query) <= 80 else query[:77] + "...")


def _combine(items: list[str | Node], query: str) -> Node | None:
    """Items of one level to a tree: NOT binds tightest, then AND (also implied), then OR."""
    if not items:
        return None

    def misuse(op: str) -> QueryError:
        return QueryError(f"{op} needs a word or group on each side in the query {_shown(query)}; {SYNTAX_HELP}")

    # Split by OR, then each part by AND (explicit or implied), then by NOT.
    ors: list[list[str | Node]] = [[]]
    for it in items:
        if it == "OR":
            ors.append([])
        else:
            ors[-1].append(it)
    if any(not part for part in ors):
        raise misuse("OR")
    or_nodes: list[Node] = []
    for part in ors:
        and_nodes: list[Node] = []
        pending_not = False
        expect_operand = True
        for it in part:
            if it == "AND":
                if expect_operand:
                    raise misuse("AND")
                expect_operand = True
            elif it == "NOT":
                if expect_operand:
                    raise QueryError(f"NOT needs something to search for before it ('ferry NOT strike'), in the "
                                     f"query {_shown(query)}: a query that only excludes is not answered; {SYNTAX_HELP}")
                pending_not = True
                expect_operand = True
            else:
                assert not isinstance(it, str)
                if pending_not:
                    and_nodes[-1] = Op("NOT", and_nodes[-1], it)
                    pending_not = False
                else:
                    and_nodes.append(it)
                expect_operand = False
        if expect_operand:
            raise misuse("AND" if part[-1] == "AND" else "NOT")
        node = and_nodes[0]
        for n in and_nodes[1:]:
            node = Op("AND", node, n)
        or_nodes.append(node)
    node = or_nodes[0]
    for n in or_nodes[1:]:
        node = Op("OR", node, n)
    return node


_EXCLUDES_ONLY = Term(("",))  # a marker: what is left of the tree only excludes


def _prune(node: Node) -> Node | None:
    """The tree without stop words outside phrases, as PostgreSQL drops them from a tsquery
    (``a AND the`` is ``a``; ``a NOT the`` is ``a``); None when nothing is left, the marker
    when only an exclusion is."""
    if isinstance(node, Term):
        # a phrase of common words only ("The Who") goes too: PostgreSQL's English vectors hold none of
        # them, so SQLite alone could answer it
        return None if not node.prefix and all(w in STOP_WORDS for w in node.words) else node
    left, right = _prune(node.left), _prune(node.right)
    if left is _EXCLUDES_ONLY or right is _EXCLUDES_ONLY:
        return _EXCLUDES_ONLY
    if node.kind == "NOT":
        if left is None:
            return _EXCLUDES_ONLY if right is not None else None
        return left if right is None else Op("NOT", left, right)
    if left is None or right is None:
        return left if right is None else right
    return Op(node.kind, left, right)


def _positive(node: Node) -> bool:
    """Whether the tree can match without reading every article (NOT always has a left side,
    so every well-formed tree can; kept as the guard for trees built by hand)."""
    if isinstance(node, Term):
        return True
    if node.kind == "NOT":
        return _positive(node.left)
    if node.kind == "AND":
        return _positive(node.left) or _positive(node.right)
    return _positive(node.left) and _positive(node.right)


@lru_cache(maxsize=4096)
def russian_stem(word: str) -> str | None:
    """The Snowball stem of a Cyrillic word when it is long enough to search by prefix."""
    if not _CYRILLIC.search(word):
        return None
    import snowballstemmer

    stem = snowballstemmer.stemmer("russian").stemWord(word)
    return stem if len(stem) >= MIN_RU_STEM and stem != word else None


def _fts5_string(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _chain(node: Node, kind: str) -> list[Node]:
    """The operands of a left-deep chain of ``kind`` (``a OR b OR c``), in order."""
    out: list[Node] = []
    while isinstance(node, Op) and node.kind == kind:
        out.extend(reversed(_chain(node.right, kind)))
        node = node.left
    out.append(node)
    return out[::-1]


def to_fts5(node: Node) -> str:
    """The tree in FTS5 MATCH syntax (every word quoted, so no word is read as an operator)."""
    if isinstance(node, Op):
        if node.kind == "NOT":
            return f"({to_fts5(node.left)} NOT {to_fts5(node.right)})"
        # A chain of one operator flat: FTS5's parser overflows on 200 nested parentheses.
        return "(" + f" {node.kind} ".join(to_fts5(n) for n in _chain(node, node.kind)) + ")"
    if len(node.words) > 1:
        return _fts5_string(" ".join(node.words))
    word = node.words[0]
    if node.prefix:
        return _fts5_string(word) + " *"
    stem = russian_stem(word)
    return f"({_fts5_string(word)} OR {_fts5_string(stem)} *)" if stem else _fts5_string(word)


CONFIGS = ("english", "russian", "simple")


def to_tsquery(node: Node) -> tuple[str, list[str]]:
    """The tree as a PostgreSQL tsquery expression with its parameters. Each word is read by
    every configuration (an article's vector was built with its language's) and matches if
    any reading does; operators then combine those readings, so NOT excludes every form."""
    if isinstance(node, Op):
        left, la = to_tsquery(node.left)
        right, ra = to_tsquery(node.right)
        op = {"AND": "&&", "OR": "||", "NOT": "&& !!"}[node.kind]
        return f"({left} {op} {right})", la + ra
    if len(node.words) > 1:
        text = " ".join(node.words)
        return "(" + " || ".join(f"phraseto_tsquery('{c}', ?)" for c in CONFIGS) + ")", [text] * len(CONFIGS)
    word = node.words[0]
    if node.prefix:
        # Prefix of the word as written (simple) and of its stem in each language.
        return ("(" + " || ".join(f"to_tsquery('{c}', ? || ':*')" for c in CONFIGS) + ")",
                [_ts_lexeme(word)] * len(CONFIGS))
    parts = [f"plainto_tsquery('{c}', ?)" for c in CONFIGS]
    args = [word] * len(CONFIGS)
    stem = russian_stem(word)
    if stem:
        parts.append("to_tsquery('simple', ? || ':*')")
        args.append(_ts_lexeme(stem))
    return "(" + " || ".join(parts) + ")", args


def _ts_lexeme(word: str) -> str:
    """A word quoted as one to_tsquery operand (only \\w characters reach here)."""
    return "'" + word.replace("'", "''").replace("\\", "\\\\") + "'"
