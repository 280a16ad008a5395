"""Batch grouping in independent partitions: the online clusterer, scaled out.

The online clusterer is one ordered consumer: about 140 articles/s on one core
(docs/capacity.md), enough for 1M articles a day, not for 10M. Batch grouping splits the
work the way the data splits:

* **Partitions by topic.** The dated articles are split into K partitions by the nearest of K
  centroids (spherical k-means over a sample of the article vectors, :func:`fit_partitions`).
  An event's reports are near each other in that space (that is what the clusterer's dense
  features measure), so nearly all of an event falls in one partition, and each partition is
  grouped by its own :class:`OnlineEventClusterer` in the product's order (publication date,
  then input order), in parallel (``storyline spark group``).
* **Word and entity rarity from the whole input.** A partition sees only its own articles, but
  the idf weights must be those of the whole stream: :func:`group_partition` sets the
  clusterer's document frequencies, at each new publication day, to those of *every* article
  of the earlier days (:class:`DayFrequencies`, counted per day across all partitions), plus
  the partition's own articles of the current day. So the single consumer's weights are
  matched to within one day's articles of the other partitions.
* **A partition boundary must not change an event.** When the groups are applied to the store
  (``storyline.spark.groups``), every article with another partition's events among its nearest
  neighbours is placed again as the single consumer would place it, against every partition's
  earlier articles; the others keep their partition's decision, unscored. Events are also
  compared with the nearby events of *other* partitions by the clusterer's own event-to-event
  probability, with the same threshold as the article rule (the rule ``recluster`` merges by,
  :func:`stitch_event`).

With one partition the result is the single consumer's, exactly (tested). The agreement with
more partitions is measured (tests/test_spark.py, benchmarks/results/spark.md).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from storyline.cluster.features import ArticleFeatures
from storyline.cluster.online import LEARN_BATCH, OnlineEventClusterer

__all__ = ["DayFrequencies", "PartitionItem", "features_from_json", "features_to_json", "fit_partitions",
           "group_partition", "partition_of", "stitch_event"]

SAMPLE_SIZE = 5000  # vectors the partition centroids are fitted on


@dataclass(frozen=True)
class PartitionItem:
    """One dated article as a partition task receives it: its place in the product's order
    (publication date, then input order), its publication day and its clusterer features."""

    order: tuple[str, int, int]
    day: int
    features: ArticleFeatures


@dataclass
class DayFrequencies:
    """Documents and the document frequencies of entities and words of one publication day."""

    documents: int = 0
    entities: Counter[str] = field(default_factory=Counter)
    terms: Counter[int] = field(default_factory=Counter)

    @classmethod
    def of(cls, features: ArticleFeatures) -> DayFrequencies:
        return cls(1, Counter(features.entities), Counter(features.terms.keys()))

    def add(self, other: DayFrequencies, sign: int = 1) -> DayFrequencies:
        self.documents += sign * other.documents
        for target, source in ((self.entities, other.entities), (self.terms, other.terms)):
            for key, count in source.items():
                target[key] += sign * count
        return self


def fit_partitions(vectors: np.ndarray, k: int, seed: int = 0) -> np.ndarray:
    """K unit centroids for spherical k-means over ``vectors`` (rows L2-normalised); fewer when
    there are fewer distinct vectors. K-means++ seeding with a fixed seed: the same sample
    gives the same partitions."""
    from sklearn.cluster import KMeans
    from threadpoolctl import threadpool_limits

    vectors = np.asarray(vectors, dtype=np.float32)
    vectors = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    k = max(1, min(int(k), len(np.unique(vectors.round(6), axis=0))))
    if k == 1:
        return np.zeros((1, vectors.shape[1]), dtype=np.float32)
    with threadpool_limits(1, "blas"):  # small products: BLAS threads only thrash (docs/capacity.md)
        model = KMeans(n_clusters=k, n_init=3, random_state=seed).fit(vectors)
    centroids = model.cluster_centers_.astype(np.float32)
    return centroids / np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)


def partition_of(vector: np.ndarray, centroids: np.ndarray) -> int:
    """The partition of an article: its nearest centroid (one partition: 0)."""
    return 0 if len(centroids) == 1 else int(np.argmax(centroids @ np.asarray(vector, dtype=np.float32)))


def group_partition(items: Iterable[PartitionItem], day_frequencies: Mapping[int, DayFrequencies],
                    params: Mapping[str, Any], partition: int = 0,
                    clusterer: OnlineEventClusterer | None = None,
                    stored: DayFrequencies | None = None) -> list[dict[str, Any]]:
    """Group one partition's articles with a fresh online clusterer, in the product's order,
    under the whole input's document frequencies (see the module docstring). One row per
    article: its partition-local event (``"<partition>:<event id>"``), score, whether it opened
    the event, and the explanation, as the single consumer would store them. (``clusterer``: a
    fresh one to use instead of building it from ``params``, for tests that look inside.)
    ``stored``: the frequencies of the store the groups will be applied to (its documents, and
    its counts of this input's words and entities), which the single consumer counts first."""
    clusterer = clusterer if clusterer is not None else OnlineEventClusterer(**params)
    if stored is not None:
        _add_frequencies(clusterer, stored)
    days = sorted(day_frequencies)
    next_day = 0  # days[:next_day] are in the clusterer's frequencies
    current: int | None = None
    own = DayFrequencies()  # this partition's articles of the current day, counted by _add
    rows: list[dict[str, Any]] = []
    batch: list[Any] = []  # the articles that opened an event since the last second look
    seen = 0  # articles since the last second look (the stage's batch size)
    clusterer.begin_batch()  # as learn_batch: nothing leaves the index until the batch's look is done
    for item in sorted(items, key=lambda i: i.order):
        if item.day != current:
            while next_day < len(days) and days[next_day] < item.day:
                past = days[next_day]
                # The other partitions' articles of a past day: every article of it, less our own.
                delta = DayFrequencies().add(day_frequencies[past]).add(own, -1) if past == current \
                    else day_frequencies[past]
                _add_frequencies(clusterer, delta)
                next_day += 1
            current, own = item.day, DayFrequencies()
        known = item.features.article_id in clusterer._articles
        assignment = clusterer.learn_one(item.features)
        if not known:
            own.add(DayFrequencies.of(item.features))
        rows.append({"id": item.features.article_id, "partition": partition, "features": features_to_json(item.features),
                     **_decided(partition, assignment)})
        if assignment.is_new:  # the second look reads the events this batch opened
            batch.append(item.features)
        seen += 1
        if seen == LEARN_BATCH:
            _look_again(clusterer, batch, rows[-seen:], partition)
            batch, seen = [], 0
            clusterer.end_batch()
            clusterer.begin_batch()
    _look_again(clusterer, batch, rows[-seen:] if seen else [], partition)
    clusterer.end_batch()
    return rows


def _decided(partition: int, assignment: Any) -> dict[str, Any]:
    return {"event": f"{partition}:{assignment.event_id}", "score": float(assignment.score),
            "is_new": bool(assignment.is_new),
            "explanation": json.dumps(assignment.explanation.to_json(), ensure_ascii=False)}


def _look_again(clusterer: OnlineEventClusterer, batch: list[Any], rows: list[dict[str, Any]], partition: int) -> None:
    """The single consumer's second look after each batch (OnlineEventClusterer.learn_batch),
    over the batch's articles that opened an event; ``rows``: the batch's rows, a moved
    article's row then names its new event."""
    if not (clusterer.second_look and batch):
        return
    moved = clusterer.look_again(batch)
    for row in rows:
        if row["id"] in moved:
            row.update(_decided(partition, moved[row["id"]]))


def _add_frequencies(clusterer: OnlineEventClusterer, delta: DayFrequencies) -> None:
    clusterer._documents += delta.documents
    clusterer._entity_df.update({k: v for k, v in delta.entities.items() if v})
    clusterer._term_df.update({k: v for k, v in delta.terms.items() if v})


def stitch_event(clusterer: OnlineEventClusterer, event_id: str, partitions: dict[str, set[int]],
                 threshold: float | None = None) -> list[tuple[str, str, float]]:
    """Join ``event_id`` with the nearby events of other partitions that the clusterer's
    event-to-event probability says are the same happening (≥ the merge threshold, by default
    the article threshold). ``partitions`` maps each event to the partitions its articles came
    from and is kept up to date. Returns the merges as (survivor, absorbed, probability)."""
    if threshold is None:
        threshold = clusterer._threshold if clusterer.merge_threshold is None else clusterer.merge_threshold
    merged = []
    event = clusterer._events.get(clusterer.resolve(event_id))
    if event is None:
        return merged
    for other_id, score in clusterer._similar_events(event):
        if score < threshold:
            break  # sorted by probability, highest first
        other = clusterer._events.get(other_id)
        mine, theirs = partitions.get(event.event_id, set()), partitions.get(other_id, set())
        if other is None or other is event or mine & theirs:
            continue  # one partition's clusterer already decided between these two
        if not (mine and theirs):
            continue  # an event stored before (or made by the consumer's rule): the article rule decided
        if other_id in event.cannot_link or event.event_id in other.cannot_link:
            continue
        survivor, absorbed = sorted((event, other), key=lambda e: (-len(e.members), e.event_id))
        clusterer._merge_events(survivor, absorbed)
        partitions[survivor.event_id] = mine | theirs
        partitions.pop(absorbed.event_id, None)
        merged.append((survivor.event_id, absorbed.event_id, round(float(score), 4)))
        event = survivor
    return merged


def features_to_json(features: ArticleFeatures) -> str:
    """An article's clusterer features without its vector (the store holds that), as JSON: the
    executors compute them once, and applying the groups reads them back instead of re-reading
    every text (two fifths of the time of applying 10,000 articles, profiled)."""
    return json.dumps({"published": features.published, "language": features.language, "title": features.title,
                       "entities": sorted(features.entities), "places": sorted(features.places),
                       "dates": sorted(features.dates), "numbers": sorted(features.numbers),
                       "terms": [[int(k), float(v)] for k, v in features.terms.items()],
                       "dateline": features.dateline}, ensure_ascii=False)


def features_from_json(article_id: str, text: str, vector: np.ndarray) -> ArticleFeatures:
    data = json.loads(text)
    return ArticleFeatures(article_id=article_id, vector=vector, published=data["published"],
                           language=data["language"], title=data["title"], entities=frozenset(data["entities"]),
                           places=frozenset(data["places"]), dates=frozenset(data["dates"]),
                           numbers=frozenset(data["numbers"]), terms={int(k): v for k, v in data["terms"]},
                           dateline=data["dateline"])


def order_key(published: str | None, wave: int, seq: int) -> tuple[str, int, int]:
    """The product's grouping order for a dated article: publication date, then input order
    (the store's ``ORDER BY published, rowid``, rowid following `storyline load`'s order)."""
    return (str(published), int(wave), int(seq))
