"""ECB+ dev in the corruption harness: events (B-cubed) and entity chains, clean vs corrupted.

Same method as :mod:`storyline.robustness`: the ECB+ dev documents are ingested twice
through the product path into temporary stores (clustering on), as given and corrupted
by :func:`storyline.corrupt.corrupt_text` with a seed (the gold people's name words are
the ones the harness may respell), and what the stores hold is scored:

- ``events``: B-cubed F1 of the stored events against the gold ECB+ events (two events of
  one kind per topic, so topic alone does not score);
- ``entities``: the gold named HUM/LOC mentions of ``entity_mentions.train_dev.json``, found
  in each run's stored clean text (the i-th occurrence of a mention's words for its i-th gold
  mention, either spelling of a respelled word), each given the entity of the stored mention
  that overlaps it (a singleton when none does). B-cubed F1 within topic against the gold
  chains, and the pairwise merge precision (share of same-entity pairs in one gold chain),
  next to a same-string baseline (one entity per lower-cased string per topic). Only gold
  mentions found in both runs are scored, so both figures are over the same mentions.
"""

from __future__ import annotations

import json
import random
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from .cluster.metrics import bcubed, pairwise, score_clustering
from .corrupt import KINDS, corrupt_text
from .settings import Settings

__all__ = ["evaluate_ecb", "gold_named_mentions", "is_name", "locate_mentions"]

_PRONOUNS = frozenset(
    "i me my he him his she her hers we us our they them their it its you your who whom whose this that these those"
    " himself herself themselves itself ourselves myself yourself".split())
_PARTICLES = frozenset("of the de la du von van der al bin and".split())


def is_name(tokens: str) -> bool:
    """Whether a gold mention's words are a name ("Lindsay Lohan", "the Gulf of Aden"),
    not a pronoun or a common noun ("rep", "the actress")."""
    words = tokens.split()
    if not words or words[0].lower() in _PRONOUNS or not words[0][:1].isupper():
        if not (words and words[0].lower() == "the" and len(words) > 1):
            return False
    content = [w for w in words if w.lower() not in _PARTICLES]
    return bool(content) and all(w[:1].isupper() or not w[:1].isalpha() for w in content)


