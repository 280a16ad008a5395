"""Ingest: read inputs, clean them, and store them, one batch per transaction.

Resumable by construction: an article's id is derived from its content, items
already stored are skipped before any work is done on them, and each batch is
committed as a whole. A run killed half-way leaves whole batches behind; the
next run skips them and completes the rest.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .clean import clean_text
from .clean.hyphens import WordEvidence
from .clean.infer import infer_metadata
from .clean.outlets import canonical_outlet
from .ingest import fetch_urls, looks_like_url_list, read_path, read_url_list
from .ingest.limits import ItemTimeout, time_budget
from .ingest.readers import display_path, walk
from .ingest.watchdog import Watchdog
from .model import Article, ArticleDraft, Rejection, content_hash
from .nlp import detect_language
from .settings import Settings
from .store.sqlite import SQLiteStore

__all__ = ["IngestReport", "ingest", "iter_inputs", "prepare_article"]

CLEAN_VERSION = "clean-v1"


@dataclass
class IngestReport:
    run_id: int
    added: list[str] = field(default_factory=list)
    duplicates: int = 0
    rejected: list[Rejection] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.rejected

    def as_dict(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "added": len(self.added), "duplicates": self.duplicates,
                "rejected": len(self.rejected)}


def iter_inputs(paths: Iterable[str | Path], urls: Iterable[str], settings: Settings,
                defaults: Mapping[str, Any] | None = None, fields: Mapping[str, str] | None = None,
                client: Any = None, name_pattern: str | None = None, watchdog: Watchdog | None = None,
                skip: Collection[str] = ()) -> Iterator[ArticleDraft | Rejection]:
    """Every draft and rejection from files, folders, URL-list files and URLs.

    Each item is produced under ``settings.item_time_budget``: a reader that runs past it
    gives up the rest of that file (recorded as a rejection) and the batch goes on.
    Files named in ``skip`` (origins) are passed over."""
    watchdog = watchdog or Watchdog(None, 0)
    for path in walk(paths):
        if isinstance(path, Rejection):
            yield path
            continue
        origin = display_path(path)
        if origin in skip:
            continue
        try:
            suffix = path.suffix.lower()
            if suffix == ".urls" or (suffix in ("", ".txt", ".list") and path.stat().st_size < 1_000_000
                                     and _is_url_list(path)):
                yield from fetch_urls(read_url_list(path), settings, defaults=defaults, client=client)
                continue
        except OSError as exc:
            yield Rejection(origin, "", "read", f"cannot read file: {exc.strerror or exc}; check its permissions")
            continue
        yield from _budgeted(read_path(path, settings, defaults=defaults, fields=fields, name_pattern=name_pattern),
                             origin, settings, watchdog)
    urls = list(urls)
    if urls:
        yield from fetch_urls(urls, settings, defaults=defaults, client=client)


def _budgeted(items: Iterator[ArticleDraft | Rejection], origin: str, settings: Settings, watchdog: Watchdog
              ) -> Iterator[ArticleDraft | Rejection]:
    """``items`` with each one's production bounded by the item time budget (the yield itself is not timed)."""
    count = 0
    while True:
        try:
            with watchdog.item(origin), time_budget(settings.item_time_budget, "reading"):
                thing = next(items)
        except StopIteration:
            return
        except ItemTimeout as exc:
            yield Rejection(origin, f"after item {count}" if count else "", exc.stage, exc.reason)
            return
        except Exception as exc:  # noqa: BLE001 - readers never raise; this is the last line of defence
            yield Rejection(origin, "", "read", f"could not be read ({exc.__class__.__name__}: {exc}); "
                            "check this file, and please report it")
            return
        count += 1
        yield thing


def _is_url_list(path: Path) -> bool:
    try:
        return looks_like_url_list(path.read_text("utf-8"))
    except (UnicodeDecodeError, OSError):
        return False


def draft_hash(draft: ArticleDraft) -> str:
    return content_hash(draft.title, draft.raw_text)


