"""Readers: turn files, records and fetched pages into :class:`ArticleDraft` values.

A reader yields drafts and :class:`Rejection` values side by side, so one bad
item (an invalid JSON line, an empty HTML page) never stops the rest of a file
or of a batch.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from ..clean.boilerplate import without_roles
from ..errors import InputRejected
from ..model import ArticleDraft, Rejection
from ..settings import Settings
from .html_text import check_html_size, paragraph_text
from .limits import check_lines, load_front_matter, load_json, sanitize, sanitize_value
from .records import validate_record
from .shapes import fold_spaces, looks_like_headline, site_in_title_tag, with_known_aliases

__all__ = [
    "DEFAULT_FIELDS",
    "decode_bytes",
    "discover",
    "display_path",
    "read_bytes",
    "read_path",
    "sniff_binary",
    "walk",
]

TEXT_EXTENSIONS = {".txt", ".text"}
MARKDOWN_EXTENSIONS = {".md", ".markdown"}
HTML_EXTENSIONS = {".html", ".htm", ".xhtml"}
JSON_EXTENSIONS = {".json"}
JSONL_EXTENSIONS = {".jsonl", ".ndjson"}
URL_LIST_EXTENSIONS = {".urls"}

# Record keys storyline understands; `--field title=headline` maps other names onto them.
DEFAULT_FIELDS = ("id", "title", "text", "source", "published", "url", "language", "authors")

# Magic numbers of formats people drop into a news folder by mistake, with the fix to suggest.
_MAGIC = [
    (b"%PDF", "PDF", "extract its text first (e.g. pdftotext)"),
    (b"\x89PNG", "PNG image", "remove it from the input or run OCR first"),
    (b"\xff\xd8\xff", "JPEG image", "remove it from the input or run OCR first"),
    (b"GIF8", "GIF image", "remove it from the input"),
    (b"PK\x03\x04", "ZIP archive (or DOCX/ODT)", "unpack it, or save documents as text or HTML"),
    (b"\x1f\x8b", "gzip archive", "decompress it first"),
    (b"\xd0\xcf\x11\xe0", "MS Office document", "save it as text or HTML"),
    (b"{\\rtf", "RTF document", "save it as text or HTML"),
]


def discover(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Files under ``paths`` (folders recursively, in sorted order; hidden files skipped)."""
    for thing in walk(paths):
        if isinstance(thing, Path):
            yield thing


def display_path(path: str | Path) -> str:
    """A path as printable text: undecodable bytes in a file name become U+FFFD (such
    names come back from the OS as lone surrogates, which SQLite and terminals refuse), and
    control characters (an escape sequence in a name would reach the terminal) are dropped."""
    return sanitize(os.fsencode(path).decode("utf-8", "replace"))


def walk(paths: Iterable[str | Path]) -> Iterator[Path | Rejection]:
    """Like :func:`discover`, but a path that cannot be walked (a symlink loop, a dangling
    link, an unreadable folder, a missing path) comes out as a :class:`Rejection`.

    Symlinked folders are followed once: a link back to a folder already being walked is
    refused, which ends loops."""
    for p in paths:
        path = Path(p)
        if str(p) == "":
            yield Rejection("''", "", "read", "empty path; give a file or folder name (use . for the current folder)")
            continue
        yield from _walk_one(path, top=path, seen=set())


def _walk_one(path: Path, top: Path, seen: set[tuple[int, int]]) -> Iterator[Path | Rejection]:
    origin = display_path(path)
    try:
        st = path.stat()
    except OSError as exc:
        if path.is_symlink():
            yield Rejection(origin, "", "read", f"symbolic link that leads nowhere ({exc.strerror or exc}); "
                            "fix or remove the link")
        else:
            yield Rejection(origin, "", "read", "no such file or folder; check the path")
        return
    import stat as stat_module

    if not stat_module.S_ISDIR(st.st_mode):
        if stat_module.S_ISREG(st.st_mode):
            yield path
        else:
            yield Rejection(origin, "", "read", "not a regular file (a device, pipe or socket); give files or folders")
        return
    key = (st.st_dev, st.st_ino)
    if key in seen:
        yield Rejection(origin, "", "read", "symbolic link loop (this folder contains itself); remove the link")
        return
    seen = seen | {key}
    try:
        children = sorted(os.scandir(path), key=lambda e: os.fsencode(e.name))
    except OSError as exc:
        yield Rejection(origin, "", "read", f"cannot list folder: {exc.strerror or exc}; check its permissions")
        return
    for entry in children:
        if entry.name.startswith("."):
            continue
        yield from _walk_one(Path(entry.path), top, seen)


