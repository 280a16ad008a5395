"""Stage runners: read pending articles from the store, run a pure stage, write results.

This module holds the enrichment and entity-resolution runners; the grouping runners
(article vectors, the online clusterer, the events table) are in ``grouping_stage.py``.
Together they are the only layer that knows both the stages (enrich/, cluster/) and the
store. Each runner processes what its stage has not seen yet (``store.pending``),
commits per batch, and records skip reasons, so an interrupted run resumes where
it stopped and re-runs never duplicate annotations.
"""

from __future__ import annotations

import functools
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .model import Mention
from .settings import Settings
from .store.sqlite import SQLiteStore

Progress = Callable[[int], Any] | None

ENRICH_VERSION = "enrich-v1"
# Beyond this many characters the dependency parse is skipped for quote attribution
# (memory grows with document length); the regex attribution still runs.
MAX_PARSE_CHARS = 100_000


def _chunks(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


@dataclass(frozen=True)
class EnrichInput:
    """What enrichment needs of one article (small, so it crosses process boundaries cheaply)."""

    id: str
    text: str
    language: str | None
    published: str | None


@dataclass(frozen=True)
class EnrichOutput:
    id: str
    mentions: list[Any]
    quotes: list[Any]
    citations: list[Any]
    dates: list[Any]
    note: str | None


_SENT_END_TOKENS = frozenset({".", "!", "?", "...", "…"})
_CLOSING_MARKS = frozenset("”\"’»")
_OPENING_MARKS = frozenset("“\"‘«„")


@functools.lru_cache(maxsize=4)
def _parse_trigger(extra_cues: frozenset[str] | None = None) -> re.Pattern[str]:
    """What makes a sentence worth parsing: a quote mark or a word quote attribution reads
    (a cue verb, "according to", "pointed out", "went on", and the cue words the learned
    attribution tagger saw in training, ``extra_cues``; None means the packaged model's)."""
    from .enrich.quotes import EN_CUE_SET, model_cue_words

    extra = model_cue_words() if extra_cues is None else extra_cues
    words = sorted(EN_CUE_SET | extra | {"according", "pointed", "went"}, key=len, reverse=True)
    return re.compile(r"[“”\"«»„‘’‹›]|\b(?:" + "|".join(words) + r")\b", re.IGNORECASE)


def _rough_sentences(doc: Any) -> list[tuple[int, int]]:
    """Token ranges of ``doc`` cut at line breaks and where a sentence plainly ends (an end
    mark token, maybe a closing quote mark, a space, then a capital or an opening mark). A
    cheap stand-in for the parser's sentences: abbreviations (Mr., U.S.) are single tokens,
    so they never cut."""
    bounds, start = [], 0
    for i in range(1, len(doc)):
        tok = doc[i]
        if tok.is_space:
            continue
        j, line_break = i - 1, False
        while j >= start and doc[j].is_space:
            line_break = line_break or "\n" in doc[j].text
            j -= 1
        if j < start:
            continue
        spaced = j < i - 1 or bool(doc[j].whitespace_)
        last = doc[j].text
        ended = last in _SENT_END_TOKENS or (
            last in _CLOSING_MARKS and j > start and doc[j - 1].text in _SENT_END_TOKENS
        )
        if line_break or (ended and spaced and (tok.text[:1].isupper() or tok.text[:1] in _OPENING_MARKS)):
            bounds.append((start, i))
            start = i
    if start < len(doc):
        bounds.append((start, len(doc)))
    return bounds


def _paragraph_starts(span: Any) -> list[bool | None]:
    """A token after a line break starts a sentence and the next one does not; the parser
    decides the rest. Without this the parser joined a paragraph to the one before it after an
    abbreviation ("... N.B.\n\nVickers said that ...": "Vickers" became an object of "from"
    and the quote was lost) and cut a name from its verb at a paragraph start ("Matlow | said
    he likes ..."). GGT 5-fold quote F1 86.2 -> 87.0 and 87.8 -> 87.9 (benchmarks/results/quotes.md)."""
    starts: list[bool | None] = [None] * len(span)
    after_break = False
    for k, tok in enumerate(span):
        if tok.is_space:
            after_break = after_break or "\n" in tok.text
        elif after_break:
            starts[k], after_break = True, False
            if k + 1 < len(span) and not span[k + 1].is_space:
                starts[k + 1] = False  # nor a one-word sentence ("Matlow | said he likes ...")
    return starts


def english_docs(texts: Sequence[str], batch_size: int = 32, piece_batch_size: int = 64,
                 extra_cues: frozenset[str] | None = None) -> list[Any]:
    """spaCy docs of ``texts`` with entities everywhere but the parse only where quote
    attribution reads it.

    NER runs over each whole text. The tagger and parser (with the tok2vec they share, about
    40% of the pipeline's time) run only over the runs of sentences ``_parse_trigger`` marks,
    each run parsed as its own doc made of the full doc's tokens, whose tags, heads and labels
    are copied back. Every other sentence gets a flat tree (its first token the root, no tags)
    so ``doc.sents`` still covers the text. Offsets are the full text's."""
    import numpy
    from spacy.attrs import DEP, HEAD, TAG
    from spacy.tokens import Doc

    from .enrich.entities import ner_docs
    from .nlp import english

    nlp = english()
    trigger = _parse_trigger(extra_cues)
    docs = ner_docs(nlp, (nlp.make_doc(t) for t in texts), batch_size=batch_size)
    plans: list[list[tuple[int, int, bool]]] = []
    pieces: list[Any] = []
    for text, doc in zip(texts, docs, strict=True):
        plan: list[tuple[int, int, bool]] = []
        for s, e in _rough_sentences(doc):
            chosen = trigger.search(text, doc[s].idx, doc[e - 1].idx + len(doc[e - 1])) is not None
            if chosen and plan and plan[-1][2]:
                plan[-1] = (plan[-1][0], e, True)  # neighbouring sentences are parsed together
            else:
                plan.append((s, e, chosen))
        for s, e, chosen in plan:
            if chosen:
                span = doc[s:e]
                pieces.append(Doc(nlp.vocab, words=[t.text for t in span], spaces=[bool(t.whitespace_) for t in span],
                                  sent_starts=_paragraph_starts(span)))
        plans.append(plan)
    for name in ("tok2vec", "tagger", "parser"):
        pieces = list(nlp.get_pipe(name).pipe(pieces, batch_size=piece_batch_size))
    root, flat = nlp.vocab.strings.add("ROOT"), nlp.vocab.strings.add("dep")
    parsed = iter(pieces)
    for doc, plan in zip(docs, plans, strict=True):
        if not len(doc):
            continue
        arr = numpy.zeros((len(doc), 3), dtype="uint64")
        for s, e, chosen in plan:
            if chosen:
                arr[s:e] = next(parsed).to_array([TAG, HEAD, DEP])
            else:
                arr[s, 2] = root
                arr[s + 1 : e, 1] = (-numpy.arange(1, e - s, dtype="int64")).astype("uint64")  # relative heads
                arr[s + 1 : e, 2] = flat
        doc.from_array([TAG, HEAD, DEP], arr)
    return docs


def enrich_batch(batch: Sequence[EnrichInput]) -> list[EnrichOutput]:
    """Mentions, quotes, citations and dates of a batch of articles (pure: no store).

    English articles of ordinary length get one spaCy doc (``english_docs``): NER over the
    whole text, the parse only over the sentences quote attribution reads; the entities
    and the quotes come from that same doc. Very long
    ones go through the recognizer's chunked NER only, and quote attribution falls back
    to patterns.
    """
    from .enrich.citations import extract_citations
    from .enrich.dates import extract_dates
    from .enrich.entities import EntityRecognizer, mentions_from_doc
    from .enrich.quotes import extract_quotes

    one_pass = [a for a in batch if a.language == "en" and len(a.text) <= MAX_PARSE_CHARS]
    docs: dict[str, Any] = {}
    ner: dict[str, tuple[list[Any], str | None]] = {}
    if one_pass:
        for a, doc in zip(one_pass, english_docs([a.text for a in one_pass]), strict=True):
            docs[a.id] = doc
            ner[a.id] = (mentions_from_doc(a.id, a.text, doc), None)
    rest = [a for a in batch if a.id not in docs]
    for r in EntityRecognizer().predict([(a.id, a.text, a.language) for a in rest]):
        ner[r.article_id] = (r.mentions, r.skipped)
    out = []
    for a in batch:
        mentions, skipped = ner.get(a.id, ([], None))
        notes = [skipped] if skipped else []
        if a.language == "en" and a.id not in docs:
            notes.append(f"quote attribution without parse: text over {MAX_PARSE_CHARS} characters")
        out.append(EnrichOutput(
            a.id, mentions, extract_quotes(a.id, a.text, a.language, docs.get(a.id)),
            extract_citations(a.id, a.text, a.language), extract_dates(a.id, a.text, a.language, a.published),
            "; ".join(notes) or None))
    return out


def enrich_pending(store: SQLiteStore, settings: Settings, progress: Progress = None) -> dict[str, Any]:
    """Entity mentions, quotes, citations and dates for every article not yet enriched,
    then the corpus-wide entity grouping.

    With ``settings.enrich_workers`` > 1, each batch is split across forked worker
    processes (the models are loaded before the fork, so workers share them)."""
    ids = store.pending("enrich", ENRICH_VERSION)
    counts: Counter[str] = Counter()
    pool = _enrich_pool(settings, store, ids)
    try:
        # 64 per batch: 32 per worker, about 12% faster per document than 16 (measured).
        for batch_ids in _chunks(ids, 64):
            batch = [EnrichInput(a.id, a.text, a.language, a.published) for a in store.articles(ids=batch_ids)]
            if pool is None or len(batch) < 8:
                results = _isolated(batch, enrich_batch)
            else:
                def spread(b: Sequence[EnrichInput], pool: Any = pool) -> list[EnrichOutput]:
                    parts = [b[i::settings.enrich_workers] for i in range(settings.enrich_workers)]
                    return [r for f in [pool.submit(enrich_batch, p) for p in parts if p] for r in f.result()]

                results = _isolated(batch, spread)
            notes: dict[str, str] = {}
            for r in results:
                store.replace_annotations(r.id, mentions=r.mentions, quotes=r.quotes, citations=r.citations,
                                          dates=r.dates)
                counts.update(mentions=len(r.mentions), quotes=len(r.quotes), citations=len(r.citations),
                              dates=len(r.dates))
                if r.note:
                    notes[r.id] = r.note
                    counts["skipped steps"] += 1
            store.mark_done([a.id for a in batch], "enrich", ENRICH_VERSION, notes)
            if progress:
                progress(len(batch))
    finally:
        if pool is not None:
            pool.shutdown()
    stats: dict[str, Any] = {"articles": len(ids), **counts}
    if ids or not store.count_entities():  # a count, not every entity loaded
        stats["entities"] = resolve_entities(store, new_ids=ids, per_surname=settings.resolve_per_surname)
    return stats


def _isolated(batch: Sequence[EnrichInput], enrich: Callable[[Sequence[EnrichInput]], list[EnrichOutput]]
              ) -> list[EnrichOutput]:
    """``enrich(batch)``; if that fails, each article alone in this process, so an article that
    breaks a stage (or a worker that died) costs only that article: it is marked done with the
    error as its note (``storyline article ID`` shows it) and the run goes on."""
    try:
        return enrich(batch)
    except Exception:  # noqa: BLE001 - narrowed down article by article below
        out = []
        for a in batch:
            try:
                out.extend(enrich_batch([a]))
            except Exception as exc:  # noqa: BLE001 - one article must not stop the run
                out.append(EnrichOutput(a.id, [], [], [], [], f"enrichment failed ({exc.__class__.__name__}: "
                                        f"{str(exc)[:200]}); please report it"))
        return out


def _enrich_pool(settings: Settings, store: SQLiteStore, ids: Sequence[str]) -> Any:
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    workers = min(settings.enrich_workers, os.cpu_count() or 1)
    if workers <= 1 or len(ids) < 8 or "fork" not in multiprocessing.get_all_start_methods():
        return None
    from .lifecycle import die_with_parent
    from .nlp import english, russian

    # Load before forking so the workers share the weights instead of loading their own.
    english()
    languages = store.languages()
    if "ru" in languages:
        russian()
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"),
                               initializer=die_with_parent, initargs=(os.getpid(),))


