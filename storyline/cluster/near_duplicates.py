"""Near-duplicate articles: wire copies and re-posts of the same text.

MinHash signatures of word shingles, looked up in a MinHash LSH index
(datasketch), online: :meth:`NearDuplicateIndex.add` returns the group an article
joins, or None when its text is new. A group's *original* is its earliest
published member (the first one added among equal or unknown dates). Group ids
("dup_000001") are handed out once and never change.

Near-duplicates are a different question from events: twenty outlets rewriting
one agency report are one event *and* one duplicate group, while twenty outlets
reporting the same press conference in their own words are one event and no
duplicate group. Coverage comparison needs to know which is which.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["DuplicateGroup", "NearDuplicateIndex", "shingles"]

STATE_VERSION = 1
_WORD = re.compile(r"\w+", re.UNICODE)


def shingles(text: str, size: int = 5) -> set[str]:
    """Lower-cased word ``size``-grams; a text shorter than ``size`` words is one shingle."""
    words = _WORD.findall(text.lower())
    if len(words) <= size:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


@dataclass(frozen=True)
class DuplicateGroup:
    group_id: str
    original: str
    article_ids: tuple[str, ...]


class NearDuplicateIndex:
    """Online near-duplicate grouping.

    ``threshold`` is the estimated Jaccard similarity of shingle sets above which
    two texts are copies; re-posts with a changed headline or a trimmed last
    paragraph stay well above 0.8, while two outlets' own write-ups of one event
    stay far below 0.3.
    """

    def __init__(self, threshold: float = 0.8, *, num_perm: int = 128, shingle_size: int = 5, seed: int = 1):
        self.threshold = threshold
        self.num_perm = num_perm
        self.shingle_size = shingle_size
        self.seed = seed
        self._reset()

    def _reset(self) -> None:
        from datasketch import MinHash, MinHashLSH

        self._lsh = MinHashLSH(threshold=self.threshold, num_perm=self.num_perm)
        self._template = MinHash(num_perm=self.num_perm, seed=self.seed)  # permutations are computed once
        self._signatures: dict[str, np.ndarray] = {}
        self._published: dict[str, str | None] = {}
        self._order: dict[str, int] = {}
        self._group_of: dict[str, str] = {}
        self._groups: dict[str, list[str]] = {}
        self._next_group = 1
        self._new: list[str] = []  # added since the last take_changes (persist writes only these)
        self._changed_groups: set[str] = set()

    def params(self) -> dict[str, Any]:
        return {"threshold": self.threshold, "num_perm": self.num_perm, "shingle_size": self.shingle_size,
                "seed": self.seed}

    def take_changes(self) -> tuple[list[str], set[str]]:
        """Articles added and groups changed since the last call (which this call forgets)."""
        changes = (self._new, self._changed_groups)
        self._new, self._changed_groups = [], set()
        return changes

    def restore_one(self, article_id: str, hashvalues: np.ndarray, published: str | None, order: int) -> None:
        """Re-insert a saved signature (loading from the store)."""
        minhash = self._minhash("", hashvalues=hashvalues)
        self._lsh.insert(article_id, minhash)
        self._signatures[article_id] = minhash.hashvalues
        self._published[article_id] = published
        self._order[article_id] = order

    def _minhash(self, text: str, hashvalues: np.ndarray | None = None) -> Any:
        from datasketch import MinHash

        minhash = MinHash(
            num_perm=self.num_perm,
            seed=self.seed,
            permutations=self._template.permutations,
            hashvalues=hashvalues,
            scheme=self._template.scheme,
        )
        if hashvalues is None:
            minhash.update_batch([s.encode("utf-8") for s in shingles(text, self.shingle_size)])
        return minhash

    def __len__(self) -> int:
        return len(self._signatures)

    def signature(self, text: str) -> np.ndarray:
        """The MinHash signature ``add`` computes for ``text`` (Spark executors compute it once,
        in parallel, and ``add`` takes it back: storyline.spark.grouping)."""
        return np.asarray(self._minhash(text).hashvalues, dtype=np.uint64)

    def add(self, article_id: str, text: str, published: str | None = None, *,
            signature: np.ndarray | None = None) -> str | None:
        """Index one article; return its duplicate group id, or None if no earlier text is a copy.
        Adding an id twice returns its current group and changes nothing. ``signature``: the text's
        :meth:`signature`, already computed with this index's parameters."""
        if self._known(article_id):
            return self.group_of(article_id)
        minhash = self._minhash_of(article_id, text, signature)
        matches = [m for m in self._candidates(minhash) if m != article_id]
        order = self._next_order()
        self._insert(article_id, minhash)
        self._signatures[article_id] = minhash.hashvalues
        self._published[article_id] = published
        self._order[article_id] = order
        self._new.append(article_id)
        if not matches:
            return None
        # Join the group of the most similar earlier article (LSH candidates are approximate).
        best = max(
            matches, key=lambda m: (self._jaccard(minhash.hashvalues, self._signatures[m]), -self._order[m])
        )
        if self._jaccard(minhash.hashvalues, self._signatures[best]) < self.threshold:
            return None
        group_id = self.group_of(best)
        if group_id is None:
            group_id = f"dup_{self._next_group:06d}"
            self._next_group += 1
            self._groups[group_id] = [best]
            self._group_of[best] = group_id
        self._load_group(group_id)
        self._groups[group_id].append(article_id)
        self._group_of[article_id] = group_id
        self._changed_groups.add(group_id)
        return group_id

    # Where the indexed articles live: here, in memory (a loaded LSH); StoredNearDuplicateIndex
    # overrides these to look them up in the store instead.

    def prefetch(self, articles: Sequence[tuple[str, str, np.ndarray | None]]) -> None:
        """Prepare ``add`` for a chunk of ``(article id, text, signature or None)``: nothing to
        do in memory (StoredNearDuplicateIndex reads the chunk's candidates in a few queries)."""

    def _minhash_of(self, article_id: str, text: str, signature: np.ndarray | None) -> Any:
        return self._minhash(text, hashvalues=signature)

    def _known(self, article_id: str) -> bool:
        return article_id in self._signatures

    def _candidates(self, minhash: Any) -> list[str]:
        return list(self._lsh.query(minhash))

    def _insert(self, article_id: str, minhash: Any) -> None:
        self._lsh.insert(article_id, minhash)

    def _next_order(self) -> int:
        """The insertion order the next article gets (ties of ``original`` go to the lower)."""
        return len(self._order)

    def _load_group(self, group_id: str) -> None:
        """Make the members of a group (and their dates and order) available in memory."""

    def band_keys(self, hashvalues: np.ndarray) -> list[int]:
        """The LSH band keys of a signature, as signed 64-bit integers: a hash of the band's
        number and its hash values. Two signatures share a key where the LSH puts them in one
        bucket (up to a 2^-64 collision), so the store can file and look up articles by them."""
        values = np.ascontiguousarray(hashvalues, dtype="<u8")
        keys = []
        for band, (start, end) in enumerate(self._lsh.hashranges):
            digest = hashlib.blake2b(values[start:end].tobytes(), digest_size=8, salt=band.to_bytes(16, "little"))
            keys.append(int.from_bytes(digest.digest(), "little", signed=True))
        return keys

    def groups_of(self, article_ids: Iterable[str]) -> dict[str, tuple[str, ...]]:
        """Article id -> the members of its duplicate group, for the articles in a group."""
        out = {}
        for article_id in article_ids:
            group_id = self.group_of(article_id)
            if group_id is not None:
                out[article_id] = tuple(self._groups[group_id])
        return out

    @staticmethod
    def _jaccard(a: np.ndarray, b: np.ndarray) -> float:
        return float(np.count_nonzero(a == b)) / len(a)

    def similarity(self, a: str, b: str) -> float:
        """Estimated Jaccard similarity of two indexed articles' shingle sets."""
        return self._jaccard(self._signatures[a], self._signatures[b])

    def group_of(self, article_id: str) -> str | None:
        return self._group_of.get(article_id)

    def original(self, group_id: str) -> str:
        """The earliest published member (unknown dates sort last; ties go to the first added)."""
        members = self._groups[group_id]
        return min(
            members, key=lambda m: (self._published[m] is None, self._published[m] or "", self._order[m])
        )

    def group(self, group_id: str) -> DuplicateGroup:
        return DuplicateGroup(group_id, self.original(group_id), tuple(self._groups[group_id]))

    def groups(self) -> list[DuplicateGroup]:
        return [self.group(g) for g in sorted(self._groups)]

    def to_state(self) -> dict[str, Any]:
        return {
            "version": STATE_VERSION,
            "params": self.params(),
            "articles": [
                {
                    "id": article_id,
                    "published": self._published[article_id],
                    "signature": base64.b64encode(signature.astype("<u8").tobytes()).decode("ascii"),
                }
                for article_id, signature in sorted(
                    self._signatures.items(), key=lambda item: self._order[item[0]]
                )
            ],
            "groups": {g: list(m) for g, m in self._groups.items()},
            "next_group": self._next_group,
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> NearDuplicateIndex:
        if state.get("version") != STATE_VERSION:
            raise ValueError(
                f"near-duplicate state version {state.get('version')!r} is not {STATE_VERSION}; rebuild it"
            )
        index = cls(**state["params"])
        for row in state["articles"]:
            hashvalues = np.frombuffer(base64.b64decode(row["signature"]), dtype="<u8").astype(np.uint64)
            index.restore_one(row["id"], hashvalues, row["published"], len(index._order))
        index._groups = {g: list(m) for g, m in state["groups"].items()}
        index._group_of = {m: g for g, members in index._groups.items() for m in members}
        index._next_group = state["next_group"]
        index.take_changes()
        return index