def sniff_binary(data: bytes) -> str | None:
    """A reason if ``data`` is not text, else None."""
    for magic, name, fix in _MAGIC:
        if data.startswith(magic):
            return f"not text (looks like {name}); {fix}"
    head = data[:8192]
    if b"\x00" in head and not (head.startswith((b"\xff\xfe", b"\xfe\xff"))) and _utf16_without_bom(data) is None:
        return "not text (contains NUL bytes, looks binary); convert it to text, HTML or JSON first"
    return None


def decode_bytes(data: bytes) -> str:
    """Decode text whatever its encoding: UTF-8 (with or without BOM), UTF-16, or a
    legacy code page guessed by charset-normalizer (a Russian article saved as
    cp1251 comes out right)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    utf16 = _utf16_without_bom(data)
    if utf16:
        return data.decode(utf16, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=None).best()
    if best is None:
        raise InputRejected("cannot decode: not UTF-8 and no other encoding fits; save the file as UTF-8")
    text = str(best)
    if text.count("\ufffd") > max(3, len(text) // 100):
        raise InputRejected(
            f"cannot decode reliably (best guess {best.encoding} leaves replacement characters); save it as UTF-8"
        )
    return text


def _utf16_without_bom(data: bytes) -> str | None:
    """"utf-16-le" or "utf-16-be" when ``data`` looks like UTF-16 text saved without a byte order
    mark: in Latin, Cyrillic and most other alphabetic text every other byte is NUL (the
    high byte of each code unit), which binary data rarely shows so regularly."""
    head = data[:8192]
    if len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    for zeros, other, codec in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
        if zeros.count(0) >= 0.4 * len(zeros) and other.count(0) <= 0.02 * len(other):
            try:
                text = data[: len(data) // 2 * 2].decode(codec)
            except UnicodeDecodeError:
                continue
            if sum(ch.isprintable() or ch in "\n\r\t" for ch in text[:4096]) >= 0.95 * min(len(text), 4096):
                return codec
    return None


def parse_file_name(stem: str, pattern: str) -> dict[str, str]:
    """Metadata from a file name such as ``2025-03-04_nordpress_dam`` with the pattern
    ``{published}_{source}_{*}``. Fields: published, source, language, id; ``{*}`` matches anything.
    Slugs become words: ``weekly-ledger`` -> ``Weekly Ledger``."""
    regex = ""
    used: set[str] = set()
    for literal, name in re.findall(r"([^{]*)(?:\{(\w+|\*)\})?", pattern):
        regex += re.escape(literal)
        if name == "*":
            regex += ".*?"
        elif name in used:
            from ..errors import ConfigError

            raise ConfigError(f"--name-pattern {pattern!r} names {{{name}}} twice; name each field once "
                              "and use {*} for parts to skip")
        elif name:
            used.add(name)
            regex += f"(?P<{name}>.+?)"
    m = re.fullmatch(regex, stem)
    if not m:
        return {}
    out = {k: v for k, v in m.groupdict().items() if v}
    if "source" in out:
        out["source"] = re.sub(r"[-_]+", " ", out["source"]).title()
    return out


def read_path(path: Path, settings: Settings, defaults: Mapping[str, Any] | None = None,
              fields: Mapping[str, str] | None = None, name_pattern: str | None = None
              ) -> Iterator[ArticleDraft | Rejection]:
    """Read one file into drafts; problems become rejections, never exceptions."""
    origin = display_path(path)
    try:
        if name_pattern:
            from_name = parse_file_name(sanitize(display_path(path.stem)), name_pattern)
            if from_name:
                defaults = {"from_file_name": from_name, **(defaults or {})}
        size = path.stat().st_size
        if size > settings.max_file_bytes and path.suffix.lower() in JSONL_EXTENSIONS:
            # JSON Lines is a stream of records: a big file is read line by line, each record
            # bounded on its own, so a corpus export need not be split by hand.
            stream = _stream_jsonl(path, origin, defaults or {}, fields, settings)
        elif size > settings.max_file_bytes:
            raise InputRejected(
                f"file is {size / 1e6:.1f} MB, over the {settings.max_file_bytes / 1e6:.0f} MB limit; split it, or raise "
                "max_file_bytes (STORYLINE_MAX_FILE_BYTES or --max-file-bytes)"
            )
        else:
            stream = None
            with open(path, "rb") as fh:
                # Read at most one byte past the limit: a file that grew since stat() is still bounded.
                data = fh.read(settings.max_file_bytes + 1)
    except InputRejected as exc:
        yield Rejection(origin, "", exc.stage, exc.reason)
        return
    except OSError as exc:
        yield Rejection(origin, "", "read", f"cannot read file: {exc.strerror or exc}; check the path and permissions")
        return
    except Exception as exc:  # noqa: BLE001 - one file must never stop the batch
        yield _internal(origin, "", "read", exc)
        return
    if stream is not None:
        yield from stream
        return
    yield from read_bytes(data, origin, kind_hint=path.suffix.lower(), stem=sanitize(display_path(path.stem)),
                          settings=settings, defaults=defaults, fields=fields)


def _internal(origin: str, item: str, stage: str, exc: BaseException) -> Rejection:
    """A rejection for an unexpected error, so a bug or a hostile input costs one item, not the batch."""
    message = sanitize(str(exc))[:200]
    return Rejection(origin, item, stage, f"could not be processed ({exc.__class__.__name__}: {message}); "
                     "check this item, and please report it if it looks like valid input")


def read_bytes(data: bytes, origin: str, *, kind_hint: str = "", stem: str = "", settings: Settings,
               defaults: Mapping[str, Any] | None = None, fields: Mapping[str, str] | None = None,
               url: str | None = None) -> Iterator[ArticleDraft | Rejection]:
    """Read one document's bytes; ``kind_hint`` is a file extension or a MIME type.

    Never raises: every problem, expected or not, becomes a :class:`Rejection`."""
    defaults = dict(defaults or {})
    try:
        if not data.strip():
            raise InputRejected("empty file (nothing to ingest); remove it, or save the article's text in it")
        if len(data) > settings.max_file_bytes:
            raise InputRejected(f"document is {len(data) / 1e6:.1f} MB, over the limit; split it or raise max_file_bytes")
        reason = sniff_binary(data)
        if reason:
            raise InputRejected(reason)
        # NUL and control characters anywhere (not only in the sniffed head), ANSI escapes
        # and lone surrogates go before any reader sees the text.
        text = sanitize(decode_bytes(data))
        if not text.strip():  # a byte order mark, or control characters only
            raise InputRejected("empty file (nothing to ingest); remove it, or save the article's text in it")
        kind = _kind(kind_hint, text)
        if kind == "jsonl":
            yield from _read_jsonl(text, origin, stem, defaults, fields, settings)
            return
        if kind == "json":
            yield from _read_json(text, origin, stem, defaults, fields, settings)
            return
        if kind == "html":
            draft = _read_html(text, origin, stem, defaults, url, settings)
        elif kind == "markdown":
            draft = _read_text(text, origin, stem, defaults, settings, markdown=True)
        else:
            draft = _read_text(text, origin, stem, defaults, settings, markdown=False)
        if url and not draft.url:
            draft = _with(draft, url=url)
        yield draft
    except InputRejected as exc:
        yield Rejection(origin, "", exc.stage, exc.reason)
    except Exception as exc:  # noqa: BLE001 - one document must never stop the batch
        yield _internal(origin, "", "read", exc)


def _kind(hint: str, text: str) -> str:
    hint = hint.lower()
    if hint in JSONL_EXTENSIONS or "ndjson" in hint or "jsonl" in hint:
        return "jsonl"
    if hint in JSON_EXTENSIONS or hint.endswith("/json"):
        return "json"
    if hint in HTML_EXTENSIONS or "html" in hint:
        return "html"
    if hint in MARKDOWN_EXTENSIONS or "markdown" in hint:
        return "markdown"
    if hint in TEXT_EXTENSIONS or hint.startswith("text/"):
        return "text"
    # Unknown extension: look at the content.
    head = text.lstrip()[:1000].lower()
    if head.startswith(("<!doctype html", "<html")) or "<body" in head:
        return "html"
    if head.startswith("{"):
        first = text.lstrip().split("\n", 1)[0]
        try:
            load_json(first, 64)
            return "jsonl" if text.strip().count("\n") else "json"
        except InputRejected:
            return "json"
    if head.startswith("["):
        return "json"
    if head.startswith("---\n"):
        return "markdown"
    return "text"


def _with(draft: ArticleDraft, **changes: Any) -> ArticleDraft:
    import dataclasses

    return dataclasses.replace(draft, **changes)


_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*\r?\n", re.S)


def _read_text(text: str, origin: str, stem: str, defaults: dict[str, Any], settings: Settings, *,
               markdown: bool) -> ArticleDraft:
    meta: dict[str, Any] = {}
    # Bounded before the front-matter regex and the line split run over it.
    check_lines(text, settings.max_line_chars, settings.max_text_chars)
    m = _FRONT_MATTER.match(text)
    if m:
        loaded = load_front_matter(m.group(1))
        if isinstance(loaded, dict):
            meta = {str(k): v for k, v in loaded.items()}
        text = text[m.end():]
    # The common export: first non-empty line is the headline, the rest is the body.
    stripped = text.lstrip("\ufeff\r\n\t ")
    first, _, body = stripped.partition("\n")
    title = meta.pop("title", None) or None
    heading = markdown and first.startswith("#")
    if title is not None:
        # The front matter names the title: the first line is text unless it is that title or a heading.
        if not (heading or " ".join(first.split()) == " ".join(str(title).split())):
            body = stripped
    elif body.strip() and (heading or looks_like_headline(first)):
        title = re.sub(r"^#+\s*", "", first).strip() if markdown else first.strip()
    else:
        # No headline on top (a lead paragraph, a URL, the outlet's or a section's name, a date
        # line, a byline): the whole text goes to cleaning, which moves such lines to metadata
        # and infers the title with its evidence, as for a JSON record without a title.
        body = stripped
    return _draft_from_record(
        {**meta, "title": title, "text": body}, origin=origin, item="", stem=stem, defaults=defaults,
        extra={"format": "markdown" if markdown else "text"}, settings=settings,
    )


def _read_html(html: str, origin: str, stem: str, defaults: dict[str, Any], url: str | None,
               settings: Settings) -> ArticleDraft:
    import trafilatura

    depth = check_html_size(html, settings.max_html_nodes)
    # Dates from the page's markup and address only: htmldate's extensive search also reads free
    # text, and took "(c) 2020" in a footer for a publication date of 2020-01-01 on every page of
    # a site (benchmarks/results/robustness.md, "Round 12: web pages"). A text's own date line
    # is still read by cleaning, as inferred metadata with its evidence.
    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False,
                                      include_tables=False, favor_precision=True,
                                      date_extraction_params={"extensive_search": False, "original_date": True})
    text = getattr(doc, "text", None) if doc is not None else None
    if (not text or len(text.strip()) < 40) and depth > 200:
        # The XML parser under trafilatura gives up on trees deeper than about 256 levels;
        # the paragraphs of such a page are still the article.
        doc, text = None, paragraph_text(html)
    # trafilatura falls back to any text it finds (a nav bar, a footer); a few words
    # are not an article, and "no main text" is the reason a user can act on.
    if not text or len(text.strip()) < 40:
        raise InputRejected("HTML page has no main text (navigation or script only?); save the article page itself",
                            stage="extract")
    author = getattr(doc, "author", None)
    authors = without_roles([a.strip() for a in re.split(r";|,| and ", author) if a.strip()]) if author else []
    title, sitename = getattr(doc, "title", None), getattr(doc, "sitename", None)
    extra: dict[str, Any] = {"format": "html"}
    if sitename and title and fold_spaces(sitename) == fold_spaces(title):
        # trafilatura takes a part of the title tag holding a dot for a domain-like site name, and
        # the headline's part often holds one ("U.S.", "Jan. 6"): that is the headline, not the site
        sitename = None
    if not sitename and title:
        sitename = site_in_title_tag(html, title)
        if sitename:
            extra["source_from"] = "page title"
    record = {
        "title": title,
        "text": text,
        "source": sitename,
        "published": getattr(doc, "date", None),
        "url": getattr(doc, "url", None) or url,
        "language": getattr(doc, "language", None),
        "authors": authors,
    }
    return _draft_from_record(record, origin=origin, item="", stem=stem, defaults=defaults,
                              extra=extra, settings=settings)


def _read_json(text: str, origin: str, stem: str, defaults: dict[str, Any],
               fields: Mapping[str, str] | None, settings: Settings) -> Iterator[ArticleDraft | Rejection]:
    data = load_json(text, settings.max_json_depth)
    records = data if isinstance(data, list) else data.get("articles") if isinstance(data, dict) and isinstance(
        data.get("articles"), list) else [data]
    if not records:
        raise InputRejected("JSON holds no records (an empty list); give article objects, or remove the file")
    for i, rec in enumerate(records, 1):
        item = f"record {i}" if len(records) > 1 else ""
        yield _record_or_rejection(rec, origin, item, stem if len(records) == 1 else "", defaults, fields, settings)


def _read_jsonl(text: str, origin: str, stem: str, defaults: dict[str, Any],
                fields: Mapping[str, str] | None, settings: Settings) -> Iterator[ArticleDraft | Rejection]:
    # Only "\n" ends a record: str.splitlines would also cut at U+2028 or U+0085 inside a string.
    for lineno, line in enumerate(text.split("\n"), 1):
        if line.strip():
            yield _jsonl_record(line, origin, lineno, defaults, fields, settings)


def _jsonl_record(line: str, origin: str, lineno: int, defaults: dict[str, Any],
                  fields: Mapping[str, str] | None, settings: Settings) -> ArticleDraft | Rejection:
    item = f"line {lineno}"
    try:
        rec = load_json(line, settings.max_json_depth)
    except InputRejected as exc:
        # the parser counts lines within this one line: "at line 1 column 51" would contradict "line 2"
        reason = re.sub(r"^invalid JSON at line 1 column", "invalid JSON at column", exc.reason)
        return Rejection(origin, item, "read", reason.replace("; fix it", "; fix or remove this line"))
    return _record_or_rejection(rec, origin, item, "", defaults, fields, settings)


def _stream_jsonl(path: Path, origin: str, defaults: dict[str, Any], fields: Mapping[str, str] | None,
                  settings: Settings) -> Iterator[ArticleDraft | Rejection]:
    """A JSON Lines file over ``max_file_bytes``, one line at a time, each line bounded by that limit.

    Streamed files must be UTF-8 (the JSON Lines encoding): the encoding guess of smaller files
    needs the whole text."""
    limit = settings.max_file_bytes
    try:
        with open(path, "rb") as fh:
            if fh.read(4)[:2] in (b"\xff\xfe", b"\xfe\xff"):
                yield Rejection(origin, "", "read", "a JSON Lines file this large must be UTF-8, and this one is "
                                "UTF-16; save it as UTF-8, or split it under max_file_bytes")
                return
            fh.seek(0)
            lineno = 0
            while True:
                raw = fh.readline(limit + 1)
                if not raw:
                    return
                lineno += 1
                if len(raw) > limit and not raw.endswith(b"\n"):
                    while raw and not raw.endswith(b"\n"):  # skip the rest of the overlong line
                        raw = fh.readline(1 << 20)
                    yield Rejection(origin, f"line {lineno}", "read", f"record is over the {limit:,}-byte limit; "
                                    "shorten it, or raise max_file_bytes")
                    continue
                try:
                    line = raw.decode("utf-8-sig" if lineno == 1 else "utf-8")
                except UnicodeDecodeError:
                    yield Rejection(origin, f"line {lineno}", "read", "line is not valid UTF-8; save the file as "
                                    "UTF-8, or fix or remove this line")
                    continue
                line = sanitize(line)
                if line.strip():
                    yield _jsonl_record(line, origin, lineno, defaults, fields, settings)
    except OSError as exc:
        yield Rejection(origin, "", "read", f"cannot read file: {exc.strerror or exc}; check the path and permissions")


def _record_or_rejection(rec: Any, origin: str, item: str, stem: str, defaults: dict[str, Any],
                         fields: Mapping[str, str] | None, settings: Settings) -> ArticleDraft | Rejection:
    """One record's draft, or its rejection: whatever goes wrong stays with this record."""
    try:
        if not isinstance(rec, dict):
            return Rejection(origin, item, "read", f"expected a JSON object, got {type(rec).__name__}; "
                             "give one article object per record")
        if fields:
            rec = dict(rec)
            for ours, theirs in fields.items():
                if theirs in rec:
                    rec[ours] = rec.pop(theirs)
        rec = with_known_aliases(rec)
        if rec.get("text") is not None and not isinstance(rec["text"], str):
            return Rejection(origin, item, "read", f"field 'text' should be a string, got "
                             f"{type(rec['text']).__name__}; fix the record or map another key with --field text=NAME")
        if isinstance(rec.get("text"), str) and not rec["text"].strip():
            return Rejection(origin, item, "read", "the record's 'text' is empty; give the article's text")
        if not isinstance(rec.get("text"), str):
            keys = ", ".join(sorted(map(str, rec))[:8])
            return Rejection(origin, item, "read",
                             f"record has no 'text' (keys: {keys}); map your field with --field text=NAME")
        record = validate_record(rec)
        values = {k: getattr(record, k) for k in ("id", "title", "text", "source", "published", "url", "language",
                                                  "authors")}
        values.update(record.model_extra or {})
        return _draft_from_record(values, origin=origin, item=item, stem=stem, defaults=defaults,
                                  extra={"format": "json"}, settings=settings)
    except InputRejected as exc:
        return Rejection(origin, item, exc.stage, exc.reason)
    except Exception as exc:  # noqa: BLE001 - one record must never stop the file
        return _internal(origin, item, "read", exc)


