"""Evidence around mentions: the corpus's label votes for a spelling, the words that put a
place around a name, and role words in front of or after a person's name."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import replace

from storyline.enrich.canonical.forms import _surface_key, _words_key
from storyline.model import Mention

# Role words that stand in front of a name or after it in apposition; Russian
# ones are mapped to English so that roles compare across languages.
_ROLE_WORDS: dict[str, str] = {
    w: w
    for w in """
    president minister prime foreign defence interior finance economy trade health justice energy
    secretary state general chief commander spokesman spokeswoman spokesperson ambassador envoy
    senator governor mayor judge chairman ceo director head leader speaker deputy vice chancellor
    attorney prosecutor king queen prince pope lawmaker
    """.split()
}
_ROLE_WORDS.update(
    {
        "defense": "defence", "президент": "president", "министр": "minister", "премьер": "prime",
        "премьер-министр": "prime minister", "обороны": "defence", "иностранных": "foreign", "дел": "",
        "внутренних": "interior", "финансов": "finance", "пресс-секретарь": "spokesman", "глава": "head",
        "мэр": "mayor", "губернатор": "governor", "генерал": "general", "посол": "ambassador",
        "депутат": "lawmaker", "председатель": "chairman", "спикер": "speaker", "вице-премьер": "deputy prime",
        "госсекретарь": "secretary state", "канцлер": "chancellor", "судья": "judge", "прокурор": "prosecutor",
        "замминистра": "deputy minister",
    }
)  # fmt: skip
_WORD_BEFORE = re.compile(r"([\w-]+)\.?\s+$")
_APPOSITION = re.compile(r",\s+(?:the\s+)?((?:[\w-]+\s+){0,3}[\w-]+)\s*[,.;]")


# Words that put a place after them ("in Lomir", "south of Lomir") or before them
# ("the Lomir region"). Organisations follow "at", "from" and "to" as often as places
# do ("an analyst at Skarn", "a letter from Reuters"), so those count only for PERSON.
_PLACE_PREPOSITIONS = frozenset(
    "in near outside above below into around across inside within в во под около возле близ".split()
)
_PLACE_PREPOSITIONS_WEAK = frozenset("at from to".split())
_NOT_PLACE_TO = frozenset("according close next due thanks aide adviser advisor".split())
_PLACE_OF = frozenset(
    """north south east west northern southern eastern western northeast northwest southeast southwest
    outskirts village villages town towns city port region province residents inhabitants""".split()
)
_PLACE_BEFORE = frozenset("village villages town city port".split())
_PLACE_AFTER = frozenset("region regional district dam reservoir river province valley area county".split())
_HONORIFICS = frozenset("mr mrs ms miss dr prof sir dame lord lady г-н г-жа господин госпожа".split())
_WORD_AFTER = re.compile(r"\s+([\w-]+)")


_COORDINATED = re.compile(r"(\w[\w'’-]*)(?:,\s+|\s+(?:and|or|и)\s+)$")


def _place_context(text: str, m: Mention, depth: int = 0) -> str:
    """ "strong" when the words around a mention put a place there ("in Lomir",
    "north of Lomir", "the Lomir region", "villages of Dobrel and Harsk"), "weak"
    after "at", "from" or "to", "title" after an honorific ("Mr. Lomir"), else ""."""
    before = text[max(0, m.start - 60) : m.start]
    words = [w.lower() for w in re.findall(r"[\w'’-]+", before)[-3:]]
    if words and words[-1] in _HONORIFICS and re.search(r"[\w'’-]+\.?\s+$", before):
        return "title"
    if words and not re.search(r"[.!?;:\n]\s*$", before):
        last = words[-1]
        if last in _PLACE_PREPOSITIONS or last in _PLACE_BEFORE:
            return "strong"
        if last == "of" and len(words) > 1 and words[-2] in _PLACE_OF:
            return "strong"
        if last in _PLACE_PREPOSITIONS_WEAK and not (len(words) > 1 and words[-2] in _NOT_PLACE_TO):
            return "weak"
        # the second of two names joined by "and" shares the first one's context
        coordinated = _COORDINATED.search(before)
        if coordinated and depth < 2 and coordinated.group(1)[:1].isupper():
            first_start = m.start - len(before) + coordinated.start(1)
            first = replace(m, start=first_start, end=first_start + len(coordinated.group(1)))
            if _place_context(text, first, depth + 1) == "strong":
                return "strong"
    after = _WORD_AFTER.match(text, m.end, min(len(text), m.end + 30))
    if after and after.group(1).lower() in _PLACE_AFTER:
        return "strong"
    return ""


def _place_votes(
    mentions_by_article: Mapping[str, Sequence[Mention]], texts: Mapping[str, str]
) -> dict[str, str]:
    """One-word names the small English model tags PERSON or ORG that are places,
    by a vote over their mentions in the corpus: a mention tagged LOC, or one in a
    place's context (see :func:`_place_context`), votes "place". A name is a place
    when at least two mentions and more than half of them vote so. A PERSON name
    also must never be the surname of a full name ("Anna Lomir") nor follow a
    title or a role word; an ORG name counts only the strong contexts (not "at",
    "from", "to"). Returns surface key -> the explanation of the relabelling."""
    surnames: set[str] = set()
    stats: dict[str, Counter[str]] = defaultdict(Counter)
    for article_id, mentions in mentions_by_article.items():
        text = texts.get(article_id)
        for m in mentions:
            if m.label not in ("PERSON", "ORG", "LOC"):
                continue
            surface = (m.normal or m.text).split()
            if m.label == "PERSON" and len(surface) > 1:
                surnames.add(_words_key(surface[-1]))
            if len(surface) != 1 or text is None:
                continue
            key = _surface_key(m)
            c = stats[key]
            c["total"] += 1
            c[m.label] += 1
            if m.label == "LOC":
                continue
            context = _place_context(text, m)
            if m.label == "PERSON" and (context == "title" or _roles(text, m)):
                c["person_evidence"] += 1
            if context:
                c[f"{m.label}:{context}"] += 1
    out: dict[str, str] = {}
    for key, c in stats.items():
        if not (c["PERSON"] or c["ORG"]) or not key:
            continue
        if key in surnames or c["person_evidence"]:
            continue  # a surname ("Anna Lomir", "Mr Lomir") stays a person's
        votes = c["LOC"] + c["PERSON:strong"] + c["PERSON:weak"] + c["ORG:strong"]
        if votes >= 2 and votes * 2 > c["total"]:
            out[key] = (
                f"a place by its contexts ({votes} of {c['total']} mentions tagged LOC or after "
                "'in', 'near', 'north of'... or before 'region', 'dam'...)"
            )
    return out


_THE_BEFORE = re.compile(r"(?:^|\W)(?:the|The)\s+$")


def _majority_labels(
    mentions_by_article: Mapping[str, Sequence[Mention]], texts: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The label most mentions of a name carry across the corpus, where it is clear
    (at least two votes and more than any other label); ORG and LOC count as one
    side, as both are resolved together. A tie on an all-capitals acronym ("TMZ")
    goes to the organisation: people are rarely written that way. A PERSON tag right
    after "the" does not vote (with ``texts``): a person's name takes no article, so
    there the name is a modifier ("the Borovitsa potash mine", "the Trump
    administration") or a thing's, and the model's PERSON says nothing of it."""
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    acronyms: set[str] = set()
    for article_id, mentions in mentions_by_article.items():
        text = texts.get(article_id) if texts else None
        for m in mentions:
            if m.label == "PERSON" and text is not None and _THE_BEFORE.search(text, max(0, m.start - 5), m.start):
                votes[_surface_key(m)]["abstained"] += 1
                continue
            if m.label in ("PERSON", "ORG", "LOC"):
                key = _surface_key(m)
                votes[key][m.label] += 1
                letters = m.text.replace(".", "").strip()
                if 2 <= len(letters) <= 6 and letters.isalpha() and letters.isupper():
                    acronyms.add(key)
    out: dict[str, str] = {}
    for key, c in votes.items():
        person = c["PERSON"]
        names = c["ORG"] + c["LOC"]
        if not ((person or c["abstained"]) and names):
            continue
        if person >= 2 and person > names:
            out[key] = "PERSON"
        elif (names >= 2 and names > person) or (names == person and key in acronyms):
            out[key] = "ORG" if c["ORG"] >= c["LOC"] else "LOC"
    return out


