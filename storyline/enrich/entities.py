"""Named entity mentions: who, which organisations and which places an article names.

A model stage in the spaCy mould: :meth:`EntityRecognizer.predict` is pure and
batched (a list of ``(article_id, text, language)`` in, one result per article
out), so it runs the same in-process or in a worker pool.

* English goes through spaCy (``storyline.nlp.english()``, only its NER pipe:
  the NER model has its own token vectors, so the tagger and parser are skipped).
* Russian goes through natasha; each mention carries its nominative form
  (``"Сергея Шойгу"`` -> ``normal="Сергей Шойгу"``).
* Other languages get no mentions and a reason the caller can record.

Labels are reduced to PERSON, ORG and LOC (spaCy's GPE and FAC are places;
NORP, nationalities and groups, is dropped: "Russian" is not an entity to track).
Offsets always point into the given text (``text[m.start:m.end] == m.text``):
a leading "the", a possessive "'s" and a person's title ("Gen.", "Defence
Minister", "г-н") are removed by moving the span, never by editing the text.

The English model reads a name whose Latin spelling marks a soft or hard sign with
an apostrophe ("Pel'shin" for Пельшин, "Il'ya", "Vasil'ev") as it reads the same
name without one (:func:`ner_docs`): with the apostrophe it found no entity at all.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from storyline.model import Mention

__all__ = [
    "SUPPORTED_LANGUAGES",
    "EntityRecognizer",
    "NerResult",
    "extract_mentions",
    "mentions_from_doc",
    "ner_docs",
    "no_model_reason",
    "trim_mention",
]

SUPPORTED_LANGUAGES = ("en", "ru")

_SPACY_LABELS = {"PERSON": "PERSON", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC"}
_NATASHA_LABELS = {"PER": "PERSON", "ORG": "ORG", "LOC": "LOC"}


@dataclass(frozen=True)
class NerResult:
    """Mentions found in one article; ``skipped`` says why there are none when no model ran."""

    article_id: str
    mentions: list[Mention] = field(default_factory=list)
    skipped: str | None = None


def _base_language(language: str | None) -> str | None:
    """ "en-GB" and "EN" are English."""
    return language.lower().replace("_", "-").split("-")[0] if language else language


def no_model_reason(language: str | None) -> str | None:
    """Why no mentions can be extracted for ``language``, or None when a model exists."""
    language = _base_language(language)
    if language in SUPPORTED_LANGUAGES:
        return None
    if not language:
        return "no NER model: the article's language is unknown"
    return f"no NER model for language {language}"


# Words that name a role rather than a person. Matched case-insensitively as
# whole words at the start of a PERSON span; the span starts after the last one.
_TITLES = frozenset(
    """
    mr mrs ms miss mx dr prof professor sir dame lord lady rev reverend father sheikh ayatollah imam rabbi
    gen general lt lieutenant col colonel maj major capt captain cmdr commander sgt sergeant adm admiral
    brig marshal cpl pvt field
    president vice deputy acting prime minister premier chancellor secretary sen senator rep representative
    congressman congresswoman gov governor mayor judge justice ambassador envoy chairman chairwoman chair
    ceo cfo director chief spokesman spokeswoman spokesperson king queen prince princess pope emir sultan
    foreign defence defense interior finance health justice state home economy trade education
    former late then-president then-minister attorney-general attorney
    г-н г-жа господин госпожа президент премьер премьер-министр министр генерал глава мэр губернатор
    депутат сенатор посол вице-премьер замминистра председатель спикер пресс-секретарь
    """.split()
)
# Title words that may also open a name ("Major", "King", "Field"): only cut when
# followed by at least two name words, so "John Major" stays whole.
_TITLE_PUNCT = ".,"
_WORD = re.compile(r"\S+")
_GLUED_TITLE = re.compile(r"([A-Za-z]+)\.(?=[A-Z][a-z])")
_LEADING_THE = re.compile(r"(?i)the\s+")
_POSSESSIVE = re.compile(r"(?:['’]s|['’])$")
_STRIP_CHARS = " \t\r\n\"'«»“”„‘’()[]{},;:!?—–-*"


def trim_mention(text: str, start: int, end: int, label: str) -> tuple[int, int]:
    """Narrow ``text[start:end]`` to the name itself; returns the new (start, end).

    Removes surrounding quotes and punctuation, a leading "the", a trailing
    possessive, and for people every leading title word ("Defence Minister
    Sergei Shoigu" -> "Sergei Shoigu"). Returns ``(start, start)`` when nothing
    of a name is left.
    """
    start, end = _strip(text, start, end)
    m = _LEADING_THE.match(text, start, end)
    if m and m.end() < end:
        start = m.end()
    m = _POSSESSIVE.search(text[start:end])
    if m and end - start > len(m.group()):
        end = start + m.start()
    start, end = _strip(text, start, end)
    if label == "PERSON":
        words = list(_WORD.finditer(text, start, end))
        cut = -1
        for i, w in enumerate(words[:-1]):
            if w.group().lower().rstrip(_TITLE_PUNCT) in _TITLES:
                cut = i
        if cut >= 0:
            start = words[cut + 1].start()
            start, end = _strip(text, start, end)
        glued = _GLUED_TITLE.match(text, start, end)  # "Gov.Sarah Palin" (lost space)
        if glued and glued.group(1).lower() in _TITLES:
            start = glued.end()
    return start, end


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in _STRIP_CHARS:
        start += 1
    while end > start and text[end - 1] in _STRIP_CHARS:
        end -= 1
    return start, end


def _looks_like_name(surface: str) -> bool:
    # Models sometimes tag lower-case words or numbers; a name has a capital letter.
    return any(c.isupper() for c in surface) and any(c.isalpha() for c in surface)


def _chunks(text: str, size: int) -> Iterable[tuple[int, str]]:
    """Split ``text`` into pieces of at most about ``size`` characters, at a line
    break or sentence end when there is one, so no name is cut in two."""
    pos = 0
    n = len(text)
    while pos < n:
        if n - pos <= size:
            yield pos, text[pos:]
            return
        window = text[pos : pos + size]
        cut = window.rfind("\n", size // 2)
        if cut >= 0:
            cut += 1  # the line break stays with the line it ends
        else:
            cut = max(
                window.rfind(". ", size // 2), window.rfind("! ", size // 2), window.rfind("? ", size // 2)
            )
            cut = cut + 1 if cut >= 0 else -1
        if cut < 0:
            cut = window.rfind(" ", size // 2)
        if cut <= 0:
            cut = size
        yield pos, text[pos : pos + cut]
        pos += cut


# An apostrophe inside a capitalised word, between letters and before a lower-case letter and
# at least one more letter: how transliteration writes the Russian soft and hard signs (ь, ъ:
# "Pel'shin", "Gor'ky", "Il'ya", "Tat'yana", "Vasil'ev", "Ob'edkov"). Other apostrophes are
# left as written: before a capital ("O'Brien", "D'Angelo", "N'Djamena"), at a word's end
# (possessives) and in contractions (the tokenizer already splits "'s", "n't", "'ll" off).
_SOFT_SIGN = re.compile(r"(?<=[^\W\d_])['’ʼ](?!(?:re|ve|ll)\b)(?=[^\W\d_A-ZÀ-Þ][^\W\d_])")


def _ner_word(word: str) -> str:
    """The word as the NER model should read it: ``word`` without soft-sign apostrophes."""
    return _SOFT_SIGN.sub("", word) if word[:1].isupper() else word


def _ner_view(doc: Any) -> Any:
    """``doc`` itself, or a copy of its tokens with soft-sign apostrophes removed."""
    from spacy.tokens import Doc

    words = [t.text for t in doc]
    folded = [_ner_word(w) for w in words]
    if folded == words:
        return doc
    return Doc(doc.vocab, words=folded, spaces=[bool(t.whitespace_) for t in doc])


def _set_ents(doc: Any, view: Any) -> Any:
    """The entities the model found in ``view`` (same tokens as ``doc``) set on ``doc``."""
    from spacy.tokens import Span

    doc.set_ents([Span(doc, e.start, e.end, label=e.label_) for e in view.ents], default="outside")
    return doc


def ner_docs(nlp: Any, docs: Iterable[Any], batch_size: int = 32) -> list[Any]:
    """Run the NER pipe of ``nlp`` over tokenised ``docs``; returns the same docs with their
    entities set.

    The small English model finds no entity in "Ulminsk Governor Pavel Pel'shin said" (the
    apostrophe of a transliterated soft sign gives the word a shape no name had in its
    training data), while it tags "Pavel Pelshin" PERSON in the same sentence without it. A
    doc with such words is read through a copy of its tokens with those apostrophes removed;
    the entities found there are set on the original doc by token index, so every offset is
    still the text's."""
    docs = list(docs)
    views = [_ner_view(doc) for doc in docs]
    tagged = list(nlp.get_pipe("ner").pipe(views, batch_size=batch_size))
    return [_set_ents(doc, seen) if view is not doc else seen
            for doc, view, seen in zip(docs, views, tagged, strict=True)]


class EntityRecognizer:
    """Extracts PERSON / ORG / LOC mentions from batches of articles.

    ``batch_size`` is passed to the models; ``chunk_chars`` bounds the text a
    model sees at once (long texts are cut at line or sentence ends and the
    offsets shifted back); ``n_process`` > 1 lets spaCy fork workers for large
    English batches (only worth it for hundreds of documents).
    """

    def __init__(self, batch_size: int = 16, chunk_chars: int = 20_000, n_process: int = 1) -> None:
        self.batch_size = batch_size
        self.chunk_chars = chunk_chars
        self.n_process = n_process

    def predict(self, batch: Sequence[tuple[str, str, str | None]]) -> list[NerResult]:
        """One :class:`NerResult` per ``(article_id, text, language)``, in order."""
        results: list[NerResult | None] = [None] * len(batch)
        english: list[int] = []
        russian: list[int] = []
        for i, (article_id, text, raw_language) in enumerate(batch):
            language = _base_language(raw_language)
            reason = no_model_reason(language)
            if reason:
                results[i] = NerResult(article_id, [], reason)
            elif not text.strip():
                results[i] = NerResult(article_id, [])
            elif language == "en":
                english.append(i)
            else:
                russian.append(i)
        if english:
            found = self._english([(batch[i][0], batch[i][1]) for i in english])
            for i, mentions in zip(english, found, strict=True):
                results[i] = NerResult(batch[i][0], mentions)
        for i in russian:
            results[i] = NerResult(batch[i][0], self._russian(batch[i][0], batch[i][1]))
        return [r for r in results if r is not None]

    # -- English -------------------------------------------------------------

    def _english(self, articles: list[tuple[str, str]]) -> list[list[Mention]]:
        from storyline.nlp import english

        nlp = english()
        # The shared pipeline keeps its parser for quote attribution; NER needs none of it.
        disable = [name for name in nlp.pipe_names if name != "ner"]
        pieces = [
            (chunk, (k, offset))
            for k, (_, text) in enumerate(articles)
            for offset, chunk in _chunks(text, self.chunk_chars)
        ]
        out: list[list[Mention]] = [[] for _ in articles]
        made = [nlp.make_doc(chunk) for chunk, _ in pieces]
        views = [_ner_view(doc) for doc in made]  # see ner_docs
        tagged = nlp.pipe(
            zip(views, range(len(views)), strict=True), as_tuples=True, disable=disable, batch_size=self.batch_size,
            n_process=self.n_process,
        )
        docs = (
            (_set_ents(made[i], seen) if views[i] is not made[i] else seen, pieces[i][1]) for seen, i in tagged
        )
        for doc, (k, offset) in docs:
            article_id, text = articles[k]
            out[k].extend(mentions_from_doc(article_id, text, doc, offset))
        return out

    # -- Russian -------------------------------------------------------------

    def _russian(self, article_id: str, text: str) -> list[Mention]:
        from storyline.nlp import russian

        ru = russian()
        found: list[tuple[int, int, str]] = []  # (start, stop, natasha type) in ``text``
        for offset, chunk in _chunks(text, self.chunk_chars):
            if chunk.strip():
                found += [(offset + sp.start, offset + sp.stop, sp.type) for sp in ru.ner_tagger(chunk).spans]
        if not found:
            return []
        # Morphology is needed only to put names into the nominative. Tagging each
        # name with a few words around it, instead of segmenting and tagging the
        # whole text, costs a fraction and keeps the context that decides the case.
        windows = [_token_window(ru.segmenter, text, start, stop) for start, stop, _ in found]
        markups = _morph_infer(ru.morph_tagger)([[t.text for t in tokens] for tokens, _ in windows])
        places = _russian_place_forms(text, found)
        mentions: list[Mention] = []
        for (start, stop, kind), (tokens, inside), markup in zip(found, windows, markups, strict=True):
            label = _NATASHA_LABELS.get(kind)
            if label is None:
                continue
            for token, tagged in zip(tokens, markup.tokens, strict=True):
                token.pos, token.feats = tagged.pos, tagged.feats
            if kind == "PER":
                place_tokens, inside = _split_leading_place(ru.morph_vocab, tokens, inside, places)
                for token in place_tokens:  # "Дравонии" cut from "Дравонии Лидия Корнеева"
                    mention = _make_mention(article_id, text, token.start, token.stop, "LOC")
                    if mention is not None:
                        mentions.append(mention)
                start = tokens[inside[0]].start
            if "\n" in text[start:stop]:  # never across a line break (see mentions_from_doc)
                for a, b in line_pieces(text, start, stop):
                    mention = _make_mention(article_id, text, a, b, label)
                    if mention is not None:
                        mentions.append(mention)
                continue
            normal = _russian_normal(ru.morph_vocab, [tokens[i] for i in inside], kind)
            mention = _make_mention(article_id, text, start, stop, label, normal=normal or text[start:stop])
            if mention is not None:
                mentions.append(mention)
        return mentions


_MORPH_BATCH = 32
_morph_infers: dict[int, object] = {}


def _morph_infer(tagger):  # noqa: ANN001, ANN202 - natasha/slovnet objects
    """The morphology tagger's inference with batches of 32 windows instead of
    natasha's 8: each batch costs about the same whatever its length, so this
    runs about twice as fast. A shallow copy, so the shared tagger is untouched."""
    infer = _morph_infers.get(id(tagger))
    if infer is None:
        infer = copy.copy(tagger.infer)
        infer.encoder = copy.copy(tagger.infer.encoder)
        infer.encoder.batch_size = _MORPH_BATCH
        _morph_infers[id(tagger)] = infer
    return infer


@dataclass
class _Token:
    start: int
    stop: int
    text: str
    pos: str | None = None
    feats: dict | None = None


_CONTEXT_CHARS = 40


def _token_window(segmenter, text: str, start: int, stop: int) -> tuple[list[_Token], list[int]]:  # noqa: ANN001
    """Tokens of ``text[start:stop]`` with up to three words either side (not
    across a sentence end), and the indexes of the span's own tokens."""
    left = max(0, start - _CONTEXT_CHARS)
    cut = max(text.rfind(". ", left, start), text.rfind("\n", left, start))
    if cut >= 0:
        left = cut + 1
    right = min(len(text), stop + _CONTEXT_CHARS)
    end = [i for i in (text.find(". ", stop, right), text.find("\n", stop, right)) if i >= 0]
    if end:
        right = min(end) + 1
    tokens = [_Token(left + t.start, left + t.stop, t.text) for t in segmenter.tokenize(text[left:right])]
    inside = [i for i, t in enumerate(tokens) if t.start < stop and start < t.stop]
    before = [i for i in range(len(tokens)) if tokens[i].stop <= start][-3:]
    after = [i for i in range(len(tokens)) if tokens[i].start >= stop][:3]
    keep = before + inside + after
    kept = [tokens[i] for i in keep]
    return kept, [keep.index(i) for i in inside]


def _russian_place_forms(text: str, found: list[tuple[int, int, str]]) -> frozenset[str]:
    """Lower-case one-word places of the article (natasha's LOC spans) and of the
    alias table, in the form they are written ("сарметии", "россия")."""
    from storyline.enrich.canonical import ALIASES

    forms = {
        text[start:stop].lower()
        for start, stop, kind in found
        if kind == "LOC" and " " not in text[start:stop]
    }
    forms.update(
        name.lower()
        for type_, canonical, others in ALIASES
        if type_ == "LOC"
        for name in (canonical, *others)
    )
    return frozenset(forms)


def _split_leading_place(
    vocab,
    tokens: list[_Token],
    inside: list[int],
    places: frozenset[str],  # noqa: ANN001 - natasha's vocab
) -> tuple[list[_Token], list[int]]:
    """natasha's PER spans swallow the genitive place in front of a name: "министр
    иностранных дел Дравонии Лидия Корнеева" gives "Дравонии Лидия Корнеева". Cuts
    leading words that are places of the article or of the alias table (in the
    written form or its nominative), and, while two name words remain, words whose
    case disagrees with the name's last word (a name's words agree in case; the place
    is genitive; a word in "-ии" is never a nominative name word, while the tagger
    sometimes calls an unknown "Сарметии" nominative). Returns the cut words that
    are known places (to be kept as LOC mentions) and the indexes of the name's own
    tokens."""
    from natasha.norm import inflect_word

    places_cut: list[_Token] = []
    head_case = (tokens[inside[-1]].feats or {}).get("Case")
    while len(inside) > 1:
        token = tokens[inside[0]]
        if not token.text[:1].isupper():
            break
        word = token.text.lower()
        is_place = word in places or (token.pos is not None and inflect_word(vocab, token).lower() in places)
        case = (token.feats or {}).get("Case")
        disagrees = (
            len(inside) > 2
            and head_case is not None
            and ((case is not None and case != head_case) or (head_case == "Nom" and word.endswith("ии")))
        )
        if not (is_place or disagrees):
            break
        if is_place:
            places_cut.append(token)
        inside = inside[1:]
    return places_cut, inside


def _russian_normal(vocab, tokens: list[_Token], kind: str) -> str:  # noqa: ANN001 - natasha's vocab
    """Nominative of a natasha span. People: every word. Organisations: the words
    up to the first noun ("Министерстве обороны" -> "Министерство обороны"), which
    is what natasha's syntax-based normaliser does without the cost of parsing."""
    from natasha.norm import inflect_word, recover_shapes, recover_spaces

    if not tokens or any(t.pos is None for t in tokens):
        return ""
    if kind == "ORG":
        head = next((i for i, t in enumerate(tokens) if t.pos in ("NOUN", "PROPN")), len(tokens) - 1)
        words = [inflect_word(vocab, t) if i <= head else t.text for i, t in enumerate(tokens)]
    else:
        words = [inflect_word(vocab, t) for t in tokens]
    return recover_spaces(list(recover_shapes(words, tokens)), tokens)


# Office titles that stand before a person's name and never open an organisation's or a place's
# own name (unlike "King", "Prince", "General", "State" or "Foreign": "King George Island",
# "General Motors", "State Farm").
_OFFICE_TITLES = frozenset(
    """
    mr mrs ms dr prof professor gov governor mayor president premier chancellor minister senator sen
    congressman congresswoman ambassador envoy chairman chairwoman ceo spokesman spokeswoman
    spokesperson prosecutor judge
    """.split()
)
# Words that end a facility's or a place's name, not a person's ("Governor Phillip Tower").
_NOT_NAME_WORDS = frozenset(
    """
    street avenue road square bridge airport station park hall tower island islands river lake bay port
    hospital school church cathedral stadium arena building house palace museum library center centre
    institute institution university college company corporation group bank agency council foundation
    fund trust club association society ministry department office party committee
    """.split()
)
_NAME_WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['’-](?=[^\W\d_]))*")


def titled_name_split(text: str, start: int, end: int) -> tuple[tuple[int, int] | None, tuple[int, int]] | None:
    """An organisation or place span that holds an office title and a person's name after it:
    "Ulminsk Governor Pavel Pel'shin" tagged ORG is the place "Ulminsk" and the person "Pavel
    Pel'shin". Returns ((start, end) of what stands before the title or None, (start, end) of
    the name), or None when the span is not so made: the title must be followed by the span's
    last two or three words, each capitalised, with a lower-case letter, and none of them a
    title or a word that ends the name of a building, a place or an institution ("Mayor Daley
    Center")."""
    words = list(_WORD.finditer(text, start, end))
    for i in range(len(words) - 3, max(-1, len(words) - 5), -1):
        if i < 0 or words[i].group().lower().rstrip(_TITLE_PUNCT) not in _OFFICE_TITLES:
            continue
        tail = words[i + 1:]
        written = [re.sub(r"['’]s$", "", w.group()) for w in tail]
        if not all(_NAME_WORD.fullmatch(w) and w[:1].isupper() and not w.isupper() for w in written):
            return None
        if any(w.lower() in _TITLES or w.lower() in _NOT_NAME_WORDS for w in written):
            return None
        # what stands before the title, less the title's own words ("Foreign", "Deputy")
        j = i
        while j > 0 and words[j - 1].group().lower().rstrip(_TITLE_PUNCT) in _TITLES:
            j -= 1
        head = (words[0].start(), words[j - 1].end()) if j > 0 else None
        return head, (tail[0].start(), tail[-1].end())
    return None


def mentions_from_doc(article_id: str, text: str, doc: Any, offset: int = 0) -> list[Mention]:
    """PERSON / ORG / LOC mentions from a spaCy ``doc`` of ``text[offset:]`` (or of a
    piece of it starting at ``offset``), trimmed like every other mention. Lets a caller
    that already parsed an article with the full pipeline reuse that parse."""
    out: list[Mention] = []
    for ent in doc.ents:
        label = _SPACY_LABELS.get(ent.label_)
        if label is None:
            continue
        # A name never runs across a line break: a tag line or a list above ("Harbor Council\nTobias
        # Renn") glued by the model into one invented name is two mentions, or none.
        for start, end in line_pieces(text, offset + ent.start_char, offset + ent.end_char):
            parts = [(start, end, label)]
            if label != "PERSON" and (split := titled_name_split(text, start, end)):
                head, name = split
                parts = ([(*head, label)] if head else []) + [(*name, "PERSON")]
            for a, b, kind in parts:
                mention = _make_mention(article_id, text, a, b, kind)
                if mention is not None:
                    out.append(mention)
    return out


def line_pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """``text[start:end]`` cut at its line breaks (the non-empty pieces)."""
    if "\n" not in text[start:end]:
        return [(start, end)]
    pieces, at = [], start
    while at < end:
        cut = text.find("\n", at, end)
        cut = end if cut < 0 else cut
        if text[at:cut].strip():
            pieces.append((at, cut))
        at = cut + 1
    return pieces


def _make_mention(
    article_id: str, text: str, start: int, end: int, label: str, normal: str | None = None
) -> Mention | None:
    new_start, new_end = trim_mention(text, start, end, label)
    if new_end <= new_start:
        return None
    surface = text[new_start:new_end]
    if not _looks_like_name(surface):
        return None
    if normal is None or (new_start, new_end) != (start, end):
        normal = _trim_normal(normal, text[start:end], surface)
    return Mention(article_id, new_start, new_end, surface, label, normal=" ".join(normal.split()))


def _trim_normal(normal: str | None, original: str, surface: str) -> str:
    """Drop from ``normal`` the words trimmed from the span (word-aligned, as
    natasha's normal form keeps the span's words)."""
    if not normal:
        return surface
    orig_words = original.split()
    normal_words = normal.split()
    if len(orig_words) != len(normal_words):
        return surface
    kept = surface.split()
    # the kept words are a contiguous run of the original words
    for i in range(len(orig_words) - len(kept) + 1):
        if [w.strip(_STRIP_CHARS) for w in orig_words[i : i + len(kept)]] == [
            w.strip(_STRIP_CHARS) for w in kept
        ]:
            return " ".join(normal_words[i : i + len(kept)])
    return surface


def extract_mentions(articles: Sequence[tuple[str, str, str | None]], **options: int) -> list[list[Mention]]:
    """Mentions per ``(article_id, text, language)``; [] for languages without a model
    (use :func:`no_model_reason` or :meth:`EntityRecognizer.predict` for the reason)."""
    return [r.mentions for r in EntityRecognizer(**options).predict(articles)]
