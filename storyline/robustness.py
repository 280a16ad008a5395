"""The corruption harness: each stage's score on clean and on corrupted copies of the gold data.

``storyline eval robustness`` calls :func:`evaluate_robustness`. Like
:mod:`storyline.evaluate`, it computes no feature of its own: each run writes the records
to a JSON Lines file, ingests them with :func:`storyline.pipeline.ingest` and runs
:func:`storyline.api.run_pipeline` into a temporary store, and scores what the store holds
(clean text, cleaning changes, quotes, mentions and entities). The corrupted run differs
from the clean one only in its input: metadata stripped, and the text corrupted by
:func:`storyline.corrupt.corrupt_text` with a seed.

Stages scored (clean, corrupted, drop = clean - corrupted):

- ``boilerplate``: share of inserted catalogue lines the cleaner removed (``removed``) and
  share of the dataset's own lines it kept (``genuine kept``), read from the article's
  recorded cleaning changes;
- ``quotes``: GGT quote F1 and speaker accuracy. A predicted quote matches a gold quote when
  they share more than 0.3 of the gold quote's word tokens (one-to-one, greedy; tokens, not
  offsets, so both runs are matched alike). The speaker is right when its last word equals
  the gold reference's surname (either spelling when the harness respelled it); for
  non-person references, when they share a content word (as ``benchmarks/eval_quotes.py``);
- ``names``: for each respelled person word, the person mentions carrying it (in either
  spelling) in one article: merge recall is the share of their pairs put in one entity (pairs
  where one name holds the other's words, spellings undone: "Barry" / "Ibrahima Barry", not
  "Ibrahima Barry" / "Tanour Barry", two people), merge precision the share of same-entity
  pairs that involve only that person;
- ``hyphens``: share of the words split by print hyphenation whose split form is gone from
  the clean text (``Thanks-giving`` left in counts as not repaired), and share of the clean
  run's genuine hyphenated compounds still there;
- ``metadata``: share of articles whose outlet the product knows (given in the clean run,
  to be inferred in the corrupted one); of the articles whose text names their outlet, the
  share whose outlet is right; and of the outlets the product has, the share that are right.
"""

from __future__ import annotations

import json
import random
import re
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .corrupt import DATASET_FURNITURE, KINDS, Corruption, corrupt_text
from .enrich.train_speakers import speaker_correct as ggt_speaker_correct
from .enrich.train_speakers import tokens
from .outlet_eval import score_outlets
from .settings import Settings

__all__ = ["RobustnessReport", "StageScore", "evaluate_robustness", "load_ggt", "run_store", "speaker_correct"]

_TOKEN = re.compile(r"\w+")
# Removals the cleaner lists in an article's changes (quiet normalisation is not listed).
# A dateline is a line's prefix moved to metadata, not a removed line.
_REMOVAL_REASONS = ("boilerplate", "credit line", "byline", "URL line", "outlet header")


@dataclass
class StageScore:
    stage: str
    metric: str
    clean: float | None
    corrupted: float | None
    count: int = 0  # items the corrupted figure is over

    @property
    def drop(self) -> float | None:
        if self.clean is None or self.corrupted is None:
            return None
        return self.clean - self.corrupted

    def to_json(self) -> dict[str, Any]:
        return {"stage": self.stage, "metric": self.metric, "clean": _r(self.clean), "corrupted": _r(self.corrupted),
                "drop": _r(self.drop), "count": self.count}


@dataclass
class RobustnessReport:
    dataset: str
    articles: int
    seed: int
    kinds: tuple[str, ...]
    scores: list[StageScore] = field(default_factory=list)
    seconds: float = 0.0

    def score(self, stage: str, metric: str) -> StageScore:
        for s in self.scores:
            if s.stage == stage and s.metric == metric:
                return s
        raise KeyError(f"no score {stage}/{metric}")

    def to_json(self) -> dict[str, Any]:
        return {"dataset": self.dataset, "articles": self.articles, "seed": self.seed, "kinds": list(self.kinds),
                "seconds": round(self.seconds, 1), "scores": [s.to_json() for s in self.scores]}


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


# ----------------------------------------------------------------------------- data


def load_ggt(path: str | Path) -> list[dict[str, Any]]:
    """The Gender Gap Tracker sample (``ggt-quotes/articles.jsonl``), quotation lists repaired."""
    rows = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        quotes = row["quotations"]
        if isinstance(quotes, str):
            # one record stores its list as a string, written twice and missing a bracket
            cut = quotes.find("}\n[")
            quotes = json.loads(quotes[: cut + 1] + "]") if cut >= 0 else json.loads(quotes)
        row["quotations"] = quotes
        rows.append(row)
    return rows


