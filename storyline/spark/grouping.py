"""``storyline spark group OUT``: group the results of ``storyline spark ingest`` into events on Spark.

The batch form of the online clusterer (``storyline.cluster.partitioned`` explains the method):
three Spark jobs over the article rows of OUT, then one small file.

1. every dated article's clusterer features, from its stored text and vector (cached);
2. a sample of vectors to the driver, which fits the K partition centroids; meanwhile the
   document frequencies per publication day are counted across all articles;
3. the articles keyed by partition, one task per partition, each grouping its articles with its
   own clusterer (models loaded once per task) under the day frequencies (broadcast).

The assignments go to ``OUT/groups.parquet`` with ``storyline-groups.json`` written last.
``storyline load OUT`` applies them to an empty grouping state and joins events that a
partition boundary cut (``storyline.spark.groups``); articles without a publication date are
left to the online clusterer, which places them after the dated ones, as it always does.

Spark is reached only through the session object (``runner.spark_session``), so this module
needs no pyspark import of its own.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..settings import Settings
from .load import wave_dirs

GROUPS_FILE = "groups.parquet"
GROUPS_MANIFEST = "storyline-groups.json"
GROUPS_VERSION = 3  # 2: the clusterer features of each article; 3: near-duplicate signatures


@dataclass
class SparkGroupReport:
    out_dir: str
    master: str
    partitions: int = 0
    articles: int = 0
    undated: int = 0
    events: int = 0
    partition_sizes: list[int] = field(default_factory=list)
    seconds: float = 0.0
    version: int = GROUPS_VERSION
    params: dict[str, Any] = field(default_factory=dict)
    near_duplicates: dict[str, Any] = field(default_factory=dict)  # the signatures' index parameters

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _items(rows: Iterable[Any]) -> Iterator[tuple[str, Any]]:
    """(``"dated"``, PartitionItem) for each dated article row, (``"undated"``, id) for the rest."""
    import numpy as np

    from ..cluster.online import parse_day
    from ..cluster.partitioned import PartitionItem, order_key
    from ..grouping_stage import cluster_features
    from .batches import article_from_json

    for row in rows:
        article = article_from_json(json.loads(row["article"]))
        day = parse_day(article.published)
        if day is None:
            yield "undated", article.id
            continue
        vector = np.asarray(row["embedding"], dtype=np.float32)
        features = cluster_features([article], {article.id: vector})[0]
        yield "dated", (PartitionItem(order_key(article.published, row["wave"], row["seq"]), day, features),
                        _near_duplicates().signature(article.text).astype("<u8").tobytes())


_INDEX: list[Any] = []


def _near_duplicates() -> Any:
    """One near-duplicate index per worker process, for its signatures (default parameters: the
    ones ``storyline load`` checks before it uses them)."""
    if not _INDEX:
        from ..cluster.near_duplicates import NearDuplicateIndex

        _INDEX.append(NearDuplicateIndex())
    return _INDEX[0]


def _group_task(keyed: Iterable[tuple[int, Any]], frequencies: Any, stored: Any, params: dict[str, Any]
                ) -> Iterator[dict]:
    from ..cluster.partitioned import group_partition

    by_partition: dict[int, list[Any]] = {}
    signatures: dict[str, bytes] = {}
    for partition, (item, signature) in keyed:
        by_partition.setdefault(partition, []).append(item)
        signatures[item.features.article_id] = signature
    for partition, items in sorted(by_partition.items()):
        for row in group_partition(items, frequencies.value, params, partition, stored=stored.value):
            yield row | {"signature": signatures[row["id"]]}


def _stored_frequencies(store: Any, dated: Any) -> Any:
    """The store's documents and its frequencies of the words and entities this input uses (None
    for a store without a current grouping state)."""
    from collections import Counter

    from ..cluster.partitioned import DayFrequencies
    from ..cluster.persist import META_VERSION

    meta = store.cluster_meta() if store is not None else None
    if not meta or meta.get("version") != META_VERSION or not meta.get("documents"):
        return None
    terms = dated.flatMap(lambda pair: list(pair[0].features.terms)).distinct().collect()
    entities = dated.flatMap(lambda pair: list(pair[0].features.entities)).distinct().collect()
    return DayFrequencies(int(meta["documents"]), Counter(store.cluster_frequencies("e", sorted(entities))),
                          Counter({int(k): v for k, v in store.cluster_frequencies("t", [str(t) for t in terms]).items()}))


def spark_group(out_dir: str | Path, settings: Settings, *, master: str = "local[2]", partitions: int | None = None,
                spark: Any = None, seed: int = 0, store: Any = None) -> SparkGroupReport:
    """Group the dated articles of a ``spark ingest`` output into events, in ``partitions``
    independent partitions (default: twice the cores), and write the assignments into it.
    ``store``: the store the groups will be applied to; when it holds events, its word and
    entity frequencies are counted first, as the single consumer counts them."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from ..cluster.near_duplicates import NearDuplicateIndex
    from ..cluster.partitioned import SAMPLE_SIZE, DayFrequencies, fit_partitions, partition_of
    from ..grouping_stage import clusterer_params
    from .runner import spark_session

    out = Path(out_dir)
    waves = wave_dirs(out)
    if (out / GROUPS_MANIFEST).exists() or (out / GROUPS_FILE).exists():
        raise ConfigError(f"{out} is already grouped ({GROUPS_MANIFEST}); delete {GROUPS_FILE} and {GROUPS_MANIFEST} "
                          "to group it again")
    if partitions is not None and partitions < 1:
        raise ConfigError(f"--partitions {partitions}: give at least 1 (1 is the single consumer's result)")
    own_session = spark is None
    spark = spark or spark_session(master)
    sc = spark.sparkContext
    partitions = partitions or 2 * max(1, sc.defaultParallelism)
    params = clusterer_params(settings)
    report = SparkGroupReport(str(out), sc.master, params=params, near_duplicates=NearDuplicateIndex().params())
    started = time.perf_counter()
    try:
        if waves:
            frame = (spark.read.option("basePath", str(out)).parquet(*[str(w) for w in waves])
                     .where("kind = 'article'").select("wave", "seq", "article", "embedding"))
            items = frame.rdd.mapPartitions(_items).persist()
            dated = items.filter(lambda kv: kv[0] == "dated").values()  # (item, near-duplicate signature)
            report.undated = items.filter(lambda kv: kv[0] == "undated").count()
            sample = dated.map(lambda pair: pair[0].features.vector).takeSample(False, SAMPLE_SIZE, seed)
            centroids = fit_partitions(np.asarray(sample), partitions, seed) if sample else np.zeros((1, 1))
            report.partitions = len(centroids)
            frequencies = sc.broadcast(dict(
                dated.map(lambda pair: (pair[0].day, DayFrequencies.of(pair[0].features)))
                .reduceByKey(lambda a, b: a.add(b)).collect()))
            stored = sc.broadcast(_stored_frequencies(store, dated))
            by_centroid = sc.broadcast(centroids)
            keyed = dated.map(lambda pair: (partition_of(pair[0].features.vector, by_centroid.value), pair))
            rows = (keyed.partitionBy(report.partitions, lambda p: p)
                    .mapPartitions(lambda part: _group_task(part, frequencies, stored, params)).collect())
            items.unpersist()
        else:
            rows = []
        report.articles = len(rows)
        report.events = len({r["event"] for r in rows})
        sizes: dict[int, int] = {}
        for r in rows:
            sizes[r["partition"]] = sizes.get(r["partition"], 0) + 1
        report.partition_sizes = [sizes.get(p, 0) for p in range(report.partitions)]
    finally:
        if own_session:
            spark.stop()
    schema = pa.schema([("id", pa.string()), ("partition", pa.int32()), ("event", pa.string()), ("score", pa.float64()),
                        ("is_new", pa.bool_()), ("explanation", pa.string()), ("features", pa.string()),
                        ("signature", pa.binary())])
    pq.write_table(pa.table({c: [r[c] for r in rows] for c in schema.names}, schema=schema), out / GROUPS_FILE)
    report.seconds = round(time.perf_counter() - started, 3)
    (out / GROUPS_MANIFEST).write_text(json.dumps(report.as_dict(), indent=2) + "\n", encoding="utf-8")
    return report
