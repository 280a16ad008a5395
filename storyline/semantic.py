"""Semantic search over the stored sentence vectors.

The vectors are the ones ``embed_sentences`` stored for the reports (claims and quotes of
every article, float16), so search costs no encoding beyond the query. They go into a
usearch HNSW index kept in a file beside the database (``<db>.sentences.usearch``) that
grows in place: each search first adds the rows stored since the last one. A key is
``row id << 16 | sentence number`` of the ``sentence_vectors`` table; a recomputed row gets
a new row id, so an old key can only miss, never point at other text.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .store.sqlite import SQLiteStore

__all__ = ["SentenceHit", "SentenceIndex", "exact_search", "semantic_search"]

_SHIFT = 16  # sentences per article row fit in the low 16 bits of a key
_LOCK = threading.Lock()  # one sync at a time per process (the HTTP server runs requests in threads)
# Open indexes by database path: loading one costs far more than a query, so a server keeps it.
_OPEN: dict[str, SentenceIndex] = {}


@dataclass(frozen=True)
class SentenceHit:
    article_id: str
    start: int
    end: int
    text: str
    score: float  # cosine similarity to the query
    title: str | None
    source: str | None
    published: str | None


class SentenceIndex:
    """The ANN index over one store's sentence vectors (in memory for a ``:memory:`` store)."""

    def __init__(self, store: SQLiteStore, model: str | None = None, connectivity: int = 16,
                 expansion_search: int = 128):
        from .materialise import sentence_model_id

        self.store = store
        self.model = model or sentence_model_id()
        self.connectivity = connectivity
        self.expansion_search = expansion_search
        self.path = None if store.path == ":memory:" else Path(f"{store.path}.sentences.usearch")
        self.upto = 0
        self.index: Any = None
        self._load()

    def _meta_path(self) -> Path | None:
        return None if self.path is None else self.path.with_suffix(".json")

    def _load(self) -> None:
        meta_path = self._meta_path()
        if self.path and meta_path and self.path.exists() and meta_path.exists():
            meta = json.loads(meta_path.read_text("utf-8"))
            if meta.get("model") == self.model:
                from usearch.index import Index

                self.index = Index.restore(str(self.path))
                self.index.expansion_search = self.expansion_search
                self.upto = int(meta["upto"])

    def _new(self, dim: int) -> Any:
        from usearch.index import Index

        # int8: a quarter of f32's memory (100k articles hold about 2.5M sentences); its
        # recall@10 against an exact scan is measured in BENCHMARKS.md.
        return Index(ndim=dim, metric="cos", dtype="i8", connectivity=self.connectivity,
                     expansion_search=self.expansion_search)

    def sync(self, batch: int = 20_000) -> int:
        """Add every stored row after the last indexed one; save the file. Returns how many sentences were added."""
        added = 0
        keys: list[int] = []
        vecs: list[np.ndarray] = []

        def flush() -> None:
            if keys:
                if self.index is None:
                    self.index = self._new(vecs[0].shape[0])
                self.index.add(np.asarray(keys, dtype=np.uint64), np.stack(vecs).astype(np.float16))
                keys.clear()
                vecs.clear()

        for rowid, _aid, spans, mat in self.store.iter_sentence_vectors(self.upto, self.model):
            if len(spans) >= 1 << _SHIFT:
                mat = mat[: (1 << _SHIFT) - 1]  # an article of 65k sentences: the rest stay unindexed
            for i, v in enumerate(mat):
                keys.append((rowid << _SHIFT) | i)
                vecs.append(v)
            added += len(mat)
            self.upto = rowid
            if len(keys) >= batch:
                flush()
        flush()
        if added and self.path is not None:
            tmp = self.path.with_suffix(".tmp")
            self.index.save(str(tmp))
            os.replace(tmp, self.path)  # readers never see a half-written file
            meta_path = self._meta_path()
            assert meta_path is not None
            meta_path.write_text(json.dumps({"model": self.model, "upto": self.upto}), "utf-8")
        return added

    def __len__(self) -> int:
        return 0 if self.index is None else len(self.index)

    def search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """``(key, cosine)`` of the ``k`` nearest sentences."""
        if self.index is None or len(self.index) == 0:
            return []
        matches = self.index.search(np.asarray(vector, dtype=np.float32), min(k, len(self.index)))
        return [(int(key), 1.0 - float(d)) for key, d in zip(matches.keys, matches.distances, strict=True)]


