"""Cost of resolving a new batch of articles against stores of growing size (issue 10: the
cost of a new batch must stay flat as the store grows).

The stores hold invented articles whose mentions are written directly (no NER: NER costs
the same per article at every size, and enriching 30k articles does not fit a session on
this machine). The invented corpus has news-like statistics: people, organisations and
places with Zipf-distributed popularity from pools that grow with the corpus (a bigger
corpus names more distinct people), each person named in full and then by surname,
shared surnames, passing mentions, role words in front of names. Every size is first
resolved in full (``resolve_entities``, timed: the baseline an incremental run replaces),
then ``--batches`` batches of ``--batch`` new articles of the same distribution are
resolved incrementally (``resolve_incremental``, the pipeline's path), one after another.

    python benchmarks/scale_resolution.py --sizes 1000,3000,10000,30000 [--batch 50] [--batches 3]

``--seed`` draws another invented corpus (11, the default, is the one reported; others tune
``--per-surname``, the cap on surname-mates a batch's name looks at: resolve_incremental's
``per_surname``, 0 for none).

To compare two versions of the code on the same stores, alternately and many times, without
paying the full resolutions each time: ``--keep-stores DIR`` saves each size's store right after
its full resolution (with the corpus generator's state), and ``--from-stores DIR`` times the
batches against copies of them (no full resolution, no agreement check); run it with
``PYTHONPATH`` pointing at each version in turn.
"""

from __future__ import annotations

import argparse
import json
import pickle
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, peak_rss_mb  # noqa: E402

from storyline.cluster.metrics import bcubed  # noqa: E402

SYLLABLES = "ka lo mi ra ten vo dar sel un bre tor ish an gu pel".split()
ENDINGS = "ov ski enko in ez ic son er ley a".split()
FILLER = ("officials said on the matter while residents waited for news about the plan that was "
          "announced after weeks of talks between the two sides in the capital").split()
ROLES = ["minister", "president", "spokesman", "governor", "chief executive", "senator"]


class Corpus:
    """Invented articles; pools grow with the number of articles drawn so far."""

    def __init__(self, seed: int = 11) -> None:
        self.rng = random.Random(seed)
        self.given = [self._word(2) for _ in range(120)]
        self.people: list[tuple[str, str]] = []
        self.orgs: list[str] = []
        self.places: list[str] = []
        self.n = 0

    def _word(self, parts: int) -> str:
        return "".join(self.rng.choice(SYLLABLES) for _ in range(parts)).capitalize()

    def _grow(self) -> None:
        # 1,000 people + 0.5 per article; 300 organisations + 0.1; 200 places + 0.05
        while len(self.people) < 1000 + self.n // 2:
            self.people.append((self.rng.choice(self.given), self._word(2) + self.rng.choice(ENDINGS)))
        while len(self.orgs) < 300 + self.n // 10:
            kind = self.rng.choice(["Institute", "Bank", "Council", "Party", "Group", "Ministry of Trade"])
            self.orgs.append(f"{self._word(2)} {kind}")
        while len(self.places) < 200 + self.n // 20:
            self.places.append(self._word(3))

    def _zipf(self, pool: list) -> object:
        # rank r drawn with weight 1/(r+1): inverse CDF of a log-uniform rank
        r = int(len(pool) ** self.rng.random()) - 1
        return pool[min(max(r, 0), len(pool) - 1)]

    def article(self, aid: str) -> tuple[dict, list[tuple[int, int, str, str]]]:
        self.n += 1
        self._grow()
        rng = self.rng
        names: list[tuple[str, str, str]] = []  # (prefix, text, label)
        for _ in range(4):
            g, s = self._zipf(self.people)  # type: ignore[misc]
            names.append((rng.choice(ROLES) + " " if rng.random() < 0.3 else "", f"{g} {s}", "PERSON"))
            names += [("", s, "PERSON")] * rng.randrange(1, 4)
        for _ in range(5):
            names.append(("", str(self._zipf(self.orgs)), "ORG"))
            names.append(("in ", str(self._zipf(self.places)), "LOC"))
        names += [("", self._zipf(self.people)[1], "PERSON") for _ in range(2)]  # type: ignore[index]
        text, spans = "", []
        for prefix, name, label in names:
            text += " ".join(rng.sample(FILLER, 6)) + " " + prefix
            spans.append((len(text), len(text) + len(name), name, label))
            text += name + ". "
        return {"id": aid, "title": f"Invented article {aid}", "text": text}, spans


def add_articles(store, corpus: Corpus, ids: list[str]) -> None:
    """Articles and their mentions written as enrichment would leave them (entity ids empty)."""
    import hashlib

    rows, mentions = [], []
    for aid in ids:
        art, spans = corpus.article(aid)
        h = hashlib.sha1(art["text"].encode()).hexdigest()
        rows.append((aid, h, "invented", art["title"], "2025-01-01", "en", art["text"], art["text"],
                     json.dumps({"runs": [[0, 0, len(art["text"])]], "derived_length": len(art["text"]),
                                 "source_length": len(art["text"])}),
                     "bench", "2025-01-01T00:00:00"))
        mentions += [(aid, s, e, t, label, t) for s, e, t, label in spans]
    store.insert_rows("articles", ["id", "content_hash", "source", "title", "published", "language", "raw_text",
                                   "text", "offset_map", "origin", "ingested_at"], rows)
    store.insert_rows("mentions", ["article_id", "start", "end", "text", "label", "normal"], mentions)


