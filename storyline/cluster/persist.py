"""Saving and loading the online clusterer and the near-duplicate index.

Two forms:

* **rows in the store** (what ingest uses): each article, event and document frequency is
  a row, and a batch writes only the rows it changed (:func:`take_delta`,
  :func:`save_clusterer`). Article vectors and word vectors stay in their row while the
  article is inside the time window; the ANN index over them is rebuilt on load
  (:func:`load_clusterer_rows`), which costs the window, not the history;
* **one JSON value** (:func:`clusterer_to_state`), for tests and for copying a clusterer
  in memory; it also holds the ANN index, so a restored clusterer continues bit for bit.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from storyline.errors import ConfigError

if TYPE_CHECKING:
    from storyline.cluster.near_duplicates import NearDuplicateIndex
    from storyline.cluster.online import OnlineEventClusterer

__all__ = [
    "ClusterDelta",
    "clusterer_from_state",
    "clusterer_to_state",
    "event_summaries",
    "load_clusterer_rows",
    "load_near_duplicate_rows",
    "near_duplicate_meta",
    "rows_digest",
    "save_clusterer",
    "save_index",
    "save_near_duplicates",
    "take_delta",
]

META_VERSION = 3  # rows (schema 6); 2 was the JSON blob


def _b64(array: np.ndarray, dtype: str = "<f4") -> str:
    return base64.b64encode(np.ascontiguousarray(array, dtype=dtype).tobytes()).decode("ascii")


def _unb64(text: str, dtype: str = "<f4") -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype=dtype).astype(np.float32)


def _pack_lexical(lexical: Any) -> bytes | None:
    if lexical is None:
        return None
    idx, val = lexical
    return np.ascontiguousarray(idx, dtype="<i4").tobytes() + np.ascontiguousarray(val, dtype="<f4").tobytes()


def _unpack_lexical(blob: bytes | None) -> Any:
    if blob is None:
        return None
    n = len(blob) // 8
    return (np.frombuffer(blob[: 4 * n], dtype="<i4").astype(np.int32),
            np.frombuffer(blob[4 * n :], dtype="<f4").astype(np.float32))


# --- rows ----------------------------------------------------------------------------------------


@dataclass
class ClusterDelta:
    """The rows one save writes: changed articles and events, removed events, changed
    document frequencies as ``(kind, term, count)``, and the small meta record."""

    meta: dict[str, Any]
    articles: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    removed_events: set[str] = field(default_factory=set)
    frequencies: list[tuple[str, str, int]] = field(default_factory=list)

    @property
    def event_ids(self) -> set[str]:
        """Events whose membership or state changed (kept ones)."""
        return {e["event_id"] for e in self.events}


def _meta(c: OnlineEventClusterer) -> dict[str, Any]:
    return {"version": META_VERSION, "params": c._params(), "next_event": c._next_event, "next_key": c._next_key,
            "seq": c._seq, "clock": c._clock, "documents": c._documents, "aliases": dict(c._aliases),
            "overrides": list(c.overrides)}


def article_row(article_id: str, r: Any) -> dict[str, Any]:
    return {"article_id": article_id, "key": r.key, "seq": r.seq, "event_id": r.event_id, "day": r.day,
            "shard": r.shard,
            "features": {"entities": sorted(r.entities), "places": sorted(r.places), "years": sorted(r.years),
                         "numbers": sorted(r.numbers), "language": r.language, "pinned": r.pinned,
                         "dateline_day": r.dateline_day},
            "vector": None if r.vector is None else np.ascontiguousarray(r.vector, dtype="<f4").tobytes(),
            "lexical": _pack_lexical(r.lexical)}


def take_delta(c: OnlineEventClusterer) -> ClusterDelta:
    """The rows changed since the last call (which this call forgets)."""
    c._flush_batches()
    delta = ClusterDelta(meta=_meta(c))
    delta.articles = [article_row(a, c._articles[a]) for a in sorted(c._dirty_articles) if a in c._articles]
    for event_id in sorted(c._dirty_events):
        event = c._events.get(event_id)
        if event is not None:
            delta.events.append({"event_id": event_id,
                                 "centroid": np.ascontiguousarray(c._centroids[event.row], dtype="<f4").tobytes(),
                                 "locked": event.locked, "cannot_link": sorted(event.cannot_link)})
    delta.removed_events = set(c._removed_events)
    delta.frequencies = ([("e", k, c._entity_df[k]) for k in sorted(c._dirty_entity_df)]
                         + [("t", str(k), c._term_df[k]) for k in sorted(c._dirty_term_df)])
    c._dirty_articles.clear()
    c._dirty_events.clear()
    c._removed_events.clear()
    c._dirty_entity_df.clear()
    c._dirty_term_df.clear()
    return delta


def save_clusterer(store: Any, c: OnlineEventClusterer) -> ClusterDelta:
    """Write what changed since the last save; returns it (its events are the changed ones)."""
    delta = take_delta(c)
    store.put_cluster_delta(delta)
    return delta


def load_clusterer_rows(store: Any, cls: type[OnlineEventClusterer], *,
                        windowed: bool = False) -> OnlineEventClusterer | None:
    """The clusterer saved in the store's rows, or None when there is none (or an older one).

    ``windowed`` loads only what a new batch can touch: the rows that still hold a vector (the
    index's time window), and every member of their events. Other events are read from the
    store when something asks for one (``event_source``: story linking scores old events, an
    old article's duplicate group grows), so scores and rows come out as on the full load
    (tests/test_cluster_windowed.py); ``windowed`` is then set on the clusterer, and what needs
    every event (story linking's list) comes from :func:`event_summaries`."""
    meta = store.cluster_meta()
    if not meta or meta.get("version") != META_VERSION:
        return None
    c = cls(**meta["params"])
    c._next_event, c._next_key, c._clock = meta["next_event"], meta["next_key"], meta["clock"]
    c._documents, c._aliases, c.overrides = meta["documents"], dict(meta["aliases"]), list(meta["overrides"])
    c._entity_df.update(store.cluster_frequencies("e"))
    c.term_df_source = lambda keys: {int(k): v for k, v in store.cluster_frequencies("t", [str(k) for k in keys])
                                     .items()}
    if windowed:
        live_events = {row["event_id"] for row in store.cluster_article_rows(live=True)}
        rows = list(store.cluster_article_rows(event_ids=live_events))
        event_rows = store.cluster_event_rows(sorted(live_events))
        c.windowed = True
        c.event_source = lambda ids: _load_events(store, c, ids)
    else:
        rows = store.cluster_article_rows()  # in seq order: members come back in the order they joined
        event_rows = store.cluster_event_rows()
    live = _attach_rows(c, rows, event_rows)
    for dirty in (c._dirty_articles, c._dirty_events, c._removed_events, c._dirty_entity_df, c._dirty_term_df):
        dirty.clear()
    _restore_index(store, c, live)
    c._seq = meta["seq"]
    return c


def _attach_rows(c: OnlineEventClusterer, rows: Any, event_rows: list[dict[str, Any]]
                 ) -> dict[str, tuple[list[int], list[np.ndarray]]]:
    """Rebuild events from their rows and their members' rows (in ``seq`` order); returns the
    vectors of the members still in the window, by shard."""
    from storyline.cluster.online import _Article

    events = {row["event_id"]: row for row in event_rows}
    for event_id in sorted(events):
        row = events[event_id]
        event = c._create_event(event_id)
        event.locked, event.cannot_link = row["locked"], set(row["cannot_link"])
    live: dict[str, tuple[list[int], list[np.ndarray]]] = defaultdict(lambda: ([], []))
    for row in rows:
        f = row["features"]
        record = _Article(key=row["key"], event_id=row["event_id"], day=row["day"], shard=row["shard"],
                          entities=frozenset(f["entities"]), places=frozenset(f["places"]),
                          years=frozenset(f["years"]), numbers=frozenset(f["numbers"]), pinned=f["pinned"],
                          language=f["language"], lexical=_unpack_lexical(row["lexical"]),
                          dateline_day=f.get("dateline_day"))
        c._articles[row["article_id"]] = record
        c._attach(row["article_id"], record, c._events[row["event_id"]])  # no vector yet: centroids are stored
        record.seq = row["seq"]
        if row["vector"] is not None:
            record.vector = np.frombuffer(row["vector"], dtype="<f4").astype(np.float32)
            keys, vectors = live[record.shard]
            keys.append(record.key)
            vectors.append(record.vector)
            c._key_to_article[record.key] = row["article_id"]
    for event_id, row in events.items():
        c._centroids[c._events[event_id].row] = np.frombuffer(row["centroid"], dtype="<f4")
    return live


def _load_events(store: Any, c: OnlineEventClusterer, event_ids: Any) -> None:
    """Read events a windowed clusterer does not hold, with all their members, from the store.
    They are outside the window (a member in it would have loaded its event), so none of their
    members holds a vector, and loading them changes nothing that a save would write."""
    wanted = sorted({c.resolve(e) for e in event_ids} - set(c._events))
    event_rows = store.cluster_event_rows(wanted) if wanted else []
    if not event_rows:
        return
    seq = c._seq
    dirty_articles, dirty_events = set(c._dirty_articles), set(c._dirty_events)
    removed = set(c._removed_events)
    rows = [r for r in store.cluster_article_rows(event_ids=[r["event_id"] for r in event_rows])
            if r["article_id"] not in c._articles]
    live = _attach_rows(c, rows, event_rows)
    if live:
        raise RuntimeError(f"events {wanted} hold articles inside the clusterer's window but were not loaded with it")
    c._seq = seq
    c._dirty_articles, c._dirty_events, c._removed_events = dirty_articles, dirty_events, removed


def event_summaries(store: Any, c: OnlineEventClusterer, need: Any = ()) -> list[Any]:
    """Summaries of every event, oldest id first, as story linking needs them. A full clusterer
    has them all; a windowed one has the events it loaded (``need`` are loaded first: they must
    come with their members), and the others come from the store as far as linking reads them:
    the centroid (the cluster_events row) and the first and last day (the events table row,
    which is current for every event the run did not touch)."""
    if not getattr(c, "windowed", False):
        return c.events()
    from storyline.cluster.records import EventSummary, parse_day

    c.event_source(need)
    mine = {ev.event_id: ev for ev in c.events()}
    spans = store.event_spans()
    out = []
    for event_id, stored_centroid in store.cluster_event_centroids():
        if event_id in mine:
            out.append(mine[event_id])
            continue
        centroid = np.frombuffer(stored_centroid, dtype="<f4").astype(np.float32)
        norm = float(np.linalg.norm(centroid))
        first, last = spans.get(event_id, (None, None))
        out.append(EventSummary(event_id=event_id, article_ids=(), centroid=centroid / norm if norm else centroid,
                                entities=Counter(), places=Counter(), years=Counter(), first_day=parse_day(first),
                                last_day=parse_day(last)))
    listed = {ev.event_id for ev in out}
    return sorted(out + [ev for event_id, ev in mine.items() if event_id not in listed], key=lambda e: e.event_id)


def _restore_index(store: Any, c: OnlineEventClusterer, live: dict[str, tuple[list[int], list[np.ndarray]]]) -> None:
    """Restore the saved index shards that hold exactly the window's vectors; rebuild the others
    from the article rows (a run stopped between its last batch and its index save)."""
    from usearch.index import Index

    saved = store.cluster_shards()
    for shard, (keys, vectors) in live.items():
        index = None
        if shard in saved and saved[shard][0] == len(keys):
            index = Index.restore(bytearray(saved[shard][1]))
            if index is not None and {int(k) for k in index.keys} != set(keys):
                index = None
        if index is None:
            index = c._new_index()
            index.add(np.asarray(keys, dtype=np.uint64), np.vstack(vectors))
            c._dirty_shards.add(shard)
        c._shards[shard] = index
    c._removed_shards |= set(saved) - set(live)


def save_index(store: Any, c: OnlineEventClusterer) -> int:
    """Write the index shards that changed since the last call (once per run: a shard is
    rewritten whole, so per batch it would cost the window); returns how many."""
    c._flush_batches()
    shards = [(name, len(c._shards[name]), bytes(c._shards[name].save())) for name in sorted(c._dirty_shards)
              if name in c._shards]
    store.put_cluster_shards(shards, removed=c._removed_shards)
    c._dirty_shards.clear()
    c._removed_shards.clear()
    return len(shards)


def rows_digest(store: Any, article_ids: set[str], event_ids: set[str]) -> str:
    """A digest of the stored rows of some articles and events and of the meta record: what
    undo compares to see whether anything touched them after a decision."""
    h = hashlib.sha256()
    h.update(json.dumps(store.cluster_meta(), sort_keys=True).encode())
    for row in sorted(store.cluster_article_rows(sorted(article_ids)), key=lambda r: r["article_id"]):
        h.update(json.dumps({k: v for k, v in row.items() if k not in ("vector", "lexical")}, sort_keys=True)
                 .encode())
    for row in store.cluster_event_rows(sorted(event_ids)):
        h.update(row["event_id"].encode() + row["centroid"] + json.dumps(row["cannot_link"]).encode()
                 + bytes([row["locked"]]))
    return h.hexdigest()


def encode_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows made JSON-able (blobs as base64), for the undo record."""
    return [{k: base64.b64encode(v).decode("ascii") if isinstance(v, bytes) else v for k, v in r.items()}
            for r in rows]


def decode_rows(rows: list[dict[str, Any]], blobs: tuple[str, ...]) -> list[dict[str, Any]]:
    return [{k: base64.b64decode(v) if k in blobs and v is not None else v for k, v in r.items()} for r in rows]


# --- near-duplicate index ------------------------------------------------------------------------


def save_near_duplicates(store: Any, index: NearDuplicateIndex) -> dict[str, tuple[str, str]]:
    """Write the signatures added since the last save, and the duplicate rows of the groups
    that changed; returns those rows (article id -> (group id, original id))."""
    new, changed = index.take_changes()
    store.put_near_duplicate_rows(
        [(a, index._order[a], index._published[a], index._signatures[a].astype("<u8").tobytes()) for a in new],
        near_duplicate_meta(index), bands=[(key, a) for a in new for key in index.band_keys(index._signatures[a])])
    rows = {a: (g, index.original(g)) for g in sorted(changed) for a in index._groups[g]}
    store.put_duplicates(rows)
    return rows


def near_duplicate_meta(index: NearDuplicateIndex) -> dict[str, Any]:
    """The small record saved with the signatures; ``bands`` says the band rows are filed
    (a store from before schema 10 gets them from the first run after, see
    :func:`storyline.cluster.stored_near_duplicates.file_near_duplicate_bands`)."""
    return {"version": META_VERSION, "params": index.params(), "next_group": index._next_group,
            "next_order": index._next_order(), "bands": BANDS_VERSION}


BANDS_VERSION = 1


def load_near_duplicate_rows(store: Any, cls: type[NearDuplicateIndex]) -> NearDuplicateIndex | None:
    """The whole index in memory (every signature into a datasketch LSH): what tests compare the
    store-queried index (stored_near_duplicates) with; runs no longer load it."""
    meta = store.near_duplicate_meta()
    if not meta or meta.get("version") != META_VERSION:
        return None
    index = cls(**meta["params"])
    for article_id, order, published, signature in store.near_duplicate_rows():
        index.restore_one(article_id, np.frombuffer(signature, dtype="<u8").astype(np.uint64), published, order)
    groups: dict[str, list[str]] = defaultdict(list)
    for article_id, (group_id, _original) in sorted(store.duplicates().items(), key=lambda kv: index._order[kv[0]]):
        groups[group_id].append(article_id)
    index._groups = dict(groups)
    index._group_of = {m: g for g, members in groups.items() for m in members}
    index._next_group = meta["next_group"]
    index.take_changes()
    return index


# --- one JSON value ------------------------------------------------------------------------------


def clusterer_to_state(c: OnlineEventClusterer) -> dict[str, Any]:
    from storyline.cluster.online import STATE_VERSION

    c._flush_batches()
    return {
        "version": STATE_VERSION,
        "params": c._params(),
        "next_event": c._next_event,
        "next_key": c._next_key,
        "clock": c._clock,
        "documents": c._documents,
        "entity_df": dict(c._entity_df),
        "term_df": [[k, v] for k, v in c._term_df.items()],
        "aliases": dict(c._aliases),
        "overrides": list(c.overrides),
        "events": [
            {"id": e.event_id, "members": list(e.members), "centroid": _b64(c._centroids[e.row]),
             "locked": e.locked, "cannot_link": sorted(e.cannot_link)}
            for e in sorted(c._events.values(), key=lambda e: e.event_id)
        ],
        "articles": [
            {"id": article_id, "key": r.key, "event": r.event_id, "day": r.day, "shard": r.shard,
             "entities": sorted(r.entities), "places": sorted(r.places), "years": sorted(r.years),
             "numbers": sorted(r.numbers), "vector": _b64(r.vector) if r.vector is not None else None,
             "pinned": r.pinned, "language": r.language, "dateline_day": r.dateline_day,
             "lexical": [_b64(r.lexical[0], "<i4"), _b64(r.lexical[1])] if r.lexical is not None else None}
            for article_id, r in c._articles.items()
        ],
        "shards": {name: base64.b64encode(bytes(index.save())).decode("ascii") for name, index in c._shards.items()},
    }


def clusterer_from_state(cls: type[OnlineEventClusterer], state: dict[str, Any]) -> OnlineEventClusterer:
    from usearch.index import Index

    from storyline.cluster.online import STATE_VERSION, _Article

    if state.get("version") != STATE_VERSION:
        raise ConfigError(f"clusterer state version {state.get('version')!r} is not {STATE_VERSION}; "
                          "re-run clustering to rebuild it with this storyline")
    c = cls(**state["params"])
    c._next_event, c._next_key = state["next_event"], state["next_key"]
    c._clock, c._documents = state["clock"], state["documents"]
    c._entity_df = Counter(state["entity_df"])
    c._term_df = Counter({int(k): int(v) for k, v in state.get("term_df", [])})
    c._aliases = dict(state["aliases"])
    c.overrides = list(state["overrides"])
    for row in state["articles"]:
        c._articles[row["id"]] = _Article(
            key=row["key"], event_id=row["event"], day=row["day"], shard=row["shard"],
            entities=frozenset(row["entities"]), places=frozenset(row["places"]), years=frozenset(row["years"]),
            numbers=frozenset(row["numbers"]),
            vector=_unb64(row["vector"]) if row["vector"] is not None else None, pinned=row["pinned"],
            language=row.get("language"), dateline_day=row.get("dateline_day"),
            lexical=(np.frombuffer(base64.b64decode(row["lexical"][0]), dtype="<i4").astype(np.int32),
                     _unb64(row["lexical"][1])) if row.get("lexical") else None,
        )
    for row in state["events"]:
        event = c._create_event(row["id"])
        event.locked = row["locked"]
        event.cannot_link = set(row["cannot_link"])
        for article_id in row["members"]:
            record = c._articles[article_id]
            vector, record.vector = record.vector, None  # the saved centroid already holds it
            c._attach(article_id, record, event)
            record.vector = vector
        c._centroids[event.row] = _unb64(row["centroid"])
    for name, blob in state["shards"].items():
        index = Index.restore(bytearray(base64.b64decode(blob)))
        if index is None:
            raise ConfigError(f"clusterer state: index shard {name!r} cannot be read; re-run clustering")
        c._shards[name] = index
    key_to_id = {r.key: article_id for article_id, r in c._articles.items()}
    for index in c._shards.values():
        for key in index.keys:
            c._key_to_article[int(key)] = key_to_id[int(key)]
    for dirty in (c._dirty_articles, c._dirty_events, c._removed_events, c._dirty_entity_df, c._dirty_term_df):
        dirty.clear()
    return c
