"""Readers: turn files, records and fetched pages into :class:`ArticleDraft` values.

A reader yields drafts and :class:`Rejection` values side by side, so one bad
item (an invalid JSON line, an empty HTML page) never stops the rest of a file
or of a batch.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from ..errors import InputRejected
from ..model import ArticleDraft, Rejection
from ..settings import Settings

__all__ = [
    "DEFAULT_FIELDS",
    "decode_bytes",
    "discover",
    "read_bytes",
    "read_path",
    "sniff_binary",
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
    for p in paths:
        path = Path(p)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                rel = child.relative_to(path)
                if child.is_file() and not any(part.startswith(".") for part in rel.parts):
                    yield child
        else:
            yield path


def sniff_binary(data: bytes) -> str | None:
    """A reason if ``data`` is not text, else None."""
    for magic, name, fix in _MAGIC:
        if data.startswith(magic):
            return f"not text (looks like {name}); {fix}"
    head = data[:8192]
    if b"\x00" in head and not (head.startswith((b"\xff\xfe", b"\xfe\xff"))):
        return "not text (contains NUL bytes, looks binary); convert it to text, HTML or JSON first"
    return None


def decode_bytes(data: bytes) -> str:
    """Decode text whatever its encoding: UTF-8 (with or without BOM), UTF-16, or a
    legacy code page guessed by charset-normalizer (a Russian article saved as
    cp1251 comes out right)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
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


def parse_file_name(stem: str, pattern: str) -> dict[str, str]:
    """Metadata from a file name such as ``2025-03-04_nordpress_dam`` with the pattern
    ``{published}_{source}_{*}``. Fields: published, source, language, id; ``{*}`` matches anything.
    Slugs become words: ``weekly-ledger`` -> ``Weekly Ledger``."""
    regex = ""
    for literal, name in re.findall(r"([^{]*)(?:\{(\w+|\*)\})?", pattern):
        regex += re.escape(literal)
        if name == "*":
            regex += ".*?"
        elif name:
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
    origin = str(path)
    if name_pattern:
        from_name = parse_file_name(path.stem, name_pattern)
        if from_name:
            defaults = {"from_file_name": from_name, **(defaults or {})}
    try:
        size = path.stat().st_size
        if size > settings.max_file_bytes:
            raise InputRejected(
                f"file is {size / 1e6:.1f} MB, over the {settings.max_file_bytes / 1e6:.0f} MB limit; split it, or raise "
                "max_file_bytes (STORYLINE_MAX_FILE_BYTES or --max-file-bytes)"
            )
        data = path.read_bytes()
    except InputRejected as exc:
        yield Rejection(origin, "", exc.stage, exc.reason)
        return
    except OSError as exc:
        yield Rejection(origin, "", "read", f"cannot read file: {exc.strerror or exc}; check the path and permissions")
        return
    yield from read_bytes(data, origin, kind_hint=path.suffix.lower(), stem=path.stem, settings=settings,
                          defaults=defaults, fields=fields)


def read_bytes(data: bytes, origin: str, *, kind_hint: str = "", stem: str = "", settings: Settings,
               defaults: Mapping[str, Any] | None = None, fields: Mapping[str, str] | None = None,
               url: str | None = None) -> Iterator[ArticleDraft | Rejection]:
    """Read one document's bytes; ``kind_hint`` is a file extension or a MIME type."""
    defaults = dict(defaults or {})
    try:
        if not data.strip():
            raise InputRejected("empty file; nothing to ingest")
        if len(data) > settings.max_file_bytes:
            raise InputRejected(f"document is {len(data) / 1e6:.1f} MB, over the limit; split it or raise max_file_bytes")
        reason = sniff_binary(data)
        if reason:
            raise InputRejected(reason)
        text = decode_bytes(data)
        kind = _kind(kind_hint, text)
        if kind == "jsonl":
            yield from _read_jsonl(text, origin, stem, defaults, fields)
            return
        if kind == "json":
            yield from _read_json(text, origin, stem, defaults, fields)
            return
        if kind == "html":
            draft = _read_html(text, origin, stem, defaults, url)
        elif kind == "markdown":
            draft = _read_text(text, origin, stem, defaults, markdown=True)
        else:
            draft = _read_text(text, origin, stem, defaults, markdown=False)
        if url and not draft.url:
            draft = _with(draft, url=url)
        yield draft
    except InputRejected as exc:
        yield Rejection(origin, "", exc.stage, exc.reason)


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
            json.loads(first)
            return "jsonl" if text.strip().count("\n") else "json"
        except ValueError:
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


def _read_text(text: str, origin: str, stem: str, defaults: dict[str, Any], *, markdown: bool) -> ArticleDraft:
    meta: dict[str, Any] = {}
    m = _FRONT_MATTER.match(text)
    if m:
        try:
            loaded = yaml.safe_load(m.group(1))
        except yaml.YAMLError as exc:
            raise InputRejected(f"front matter is not valid YAML ({exc.__class__.__name__}); fix the block between ---") from None
        if isinstance(loaded, dict):
            meta = {str(k): v for k, v in loaded.items()}
        text = text[m.end():]
    # The common export: first non-empty line is the headline, the rest is the body.
    stripped = text.lstrip("\ufeff\r\n\t ")
    first, _, body = stripped.partition("\n")
    title = meta.pop("title", None) or first.strip()
    if markdown:
        title = re.sub(r"^#+\s*", "", title).strip()
    if meta.get("title") is None and not body.strip():
        # a single paragraph file: no separate headline
        body, title = stripped, None
    return _draft_from_record(
        {**meta, "title": title, "text": body}, origin=origin, item="", stem=stem, defaults=defaults,
        extra={"format": "markdown" if markdown else "text"},
    )