def prepare_article(draft: ArticleDraft, settings: Settings, evidence: WordEvidence | None = None,
                    chash: str | None = None) -> tuple[Article, list[dict[str, Any]]]:
    """Clean one draft into an article (pure: no store, no I/O).

    Raises :class:`InputRejected` when nothing usable is left.
    """
    from .errors import InputRejected

    language = _language_code(draft.language)
    if language is None:
        language, _score = detect_language(f"{draft.title or ''}\n{draft.raw_text}")
    batch_source = canonical_outlet(draft.metadata["batch_source"]) if draft.metadata.get("batch_source") else None
    result = clean_text(draft.raw_text, language=language, markdown=draft.metadata.get("format") == "markdown",
                        source=draft.source or batch_source, evidence=evidence)
    if len(result.text.strip()) < settings.min_text_chars:
        raise InputRejected(
            f"only {len(result.text.strip())} characters of text after cleaning (minimum {settings.min_text_chars}); "
            "is this an article?", stage="clean")
    metadata = dict(draft.metadata)
    metadata.update({k: v for k, v in result.metadata.items() if k != "authors"})
    authors = tuple(dict.fromkeys([*draft.authors, *result.metadata.get("authors", [])]))
    from_name = draft.metadata.get("from_file_name", {})
    published = draft.published or _iso_or_none(from_name.get("published"))
    # What the input did not give, the text may: each inferred value carries its evidence.
    inferred = infer_metadata(draft.raw_text, result, given={"source": draft.source, "published": published,
                                                             "title": draft.title})
    if draft.language is None:
        inferred["language"] = {"value": language, "how": "detected"}
    if inferred:
        metadata["inferred"] = inferred
    # The text's own dateline, header or URL line names the outlet better than a file name; a self-reference
    # deep in the text comes after the file name.
    found = inferred.get("source") or {}
    # one spelling per well-known outlet, given or found ("ТАСС" and "TASS" are one outlet); the input's kept
    source = canonical_outlet(draft.source) if draft.source else None
    if source and source != draft.source:
        metadata["source_as_given"] = draft.source
    # An agency's dateline names the copy's outlet even in a batch given one (--source: "for articles that do
    # not name one"); a URL line or a header line is weaker evidence (a t.me link, "Drought Monitor"): it
    # names the outlet only when the batch did not.
    if not source and found.get("how") == "agency dateline":
        source = found["value"]
    if not source and not batch_source and found.get("how") in ("outlet header line", "URL line"):
        source = found["value"]
    named = from_name.get("source")
    source = source or batch_source or (canonical_outlet(named) if named else None) or found.get("value")
    if source and source != found.get("value"):
        inferred.pop("source", None)
    # A full date read from a date line becomes the publication date (a partial one stays metadata);
    # grouping features ignore it (storyline.grouping_stage._given_published) but the stream order uses it.
    if not published and not (inferred.get("published") or {}).get("partial", True):
        published = inferred["published"]["value"]
    title = draft.title or _first_sentence(result.text)
    chash = chash or content_hash(draft.title, draft.raw_text)
    return Article(
        id="a" + chash[:15],
        external_id=draft.external_id,
        source=source,
        title=title,
        published=published,
        url=draft.url,
        language=language,
        authors=authors,
        raw_text=draft.raw_text,
        text=result.text,
        offset_map=result.offset_map,
        metadata=metadata,
        origin=draft.origin,
        content_hash=chash,
    ), [dataclasses.asdict(c) for c in result.changes]


def _prepare_many(batch: list[tuple[ArticleDraft, str]], settings: Settings, evidence: WordEvidence,
                  watchdog: Watchdog | None = None
                  ) -> list[tuple[ArticleDraft, tuple[Article, list[dict[str, Any]]] | Rejection]]:
    """Clean a batch; each item becomes an article or a rejection (run in-process or in a worker)."""
    from .errors import InputRejected

    watchdog = watchdog or Watchdog(None, 0)
    out: list[tuple[ArticleDraft, tuple[Article, list[dict[str, Any]]] | Rejection]] = []
    for d, h in batch:
        try:
            with watchdog.item(d.origin, d.item), time_budget(settings.item_time_budget, "cleaning"):
                out.append((d, prepare_article(d, settings, evidence, h)))
        except InputRejected as exc:
            out.append((d, Rejection(d.origin, d.item, exc.stage, exc.reason)))
        except Exception as exc:  # a bug in a stage must not lose the rest of the batch
            out.append((d, Rejection(d.origin, d.item, "clean", f"internal error while cleaning "
                                     f"({exc.__class__.__name__}: {exc}); please report it")))
    return out


