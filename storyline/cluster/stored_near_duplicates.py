"""The near-duplicate index queried from the store, so a run costs its batch, not the history.

:class:`~storyline.cluster.near_duplicates.NearDuplicateIndex` keeps every signature in a
datasketch LSH in memory; a run used to rebuild that LSH from every stored signature (26.7
CPU s of a 64-article run into a 100k store, benchmarks/results/speed.md). Here the LSH
buckets are rows of the store (``neardup_bands``: band key, article id), and a new article

1. looks up the articles filed under its own band keys (one indexed query),
2. fetches the signatures of those candidates only and compares them as the in-memory index
   does (the most similar one, at or above the threshold),
3. reads the group of the best match, and that group's members, from the ``duplicates`` rows.

The articles of the current run are also kept in memory (their bands in a dict) until the run
ends, so a copy within one batch finds its original before the batch is saved. Same inputs,
same groups, ids and originals as the in-memory index (tests/test_cluster_near_duplicates_stored.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from storyline.cluster.near_duplicates import DuplicateGroup, NearDuplicateIndex
from storyline.cluster.persist import BANDS_VERSION, META_VERSION, near_duplicate_meta

__all__ = ["StoredNearDuplicateIndex", "file_near_duplicate_bands", "open_near_duplicates"]


class StoredNearDuplicateIndex(NearDuplicateIndex):
    """A :class:`NearDuplicateIndex` whose earlier articles stay in the store; what it reads
    from the store (signatures, groups) is cached for the run."""

    def __init__(self, store: Any, threshold: float = 0.8, *, num_perm: int = 128, shingle_size: int = 5,
                 seed: int = 1, next_group: int = 1, next_order: int = 0):
        super().__init__(threshold, num_perm=num_perm, shingle_size=shingle_size, seed=seed)
        self.store = store
        self._next_group = next_group
        self._first_order = next_order
        self._added = 0  # articles added in this run (they take orders from next_order on)
        self._run_bands: dict[int, list[str]] = defaultdict(list)
        self._ungrouped: set[str] = set()  # read from the store: in no group
        # What prefetch read for the coming chunk: ids known not to be indexed, the minhashes it
        # computed, and the stored articles filed under each band key it looked up.
        self._not_indexed: set[str] = set()
        self._prefetched: dict[str, Any] = {}
        self._stored_bands: dict[int, set[str]] = {}

    def prefetch(self, articles: Sequence[tuple[str, str, np.ndarray | None]]) -> None:
        """Read what ``add`` needs for a chunk of articles in four queries, not three or four
        per article (each a round trip in PostgreSQL): whether they are indexed already, the
        stored articles filed under their band keys, those articles' signatures, and their groups.
        ``add`` then finds the same candidates the per-article queries would have found: the
        articles stored before the chunk under its keys (from here), and the chunk's own (in memory)."""
        new = [(a, text, signature) for a, text, signature in articles if a not in self._order]
        if not new:
            return
        self._read([a for a, _, _ in new])
        keys: set[int] = set()
        for article_id, text, signature in new:
            if article_id in self._order:
                continue
            self._not_indexed.add(article_id)
            minhash = self._minhash(text, hashvalues=signature)
            self._prefetched[article_id] = minhash
            keys.update(self.band_keys(minhash.hashvalues))
        keys -= self._stored_bands.keys()
        if not keys:
            return
        found = self.store.near_duplicate_candidates(sorted(keys))
        self._read([a for a in found if a not in self._signatures])
        for key in keys:
            self._stored_bands[key] = set()
        for article_id in found:  # file each under the looked-up keys it shares
            for key in self.band_keys(self._signatures[article_id]):
                if key in keys:
                    self._stored_bands[key].add(article_id)
        self.groups_of(found)

    def _minhash_of(self, article_id: str, text: str, signature: np.ndarray | None) -> Any:
        minhash = self._prefetched.pop(article_id, None)
        return minhash if minhash is not None else self._minhash(text, hashvalues=signature)

    def _known(self, article_id: str) -> bool:
        if article_id in self._order:
            return True
        if article_id in self._not_indexed:
            return False
        rows = list(self.store.near_duplicate_rows([article_id]))
        self._cache(rows)
        return bool(rows)

    def _read(self, article_ids: list[str]) -> None:
        """Cache the stored signatures of some articles (no query for none)."""
        if article_ids:
            self._cache(self.store.near_duplicate_rows(article_ids))

    def _cache(self, rows: Iterable[tuple[str, int, str | None, bytes]]) -> None:
        for article_id, order, published, signature in rows:
            if article_id not in self._signatures:
                self._signatures[article_id] = np.frombuffer(signature, dtype="<u8").astype(np.uint64)
                self._published[article_id] = published
                self._order[article_id] = order

    def _candidates(self, minhash: Any) -> list[str]:
        keys = self.band_keys(minhash.hashvalues)
        if all(key in self._stored_bands for key in keys):  # prefetched with its chunk
            found = {a for key in keys for a in self._stored_bands[key]}
        else:
            found = self.store.near_duplicate_candidates(keys)
        found.update(a for key in keys for a in self._run_bands.get(key, ()))
        self._read([a for a in found if a not in self._signatures])
        return sorted(found)

    def _insert(self, article_id: str, minhash: Any) -> None:
        for key in self.band_keys(minhash.hashvalues):
            self._run_bands[key].append(article_id)
        self._added += 1
        self._ungrouped.add(article_id)  # until it joins a group (group_of reads _group_of first)

    def _next_order(self) -> int:
        return self._first_order + self._added

    def group_of(self, article_id: str) -> str | None:
        if article_id in self._group_of:
            return self._group_of[article_id]
        if article_id in self._ungrouped:
            return None
        group_id = self.store.duplicate_groups_of([article_id]).get(article_id)
        if group_id is None:
            self._ungrouped.add(article_id)
        return group_id

    def _load_group(self, group_id: str) -> None:
        self._load_groups([group_id])

    def _load_groups(self, group_ids: Iterable[str]) -> None:
        missing = [g for g in group_ids if g not in self._groups]
        if not missing:
            return
        members = self.store.duplicate_group_members(missing)
        self._read([a for ids in members.values() for a in ids if a not in self._signatures])
        for group_id in missing:
            ids = sorted(members.get(group_id, []), key=lambda a: self._order[a])  # the order they joined
            self._groups[group_id] = ids
            for article_id in ids:
                self._group_of[article_id] = group_id
                self._ungrouped.discard(article_id)

    def groups_of(self, article_ids: Iterable[str]) -> dict[str, tuple[str, ...]]:
        ids = list(article_ids)
        unknown = [a for a in ids if a not in self._group_of and a not in self._ungrouped]
        stored = self.store.duplicate_groups_of(unknown) if unknown else {}
        self._ungrouped.update(a for a in unknown if a not in stored)
        self._load_groups({*stored.values()})
        return {a: tuple(self._groups[self._group_of[a]]) for a in ids if a in self._group_of}

    def original(self, group_id: str) -> str:
        self._load_group(group_id)
        return super().original(group_id)

    def group(self, group_id: str) -> DuplicateGroup:
        self._load_group(group_id)
        return super().group(group_id)

    def groups(self) -> list[DuplicateGroup]:
        self._load_groups({g for g, _original in self.store.duplicates().values()})
        return super().groups()

    def __len__(self) -> int:
        return self._first_order + self._added

    def to_state(self) -> dict[str, Any]:
        raise NotImplementedError("the stored index lives in its store; load_near_duplicate_rows gives one in memory")


