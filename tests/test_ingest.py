from __future__ import annotations

import http.server
import json
import threading
import time

import pytest

from storyline import ingest
from storyline.ingest.readers import parse_file_name

from .conftest import HARBOUR_STORY, write

RUSSIAN = "Порт Эльван остановлен\nДокеры Порт-Эльвана прекратили работу в понедельник, сообщил профсоюз. " * 2


def test_text_file_first_line_is_headline(store, settings, tmp_path):
    write(tmp_path, "harbour.txt", HARBOUR_STORY)
    report = ingest(store, [tmp_path], settings=settings)
    assert len(report.added) == 1 and report.ok
    a = store.article("harbour")  # external id = file name without extension
    assert a.title == "Harbour cranes stop in Port Elvan"
    assert a.text.startswith("Dock workers in Port Elvan walked out on Monday")
    assert a.source == "Gull Wire"  # from the dateline
    assert a.metadata["dateline"] == {"place": "PORT ELVAN", "agency": "Gull Wire"}
    assert a.language == "en"


def test_markdown_front_matter(store, settings, tmp_path):
    write(tmp_path, "a.md", "---\nsource: Gull Wire\npublished: 2025-02-03\nurl: https://gull.test/a\nlanguage: en\n---\n"
          "# Cranes stop\n\nDock workers walked out on **Monday**, halting twelve cranes at the terminal.\n")
    ingest(store, [tmp_path], settings=settings)
    a = store.article("a")
    assert (a.source, a.published, a.url, a.title) == ("Gull Wire", "2025-02-03", "https://gull.test/a", "Cranes stop")
    assert a.text == "Dock workers walked out on Monday, halting twelve cranes at the terminal."


def test_front_matter_title_keeps_the_first_line_of_text(store, settings, tmp_path):
    write(tmp_path, "a.md", "---\ntitle: Cranes stop\n---\nDock workers walked out on Monday in Port Elvan harbour.\n\n"
          "Talks resume on Friday.\n")
    write(tmp_path, "b.md", "---\ntitle: Cranes stop again\n---\n# Cranes stop again\n\nDock workers stayed out on "
          "Tuesday in Port Elvan harbour.\n")
    assert ingest(store, [tmp_path], settings=settings).ok
    a, b = store.article("a"), store.article("b")
    assert a.title == "Cranes stop" and a.text.startswith("Dock workers walked out on Monday")
    assert b.title == "Cranes stop again" and b.text.startswith("Dock workers stayed out on Tuesday")


def test_a_short_headline_with_an_outlet_word_stays_the_title(store, settings, tmp_path):
    write(tmp_path, "p.txt", "Press freedom under attack\n\nReporters in Port Elvan said on Monday that two of them "
          "had been held overnight after covering the dock strike.\n")
    assert ingest(store, [tmp_path], settings=settings).ok
    a = store.article("p")
    assert (a.title, a.source) == ("Press freedom under attack", None)


def test_cp1251_russian_text_is_decoded(store, settings, tmp_path):
    write(tmp_path, "ru.txt", RUSSIAN.encode("cp1251"))
    report = ingest(store, [tmp_path], settings=settings)
    assert report.ok
    a = store.article("ru")
    assert a.title == "Порт Эльван остановлен"
    assert "прекратили работу" in a.text
    assert a.language == "ru"


def test_html_is_reduced_to_main_text_with_metadata(store, settings, tmp_path):
    paragraphs = "".join(f"<p>Paragraph {i}: the dock workers in Port Elvan kept the twelve cranes idle "
                         f"for a further day while talks continued.</p>" for i in range(4))
    write(tmp_path, "page.html", f"""<html><head><title>Cranes idle | Gull Wire</title>
        <meta name="author" content="Ana Vell"><meta property="og:site_name" content="Gull Wire">
        <meta name="date" content="2025-02-04"></head><body><nav>Home | World | Sport</nav>
        <article><h1>Cranes idle</h1>{paragraphs}</article>
        <script>alert('x'); var tracking = 1;</script><footer>Copyright Gull Wire</footer></body></html>""")
    report = ingest(store, [tmp_path], settings=settings)
    assert report.ok
    a = store.article("page")
    assert "Paragraph 3: the dock workers" in a.text
    assert "alert" not in a.text and "tracking" not in a.text and "Home | World" not in a.text
    assert a.source == "Gull Wire"
    assert a.published == "2025-02-04"
    assert a.authors == ("Ana Vell",)