# ----------------------------------------------------------------------------- product runs


@dataclass
class _Stored:
    """What the store holds for one input record after the product ran."""

    text: str
    raw_text: str
    source: str | None
    changes: list[dict[str, Any]]
    quotes: list[Any]
    mentions: list[Any]
    event: str | None = None  # the stored event (when the run clusters)


def run_store(records: Sequence[dict[str, Any]], settings: Settings, workdir: str | Path | None = None
              ) -> dict[str, _Stored]:
    """Ingest ``records`` and run the pipeline in a fresh store; what it holds, by record id."""
    from .api import run_pipeline
    from .pipeline import ingest
    from .store.sqlite import open_store

    out: dict[str, _Stored] = {}
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        source = Path(tmp) / "input.jsonl"
        with source.open("w", encoding="utf-8") as handle:
            for r in records:
                handle.write(json.dumps(r, ensure_ascii=False) + "\n")
        with open_store(Path(tmp) / "robustness.db") as store:
            ingest(store, [source], settings=settings, command="eval robustness")
            run_pipeline(store, settings)
            articles = [a for a in store.articles() if a.external_id]
            quotes: dict[str, list[Any]] = defaultdict(list)
            for q in store.quotes():
                quotes[q.article_id].append(q)
            mentions: dict[str, list[Any]] = defaultdict(list)
            for m in store.mentions():
                mentions[m.article_id].append(m)
            event_of = store.event_assignments() if settings.cluster else {}
            for a in articles:
                out[str(a.external_id)] = _Stored(a.text, a.raw_text, a.source, store.article_changes(a.id),
                                                  quotes[a.id], mentions[a.id], event_of.get(a.id))
    return out


# ----------------------------------------------------------------------------- scoring


def speaker_correct(pred: str | None, reference: str, surface: str, people: Sequence[str],
                    respelled: dict[str, str] | None = None) -> bool:
    """GGT speaker scoring (:func:`storyline.enrich.train_speakers.speaker_correct`, as
    ``benchmarks/eval_quotes.py`` scores); ``respelled`` maps a harness spelling back to the
    original word, so either spelling of a name counts."""
    if pred and respelled:
        pred = " ".join(respelled.get(w, w) for w in pred.split())
    return ggt_speaker_correct(pred, reference, surface, list(people))


def _score_quotes(rows: Sequence[dict[str, Any]], stored: dict[str, _Stored], respelled: dict[str, dict[str, str]]
                  ) -> tuple[float, float, int]:
    tp = fp = fn = ok = 0
    for row in rows:
        got = stored.get(row["_id"])
        # GGT annotates reported speech: stances and beliefs ("X believes ...", kind
        # "attributed") are not its quotes (the speech view of benchmarks/eval_quotes.py)
        preds = [q for q in got.quotes if q.kind != "attributed"] if got else []
        spell = respelled.get(row["_id"], {})
        back = {v: o for v, o in spell.items()}
        ptoks = [tokens(" ".join(back.get(w, w) for w in q.text.split())) for q in preds]
        remaining = list(range(len(preds)))
        for g in row["quotations"]:
            gold = tokens(g["quote"])
            if not gold:
                continue
            best, best_score = None, 0.3
            total = sum(gold.values())
            for k in remaining:
                score = sum((gold & ptoks[k]).values()) / total
                if score > best_score:
                    best, best_score = k, score
            if best is None:
                fn += 1
                continue
            remaining.remove(best)
            tp += 1
            ok += speaker_correct(preds[best].speaker, g.get("reference") or "", g.get("speaker") or "",
                                  row["people"], spell)
        fp += len(remaining)
    p, r = tp / max(1, tp + fp), tp / max(1, tp + fn)
    return 2 * p * r / max(1e-9, p + r), ok / max(1, tp), tp + fn


def _line_spans(text: str) -> list[tuple[int, int, str]]:
    spans, pos = [], 0
    for line in text.split("\n"):
        spans.append((pos, pos + len(line), line))
        pos += len(line) + 1
    return spans


def _removed(changes: list[dict[str, Any]], start: int, end: int) -> bool:
    """Whether listed removals cover more than half of ``raw[start:end]``."""
    covered = 0
    for c in changes:
        if c.get("after") or not str(c.get("reason", "")).startswith(_REMOVAL_REASONS):
            continue
        covered += max(0, min(end, c["raw_end"]) - max(start, c["raw_start"]))
    return covered * 2 > (end - start)


