"""Apply the events of ``storyline spark group`` to a store (``storyline load`` does it).

The partitions' assignments are given global event ids (``ev_N``, in the order each event's
first article comes in the product's order) and loaded into the store's online clusterer
without scoring (``OnlineEventClusterer.load_assigned``), chunk by chunk in publication order.
After each chunk, every event it touched is compared with the nearby events of other partitions
and joined when the clusterer's event-to-event probability says they are one happening
(``partitioned.stitch_event``): a partition boundary must not cut an event in two. Then the
clusterer rows, near-duplicate groups and stage marks are written as ``cluster_pending`` writes
them, and the events and stories are rebuilt once. Articles the groups do not cover (no
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
    return {row["id"]: row for row in pq.read_table(out / GROUPS_FILE).to_pylist()}


def apply_groups(store: Any, out_dir: str | Path, settings: Settings, progress: Any = None) -> dict[str, Any]:
    """Group the store's pending articles as ``spark group`` decided; see the module docstring.
    Returns what was done (``applied`` is 0, with a ``reason``, when the groups were not used)."""
    from ..cluster.online import OnlineEventClusterer
    from ..cluster.partitioned import stitch_event
    from ..cluster.persist import META_VERSION, save_clusterer, save_index, save_near_duplicates
    from ..stages import (
        CLUSTER_VERSION,
        UNREFRESHED_KEY,
        _chunks,
        cluster_features,
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
    global_id: dict[str, str] = {}
    for article_id in ids:
        global_id.setdefault(groups[article_id]["event"], f"ev_{len(global_id) + 1:06d}")
    partitions = {global_id[g["event"]]: {int(g["partition"])} for g in (groups[a] for a in ids)}
    clusterer = OnlineEventClusterer(**clusterer_params(settings))
    near_dups = load_near_duplicates(store)
    merges: list[tuple[str, str, float]] = []
    for chunk in _chunks(ids, CHUNK):
        articles = store.articles(ids=chunk)  # publication order
        vectors = embed_pending(store, [a.id for a in articles])
        events = [global_id[groups[a.id]["event"]] for a in articles]
        clusterer.load_assigned(cluster_features(articles, vectors), events)
        for event_id in sorted(set(events)):
            merges += stitch_event(clusterer, event_id, partitions)
        members = []
        for article, event_id in zip(articles, events, strict=True):
            row = groups[article.id]
            explanation = json.loads(row["explanation"]) | {"partition": int(row["partition"])}
            members.append((article.id, clusterer.resolve(event_id), row["score"], row["is_new"], explanation))
            near_dups.add(article.id, article.text, article.published)
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
    return {"applied": len(ids), "events": clusterer.n_events, "joined across partitions": len(merges),
            "events rewritten": rewritten["events"]}