FERRY = ("The night ferry from Port Elvan was held in harbour for a second evening while the crew's union and the "
         "operator met again over rest-time rules.")


def page(title: str, headline: str, body: str = FERRY, *, extra: str = "", footer: str = "") -> str:
    """A small invented news page: ``<title>``, ``<h1>``, one paragraph (``extra`` markup before it)."""
    return (f"<html><head><title>{title}</title></head><body><article><h1>{headline}</h1>{extra}<p>{body}</p>"
            f"</article>{footer}</body></html>")


def test_html_site_name_is_read_from_the_title_tag_when_the_page_gives_no_site_name(store, settings, tmp_path):
    write(tmp_path, "a.html", page("Ferry held again | Elvan Courier", "Ferry held again"))
    # a dash inside the headline itself is not a site name
    write(tmp_path, "b.html", page("Ferry crews - a second night", "Ferry crews - a second night",
                                   FERRY.replace("night", "late")))
    # trafilatura takes a title part with a dot for a domain-like site name: here the headline's
    write(tmp_path, "c.html", page("U.S. ferry crews back Elvan strike | Elvan Courier",
                                   "U.S. ferry crews back Elvan strike", FERRY.replace("second", "third")))
    assert ingest(store, [tmp_path], settings=settings).ok
    a, b, c = store.article("a"), store.article("b"), store.article("c")
    assert (a.title, a.source, a.metadata["source_from"]) == ("Ferry held again", "Elvan Courier", "page title")
    assert b.source is None and "source_from" not in b.metadata
    assert (c.title, c.source) == ("U.S. ferry crews back Elvan strike", "Elvan Courier")
    write(tmp_path / "more", "d.html", page("Ferry held again - Live updates", "Ferry held again",
                                            FERRY.replace("evening", "day")))
    write(tmp_path / "more", "e.html", page("Ferry held again | Page 2", "Ferry held again", FERRY.replace("union", "staff")))
    assert ingest(store, [tmp_path / "more"], settings=settings).ok
    assert store.article("d").source is None and store.article("e").source is None


def test_a_copyright_year_in_a_page_footer_is_not_its_publication_date(store, settings, tmp_path):
    footer = "<footer><p>© 2020 Elvan Courier</p></footer>"
    write(tmp_path, "undated.html", page("Ferry held again", "Ferry held again", footer=footer))
    write(tmp_path, "dated.html", page("Ferry held again", "Ferry held again", FERRY.replace("second", "third"),
                                       extra='<time datetime="2025-02-04">4 February 2025</time>', footer=footer))
    assert ingest(store, [tmp_path], settings=settings).ok
    assert store.article("undated").published is None  # htmldate's free-text search said 2020-01-01
    assert store.article("dated").published == "2025-02-04"


def test_a_text_file_without_a_headline_keeps_its_first_paragraph(store, settings, tmp_path):
    lead = ("Dock workers in Port Elvan stayed out for a second day on Tuesday, the union said, as talks with the "
            "terminal operator stalled again.")
    write(tmp_path, "lead.txt", lead + "\n\n\"We are not going back,\" said union leader Mira Tansk.\n")
    write(tmp_path, "url.txt", "https://gull.example/port/strike-day-two\nCranes idle for a second day\n\n" + lead)
    write(tmp_path, "outlet.txt", "Gull Daily News\n\n" + lead + "\n")
    assert ingest(store, [tmp_path], settings=settings).ok
    first = store.article("lead")
    assert first.text.startswith("Dock workers in Port Elvan stayed out")  # not lost to the title
    assert "title" in first.metadata["inferred"]
    url = store.article("url")
    assert url.title == "Cranes idle for a second day" and "gull.example" not in url.title
    outlet = store.article("outlet")
    assert outlet.source == "Gull Daily News" and outlet.text.startswith("Dock workers")
    assert outlet.metadata["inferred"]["source"]["how"] == "outlet header line"