def _draft_from_record(rec: Mapping[str, Any], *, origin: str, item: str, stem: str, defaults: dict[str, Any],
                       extra: dict[str, Any], settings: Settings) -> ArticleDraft:
    known = set(DEFAULT_FIELDS)
    metadata = {str(k): sanitize_value(v) for k, v in rec.items() if k not in known and v is not None}
    metadata.update(extra)
    if defaults.get("from_file_name"):
        # Lowest priority: the caller's file-naming convention, used only where the
        # content and its datelines say nothing.
        metadata["from_file_name"] = defaults["from_file_name"]
    if rec.get("source") in (None, "") and defaults.get("source"):
        # The batch's outlet (`ingest --source`) is for articles that do not name one: a dateline, an outlet
        # header or a URL line in the text names it better (storyline.pipeline.prepare_article).
        metadata["batch_source"] = defaults["source"]

    def pick(name: str) -> Any:
        value = rec.get(name)
        if value in (None, "", []):
            value = defaults.get(name)
        return value

    raw_text = sanitize(str(rec.get("text") or ""))
    check_lines(raw_text, settings.max_line_chars, settings.max_text_chars)
    authors = pick("authors") or ()
    if isinstance(authors, str):
        authors = without_roles([a.strip() for a in re.split(r";|,| and ", authors) if a.strip()])
    if not isinstance(authors, list | tuple):
        authors = ()
    external_id = _str_or_none(rec.get("id"))
    return ArticleDraft(
        origin=origin,
        item=item,
        raw_text=raw_text,
        title=_one_line(rec.get("title")),
        external_id=external_id or (stem or None),
        source=_one_line(rec.get("source")),
        published=_normalise_published(pick("published")),
        url=_one_line(pick("url")),
        language=_one_line(pick("language")),
        authors=tuple(a for a in (_one_line(a) for a in authors if a is not None) if a),
        metadata=metadata,
    )