def exact_search(store: SQLiteStore, vector: np.ndarray, k: int, model: str | None = None) -> list[tuple[int, float]]:
    """The true ``k`` nearest sentences by a full scan (the reference for the index's recall)."""
    from .materialise import sentence_model_id

    q = np.asarray(vector, dtype=np.float32)
    q = q / (np.linalg.norm(q) or 1.0)
    best: list[tuple[int, float]] = []
    for rowid, _aid, _spans, mat in store.iter_sentence_vectors(0, model or sentence_model_id()):
        if not len(mat):
            continue
        scores = mat @ q / np.where((n := np.linalg.norm(mat, axis=1)) == 0, 1, n)
        best.extend(((rowid << _SHIFT) | int(i), float(scores[i])) for i in np.argsort(-scores)[:k])
        if len(best) > 4 * k:
            best = sorted(best, key=lambda p: -p[1])[:k]
    return sorted(best, key=lambda p: -p[1])[:k]


def _hits(store: SQLiteStore, pairs: list[tuple[int, float]]) -> list[SentenceHit]:
    rows = store.sentence_rows(key >> _SHIFT for key, _ in pairs)
    texts = store.article_texts({aid for aid, _spans in rows.values()})
    out = []
    for key, score in pairs:
        row = rows.get(key >> _SHIFT)
        if row is None:
            continue  # the article's vectors were recomputed since it was indexed
        aid, spans = row
        i = key & ((1 << _SHIFT) - 1)
        if i >= len(spans) or aid not in texts:
            continue
        s, e = spans[i]
        text, title, source, published = texts[aid]
        out.append(SentenceHit(aid, s, e, text[s:e], round(score, 4), title, source, published))
    return out


# A hit has at least this many words. Claim and quote spans of one to three words ("the tender",
# "a bad bargain") sit near every query in the encoder's space and topped unrelated and nonsense
# queries alike; measured in benchmarks/results/robustness.md ("Semantic search: short
# fragments"). No score floor: a relevant sentence can score below a nonsense query's best.
MIN_HIT_WORDS = 4


def semantic_search(store: SQLiteStore, query: str, limit: int = 10, *, exact: bool = False,
                    index: SentenceIndex | None = None, min_words: int = MIN_HIT_WORDS) -> list[SentenceHit]:
    """Sentences closest in meaning to ``query`` (any language the encoder reads), best first,
    each of at least ``min_words`` words. An empty query is refused (``QueryError``).

    Uses the stored sentence vectors; ``exact`` scans all of them instead of the ANN index."""
    from .nlp import sentence_encoder
    from .store.query import QueryError

    if not any(ch.isalnum() for ch in query or ""):
        raise QueryError(f"empty query {query!r}: give words or a sentence to find the closest sentences to")
    vector = np.asarray(sentence_encoder().encode([query]), dtype=np.float32)[0]
    # Room for the short fragments left out (2-3% of stored spans in the demo store).
    k = limit if min_words <= 1 else 2 * limit + 10
    if exact:
        pairs = exact_search(store, vector, k)
    else:
        if index is None:
            with _LOCK:
                if store.path == ":memory:":
                    index = SentenceIndex(store)
                else:
                    index = _OPEN.get(store.path)
                    if index is None:
                        index = _OPEN[store.path] = SentenceIndex(store)
                    index.store = store  # this request's connection
                index.sync()
        pairs = index.search(vector, k)
    return [h for h in _hits(store, pairs) if len(h.text.split()) >= min_words][:limit]
