"""Apply the events of ``storyline spark group`` to a store (``storyline load`` does it).

The articles are loaded into the store's online clusterer in the product's order
(``OnlineEventClusterer.load_assigned``: no scoring), with the features the executors computed.
A partition boundary must not cut an event in two, so two decisions are taken again here:

* an article whose nearest stored neighbours include events of other partitions (one index
  search) is placed as the single consumer would place it, against every partition's earlier
  articles; when it was the first article of its partition's event and joins an existing
  event, the whole partition event follows it. Only articles with no other partition near them
  keep their partition's decision unscored, since nothing their partition did not see could
  have changed it (on 10,000 BASIL articles and variants that was 4-21% of them, and the
  events equal the consumer's at B-cubed 0.9999-1.0: benchmarks/results/spark.md);
* after each chunk, every event it touched is compared with the nearby events of other
  partitions and joined when the clusterer's event-to-event probability says they are one
  happening (``partitioned.stitch_event``).

Every other article keeps its partition's decision, unscored. Then the clusterer rows,
near-duplicate groups and stage marks are written as ``cluster_pending`` writes them, chunk by
chunk, and the events and stories are rebuilt once. Articles the groups do not cover (no
publication date) stay pending for the online clusterer, which ``run_pipeline`` runs next.

Groups apply only to a store whose grouping state is empty (a bulk load); a store that already
holds events groups new articles with the online clusterer, so that no event is decided twice.
A load stopped part-way resumes the same way: the chunks written stay, the online clusterer
groups the rest, and nothing is stored twice.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..settings import Settings
from .grouping import GROUPS_FILE, GROUPS_MANIFEST, GROUPS_VERSION

CHUNK = 500


def read_groups(out_dir: str | Path) -> dict[str, dict[str, Any]] | None:
    """The assignments ``spark group`` wrote into ``out_dir`` (article id -> row), or None when it
    was not grouped."""
    import pyarrow.parquet as pq

    out = Path(out_dir)
    if not (out / GROUPS_MANIFEST).is_file():
        return None  # the manifest is written last: without it, no complete grouping
    manifest = json.loads((out / GROUPS_MANIFEST).read_text(encoding="utf-8"))
    if manifest.get("version") != GROUPS_VERSION:
        raise ConfigError(f"{out / GROUPS_MANIFEST} has version {manifest.get('version')!r}, not {GROUPS_VERSION}; "
                          f"delete it and {GROUPS_FILE} and run `storyline spark group {out}` again")
    rows = {row["id"]: row for row in pq.read_table(out / GROUPS_FILE).to_pylist()}
    # Signatures are usable only by an index with the parameters they were computed with.
    for row in rows.values():
        row["near_duplicates"] = manifest.get("near_duplicates")
    return rows


def apply_groups(store: Any, out_dir: str | Path, settings: Settings, progress: Any = None) -> dict[str, Any]:
    """Group the store's pending articles as ``spark group`` decided; see the module docstring.
    Returns what was done (``applied`` is 0, with a ``reason``, when the groups were not used)."""
    import numpy as np

    from ..cluster.online import OnlineEventClusterer
    from ..cluster.partitioned import features_from_json, stitch_event
    from ..cluster.persist import META_VERSION, save_clusterer, save_index, save_near_duplicates
    from ..stages import (
        CLUSTER_VERSION,
        UNREFRESHED_KEY,
        _chunks,
        clusterer_params,
        embed_pending,
        load_near_duplicates,
        refresh_events,
    )

    groups = read_groups(out_dir)
    if groups is None:
        return {"applied": 0, "reason": f"{out_dir} was not grouped (run `storyline spark group {out_dir}`)"}
    meta = store.cluster_meta()
    if meta is not None and meta.get("version") == META_VERSION and meta.get("documents"):
        return {"applied": 0, "reason": "the store already holds events; new articles are grouped by the online "
                                        "clusterer so that no event is decided twice"}
    if meta is not None and meta.get("version") != META_VERSION:
        store.clear_cluster_state()  # saved by an older storyline: its articles are pending again, start over
    ids = [a for a in store.pending("cluster", CLUSTER_VERSION) if a in groups]  # the product's order
    clusterer = OnlineEventClusterer(**clusterer_params(settings))
    near_dups = load_near_duplicates(store)
    same = near_dups.params()
    store_event: dict[str, str] = {}  # a partition's event -> its event in the store
    partitions: dict[str, set[int]] = {}  # an event in the store -> the partitions its articles came from
    joined = opened = moved = border = 0
    merges: list[tuple[str, str, float]] = []
    for chunk in _chunks(ids, CHUNK):
        articles = store.articles(ids=chunk)  # publication order
        vectors = embed_pending(store, [a.id for a in articles])
        members, touched = [], set()
        for article in articles:
            row = groups[article.id]
            part = int(row["partition"])
            features = features_from_json(article.id, row["features"], vectors[article.id])
            member = (row["score"], row["is_new"], json.loads(row["explanation"]) | {"partition": part})
            opener = row["event"] not in store_event
            target, decision = None, None
            # Only an article with other partitions' events among its nearest neighbours can have been
            # decided differently by the single consumer (one index search tells): ask the store's
            # clusterer, which holds every partition's earlier articles, and follow its decision.
            if _near_other_partitions(clusterer, features, part, partitions):
                border += 1
                target, decision = _consumer_decision(clusterer, features, None if opener else
                                                      clusterer.resolve(store_event[row["event"]]))
                if decision is not None and target is None:  # a new event the partition did not open
                    opened += 1
                    target = f"ev_{opened:06d}"
            if decision is not None:
                joined += opener
                moved += not opener
                member = (decision.score, decision.is_new, decision.explanation.to_json() | {
                    "partition": part, "decided_across_partitions": True})
            if opener:  # the whole partition event follows its first article
                if target is None:
                    opened += 1
                store_event[row["event"]] = target or f"ev_{opened:06d}"
            event_id = target or clusterer.resolve(store_event[row["event"]])
            clusterer.load_assigned([features], [event_id])
            partitions.setdefault(event_id, set())
            if decision is None:  # placed by its partition's clusterer, which has now seen this event
                partitions[event_id].add(part)
            touched.add(event_id)
            members.append((article.id, event_id, *member))
            signature = np.frombuffer(row["signature"], dtype="<u8") if row["near_duplicates"] == same else None
            near_dups.add(article.id, article.text, article.published, signature=signature)
        for event_id in sorted(touched):
            merges += stitch_event(clusterer, event_id, partitions)
        with store.transaction():
            store.set_kv(UNREFRESHED_KEY, True)
            store.put_event_members(members)
            save_clusterer(store, clusterer)
            save_near_duplicates(store, near_dups)
            store.mark_done([a.id for a in articles], "cluster", CLUSTER_VERSION)
        if progress:
            progress(len(articles))
    rewritten = {"events": 0, "relinked": 0}
    if ids:
        save_index(store, clusterer)
        rewritten = refresh_events(store, clusterer, near_dups, settings)
    store.set_kv(UNREFRESHED_KEY, False)
    return {"applied": len(ids), "events": clusterer.n_events, "first articles joined across partitions": joined,
            "articles moved across partitions": moved, "articles near other partitions": border,
            "events joined across partitions": len(merges), "events rewritten": rewritten["events"]}


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