def _str_or_none(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and value != value):  # NaN is "missing", not "nan"
        return None
    s = sanitize(str(value)).strip()
    return s or None


def _one_line(value: Any) -> str | None:
    """A metadata value as one printable line (titles and names reach terminals)."""
    s = _str_or_none(value)
    return " ".join(s.split())[:2000] or None if s else None


_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|2[01]\d\d)(?!\d)")
_DOTTED = re.compile(r"(?<![\d.])\d{1,2}\.\d{1,2}\.\d{4}\b")


def _normalise_published(value: Any) -> str | None:
    """ISO 8601 date or datetime; unparseable values are dropped rather than guessed.

    A value must name a year between 1800 and 2199: dateutil reads "-1" or "5" as a day
    of the default year 1900, which is a guess, not a date."""
    if value in (None, ""):
        return None
    import datetime as dt

    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if not isinstance(value, str):
        return None
    from dateutil import parser

    s = value.strip()[:100]
    if not _YEAR.search(s):
        return None
    try:
        # A dotted numeric date (12.03.2026) is day first wherever it is written that way (Russia, Germany,
        # most of Europe); dateutil would read it month first, as it reads the US 03/12/2026.
        parsed = parser.parse(s, default=dt.datetime(1900, 1, 1), dayfirst=bool(_DOTTED.search(s)))
    except (ValueError, OverflowError, TypeError):
        return None
    if not 1800 <= parsed.year <= 2199:
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", s) or (parsed.hour, parsed.minute, parsed.second) == (0, 0, 0) and ":" not in s:
        return parsed.date().isoformat()
    return parsed.isoformat()