def _agreement(store, batches: list[list[str]]) -> float:
    """B3 F1 of the batches' mentions as the incremental runs grouped them, against a full
    resolution of the same store run afterwards (the reference an incremental run stands in for)."""
    from storyline.stages import resolve_entities

    ids = [a for b in batches for a in b]
    incremental = {(m.article_id, m.start): m.entity_id for m in store.mentions(ids)}
    resolve_entities(store)
    full = {(m.article_id, m.start): m.entity_id for m in store.mentions(ids)}
    keys = sorted(k for k in incremental if incremental[k] and full.get(k))
    return round(bcubed([incremental[k] for k in keys], [full[k] for k in keys])[2], 4)


def _keep_store(path: Path, corpus: Corpus, keep: Path, size: int) -> None:
    """A copy of the store as it stands (after the full resolution), with the corpus's state."""
    keep.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as src, sqlite3.connect(keep / f"store-{size}.db") as dst:
        src.backup(dst)
    (keep / f"corpus-{size}.pickle").write_bytes(pickle.dumps(corpus))


def run(sizes: list[int], batch: int, batches: int, workdir: Path, check: bool = True, seed: int = 11,
        per_surname: int | None = None, keep: Path | None = None, kept: Path | None = None) -> list[dict]:
    import storyline
    from storyline.resolve import resolve_incremental
    from storyline.stages import resolve_entities

    out = []
    store = storyline.open_store(workdir / "resolution.db")
    corpus = Corpus(seed)
    n = 0
    cap = {} if per_surname is None else {"per_surname": per_surname}
    for size in sizes:
        if kept:  # a kept store and corpus: only the batches are timed
            store.close()
            shutil.copy(kept / f"store-{size}.db", workdir / "resolution.db")
            store = storyline.open_store(workdir / "resolution.db")
            corpus = pickle.loads((kept / f"corpus-{size}.pickle").read_bytes())
            build = full = 0.0
            entities = store.count_entities()
        else:
            t0 = time.perf_counter()
            add_articles(store, corpus, [f"a{i:06d}" for i in range(n, size)])
            n = size
            build = time.perf_counter() - t0
            t0 = time.perf_counter()
            entities = resolve_entities(store)  # the full resolution: the baseline
            full = time.perf_counter() - t0
            if keep:
                _keep_store(workdir / "resolution.db", corpus, keep, size)
        runs = []
        for b in range(batches):
            ids = [f"b{size}-{b}-{i:03d}" for i in range(batch)]
            add_articles(store, corpus, ids)
            t0, c0 = time.perf_counter(), time.process_time()
            res = resolve_incremental(store, ids, **cap)
            dt, cpu = time.perf_counter() - t0, time.process_time() - c0
            assert res is not None and res["mode"] == "incremental"
            runs.append({"ids": ids, "s": dt, "cpu": cpu, "touched": res["touched"], "changed": res["changed"], "new": res["new"],
                         "articles_examined": res["articles_examined"]})
        agreement = _agreement(store, [r["ids"] for r in runs]) if check else None
        row = {"size": size, "stored_articles": store.count_articles(), "entities": entities,
               "build_s": round(build, 1), "full_resolution_s": round(full, 2),
               "batch_s": [round(r["s"], 3) for r in runs],
               "batch_median_s": round(statistics.median(r["s"] for r in runs), 3),
               # CPU seconds of the batch's process: steadier than wall clock on a shared machine
               "batch_cpu_s": [round(r["cpu"], 3) for r in runs],
               "batch_median_cpu_s": round(statistics.median(r["cpu"] for r in runs), 3),
               "touched": [r["touched"] for r in runs], "changed": [r["changed"] for r in runs],
               "articles_examined": [r["articles_examined"] for r in runs],
               "agreement_b3_f1": agreement, "peak_rss_mb": round(peak_rss_mb())}
        print(json.dumps(row), flush=True)
        out.append(row)
    store.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000,3000,10000")
    ap.add_argument("--batch", type=int, default=50)
    ap.add_argument("--batches", type=int, default=3)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--seed", type=int, default=11, help="Seed of the invented corpus (11 is the reported one).")
    ap.add_argument("--per-surname", type=int, help="Surname-mates a name looks at (default: the setting's).")
    ap.add_argument("--no-check", action="store_true", help="Skip the full resolution that checks the batches.")
    ap.add_argument("--keep-stores", type=Path, help="Save each size's store after its full resolution here.")
    ap.add_argument("--from-stores", type=Path, help="Time the batches against the stores kept here (no full runs).")
    args = ap.parse_args()
    print(f"machine: {machine()}")
    print(f"command: python benchmarks/scale_resolution.py {' '.join(sys.argv[1:])}".rstrip())
    with tempfile.TemporaryDirectory() as tmp:
        rows = run([int(s) for s in args.sizes.split(",")], args.batch, args.batches, Path(tmp),
                   not (args.no_check or args.from_stores), args.seed, args.per_surname, args.keep_stores,
                   args.from_stores)
    base, base_cpu = rows[0]["batch_median_s"], rows[0]["batch_median_cpu_s"]
    for r in rows:
        print(f"{r['stored_articles']:>7} articles: batch of {args.batch} {r['batch_median_s']:.3f} s "
              f"({r['batch_median_s'] / base:.2f}x the smallest), CPU {r['batch_median_cpu_s']:.3f} s "
              f"({r['batch_median_cpu_s'] / base_cpu:.2f}x), full resolution {r['full_resolution_s']:.1f} s, "
              f"touched {r['touched']}, articles read {r['articles_examined']}, "
              f"agreement with a full resolution (B3 F1) {r['agreement_b3_f1']}")
    if args.out:
        args.out.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
