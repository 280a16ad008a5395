"""Scoring the outlet the product infers from the text when the input gives none (issue 9, item 2).

Used by ``benchmarks/eval_outlets.py`` (what it measures is described there), by the
robustness harness's metadata rows, and by the CI floors in ``tests/test_outlet_eval.py``.
Gold outlets are written many ways ("NationalPost", "CBC News", "nyt"): a name is compared by
its distinctive words, squashed ("CBC" is "CBC News", "Toronto Star" is "TheStar").
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["evaluate_outlets", "names_outlet", "outlet_records", "same_outlet", "score_outlets"]


def _outlet_words(name: str) -> list[str]:
    """An outlet name as words, without a leading "the": "NationalPost" -> National Post,
    "CTVNews" -> CTV News, "The Globe And Mail" -> Globe And Mail (GGT writes names joined)."""
    words = re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", name).split()
    return words[1:] if len(words) > 1 and words[0].lower() == "the" else words


def _outlet_key(name: str) -> list[str]:
    """The words that name the outlet in running text: an acronym alone ("CBC", "CTV"), else
    the name without a trailing "News" when more than one word is left, else the whole name."""
    words = _outlet_words(name)
    if len(words) > 1 and words[-1].lower() == "news" and (len(words) > 2 or words[0].isupper()):
        words = words[:-1]
    return words


def _squash(words: Sequence[str]) -> str:
    return re.sub(r"[\W_]+", "", "".join(words)).lower()


def names_outlet(text: str, outlet: str) -> bool:
    """Does the text name its outlet? An acronym in capitals, a one-word name only after "the"
    ("the Star"), a longer one in any case and with or without spaces ("HuffPost", "Huff Post")."""
    key = _outlet_key(outlet)
    if len(key) == 1 and not key[0].isupper():
        return re.search(rf"\b[Tt]he {re.escape(key[0])}\b", text) is not None
    flags = re.IGNORECASE if len(key) > 1 else 0
    return re.search(r"\b" + r"\s?".join(re.escape(w) for w in key) + r"\b", text, flags) is not None


def same_outlet(inferred: str | None, gold: str) -> bool:
    """Is an inferred outlet the gold one? "CBC" is "CBC News", "Toronto Star" is "TheStar", "AP"
    is "The Associated Press" (the outlet table's variants are one outlet)."""
    from .clean.outlets import canonical_outlet

    if not inferred:
        return False
    if canonical_outlet(inferred) == canonical_outlet(gold) != gold.strip():
        return True
    a, b = _squash(_outlet_words(inferred)), _squash(_outlet_key(gold))
    return bool(a) and (b in a or (len(a) >= 3 and a in _squash(_outlet_words(gold))))


# BASIL names its outlets by code; each gold outlet may go by several names.
BASIL_NAMES = {"nyt": ["The New York Times", "NYT"], "fox": ["Fox News"], "hpo": ["HuffPost", "Huffington Post"]}
WIRE = re.compile(r"\b(associated press|ap|canadian press|reuters|afp|agence france-presse|bloomberg|tass|interfax|"
                  r"ria novosti|unian|dpa|xinhua|efe|ansa|upi|united press international)\b", re.I)
# PolNeAR's publisher codes; its metadata also names the agency of wire copy ("AP", "UPI", "reuters").
POLNEAR_NAMES = {"breitbart": ["Breitbart News"], "huff-post": ["HuffPost"], "nyt": ["The New York Times", "NYT"],
                 "politico": ["Politico"], "usa-today": ["USA Today"], "wash-post": ["The Washington Post"],
                 "west-journal": ["Western Journal", "Western Journalism"]}


def _ggt_part(article_id: str) -> str:
    """GGT's fixed halves: "tune" (rules are read and chosen here) and "held" (reported)."""
    return "tune" if hashlib.sha1(article_id.encode()).digest()[0] % 2 == 0 else "held"



def outlet_records(data_dir: Path, name: str, part: str | None = None, *, url_line: bool = False
                   ) -> list[dict[str, Any]]:
    """(id, text, gold outlet names, part; for PolNeAR the gold wire agency) of a set, or of one
    part of it: GGT "tune" / "held", PolNeAR "train" / "dev". ``url_line`` puts the record's URL
    above its text, as a user pasting a page with its address would (sets that have URLs)."""
    out = []
    if name == "ggt":
        for line in (data_dir / "ggt-quotes" / "articles.jsonl").open(encoding="utf-8"):
            row = json.loads(line)
            out.append({"id": row["_id"], "text": row["articleBodyText"], "gold": [row["outlet"]],
                        "part": _ggt_part(row["_id"])})
    elif name == "polnear":
        meta = {r["filename"]: r for r in csv.DictReader(
            (data_dir / "polnear" / "metadata.tsv").open(encoding="utf-8"), delimiter="\t")}
        for split in ("train", "dev"):
            for path in sorted((data_dir / "polnear" / split / "text").glob("*.txt")):
                row = meta[path.stem]
                wire = row["wire"] if row["wire"] not in ("None", "NA", "") else None
                out.append({"id": path.stem, "text": path.read_text(encoding="utf-8"),
                            "gold": POLNEAR_NAMES[row["publisher"]], "wire": [wire] if wire else [], "part": split})
    elif name == "basil":
        for line in (data_dir / "basil" / "docs.jsonl").open(encoding="utf-8"):
            row = json.loads(line)
            out.append({"id": row["id"], "text": row["text"], "gold": BASIL_NAMES[row["source"]], "url": row["url"]})
    elif name == "allsides":
        for line in (data_dir / "allsides" / "docs.jsonl").open(encoding="utf-8"):
            row = json.loads(line)
            # "New York Times (News)", "CNN (Online News)": AllSides' desk label is not part of the name
            out.append({"id": row["id"], "text": row["text"], "gold": [re.sub(r"\s*\(.*\)$", "", row["source"])],
                        "url": row["url"]})
    else:
        raise ValueError(f"unknown set {name!r}: ggt, polnear, basil or allsides")
    if part:
        out = [r for r in out if r.get("part") == part]
        if not out:
            raise ValueError(f"set {name!r} has no part {part!r}: ggt tune/held, polnear train/dev")
    if url_line:
        out = [{**r, "text": f"{r['url']}\n{r['text']}"} for r in out if r.get("url")]
    return out


def score_outlets(records: list[dict[str, Any]], inferred: dict[str, str | None]) -> dict[str, Any]:
    naming = [r for r in records if any(names_outlet(r["text"], g) for g in r["gold"])]
    have = [r for r in records if inferred.get(r["id"])]

    def right(r: dict[str, Any]) -> bool:
        return any(same_outlet(inferred.get(r["id"]), g) for g in r["gold"])

    def wire(r: dict[str, Any]) -> bool:
        # the agency whose copy the outlet ran; where the set says which (PolNeAR), only that one
        if "wire" in r:
            return any(same_outlet(inferred[r["id"]], w) for w in r["wire"])
        return bool(WIRE.search(inferred[r["id"]] or ""))

    n_right = sum(right(r) for r in have)
    n_wire = sum(1 for r in have if not right(r) and wire(r))
    right_named = sum(right(r) for r in naming)
    return {"articles": len(records), "names it": len(naming), "inferred": len(have), "right": n_right,
            "wire": n_wire, "wrong": len(have) - n_right - n_wire, "right where named": right_named,
            "recall where named": round(right_named / len(naming), 3) if naming else None,
            "precision (right / inferred)": round(n_right / len(have), 3) if have else None,
            "wrong values": sorted({inferred[r["id"]] or "" for r in have if not right(r) and not wire(r)})[:20]}


def evaluate_outlets(data_dir: str | Path, name: str, settings: Any, part: str | None = None, *,
                     url_line: bool = False) -> dict[str, Any]:
    """Ingest a set (or one part of it) with id and text only and score the outlets the product inferred."""
    from .pipeline import ingest
    from .store.sqlite import open_store

    records = outlet_records(Path(data_dir), name, part, url_line=url_line)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "input.jsonl"
        with path.open("w", encoding="utf-8") as out:
            for r in records:
                out.write(json.dumps({"id": r["id"], "text": r["text"]}, ensure_ascii=False) + "\n")
        started = time.perf_counter()
        with open_store(Path(tmp) / "outlets.db") as store:
            ingest(store, [path], settings=settings, command="eval outlets")
            inferred = {str(a.external_id): a.source for a in store.articles()}
        seconds = time.perf_counter() - started
    label = name + (f":{part}" if part else "") + (" +URL line" if url_line else "")
    return {"set": label, **score_outlets(records, inferred), "seconds": round(seconds, 1)}


