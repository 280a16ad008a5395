"""The full-text query language read into a tree, and that tree in each store's syntax
(storyline/store/query.py); what the stores answer is in test_store_conformance.py."""

from __future__ import annotations

import pytest

from storyline.errors import QueryError
from storyline.store.query import MAX_TERMS, parse, to_fts5, to_tsquery


@pytest.mark.parametrize(("query", "fts5"), [
    ("dam collapse", '("dam" AND "collapse")'),
    ("dam AND collapse", '("dam" AND "collapse")'),
    ("dam OR weir burst", '("dam" OR ("weir" AND "burst"))'),  # AND binds tighter than OR
    ("dam weir NOT burst OR gate", '(("dam" AND ("weir" NOT "burst")) OR "gate")'),  # NOT tighter than AND
    ("(dam OR weir) NOT burst", '(("dam" OR "weir") NOT "burst")'),
    ("(dam OR weir) OR (gate OR sluice) burst", '("dam" OR "weir" OR (("gate" OR "sluice") AND "burst"))'),
    ('"spillway gates" jammed', '("spillway gates" AND "jammed")'),
    ("spill*", '"spill" *'),
    ("dam and or not", '"dam"'),  # lower-case operators are words, and these are too common to index
    ('U.S. "unclosed', '("u s" AND "unclosed")'),  # "U.S." is its words in order; a stray quote is closed
    ("граница", '("граница" OR "границ" *)'),  # a Russian word by its stem's prefix
    ("паром", '"паром"'),  # not by a stem of three letters ("пар" would find "партия")
])
def test_a_query_reads_the_same_tree_for_each_store(query, fts5):
    tree = parse(query)
    assert to_fts5(tree) == fts5
    sql, args = to_tsquery(tree)
    assert sql.count("?") == len(args) and "NOT" not in sql


def test_not_excludes_every_reading_of_the_word_on_postgresql():
    sql, args = to_tsquery(parse("dam NOT Seltva"))
    assert sql.startswith("((") and "&& !! (" in sql and args.count("seltva") == 3


@pytest.mark.parametrize(("query", "says"), [
    ("", "empty query"), ("  ", "empty query"), ("***", "empty query"), ("()", "empty query"),
    ("NOT ferry", "NOT needs something to search for before it"),
    ("the NOT ferry", "only excludes"),
    ("ferry AND", "AND needs a word"), ("OR ferry", "OR needs a word"), ("ferry NOT", "NOT needs a word"),
    ("(ferry", "unbalanced '('"), ("ferry)", "unbalanced ')'"),
    ("the of", "too common"),
    ("(" * 21 + "ferry" + ")" * 21, "parentheses"),
    (" ".join(f"w{i}" for i in range(MAX_TERMS + 1)), f"more than {MAX_TERMS} words"),
])
def test_a_query_no_store_can_answer_says_how_to_write_one(query, says):
    with pytest.raises(QueryError, match="AND, OR, NOT") as err:
        parse(query)
    assert says in str(err.value) and len(str(err.value)) < 400


def test_the_longest_query_allowed_compiles_for_both_stores():
    tree = parse(" ".join(f"w{i}" for i in range(MAX_TERMS)))
    assert to_fts5(tree).count('"w') == MAX_TERMS and len(to_tsquery(tree)[1]) == 3 * MAX_TERMS


def test_a_minus_sign_excludes_as_web_search_engines_write_it():
    assert to_fts5(parse("dam -drill")) == to_fts5(parse("dam NOT drill"))
    with pytest.raises(QueryError, match="only excludes"):
        parse("-dam")


def test_a_phrase_of_common_words_only_is_refused_on_every_store():
    for query in ('"The Who"', '"the"'):
        with pytest.raises(QueryError, match="too common to be indexed"):
            parse(query)
    assert to_fts5(parse('"The Who" concert')) == '"concert"'