def _read_html(html: str, origin: str, stem: str, defaults: dict[str, Any], url: str | None) -> ArticleDraft:
    import trafilatura

    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False,
                                      include_tables=False, favor_precision=True)
    text = getattr(doc, "text", None) if doc is not None else None
    # trafilatura falls back to any text it finds (a nav bar, a footer); a few words
    # are not an article, and "no main text" is the reason a user can act on.
    if not text or len(text.strip()) < 40:
        raise InputRejected("HTML page has no main text (navigation or script only?); save the article page itself",
                            stage="extract")
    authors = [a.strip() for a in re.split(r";|,| and ", doc.author or "") if a.strip()] if doc.author else []
    record = {
        "title": doc.title,
        "text": text,
        "source": doc.sitename,
        "published": doc.date,
        "url": doc.url or url,
        "language": getattr(doc, "language", None),
        "authors": authors,
    }
    return _draft_from_record(record, origin=origin, item="", stem=stem, defaults=defaults,
                              extra={"format": "html"})


def _read_json(text: str, origin: str, stem: str, defaults: dict[str, Any],
               fields: Mapping[str, str] | None) -> Iterator[ArticleDraft | Rejection]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputRejected(f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}; fix the file") from None
    records = data if isinstance(data, list) else data.get("articles") if isinstance(data, dict) and isinstance(
        data.get("articles"), list) else [data]
    for i, rec in enumerate(records, 1):
        item = f"record {i}" if len(records) > 1 else ""
        yield _record_or_rejection(rec, origin, item, stem if len(records) == 1 else "", defaults, fields)


def _read_jsonl(text: str, origin: str, stem: str, defaults: dict[str, Any],
                fields: Mapping[str, str] | None) -> Iterator[ArticleDraft | Rejection]:
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        item = f"line {lineno}"
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Rejection(origin, item, "read", f"invalid JSON ({exc.msg} at column {exc.colno}); fix or remove this line")
            continue
        yield _record_or_rejection(rec, origin, item, "", defaults, fields)


def _record_or_rejection(rec: Any, origin: str, item: str, stem: str, defaults: dict[str, Any],
                         fields: Mapping[str, str] | None) -> ArticleDraft | Rejection:
    if not isinstance(rec, dict):
        return Rejection(origin, item, "read", f"expected a JSON object, got {type(rec).__name__}")
    if fields:
        rec = dict(rec)
        for ours, theirs in fields.items():
            if theirs in rec:
                rec[ours] = rec.pop(theirs)
    if not isinstance(rec.get("text"), str) or not rec["text"].strip():
        keys = ", ".join(sorted(rec)[:8])
        return Rejection(origin, item, "read",
                         f"record has no 'text' (keys: {keys}); map your field with --field text=NAME")
    return _draft_from_record(rec, origin=origin, item=item, stem=stem, defaults=defaults, extra={"format": "json"})


def _draft_from_record(rec: Mapping[str, Any], *, origin: str, item: str, stem: str, defaults: dict[str, Any],
                       extra: dict[str, Any]) -> ArticleDraft:
    known = set(DEFAULT_FIELDS)
    metadata = {k: v for k, v in rec.items() if k not in known and v is not None}
    metadata.update(extra)
    if defaults.get("from_file_name"):
        # Lowest priority: the caller's file-naming convention, used only where the
        # content and its datelines say nothing.
        metadata["from_file_name"] = defaults["from_file_name"]

    def pick(name: str) -> Any:
        value = rec.get(name)
        if value in (None, "", []):
            value = defaults.get(name)
        return value

    authors = pick("authors") or ()
    if isinstance(authors, str):
        authors = [a.strip() for a in re.split(r";|,| and ", authors) if a.strip()]
    external_id = rec.get("id")
    published = pick("published")
    return ArticleDraft(
        origin=origin,
        item=item,
        raw_text=str(rec.get("text") or ""),
        title=_str_or_none(rec.get("title")),
        external_id=str(external_id) if external_id not in (None, "") else (stem or None),
        source=_str_or_none(pick("source")),
        published=_normalise_published(published),
        url=_str_or_none(pick("url")),
        language=_str_or_none(pick("language")),
        authors=tuple(str(a) for a in authors),
        metadata=metadata,
    )


def _str_or_none(value: Any) -> str | None:
    if value is None:
        return None
    s = str(value).strip()
    return s or None


def _normalise_published(value: Any) -> str | None:
    """ISO 8601 date or datetime; unparseable values are dropped rather than guessed."""
    if value in (None, ""):
        return None
    import datetime as dt

    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    from dateutil import parser

    s = str(value).strip()
    try:
        parsed = parser.parse(s, default=dt.datetime(1900, 1, 1))
    except (ValueError, OverflowError):
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", s) or (parsed.hour, parsed.minute, parsed.second) == (0, 0, 0) and ":" not in s:
        return parsed.date().isoformat()
    return parsed.isoformat()