@pytest.mark.parametrize("line, headline", [
    ("Harbour cranes stop in Port Elvan", True),
    ("Will the cranes stop?", False),  # a sentence end: taken as text, the cleaner infers the title
    ("Dock workers in Port Elvan walked out on Monday, halting all twelve cranes at the container terminal.", False),
    ("https://gull.example/port/strike", False),
    ("Gull Daily News", False),
    ("World news", False),
    ("Press freedom under attack", True),  # an outlet word in a headline does not make it an outlet's name
    ("Fake news spreads online", True),
    ("Harbor Daily news", False),
    ("March 3, 2025", False),  # a date line: cleaning reads it as the publication date
    ("Updated: Monday, 3 March 2014, 10:15 GMT", False),
    ("By Ana Vell", False),
    ("one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen "
     "eighteen nineteen twenty twentyone", False),
])
def test_looks_like_headline(line, headline):
    from storyline.ingest.shapes import looks_like_headline

    assert looks_like_headline(line) is headline


def test_other_tools_field_names_are_mapped_when_unambiguous(store, settings, tmp_path):
    newsapi = {"url": "https://gull.test/a", "source": {"id": None, "name": "Elvan Courier"}, "title": "Ferry held",
               "publishedAt": "2025-02-04T10:00:00Z", "author": "Ana Vell",
               "content": "The night ferry from Port Elvan was held in harbour for a second evening while talks went on."}
    news_please = {"headline": "Ferry crews vote", "date_publish": "2025-02-05 08:00:00", "source_domain": "gull.test",
                   "maintext": "Ferry crews in Port Elvan will vote on Friday on the operator's new offer, the union said."}
    two_texts = {"id": "two", "body": "The ferry crews met the operator again on Monday in Port Elvan harbour.",
                 "content": "A second text of the same record, which of the two is the article is not ours to guess."}
    write(tmp_path, "feed.jsonl", "\n".join(json.dumps(r) for r in (newsapi, news_please, two_texts)) + "\n")
    report = ingest(store, [tmp_path], settings=settings.replace(enrich=False, cluster=False))
    assert [(r.item, r.reason) for r in report.rejected] == [
        ("line 3", "record has no 'text' (keys: body, content, id); map your field with --field text=NAME")]
    by_title = {a.title: a for a in store.articles()}
    a, b = by_title["Ferry held"], by_title["Ferry crews vote"]
    assert (a.source, a.published[:10], a.authors) == ("Elvan Courier", "2025-02-04", ("Ana Vell",))
    assert a.metadata["fields_mapped"] == {"text": "content", "published": "publishedAt", "authors": "author",
                                           "source": "source.name"}
    assert (b.source, b.published[:10], b.text.startswith("Ferry crews in Port Elvan")) == ("gull.test", "2025-02-05",
                                                                                           True)



def test_schema_org_objects_are_read_by_name_and_other_shapes_stay_metadata(store, settings, tmp_path):
    record = {"id": "so", "title": "Ferry held", "text": "The night ferry from Port Elvan was held in harbour again.",
              "publisher": {"@type": "Organization", "name": "Gull Post"}, "link": {"href": "https://gull.test/x"},
              "author": [{"@type": "Person", "name": "Ana Vell"}, {"name": "Ivo Marsk"}], "date": {"odd": 1}}
    write(tmp_path, "so.jsonl", json.dumps(record) + "\n")
    assert ingest(store, [tmp_path], settings=settings.replace(enrich=False, cluster=False)).ok
    a = store.article("so")
    assert (a.source, a.url, a.authors) == ("Gull Post", "https://gull.test/x", ("Ana Vell", "Ivo Marsk"))
    assert a.published is None and a.metadata["date"] == {"odd": 1}


def test_jsonl_records_keep_extra_keys_and_reject_only_the_bad_line(store, settings, tmp_path):
    good = {"id": "r1", "title": "Cranes stop", "text": "Dock workers walked out on Monday in Port Elvan harbour.",
            "source": "Gull Wire", "published": "2025-02-03", "section": "business"}
    good2 = dict(good, id="r2", text="The union said the strike would last until contracts are signed.")
    write(tmp_path, "feed.jsonl", json.dumps(good) + "\n{not json\n" + json.dumps(good2) + "\n")
    report = ingest(store, [tmp_path], settings=settings)
    assert len(report.added) == 2
    assert [(r.item, r.stage) for r in report.rejected] == [("line 2", "read")]
    assert "invalid JSON" in report.rejected[0].reason
    assert store.article("r1").metadata["section"] == "business"


