"""Scale-out benchmark: `storyline spark ingest` with local[1] and local[2] against the
single-machine path on the same input, then `storyline load` and the online clusterer as the
single ordered consumer.

Corpus: BASIL full articles plus seeded synthetic variants (benchmarks/scale_store.py's
generator), written as one JSONL file in a temporary folder (no text enters the repository).

Runs are interleaved (embedded, local[1], local[2], then again, the order rotated each round)
because the machine is shared; medians are quoted. Each run does the same work:
clean + language + enrichment + embeddings.

- embedded: `pipeline.ingest` + `stages.enrich_pending` + `grouping_stage.embed_pending` in one store,
  the defaults (two forked enrichment workers on this 2-core machine): the reference.
- local[N]: a new Spark session (start-up timed apart), `spark_ingest` with one ingest batch
  per core per wave; "steady" throughput leaves out the first wave, where every Python worker
  loads its models (a one-time cost per executor process, amortised on a long run).

Memory: the peak summed resident size of the process tree (JVM, Python workers), sampled.

    python benchmarks/spark_scale.py --size 1000 --repeats 2 --out benchmarks/results/spark_runs.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine  # noqa: E402
from scale_store import synthetic_corpus  # noqa: E402


def _tree_rss_mb(root: int, cpu: dict[int, float] | None = None) -> tuple[float, dict[str, float]]:
    """Resident MB of ``root`` and all its descendants, and per command name; ``cpu`` gets each
    process's CPU seconds so far (user + system), by pid."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
                parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        kids = [p for p, pp in parents.items() if pp == pid and p not in tree]
        tree.update(kids)
        frontier.extend(kids)
    total, by_name = 0.0, {}
    for pid in tree:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        rss = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0) / 1024
        if cpu is not None:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                cpu[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            except (OSError, IndexError, ValueError):
                pass
        total += rss
        kind = "jvm" if "java" in cmd.split(" ")[0] else "python worker" if "pyspark" in cmd else "driver/other"
        if pid == root:
            kind = "driver"
        by_name[kind] = max(by_name.get(kind, 0.0), rss)
    return total, by_name


class PeakMemory:
    """Samples the process tree every half second while the block runs."""

    def __enter__(self) -> PeakMemory:
        self.peak, self.largest, self._stop = 0.0, {}, threading.Event()
        self.cpu: dict[int, float] = {}
        self._cpu_before = sum(os.times()[:2])
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            total, by_name = _tree_rss_mb(os.getpid(), self.cpu)
            self.peak = max(self.peak, total)
            for k, v in by_name.items():
                self.largest[k] = max(self.largest.get(k, 0.0), v)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        # CPU seconds of the tree: the last sample of every child (JVM, Python workers, forked
        # enrichment workers) plus this process's own time during the block.
        me = os.getpid()
        self.cpu_s = sum(v for pid, v in self.cpu.items() if pid != me) + sum(os.times()[:2]) - self._cpu_before


def run_embedded(corpus: Path, work: Path, settings) -> dict:
    from storyline import open_store
    from storyline.grouping_stage import embed_pending
    from storyline.pipeline import ingest
    from storyline.stages import enrich_pending

    db = work / "embedded.db"
    with PeakMemory() as mem, open_store(db) as store:
        t0 = time.perf_counter()
        report = ingest(store, [corpus], settings=settings)
        t1 = time.perf_counter()
        enrich_pending(store, settings)
        t2 = time.perf_counter()
        embed_pending(store, report.added)
        t3 = time.perf_counter()
    n = len(report.added)
    return {"config": "embedded", "articles": n, "seconds": t3 - t0, "ingest_s": t1 - t0, "enrich_s": t2 - t1,
            "embed_s": t3 - t2, "docs_per_s": n / (t3 - t0), "cpu_s_per_article": mem.cpu_s / n, "peak_rss_mb": mem.peak, "rss_by_kind": mem.largest}


def run_spark(corpus: Path, work: Path, settings, cores: int) -> dict:
    from storyline.spark.runner import spark_ingest, spark_session

    out = work / f"out-local{cores}"
    marks: list[tuple[float, int]] = []
    with PeakMemory() as mem:
        t0 = time.perf_counter()
        session = spark_session(f"local[{cores}]")
        t1 = time.perf_counter()
        try:
            report = spark_ingest([corpus], out, settings, spark=session, wave_batches=cores,
                                  progress=lambda n: marks.append((time.perf_counter(), n)))
        finally:
            session.stop()
        t2 = time.perf_counter()
    steady = None
    if len(marks) > 2:
        # Waves after the first, without the last (it may hold fewer batches than cores).
        (start, _), later = marks[0], marks[1:-1]
        steady = sum(n for _, n in later) / (later[-1][0] - start)
    parquet = sum(f.stat().st_size for f in out.rglob("*.parquet"))
    return {"config": f"local[{cores}]", "articles": report.articles, "seconds": t2 - t1, "startup_s": t1 - t0,
            "docs_per_s": report.articles / (t2 - t1), "steady_docs_per_s": steady, "waves": report.waves,
            "cpu_s_per_article": mem.cpu_s / max(1, report.articles),
            "peak_rss_mb": mem.peak, "rss_by_kind": mem.largest, "parquet_bytes": parquet, "out": str(out)}


def run_load(out: Path, work: Path, settings) -> dict:
    """`storyline load` then the grouping stage alone: the single ordered consumer's rate."""
    from storyline import open_store
    from storyline.grouping_stage import cluster_pending
    from storyline.spark.load import load_results

    db = work / "loaded.db"
    with open_store(db) as store:
        t0 = time.perf_counter()
        report = load_results(store, out)
        t1 = time.perf_counter()
        stats = cluster_pending(store, settings)
        t2 = time.perf_counter()
    size = sum(p.stat().st_size for p in work.glob("loaded.db*"))
    n = len(report.added)
    return {"articles": n, "load_s": t1 - t0, "load_docs_per_s": n / (t1 - t0), "cluster_s": t2 - t1,
            "assignments_per_s": n / (t2 - t1), "events": stats["events"], "store_bytes": size,
            "store_bytes_per_article": size / n}


def run_driver_read(corpus: Path, settings) -> dict:
    """The driver's share: reading the input and cutting it into batches (no cleaning)."""
    from storyline.spark.batches import iter_batches

    t0 = time.perf_counter()
    items = sum(len(b) for b in iter_batches([corpus], settings))
    seconds = time.perf_counter() - t0
    return {"items": items, "seconds": seconds, "items_per_s": items / seconds, "load_avg": _load()}


def _load() -> float:
    return os.getloadavg()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--configs", default="embedded,local[1],local[2]")
    parser.add_argument("--batch-size", type=int, default=50,
                        help="Ingest batch size, for every configuration (50: enough waves for a steady rate).")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    from storyline import load_settings

    settings = load_settings(env={}).replace(batch_size=args.batch_size)
    work_root = Path(tempfile.mkdtemp(prefix="storyline-spark-bench-"))
    corpus = work_root / "corpus.jsonl"
    with corpus.open("w", encoding="utf-8") as fh:
        for rec in synthetic_corpus(args.size):
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    configs = args.configs.split(",")
    result: dict = {"machine": machine(), "size": args.size, "batch_size": args.batch_size,
                    "corpus": "BASIL + seeded variants (scale_store.py)", "runs": [], "load": None,
                    "driver_read": run_driver_read(corpus, settings)}
    print(json.dumps(result["driver_read"]), flush=True)

    def save() -> None:
        if args.out:
            args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")

    for rep in range(args.repeats):
        order = configs[rep % len(configs):] + configs[: rep % len(configs)]
        for config in order:
            work = work_root / f"r{rep}-{config.replace('[', '').replace(']', '')}"
            work.mkdir()
            load_before = _load()
            if config == "embedded":
                run = run_embedded(corpus, work, settings)
            else:
                run = run_spark(corpus, work, settings, int(config[len("local["):-1]))
            run.update(repeat=rep, load_before=load_before, load_after=_load())
            result["runs"].append(run)
            print(json.dumps({k: v for k, v in run.items() if k != "rss_by_kind"}), flush=True)
            save()
            if config != "embedded" and result["load"] is None:
                result["load"] = run_load(Path(run["out"]), work, settings) | {"from": config, "load_avg": _load()}
                print(json.dumps(result["load"]), flush=True)
                save()
    summary = {}
    for config in configs:
        runs = [r for r in result["runs"] if r["config"] == config]
        summary[config] = {"docs_per_s": statistics.median(r["docs_per_s"] for r in runs),
                           "peak_rss_mb": statistics.median(r["peak_rss_mb"] for r in runs)}
        steady = [r["steady_docs_per_s"] for r in runs if r.get("steady_docs_per_s")]
        if steady:
            summary[config]["steady_docs_per_s"] = statistics.median(steady)
    result["summary"] = summary
    save()
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