def _iso_or_none(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        return None


def _language_code(value: str | None) -> str | None:
    if not value:
        return None
    code = value.strip().lower().replace("_", "-").split("-")[0]
    return code if 2 <= len(code) <= 3 and code.isalpha() else None


def _first_sentence(text: str) -> str:
    first = text.strip().split("\n", 1)[0]
    return first[:120] + ("…" if len(first) > 120 else "")


def ingest(store: SQLiteStore, paths: Iterable[str | Path] = (), urls: Iterable[str] = (), *, settings: Settings,
           defaults: Mapping[str, Any] | None = None, fields: Mapping[str, str] | None = None,
           progress: Callable[[int], None] | None = None, client: Any = None,
           command: str = "ingest", name_pattern: str | None = None) -> IngestReport:
    """Read, clean and store every input. Rejections are recorded; nothing stops the batch."""
    if name_pattern:
        from .ingest.readers import parse_file_name

        parse_file_name("", name_pattern)  # a malformed pattern is a usage error, raised before any work
    run_id = store.start_run(command)
    report = IngestReport(run_id)
    batch: list[tuple[ArticleDraft, str]] = []
    # An item stuck past its budget inside C code ended a previous run (see ingest/watchdog.py):
    # it is recorded now and skipped, so this run completes everything else.
    watchdog = Watchdog(None if store.path == ":memory:" else f"{store.path}.stalled.json",
                        settings.item_time_budget)
    stalled = set(watchdog.stalled_items())
    for origin, item in sorted(stalled):
        rejection = Rejection(origin, item, "stalled", f"stopped a previous ingest: stuck over "
                              f"{watchdog.budget + watchdog.grace:g} s inside a parser that cannot be interrupted; "
                              "check this item, or remove it from the input")
        report.rejected.append(rejection)
        store.add_rejection(rejection, run_id)

    def flush() -> None:
        if not batch:
            return
        # Corpus evidence for hyphen repair: words spelled whole anywhere in the batch.
        evidence = WordEvidence()
        for d, _h in batch:
            evidence.add_text(d.raw_text)
        # One process: a pool of two cleaning workers was measured slower here (pickling
        # drafts and evidence costs more than the cleaning it spreads), see BENCHMARKS.md.
        results = _prepare_many(batch, settings, evidence, watchdog)
        prepared: list[tuple[ArticleDraft, Article, list[dict[str, Any]]]] = []
        for d, outcome in results:
            if isinstance(outcome, Rejection):
                report.rejected.append(outcome)
                store.add_rejection(outcome, run_id)
            else:
                prepared.append((d, *outcome))
        with store.transaction():
            for d, article, changes in prepared:
                # A savepoint per article: one that cannot be stored is rolled back alone
                # and recorded, and the rest of the batch is committed.
                try:
                    with store.savepoint():
                        added = store.add_article(article, item=d.item, changes=changes, run_id=run_id)
                except Exception as exc:  # noqa: BLE001 - one item must never stop the batch
                    rejection = Rejection(d.origin, d.item, "store", f"cannot be stored ({exc.__class__.__name__}: "
                                          f"{exc}); check this item, and please report it")
                    report.rejected.append(rejection)
                    store.add_rejection(rejection, run_id)
                    continue
                if added:
                    report.added.append(article.id)
                else:
                    report.duplicates += 1
        if progress:
            progress(len(batch))
        batch.clear()

    seen_in_run: set[str] = set()
    files_to_skip = {origin for origin, item in stalled if not item}
    with watchdog:
        for thing in iter_inputs(paths, urls, settings, defaults, fields, client, name_pattern, watchdog,
                                 files_to_skip):
            if isinstance(thing, Rejection):
                report.rejected.append(thing)
                store.add_rejection(thing, run_id)
                if progress:
                    progress(1)
                continue
            if (thing.origin, thing.item) in stalled:
                continue
            h = draft_hash(thing)
            if h in seen_in_run or store.has_content(h):
                report.duplicates += 1
                if progress:
                    progress(1)
                continue
            seen_in_run.add(h)
            batch.append((thing, h))
            if len(batch) >= settings.batch_size:
                flush()
        flush()
    watchdog.forget()
    store.finish_run(run_id, report.as_dict() | {"finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")})
    return report