def test_json_field_mapping(store, settings, tmp_path):
    write(tmp_path, "x.json", json.dumps([{"headline": "Cranes stop", "body": "Dock workers walked out on Monday "
                                           "in Port Elvan harbour, the union said."}]))
    report = ingest(store, [tmp_path], settings=settings, fields={"title": "headline", "text": "body"})
    assert report.ok
    assert store.articles()[0].title == "Cranes stop"


def test_json_record_without_text_says_how_to_map_it(store, settings, tmp_path):
    write(tmp_path, "x.json", json.dumps({"headline": "Cranes stop", "words": "Dock workers walked out on Monday in Port Elvan harbour, halting the cranes."}))
    report = ingest(store, [tmp_path], settings=settings)
    assert "map your field with --field text=NAME" in report.rejected[0].reason


def test_batch_metadata_fills_gaps_only(store, settings, tmp_path):
    write(tmp_path, "a.md", "---\nsource: Gull Wire\n---\nCranes\n\nDock workers walked out on Monday in Port Elvan.\n")
    write(tmp_path, "b.txt", "Cranes\nDock workers walked out again on Tuesday in Port Elvan harbour.\n")
    ingest(store, [tmp_path], settings=settings, defaults={"source": "Batch Outlet", "published": "2025-02-05"})
    assert store.article("a").source == "Gull Wire"
    assert (store.article("b").source, store.article("b").published) == ("Batch Outlet", "2025-02-05")


def test_a_dateline_names_the_outlet_before_the_batch_default_and_a_known_outlet_has_one_spelling(
        store, settings, tmp_path):
    write(tmp_path, "c.txt", "MOSCOW, March 12. /TASS/. Dock workers walked out on Monday in Port Elvan harbour.\n")
    write(tmp_path, "d.json", json.dumps({"id": "d", "source": "ТАСС",
                                          "text": "Dock workers in Port Elvan stayed out for a second day."}))
    ingest(store, [tmp_path], settings=settings, defaults={"source": "Batch Outlet"})
    assert store.article("c").source == "TASS"
    assert "batch_source" in store.article("c").metadata
    assert (store.article("d").source, store.article("d").metadata["source_as_given"]) == ("TASS", "ТАСС")


def test_the_batch_outlet_beats_a_url_line_or_a_header_but_not_an_agency_dateline(store, settings, tmp_path):
    body = "Dock workers walked out on Monday in Port Elvan harbour, the union said.\n"
    write(tmp_path, "u.txt", "Cranes stop\nhttps://t.me/portelvan_union/812\n" + body)
    write(tmp_path, "h.txt", "Drought Monitor\nCranes stop again\n" + body.replace("Monday", "Tuesday"))
    write(tmp_path, "w.txt", "PORT ELVAN, March 3 (Interfax) - " + body.replace("Monday", "Friday"))
    ingest(store, [tmp_path], settings=settings, defaults={"source": "ТАСС"})
    assert [store.article(x).source for x in ("u", "h", "w")] == ["TASS", "TASS", "Interfax"]


def test_an_empty_text_is_rejected_as_empty(store, settings, tmp_path):
    write(tmp_path, "e.json", json.dumps([{"id": "e1", "title": "Cranes", "text": "  "},
                                          {"id": "e2", "text": "Dock workers walked out on Monday in Port Elvan."}]))
    report = ingest(store, [tmp_path], settings=settings)
    assert [r.reason for r in report.rejected] == ["the record's 'text' is empty; give the article's text"]
    assert store.count_articles() == 1