def file_near_duplicate_bands(store: Any, index: NearDuplicateIndex, *, chunk: int = 5000) -> int:
    """File the band rows of every stored signature (once, for a store from before schema 10);
    returns how many signatures were filed."""
    rows = list(store.near_duplicate_rows())
    meta = near_duplicate_meta(index) | {"next_order": max((r[1] for r in rows), default=-1) + 1}
    for start in range(0, len(rows), chunk):
        part = rows[start:start + chunk]
        bands = [(key, a) for a, _order, _published, signature in part
                 for key in index.band_keys(np.frombuffer(signature, dtype="<u8"))]
        store.put_near_duplicate_rows([], meta | {"bands": 0}, bands=bands)
    store.put_near_duplicate_rows([], meta)
    return len(rows)


def open_near_duplicates(store: Any) -> StoredNearDuplicateIndex:
    """The store's near-duplicate index (a new one when the store has none, or an older one)."""
    meta = store.near_duplicate_meta()
    if not meta or meta.get("version") != META_VERSION:
        return StoredNearDuplicateIndex(store)
    params = meta["params"]
    if meta.get("bands") != BANDS_VERSION:
        bare = NearDuplicateIndex(**params)
        bare._next_group = meta["next_group"]
        file_near_duplicate_bands(store, bare)
        meta = store.near_duplicate_meta()
    next_order = meta.get("next_order")
    if next_order is None:
        next_order = store.near_duplicate_next_order()
    return StoredNearDuplicateIndex(store, **params, next_group=meta["next_group"], next_order=next_order)