_ROLE_HEADS = frozenset(
    """president minister secretary general chief commander spokesman spokeswoman spokesperson ambassador
    envoy senator governor mayor judge chairman ceo director head leader speaker chancellor attorney
    prosecutor king queen prince pope lawmaker""".split()
)


def _roles(text: str, mention: Mention) -> set[str]:
    """Role words right in front of a name ("defence minister Sergei Shoigu",
    "министр обороны России Сергей Шойгу") or in apposition after it ("Shoigu,
    the defence minister,"). The words must touch the name: in "an aide to
    Macron" the "to" stops the run, so Macron is not given anyone's role."""
    words: list[str] = []
    pos = mention.start
    window_start = max(0, pos - 80)
    skipped = False
    while True:
        m = _WORD_BEFORE.search(text, window_start, pos)
        if not m:
            break
        word = m.group(1).lower()
        if word not in _ROLE_WORDS:
            # one capitalised word may sit between title and name: "министр обороны России Сергей Шойгу"
            before = _WORD_BEFORE.search(text, window_start, m.start())
            if (
                skipped
                or words
                or not m.group(1)[0].isupper()
                or not before
                or before.group(1).lower() not in _ROLE_WORDS
            ):
                break
            skipped = True
        else:
            words.append(_ROLE_WORDS[word])
        pos = m.start()
    after = _APPOSITION.match(text, mention.end, min(len(text), mention.end + 80))
    if after:
        tail = [w.lower() for w in after.group(1).split()]
        if tail and all(w in _ROLE_WORDS for w in tail):
            words.extend(_ROLE_WORDS[w] for w in tail)
    parts = {p for w in words for p in w.split() if p}
    if not parts & _ROLE_HEADS:
        return set()
    # qualifiers first, then the head noun: "defence minister", "deputy prime minister"
    role = " ".join(sorted(parts - _ROLE_HEADS) + sorted(parts & _ROLE_HEADS))
    return {role}


def _title_before(text: str, mention: Mention) -> str | None:
    """The person's title right in front of a name ("the governor Pavel Pelchine", "Academy
    President Boone Isaacs"), or None. Only the word that touches the name counts: an
    apposition after it ("the Supreme Court, attorney general, ...") is not its title."""
    m = _WORD_BEFORE.search(text, max(0, mention.start - 40), mention.start)
    if not m:
        return None
    role = _ROLE_WORDS.get(m.group(1).lower(), "")
    heads = [p for p in role.split() if p in _ROLE_HEADS]
    return heads[-1] if heads else None

