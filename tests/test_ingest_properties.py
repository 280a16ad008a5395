"""Property-based tests of ingest: whatever the records, JSON, front matter, HTML or file
names, ingest never raises, every item is accounted for, and what is stored is consistent
(the offset map and every listed change point at the raw text they came from)."""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storyline import load_settings, open_store
from storyline.pipeline import ingest

from .fixtures.hostile.make_corpus import story

SETTINGS = load_settings(env={}).replace(item_time_budget=20.0)
# More examples for a deeper search: STORYLINE_PROPERTY_EXAMPLES=500 python -m pytest tests/test_ingest_properties.py
PROPERTY = settings(max_examples=int(os.environ.get("STORYLINE_PROPERTY_EXAMPLES", "40")), deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_scalars = (st.none() | st.booleans() | st.integers() | st.integers(min_value=10**30, max_value=10**60)
                | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=60))
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=12)
article_texts = st.integers(0, 10**6).map(lambda i: "\n".join(story(i)))
field_values = json_values | article_texts
records = st.dictionaries(st.sampled_from(["id", "title", "text", "source", "published", "url", "language",
                                           "authors", "body", "extra"]), field_values, max_size=8)


def _check_store(store, report, outcomes_at_least):
    accounted = len(report.added) + report.duplicates + len(report.rejected)
    assert accounted >= outcomes_at_least
    for a in store.articles():
        omap = a.offset_map
        for d, s, n in omap.runs:
            assert a.text[d:d + n] == a.raw_text[s:s + n]
        for ch in store.article_changes(a.id):
            assert a.raw_text[ch["raw_start"]:ch["raw_end"]] == ch["before"]
        for offset in range(0, len(a.text) + 1, max(1, len(a.text) // 7)):
            assert 0 <= omap.to_source(offset) <= len(a.raw_text)
        assert "\x00" not in a.raw_text and "\x1b" not in (a.title or "")


def _ingest(files: dict[bytes, bytes]):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "in"
        root.mkdir()
        for name, content in files.items():
            path = os.path.join(os.fsencode(root), name)
            with open(path, "wb") as fh:
                fh.write(content)
        store = open_store(":memory:")
        try:
            report = ingest(store, [root], settings=SETTINGS)
            _check_store(store, report, len(files))
            return store, report
        finally:
            store.close()


@PROPERTY
@given(st.lists(records, min_size=1, max_size=6), st.booleans())
def test_any_jsonl_records(recs, ascii_only):
    lines = [json.dumps(r, ensure_ascii=ascii_only, allow_nan=True) for r in recs]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "feed.jsonl"
        path.write_text("\n".join(lines) + "\n", "utf-8", errors="surrogatepass")
        store = open_store(":memory:")
        try:
            report = ingest(store, [path], settings=SETTINGS)
            # one outcome per line, each named by its line number
            _check_store(store, report, len(lines))
            assert {r.item for r in report.rejected} <= {f"line {n}" for n in range(1, len(lines) + 1)}
            good = [r for r in recs if isinstance(r.get("text"), str) and len(r["text"].strip()) > 200
                    and set(r) <= {"text", "body", "extra"}]
            assert len(report.added) + report.duplicates >= len(good)
        finally:
            store.close()


@PROPERTY
@given(json_values)
def test_any_json_document(value):
    text = json.dumps(value, allow_nan=True)
    assert not isinstance(value, float) or math.isnan(value) or text
    _ingest({b"doc.json": text.encode("utf-8", "surrogatepass")})


@PROPERTY
@given(st.binary(max_size=400))
def test_any_bytes_as_json_text_markdown_and_html(data):
    _ingest({b"a.json": data, b"b.txt": data, b"c.md": data, b"d.html": data, b"e.jsonl": data})


yaml_ish = st.lists(st.sampled_from(["published: ", "title: ", "source: ", "&a ", "*a ", "[", "]", "{", "}", ": ",
                                     "- ", "!!binary ", "!!timestamp ", "9999-99-99", "2025-03-04", "-1", "NaN",
                                     "\n", "  ", "'", '"', "\\u0000", "\x1b[31m", "é", "\ud800"]),
                    max_size=30).map("".join)


@PROPERTY
@given(yaml_ish, article_texts)
def test_any_front_matter(front, body):
    content = f"---\n{front}\n---\n{body}\n".encode("utf-8", "surrogatepass")
    store_report = _ingest({b"story.md": content})
    assert store_report is not None


tags = st.sampled_from(["div", "p", "span", "article", "script", "style", "nav", "h1", "table", "td", "b", "br"])


@st.composite
def html_pages(draw):
    parts = []
    for _ in range(draw(st.integers(0, 30))):
        kind = draw(st.integers(0, 3))
        if kind == 0:
            parts.append(f"<{draw(tags)}>")
        elif kind == 1:
            parts.append(f"</{draw(tags)}>")
        elif kind == 2:
            parts.append(draw(st.text(max_size=40)))
        else:
            parts.append("<p>" + draw(article_texts) + "</p>")
    depth = draw(st.integers(0, 400))
    return "<html><body>" + "<div>" * depth + "".join(parts) + "</div>" * depth + "</body></html>"


@PROPERTY
@given(html_pages())
def test_any_html(page):
    _ingest({b"page.html": page.encode("utf-8", "surrogatepass")})


names = st.binary(min_size=1, max_size=40).filter(lambda b: b"/" not in b and b"\0" not in b
                                                  and b not in (b".", b".."))


@PROPERTY
@given(st.lists(names, min_size=1, max_size=5, unique=True), st.integers(0, 10**6))
def test_any_file_names(file_names, seed):
    files = {name: "\n".join(story(seed + i)).encode() for i, name in enumerate(file_names)}
    visible = {n: c for n, c in files.items() if not n.startswith(b".")}  # hidden files are skipped
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.join(os.fsencode(tmp), b"in")
        os.mkdir(root)
        for name, content in files.items():
            with open(os.path.join(root, name), "wb") as fh:
                fh.write(content)
        store = open_store(":memory:")
        try:
            report = ingest(store, [os.fsdecode(root)], settings=SETTINGS)
            _check_store(store, report, len(visible))
            for a in store.articles():
                a.origin.encode("utf-8")  # printable: no lone surrogates from undecodable bytes
        finally:
            store.close()