def test_file_name_pattern():
    assert parse_file_name("2025-03-04_weekly-ledger_dam", "{published}_{source}_{*}") == {
        "published": "2025-03-04", "source": "Weekly Ledger"}
    assert parse_file_name("notes", "{published}_{source}_{*}") == {}


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "empty file"),
        ("blank.txt", b"  \n\n ", "empty file"),
        ("scan.pdf", b"%PDF-1.7\n%binary stuff", "looks like PDF"),
        ("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "looks like PNG"),
        ("bundle.txt", b"PK\x03\x04\x14\x00\x00\x00", "ZIP archive"),
        ("blob.bin", b"abc\x00\x01\x02def" * 10, "NUL bytes"),
        ("nav.html", b"<html><body><nav>Home | World</nav><script>var a=1;</script></body></html>", "no main text"),
        ("short.txt", b"Hi\nok", "characters of text after cleaning"),
    ],
)
def test_bad_input_is_rejected_with_a_reason_and_the_batch_goes_on(store, settings, tmp_path, name, content, reason):
    write(tmp_path, name, content)
    write(tmp_path, "good.txt", HARBOUR_STORY)
    report = ingest(store, [tmp_path], settings=settings)
    assert len(report.added) == 1
    assert len(report.rejected) == 1 and reason in report.rejected[0].reason
    assert store.rejections()[0]["origin"].endswith(name)


def test_file_over_the_size_limit_is_rejected(store, settings, tmp_path):
    write(tmp_path, "big.txt", "word " * 3000)
    report = ingest(store, [tmp_path], settings=settings.replace(max_file_bytes=10_000))
    assert "over the 0 MB limit" in report.rejected[0].reason or "limit" in report.rejected[0].reason
    assert "max_file_bytes" in report.rejected[0].reason


def test_jsonl_over_the_file_limit_streams_and_bounds_each_record(store, settings, tmp_path):
    rows = [{"id": f"s{i}", "title": f"Cranes stop {i}", "source": "Gull Wire",
             "text": f"Dock workers walked out on day {i} in Port Elvan harbour, the union said."} for i in range(60)]
    lines = [json.dumps(r) for r in rows]
    lines[10] = json.dumps(dict(rows[10], text="long " * 3000))  # one record over the limit on its own
    lines[20] = "{not json"
    (tmp_path / "feed.jsonl").write_bytes(("\n".join(lines) + "\n").encode() + b"\xff\xfe broken\n")
    assert (tmp_path / "feed.jsonl").stat().st_size > 5_000
    report = ingest(store, [tmp_path], settings=settings.replace(max_file_bytes=5_000))
    assert len(report.added) == 58
    assert [(r.item, r.reason.split(";")[0]) for r in report.rejected] == [
        ("line 11", "record is over the 5,000-byte limit"),
        ("line 21", "invalid JSON at column 2: Expecting property name enclosed in double quotes"),
        ("line 61", "line is not valid UTF-8")]
    assert store.article("s59").title == "Cranes stop 59"


def test_reingest_creates_no_duplicates(store, settings, tmp_path):
    write(tmp_path, "harbour.txt", HARBOUR_STORY)
    write(tmp_path, "copy.txt", HARBOUR_STORY.replace("\n", "\n\n"))  # same words, other line breaks
    first = ingest(store, [tmp_path], settings=settings)
    second = ingest(store, [tmp_path], settings=settings)
    assert (len(first.added), first.duplicates) == (1, 1)
    assert (len(second.added), second.duplicates) == (0, 2)
    assert store.count_articles() == 1


def test_missing_path_is_rejected(store, settings, tmp_path):
    report = ingest(store, [tmp_path / "nope.txt"], settings=settings)
    assert "no such file" in report.rejected[0].reason


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's API
        if self.path == "/story":
            body = HARBOUR_STORY.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)
        elif self.path == "/slow":
            time.sleep(1.5)
            self.send_response(200)
            self.end_headers()
        elif self.path == "/broken":
            self.send_response(500)
            self.end_headers()
        else:
            self.send_response(404)
            self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def local_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_url_list_is_fetched_and_failures_recorded(store, settings, tmp_path, local_server):
    urls = write(tmp_path, "list.urls", "\n".join(
        [f"{local_server}/story", f"{local_server}/missing", f"{local_server}/broken", f"{local_server}/slow",
         "# a comment"]))
    report = ingest(store, [urls], settings=settings.replace(fetch_timeout=0.5, allow_private_urls=True))
    assert len(report.added) == 1
    reasons = {r.origin.rsplit("/", 1)[1]: r.reason for r in report.rejected}
    assert "HTTP 404" in reasons["missing"]
    assert "HTTP 500" in reasons["broken"]
    assert "timed out" in reasons["slow"]
    assert store.articles()[0].url == f"{local_server}/story"