def resolve_entities(store: SQLiteStore, new_ids: Sequence[str] | None = None,
                     per_surname: int | None = None) -> int:
    """Group every mention of the corpus into entities and link quotes and citations to them.

    With ``new_ids`` (a batch just enriched), only the entities those articles' mentions could
    join are re-examined (``storyline.resolve``); the whole corpus is resolved when there are
    no entities yet or the batch touches most of them. ``per_surname``: the setting
    ``resolve_per_surname`` (see ``storyline.resolve``)."""
    from .enrich.canonical import EntityResolver

    if new_ids is not None:
        from .resolve import resolve_incremental

        done = resolve_incremental(store, new_ids, **({} if per_surname is None else {"per_surname": per_surname}))
        if done is not None:
            return int(done["entities"])

    mentions = store.mentions()
    by_article: dict[str, list[Mention]] = defaultdict(list)
    for m in mentions:
        by_article[m.article_id].append(m)
    texts = {a.id: a.text for a in store.articles(ids=list(by_article))} if by_article else {}
    groups = store.event_assignments() if hasattr(store, "event_assignments") else {}
    overrides = [d["payload"] for d in store.decisions("entity.")]
    resolution = EntityResolver().resolve(by_article, texts=texts, groups=groups or None, overrides=overrides)
    entity_of = {}
    for m in mentions:
        eid = resolution.entity_id(m)
        if eid:
            entity_of[(m.article_id, m.start, m.end)] = eid
    entities = [{"id": e.id, "name": e.name, "type": e.type, "variants": e.variants,
                 "article_ids": list(e.article_ids), "explanations": list(e.explanations)} for e in resolution.entities]
    linker = _EntityLinker(entities, mentions, entity_of)
    quote_speakers = {qid: linker.link(q.article_id, q.speaker, q.speaker_start, q.speaker_end, "PERSON")
                      for qid, q in store.quotes_with_ids()}
    citation_entities = {cid: linker.link(c.article_id, c.cited, None, None, None)
                         for cid, c in store.citations_with_ids()}
    store.replace_entities(entities, entity_of, quote_speakers, citation_entities)
    from .resolve import file_all_entity_keys, file_all_profiles

    file_all_entity_keys(store)  # what the next incremental run looks up
    file_all_profiles(store, resolution.roles, resolution.entity_of)  # and compares with
    return len(entities)