def _score_boilerplate(stored: dict[str, _Stored], inserted: dict[str, list[str]]
                       ) -> tuple[float | None, float, int, int]:
    removed = total = kept = genuine = 0
    for rid, got in stored.items():
        pending = Counter(inserted.get(rid, []))
        for start, end, line in _line_spans(got.raw_text):
            if not line.strip(" .\t"):
                continue
            if pending[line] > 0:
                pending[line] -= 1
                total += 1
                removed += _removed(got.changes, start, end)
            elif not re.fullmatch(r"\s*(https?:|www\.)\S*\s*", line) and not DATASET_FURNITURE.fullmatch(line):
                genuine += 1
                kept += not _removed(got.changes, start, end)
    return (removed / total if total else None), kept / max(1, genuine), total, genuine


def _score_names(stored: dict[str, _Stored], respelled: dict[str, dict[str, str]], clean: bool
                 ) -> tuple[float, float, int]:
    """Pairwise merge recall and precision of the mentions of each respelled person word."""
    same = pairs = wrong = 0
    for rid, spell in respelled.items():
        got = stored.get(rid)
        if not got:
            continue
        persons = [m for m in got.mentions if m.label == "PERSON" and m.entity_id]
        for variant, original in spell.items():
            forms = {original} if clean else {original, variant}
            mine = [m for m in persons if forms & set(_TOKEN.findall(m.text))]
            others = [m for m in persons if m not in mine and not ({original, variant} & set(_TOKEN.findall(m.text)))]
            back = {v: o for v, o in spell.items()}
            words = [{back.get(w, w) for w in _TOKEN.findall(m.text)} for m in mine]
            for i, a in enumerate(mine):
                for j in range(i + 1, len(mine)):
                    # one person only when one name holds the other ("Barry" / "Ibrahima Barry"),
                    # not "Ibrahima Barry" / "Tanour Barry"
                    if not (words[i] <= words[j] or words[j] <= words[i]):
                        continue
                    pairs += 1
                    same += a.entity_id == mine[j].entity_id
            entities = {m.entity_id for m in mine}
            wrong += sum(1 for m in others if m.entity_id in entities
                         and not set(_TOKEN.findall(m.text)) & _name_words(mine))
    recall = same / pairs if pairs else 1.0
    precision = same / (same + wrong) if same + wrong else 1.0
    return precision, recall, pairs


def _name_words(mentions: Iterable[Any]) -> set[str]:
    return {w for m in mentions for w in _TOKEN.findall(m.text)}


def _score_hyphens(clean: dict[str, _Stored], corrupted: dict[str, _Stored], split: dict[str, list[str]]
                   ) -> tuple[float, float, int]:
    restored = total = kept = genuine = 0
    compound = re.compile(r"\b\w+-\w+\b")
    for rid, words in split.items():
        a, b = clean.get(rid), corrupted.get(rid)
        if not a or not b:
            continue
        for w, n in Counter(words).items():
            total += n
            # A split word is repaired unless its split form is still there ("Thanks-giving",
            # "Thanks-\ngiving"), beyond what the clean run has. Counting whole words instead
            # would charge the repair with OCR slips and respellings of the word's other occurrences.
            left = _split_forms(b.text, w) - _split_forms(a.text, w)
            restored += n - min(n, max(0, left))
        ca, cb = Counter(compound.findall(a.text)), Counter(compound.findall(b.text))
        genuine += sum(ca.values())
        kept += sum((ca & cb).values())
    return restored / max(1, total), kept / max(1, genuine), total


def _score_outlets(rows: Sequence[dict[str, Any]], stored: dict[str, _Stored]
                   ) -> tuple[float | None, float | None, int, int]:
    """(share of the articles whose text names their outlet that got it right, share of the
    outlets the product has that are right, articles naming theirs, outlets the product has).
    "Outlet known" alone counts any value; most GGT texts never name their outlet, so it is
    bounded far below 1 and says nothing of whether the inferred values are right."""
    # the texts as written: the corruptions add no outlet names
    records = [{"id": r["_id"], "text": r["articleBodyText"], "gold": [r["outlet"]]} for r in rows
               if r.get("outlet") and r["_id"] in stored]
    got = score_outlets(records, {r["id"]: stored[r["id"]].source for r in records})
    named, have = got["names it"], got["inferred"]
    return (got["right where named"] / named if named else None, got["right"] / have if have else None, named, have)


def _split_forms(text: str, word: str) -> int:
    """How often ``word`` appears cut by a hyphen (and maybe a line break) somewhere inside it."""
    return sum(len(re.findall(rf"(?<!\w){re.escape(word[:k])}-\s*{re.escape(word[k:])}(?!\w)", text))
               for k in range(1, len(word)))


# ----------------------------------------------------------------------------- the harness