def gold_named_mentions(data_dir: str | Path, doc_ids: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """ECB+ gold named HUM/LOC mentions of ``doc_ids``, by document."""
    wanted = set(doc_ids)
    path = Path(data_dir) / "ecbplus" / "entity_mentions.train_dev.json"
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for m in json.loads(path.read_text(encoding="utf-8")):
        if m["doc_id"] in wanted and m["mention_type"] in ("HUM", "LOC") and is_name(m["tokens_str"]):
            out[m["doc_id"]].append(m)
    return out


def locate_mentions(text: str, mentions: Sequence[dict[str, Any]], spellings: dict[str, set[str]] | None = None
                    ) -> list[tuple[dict[str, Any], int, int]]:
    """Character offsets of gold mentions in ``text``: the i-th gold mention of a string, in
    (sentence, token) order, takes its i-th occurrence. ``spellings`` maps a word to every
    spelling it may have in ``text`` (the harness's respellings)."""
    spellings = spellings or {}
    by_string: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for m in mentions:
        by_string[m["tokens_str"]].append(m)
    out = []
    for s, ms in by_string.items():
        words = ["(?:" + "|".join(re.escape(v) for v in sorted(spellings.get(t, {t}) | {t}, key=len, reverse=True))
                 + ")" for t in s.split()]
        occurrences = [(x.start(), x.end()) for x in re.finditer(r"(?<!\w)" + r"\s*".join(words) + r"(?!\w)", text)]
        ms = sorted(ms, key=lambda m: (m["sent_id"], m["tokens_number"][0]))
        out += [(m, a, b) for m, (a, b) in zip(ms, occurrences, strict=False)]
    return out


def _entity_labels(stored: Any, text: str, located: list[tuple[dict[str, Any], int, int]], topic: str
                   ) -> dict[str, tuple[str, str]]:
    """gold mention id -> (predicted entity within topic, same-string baseline cluster)."""
    out = {}
    for m, a, b in located:
        hit = next((x for x in stored.mentions if x.entity_id and x.start < b and a < x.end), None)
        entity = f"{topic}|{hit.entity_id}" if hit else f"none|{m['doc_id']}|{a}"
        out[_mention_id(m)] = (entity, f"{topic}|{' '.join(text[a:b].lower().split())}")
    return out


def _mention_id(m: dict[str, Any]) -> str:
    return f"{m['doc_id']}:{m['sent_id']}:{m['tokens_number'][0]}"


def evaluate_ecb(data_dir: str | Path, settings: Settings, *, seed: int = 0, topics: int | None = None,
                 kinds: Iterable[str] = KINDS, say: Callable[[str], None] | None = None,
                 workdir: str | Path | None = None) -> list[Any]:
    """Events and entity chains on ECB+ dev, clean and corrupted; ``topics`` takes a seeded
    sample of that many topics (for CI). Returns :class:`~storyline.robustness.StageScore` rows."""
    from .robustness import StageScore, run_store

    kinds = tuple(k for k in KINDS if k in set(kinds))
    path = Path(data_dir) / "ecbplus" / "dev.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if topics is not None:
        chosen = sorted({r["topic"] for r in rows})
        chosen = set(random.Random(seed).sample(chosen, min(topics, len(chosen))))
        rows = [r for r in rows if r["topic"] in chosen]
    gold = gold_named_mentions(data_dir, [r["id"] for r in rows])
    rng = random.Random(seed)
    clean_records, corrupt_records = [], []
    spellings: dict[str, dict[str, set[str]]] = {}
    for r in rows:
        clean_records.append({"id": r["id"], "text": r["text"], "language": "en"})
        people = [m["tokens_str"] for m in gold.get(r["id"], ()) if m["mention_type"] == "HUM"]
        c = corrupt_text(r["text"], rng, kinds, names=list(dict.fromkeys(people)))
        corrupt_records.append({"id": r["id"], "text": c.text})
        forms: dict[str, set[str]] = defaultdict(set)
        for variant, original in c.names.items():
            forms[original].add(variant)
        spellings[r["id"]] = forms
    settings = settings.replace(cluster=True, reports=False)
    if say:
        say(f"ECB+ dev clean run: {len(clean_records)} documents")
    clean = run_store(clean_records, settings, workdir)
    if say:
        say(f"ECB+ dev corrupted run ({', '.join(kinds)}; seed {seed})")
    corrupted = run_store(corrupt_records, settings, workdir)

    scores = []
    event_of = {r["id"]: r["event"] for r in rows}
    for name, run in (("clean", clean), ("corrupted", corrupted)):
        ids = [i for i in event_of if i in run]
        scored = score_clustering([run[i].event or f"none:{i}" for i in ids], [event_of[i] for i in ids])
        scores.append((name, scored.bcubed_f1, len(ids)))
    scores_by = {n: (f, k) for n, f, k in scores}
    out = [StageScore("events (ECB+ dev)", "B-cubed F1", scores_by["clean"][0], scores_by["corrupted"][0],
                      scores_by["corrupted"][1])]

    labels: dict[str, dict[str, tuple[str, str]]] = {"clean": {}, "corrupted": {}}
    chain: dict[str, str] = {}
    topic_of = {r["id"]: r["topic"] for r in rows}
    for doc, mentions in gold.items():
        for name, run, forms in (("clean", clean, {}), ("corrupted", corrupted, spellings.get(doc, {}))):
            stored = run.get(doc)
            if stored is None:
                continue
            located = locate_mentions(stored.text, mentions, forms)
            labels[name].update(_entity_labels(stored, stored.text, located, topic_of[doc]))
        for m in mentions:
            chain[_mention_id(m)] = f"{topic_of[doc]}|{m['coref_chain']}"
    both = sorted(set(labels["clean"]) & set(labels["corrupted"]))
    gold_labels = [chain[k] for k in both]
    figures: dict[str, dict[str, float]] = defaultdict(dict)
    for name in ("clean", "corrupted"):
        for which, slot in (("resolver", 0), ("same-string baseline", 1)):
            pred = [labels[name][k][slot] for k in both]
            figures[which][f"{name} b3"] = bcubed(pred, gold_labels)[2] if both else 0.0
            figures[which][f"{name} pairP"] = pairwise(pred, gold_labels)[0] if both else 0.0
    for which in ("resolver", "same-string baseline"):
        f = figures[which]
        suffix = "" if which == "resolver" else f", {which}"
        out.append(StageScore("entities (ECB+ dev)", f"chain B-cubed F1{suffix}", f["clean b3"], f["corrupted b3"],
                              len(both)))
        out.append(StageScore("entities (ECB+ dev)", f"merge precision{suffix}", f["clean pairP"],
                              f["corrupted pairP"], len(both)))
    return out
