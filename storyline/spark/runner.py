"""``storyline spark ingest``: the heavy stages on Apache Spark (the only module that imports pyspark).

The driver reads the inputs and cuts them into ingest batches (``batches.iter_batches``; reading
is cheap next to enrichment, see benchmarks/results/spark.md). Batches go to the executors in
waves, one batch per task, and each wave is written as its own Parquet folder
``OUT/wave=NNNNN`` in input order, so the driver never holds more than a wave of input and a
run that stops leaves whole waves behind. ``storyline-spark.json`` is written last.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..settings import Settings
from .batches import ROW_FIELDS, Item, iter_batches, process_batches
from .load import MANIFEST


@dataclass
class SparkIngestReport:
    out_dir: str
    master: str
    waves: int = 0
    batches: int = 0
    articles: int = 0
    rejected: int = 0
    seconds: float = 0.0
    settings: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def spark_session(master: str = "local[2]", app_name: str = "storyline", conf: Mapping[str, str] | None = None
                  ) -> Any:
    """A Spark session for storyline. Local masters bind to 127.0.0.1 and run without the web UI;
    the executors run this Python (PYSPARK_PYTHON), which must have storyline installed."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise ConfigError("pyspark is not installed; install it with: pip install 'storyline[spark]' "
                          "(it also needs Java 17, e.g. apt-get install openjdk-17-jre-headless)") from None
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = (SparkSession.builder.master(master).appName(app_name).config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false"))
    if master.startswith("local"):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        builder = builder.config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
    for key, value in (conf or {}).items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # noqa: BLE001 - Java missing or the master unreachable: say which
        raise ConfigError(f"cannot start Spark with master {master!r} ({exc.__class__.__name__}: "
                          f"{str(exc)[:300]}); check `java -version` (17 is needed) and the --master URL") from None
    session.sparkContext.setLogLevel("ERROR")
    return session


def _schema() -> Any:
    from pyspark.sql.types import ArrayType, FloatType, LongType, StringType, StructField, StructType

    types = {"seq": LongType(), "embedding": ArrayType(FloatType(), containsNull=False),
             "sentence_vectors": ArrayType(FloatType(), containsNull=False)}
    return StructType([StructField(name, types.get(name, StringType()), nullable=name != "seq")
                       for name in ROW_FIELDS])


def _waves(batches: Iterable[list[Item]], size: int) -> Iterator[list[list[Item]]]:
    wave: list[list[Item]] = []
    for batch in batches:
        wave.append(batch)
        if len(wave) >= size:
            yield wave
            wave = []
    if wave:
        yield wave


def spark_ingest(paths: Iterable[str | Path], out_dir: str | Path, settings: Settings, *, master: str = "local[2]",
                 defaults: Mapping[str, Any] | None = None, fields: Mapping[str, str] | None = None,
                 name_pattern: str | None = None, wave_batches: int | None = None, spark: Any = None,
                 progress: Any = None) -> SparkIngestReport:
    """Clean, detect language, enrich and embed every input item on Spark; write Parquet to ``out_dir``.

    ``wave_batches`` batches (of ``settings.batch_size`` items) are sent per Spark job; the
    default, four per core, keeps every core busy while the slowest task of a wave runs."""
    out = Path(out_dir)
    if out.exists() and any(out.iterdir()):
        raise ConfigError(f"{out} exists and is not empty; give a new --out folder (results are never mixed)")
    if name_pattern:
        from ..ingest.readers import parse_file_name

        parse_file_name("", name_pattern)  # a malformed pattern is a usage error, raised before any work
    own_session = spark is None
    spark = spark or spark_session(master)
    sc = spark.sparkContext
    cores = max(1, sc.defaultParallelism)
    wave_batches = wave_batches or 4 * cores
    report = SparkIngestReport(str(out), sc.master, settings={"batch_size": settings.batch_size})
    schema = _schema()
    started = time.perf_counter()
    try:
        for wave in _waves(iter_batches(paths, settings, defaults=defaults, fields=fields, name_pattern=name_pattern),
                           wave_batches):
            rows = sc.parallelize(wave, numSlices=len(wave)).mapPartitions(
                lambda part, s=settings: (tuple(r[f] for f in ROW_FIELDS) for r in process_batches(part, s)))
            target = out / f"wave={report.waves:05d}"
            spark.createDataFrame(rows, schema).write.parquet(str(target))
            counts = spark.read.parquet(str(target)).groupBy("kind").count().collect()
            kinds = {r["kind"]: r["count"] for r in counts}
            report.waves += 1
            report.batches += len(wave)
            report.articles += kinds.get("article", 0)
            report.rejected += kinds.get("rejection", 0)
            if progress:
                progress(sum(len(b) for b in wave))
    finally:
        if own_session:
            spark.stop()
    report.seconds = round(time.perf_counter() - started, 3)
    out.mkdir(parents=True, exist_ok=True)
    (out / MANIFEST).write_text(json.dumps(report.as_dict(), indent=2) + "\n", encoding="utf-8")
    return report