class _EntityLinker:
    """Finds the entity a speaker or a cited source refers to.

    First by span (the speaker's words are a mention), then by name within the same
    article (a surname, a variant), then by name across the corpus when exactly one
    entity carries it, so an ambiguous surname is never guessed.
    """

    def __init__(self, entities: list[dict[str, Any]], mentions: list[Mention],
                 entity_of: dict[tuple[str, int, int], str]):
        self.by_span: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
        self.names_in_article: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for m in mentions:
            eid = entity_of.get((m.article_id, m.start, m.end))
            if eid:
                self.by_span[m.article_id].append((m.start, m.end, eid))
                for key in _name_keys(m.text) | _name_keys(m.normal):
                    self.names_in_article[m.article_id][key].add(eid)
        self.global_names: dict[str, set[str]] = defaultdict(set)
        self.type_of = {e["id"]: e["type"] for e in entities}
        for e in entities:
            for name in [e["name"], *e["variants"]]:
                for key in _name_keys(name):
                    self.global_names[key].add(e["id"])

    def link(self, article_id: str, name: str | None, start: int | None, end: int | None,
             type_: str | None) -> str | None:
        if start is not None and end is not None:
            # The mention must hold the speaker's last word, the head of the phrase: "the Orr
            # administration official" is an official, not Orr; "President Dana Orr" is Orr.
            words = (name or "").rstrip().split()
            head = start + len((name or "").rstrip()) - len(words[-1]) if words else start
            for s, e, eid in self.by_span.get(article_id, ()):
                if s <= head < e and (type_ is None or self.type_of.get(eid) == type_):
                    return eid
        if not name:
            return None
        if type_ == "PERSON" and _nominal(name):
            return None
        for key in sorted(_name_keys(name), key=len, reverse=True):
            local = {e for e in self.names_in_article[article_id].get(key, ()) if type_ in (None, self.type_of.get(e))}
            if len(local) == 1:
                return next(iter(local))
            found = {e for e in self.global_names.get(key, ()) if type_ in (None, self.type_of.get(e))}
            if len(found) == 1:
                return next(iter(found))
        return None


_STOP = {"the", "a", "an", "of", "mr", "mrs", "ms", "dr", "news", "agency", "newspaper"}


def _nominal(name: str) -> bool:
    """A speaker named by role, not by name ("a White House official", "the interlocutor"): it
    starts with an article or ends in a lower-case word, so it must stay nominal, never be
    linked to the nearest person who shares a word with it."""
    words = name.split()
    return bool(words) and (words[0].lower() in ("a", "an", "the", "one", "another", "two", "several")
                            or words[-1][:1].islower())


def _name_keys(name: str | None) -> set[str]:
    """The whole name and its last word, lower-cased, without articles and titles."""
    if not name:
        return set()
    words = [w for w in re.findall(r"[\w'-]+", name.lower()) if w not in _STOP]
    if not words:
        return set()
    return {" ".join(words), words[-1]} if len(words) > 1 else {words[0]}