def evaluate_robustness(data_dir: str | Path, settings: Settings, *, seed: int = 0, limit: int | None = None,
                        kinds: Iterable[str] = KINDS, say: Callable[[str], None] | None = None,
                        workdir: str | Path | None = None, ecb_topics: int | None = 0,
                        polnear: bool = False) -> RobustnessReport:
    """Run the product on the GGT sample clean and corrupted (seeded) and score each stage.

    ``limit`` takes a seeded sample of that many articles (for CI); the pipeline runs without
    clustering and reports, which no stage scored here reads. ``ecb_topics``: also score
    events and entity chains on that many ECB+ dev topics (None: all eight; 0: none), see
    :mod:`storyline.robustness_ecb`. ``polnear``: also score PolNeAR dev attributions
    (:mod:`storyline.robustness_polnear`)."""
    kinds = tuple(k for k in KINDS if k in set(kinds))
    started = time.perf_counter()
    rows = load_ggt(Path(data_dir) / "ggt-quotes" / "articles.jsonl")
    if limit is not None:
        rows = random.Random(seed).sample(rows, min(limit, len(rows)))
    rng = random.Random(seed)
    clean_records, corrupt_records = [], []
    inserted: dict[str, list[str]] = {}
    split: dict[str, list[str]] = {}
    respelled: dict[str, dict[str, str]] = {}
    for row in rows:
        rid = row["_id"]
        clean_records.append({"id": rid, "text": row["articleBodyText"], "source": row.get("outlet"),
                              "language": "en"})
        c: Corruption = corrupt_text(row["articleBodyText"], rng, kinds, names=row.get("people") or [])
        # Metadata stripped: the product is given id and text only.
        corrupt_records.append({"id": rid, "text": c.text})
        inserted[rid], split[rid], respelled[rid] = c.boilerplate, c.hyphenated, c.names
    ggt_settings = settings.replace(cluster=False, reports=False)
    if say:
        say(f"clean run: {len(clean_records)} articles")
    clean = run_store(clean_records, ggt_settings, workdir)
    if say:
        say(f"corrupted run ({', '.join(kinds)}; seed {seed})")
    corrupted = run_store(corrupt_records, ggt_settings, workdir)

    report = RobustnessReport("ggt-quotes", len(rows), seed, kinds)
    _none, kept_c, _n, _g = _score_boilerplate(clean, {})
    removed_x, kept_x, n_lines, n_genuine = _score_boilerplate(corrupted, inserted)
    report.scores.append(StageScore("boilerplate", "removed", None, removed_x, n_lines))
    report.scores.append(StageScore("boilerplate", "genuine kept", kept_c, kept_x, n_genuine))
    f1_c, spk_c, n_q = _score_quotes(rows, clean, {})
    f1_x, spk_x, _n = _score_quotes(rows, corrupted, respelled)
    report.scores.append(StageScore("quotes", "F1", f1_c, f1_x, n_q))
    report.scores.append(StageScore("quotes", "speaker accuracy", spk_c, spk_x, n_q))
    if "names" in kinds:
        prec_c, rec_c, _n = _score_names(clean, respelled, clean=True)
        prec_x, rec_x, n_pairs = _score_names(corrupted, respelled, clean=False)
        report.scores.append(StageScore("names", "merge precision", prec_c, prec_x, n_pairs))
        report.scores.append(StageScore("names", "merge recall", rec_c, rec_x, n_pairs))
    if "print" in kinds:
        rest, kept, n_words = _score_hyphens(clean, corrupted, split)
        report.scores.append(StageScore("hyphens", "split words restored", 1.0, rest, n_words))
        report.scores.append(StageScore("hyphens", "genuine compounds kept", 1.0, kept, n_words))
    known_c = sum(1 for s in clean.values() if s.source) / max(1, len(clean))
    known_x = sum(1 for s in corrupted.values() if s.source) / max(1, len(corrupted))
    report.scores.append(StageScore("metadata", "outlet known", known_c, known_x, len(corrupted)))
    named_c, right_c, _n, _h = _score_outlets(rows, clean)
    named_x, right_x, n_naming, n_have = _score_outlets(rows, corrupted)
    report.scores.append(StageScore("metadata", "outlet right where the text names it", named_c, named_x, n_naming))
    report.scores.append(StageScore("metadata", "inferred outlets right", right_c, right_x, n_have))
    if polnear:
        from .robustness_polnear import evaluate_polnear

        if say:
            say("PolNeAR dev: clean and corrupted runs")
        report.scores += evaluate_polnear(data_dir, settings, seed=seed, kinds=kinds, workdir=workdir)
    if ecb_topics != 0:
        from .robustness_ecb import evaluate_ecb

        report.scores += evaluate_ecb(data_dir, settings, seed=seed, topics=ecb_topics, kinds=kinds, say=say,
                                      workdir=workdir)
    report.seconds = time.perf_counter() - started
    return report
