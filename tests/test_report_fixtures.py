"""Hand-made events for the report tests: invented outlets, places and people.

Annotations are built with exact offsets found by :func:`at`, so tests do not
depend on the entity, quote or date extractors.
"""

from __future__ import annotations

import hashlib
import re

import numpy as np

from storyline.model import Article, Citation, DateMention, Mention, OffsetMap, Quote


def article(aid: str, source: str, published: str, text: str, language: str = "en", title: str | None = None) -> Article:
    return Article(id=aid, external_id=None, source=source, title=title, published=published, url=None,
                   language=language, authors=(), raw_text=text, text=text, offset_map=OffsetMap.identity(len(text)))


def at(text: str, needle: str, occurrence: int = 0) -> tuple[int, int]:
    """Offsets of the ``occurrence``-th ``needle`` in ``text``."""
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(needle, start + 1)
    return start, start + len(needle)


def mention(a: Article, needle: str, label: str, entity_id: str, occurrence: int = 0) -> Mention:
    s, e = at(a.text, needle, occurrence)
    return Mention(a.id, s, e, needle, label, needle, entity_id)


def quote(a: Article, needle: str, speaker: str | None, entity_id: str | None = None, kind: str = "direct") -> Quote:
    s, e = at(a.text, needle)
    return Quote(a.id, s, e, needle, speaker, kind=kind, speaker_entity_id=entity_id)


def citation(a: Article, needle: str, cited: str, kind: str) -> Citation:
    s, e = at(a.text, needle)
    return Citation(a.id, s, e, needle, cited, kind)


def date(a: Article, needle: str, value: str, is_event: bool = True, granularity: str = "day") -> DateMention:
    s, e = at(a.text, needle)
    return DateMention(a.id, s, e, needle, value, granularity, is_event)


class WordHashEncoder:
    """A stand-in for the sentence encoder in fast tests: each word gets a fixed random
    vector; a sentence is their normalised sum. Sentences sharing most words score high,
    sentences sharing none about 0. Not cross-lingual. Counts its calls."""

    dim = 256

    def __init__(self) -> None:
        self.calls = 0
        self.texts: list[str] = []

    def _word(self, word: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.sha256(word.encode("utf-8")).digest()[:4], "little")
        return np.random.default_rng(seed).standard_normal(self.dim)

    def encode(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        self.texts += texts
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in re.findall(r"\w+", t.lower()):
                out[i] += self._word(w)
            norm = np.linalg.norm(out[i])
            if norm:
                out[i] /= norm
        return out
