"""The bundled demo corpus is well-formed and matches the gold design in EXPECTED.md.

Reads the files directly (no storyline import, no network, no models) so that a broken
corpus is reported here and not as a puzzling failure in some pipeline stage.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

CORPUS = Path(__file__).resolve().parents[1] / "storyline" / "demo" / "corpus"
DOCUMENTATION = {"README.md", "EXPECTED.md"}
ARTICLE_SUFFIXES = {".txt", ".md", ".html", ".jsonl"}
FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n(.*)\Z", re.S)
JSONL_KEYS = {"id", "title", "text", "source", "published", "url", "language"}


def article_files() -> list[Path]:
    return sorted(p for p in CORPUS.iterdir() if p.suffix in ARTICLE_SUFFIXES and p.name not in DOCUMENTATION)


def split_front_matter(path: Path) -> tuple[dict, str]:
    match = FRONT_MATTER.match(path.read_text(encoding="utf-8"))
    assert match, f"{path.name}: no YAML front matter between '---' lines"
    return yaml.safe_load(match.group(1)), match.group(2)


def jsonl_records(path: Path) -> list[dict]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


class _PageParser(HTMLParser):
    """Collects what the HTML checks need: meta tags, tag names, and the text inside <article>."""

    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.tags: set[str] = set()
        self.article_text: list[str] = []
        self._article_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        if tag == "article":
            self._article_depth += 1
        if tag == "meta":
            values = dict(attrs)
            key = values.get("name") or values.get("property")
            if key and values.get("content"):
                self.meta[key] = values["content"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "article":
            self._article_depth -= 1

    def handle_data(self, data: str) -> None:
        if self._article_depth:
            self.article_text.append(data)


def parse_page(path: Path) -> _PageParser:
    parser = _PageParser()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def article_bodies() -> dict[str, str]:
    """Article name (file name, or file name#id for JSONL records) -> headline and body text."""
    bodies: dict[str, str] = {}
    for path in article_files():
        if path.suffix == ".jsonl":
            for record in jsonl_records(path):
                bodies[f"{path.name}#{record['id']}"] = record["title"] + "\n" + record["text"]
        elif path.suffix == ".md":
            bodies[path.name] = split_front_matter(path)[1]
        elif path.suffix == ".html":
            bodies[path.name] = "".join(parse_page(path).article_text)
        else:
            bodies[path.name] = path.read_text(encoding="utf-8")
    return bodies


def outlet_of(path: Path) -> str:
    """The outlet as each format states it; plain text has only its file name (date_outlet_topic)."""
    if path.suffix == ".md":
        return split_front_matter(path)[0]["source"]
    if path.suffix == ".html":
        return parse_page(path).meta["og:site_name"]
    return path.name.split("_")[1]


def test_corpus_has_at_least_fourteen_articles_counting_jsonl_records():
    assert len(article_bodies()) >= 14


def test_every_format_is_present():
    assert {p.suffix for p in article_files()} == {".txt", ".md", ".html", ".jsonl"}


def test_at_least_five_distinct_outlets():
    outlets = {outlet_of(p) for p in article_files() if p.suffix != ".jsonl"}
    for path in CORPUS.glob("*.jsonl"):
        outlets |= {record["source"] for record in jsonl_records(path)}
    assert len(outlets) >= 5, outlets


@pytest.mark.parametrize(
    "path", sorted(p for p in CORPUS.glob("*.md") if p.name not in DOCUMENTATION), ids=lambda p: p.name
)
def test_markdown_front_matter_parses_with_required_fields(path):
    meta, body = split_front_matter(path)
    assert {"source", "published", "url", "language"} <= meta.keys()
    # YAML turns an ISO date into a date object; a string here means the date is malformed.
    assert isinstance(meta["published"], dt.date)
    assert meta["language"] in {"en", "ru"}
    assert meta["url"].startswith("https://")
    assert body.strip()


def test_jsonl_records_parse_with_required_fields_and_unique_ids():
    records = [r for path in CORPUS.glob("*.jsonl") for r in jsonl_records(path)]
    assert 2 <= len(records) <= 3
    for record in records:
        assert set(record) == JSONL_KEYS
        dt.date.fromisoformat(record["published"])
    assert len({r["id"] for r in records}) == len(records)


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.html")), ids=lambda p: p.name)
def test_html_pages_look_like_real_pages(path):
    page = parse_page(path)
    assert {"html", "head", "title", "nav", "article", "p", "footer", "script"} <= page.tags
    assert {"author", "og:site_name"} <= page.meta.keys()
    dt.date.fromisoformat(page.meta["date"][:10])


def test_plain_text_first_nonempty_line_is_a_headline():
    for path in CORPUS.glob("*.txt"):
        first_line = next(line for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
        assert len(first_line.split()) <= 12, path.name
        assert not first_line.rstrip().endswith("."), path.name


def test_every_article_is_between_150_and_400_words():
    lengths = {name: len(text.split()) for name, text in article_bodies().items()}
    assert all(150 <= n <= 400 for n in lengths.values()), lengths


def test_one_article_is_russian_in_cyrillic_with_guillemets():
    cyrillic = [name for name, text in article_bodies().items() if re.search(r"[А-Яа-яЁё]{4,}", text)]
    assert cyrillic == ["2025-03-13_pradenskiy-vestnik_tisva-treaty-ru.md"]
    text = article_bodies()[cyrillic[0]]
    assert "«Это исторический день для обоих наших народов», — заявил Аскаров" in text


def test_print_article_has_hyphenated_line_break_next_to_genuine_compounds():
    text = (CORPUS / "2025-03-07_weekly-ledger_seltva-dam-print.txt").read_text(encoding="utf-8")
    assert "min-\nistry" in text
    for word in ("gov-ernment", "Vol-oshenko", "negotiat-ions", "well-known", "anti-flood", "pro-government"):
        assert word in text, word
    assert "Jana Pell contributed to this report." in text


def test_quote_styles_are_all_represented():
    corpus_text = "\n".join(article_bodies().values())
    for opening, closing in (("\u201c", "\u201d"), ("«", "»"), ("\u201e", "\u201c"), ('"', '"')):
        assert re.search(re.escape(opening) + r"[^\n]{10,}?" + re.escape(closing), corpus_text), opening


def test_expected_md_lists_every_article_file_and_nothing_else():
    expected = (CORPUS / "EXPECTED.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| [A-D]\d \| `([^`]+)`", expected, re.M))
    assert listed == {p.name for p in article_files()}


def test_planted_death_toll_discrepancy_is_in_the_articles():
    bodies = article_bodies()
    assert "Fourteen people were killed" in bodies["2025-03-05_dravonia-herald_seltva-dam.md"]
    assert "Twelve people died on Tuesday" in bodies["2025-03-04_nordpress_seltva-dam.txt"]
