"""The near-duplicate index queried from the store (band keys as rows) groups exactly as the
in-memory LSH index, on both stores, across runs."""

from __future__ import annotations

import random

from storyline.cluster.near_duplicates import NearDuplicateIndex
from storyline.cluster.persist import load_near_duplicate_rows, save_near_duplicates
from storyline.cluster.stored_near_duplicates import StoredNearDuplicateIndex, open_near_duplicates
from storyline.model import Article, OffsetMap

WORDS = ("harbour ferry council mayor bridge storm river tunnel budget school rail strike court vote tower "
         "market museum garden factory festival orchard lighthouse quarry canal library stadium clinic depot "
         "north south early late closed opened repaired delayed cancelled approved rejected warned praised").split()


def _story(rng: random.Random, words: int = 90) -> str:
    return " ".join(rng.choice(WORDS) + str(rng.randrange(40)) for _ in range(words)) + "."


def _edited(rng: random.Random, text: str, changes: int) -> str:
    words = text.split()
    for _ in range(changes):
        words[rng.randrange(len(words))] = "changed" + str(rng.randrange(1000))
    return " ".join(words)


def _stream(seed: int = 7) -> list[tuple[str, str, str | None]]:
    """Invented wire stories, their republished copies (some lightly edited, some edited past
    the threshold, some dated earlier than the copy they follow) and unrelated stories."""
    rng = random.Random(seed)
    originals = [_story(rng) for _ in range(12)]
    items = []
    for n, text in enumerate(originals):
        items.append((f"orig{n:02d}", text, f"2031-03-{n + 1:02d}"))
        items.append((f"other{n:02d}", _story(rng), f"2031-03-{n + 1:02d}"))
    for n in range(40):
        source = rng.randrange(len(originals))
        changes = rng.choice([0, 1, 2, 6, 20])
        published = rng.choice([None, f"2031-02-{rng.randrange(1, 28):02d}", f"2031-04-{rng.randrange(1, 28):02d}"])
        items.append((f"copy{n:02d}", _edited(rng, originals[source], changes) + " Reprinted.", published))
    return items


def _stored(store, items: list[tuple[str, str, str | None]]) -> None:
    """The articles themselves (duplicate rows point at them)."""
    for article_id, text, published in items:
        store.add_article(Article(id=article_id, external_id=None, source="wire", title=None, published=published,
                                  url=None, language="en", authors=(), raw_text=text, text=text,
                                  offset_map=OffsetMap.identity(len(text)), content_hash=article_id))


def _groups(index: NearDuplicateIndex, ids: list[str]) -> dict[str, tuple[str | None, str | None]]:
    out = {}
    for article_id in ids:
        group_id = index.group_of(article_id)
        out[article_id] = (group_id, index.original(group_id) if group_id else None)
    return out


def test_band_keys_find_the_candidates_the_lsh_finds():
    index = NearDuplicateIndex()
    items = _stream()
    for article_id, text, published in items:
        index.add(article_id, text, published)
    keys = {a: set(index.band_keys(index._signatures[a])) for a, _, _ in items}
    for article_id, _text, _published in items:
        lsh = set(index._lsh.query(index._minhash("", hashvalues=index._signatures[article_id])))
        assert {b for b in keys if keys[b] & keys[article_id]} == lsh


def test_the_stored_index_groups_as_the_in_memory_one_across_runs(any_store):
    items = _stream()
    memory = NearDuplicateIndex()
    expected = [memory.add(a, text, published) for a, text, published in items]
    assert sum(g is not None for g in expected) == 16 and len(memory.groups()) == 10
    _stored(any_store, items)
    got = []
    for begin, end in ((0, 20), (20, 31), (31, 50), (50, len(items))):  # four runs, the groups grow across them
        stored = open_near_duplicates(any_store)
        assert isinstance(stored, StoredNearDuplicateIndex)
        for step in range(begin, end, 7):  # batches saved as the pipeline saves them
            got += [stored.add(a, text, published) for a, text, published in items[step:min(step + 7, end)]]
            save_near_duplicates(any_store, stored)
    assert got == expected
    ids = [a for a, _, _ in items]
    reopened = open_near_duplicates(any_store)
    assert _groups(reopened, ids) == _groups(memory, ids)
    assert reopened.groups_of(ids) == memory.groups_of(ids)
    assert [(g.group_id, g.original, g.article_ids) for g in reopened.groups()] == [
        (g.group_id, g.original, g.article_ids) for g in memory.groups()]
    assert reopened.add("orig03", "a text never seen") == memory.group_of("orig03")  # known: nothing changes
    assert reopened.take_changes() == ([], set())
    assert any_store.duplicates() == {a: (g, o) for a, (g, o) in _groups(memory, ids).items() if g}


def test_a_store_saved_before_band_rows_gets_them_on_first_open(any_store):
    items = _stream(seed=11)
    _stored(any_store, items)
    memory = NearDuplicateIndex()
    for article_id, text, published in items[:40]:
        memory.add(article_id, text, published)
    save_near_duplicates(any_store, memory)
    any_store.db.execute("DELETE FROM neardup_bands")  # as a schema-9 store left it
    meta = any_store.near_duplicate_meta()
    any_store.set_kv("neardup.meta", {k: v for k, v in meta.items() if k not in ("bands", "next_order")})
    stored = open_near_duplicates(any_store)
    assert any_store.near_duplicate_band_count() == 40 * len(memory._lsh.hashranges)
    assert [stored.add(a, t, p) for a, t, p in items[40:]] == [memory.add(a, t, p) for a, t, p in items[40:]]
    save_near_duplicates(any_store, stored)
    loaded = load_near_duplicate_rows(any_store, NearDuplicateIndex)
    ids = [a for a, _, _ in items]
    assert loaded is not None and _groups(loaded, ids) == _groups(memory, ids)


class _CountingStore:
    """The store, counting the near-duplicate queries made through it."""

    QUERIES = ("near_duplicate_rows", "near_duplicate_candidates", "duplicate_groups_of", "duplicate_group_members")

    def __init__(self, store):
        self.store, self.calls = store, 0

    def __getattr__(self, name):
        attribute = getattr(self.store, name)
        if name not in self.QUERIES:
            return attribute

        def counted(*args, **kwargs):
            self.calls += 1
            return attribute(*args, **kwargs)
        return counted


def test_a_prefetched_chunk_groups_the_same_in_a_few_queries(any_store):
    items = _stream(seed=5)
    memory = NearDuplicateIndex()
    expected = [memory.add(a, text, published) for a, text, published in items]
    _stored(any_store, items)
    first = open_near_duplicates(any_store)
    for a, text, published in items[:30]:
        first.add(a, text, published)
    save_near_duplicates(any_store, first)
    counting = _CountingStore(any_store)
    per_article = StoredNearDuplicateIndex(counting, next_group=first._next_group, next_order=30)
    got_one_by_one = [per_article.add(a, t, p) for a, t, p in items[30:50]]
    one_by_one_calls, counting.calls = counting.calls, 0
    prefetched = StoredNearDuplicateIndex(counting, next_group=first._next_group, next_order=30)
    prefetched.prefetch([(a, t, None) for a, t, _ in items[30:50]])
    got = [prefetched.add(a, t, p) for a, t, p in items[30:50]]
    assert got == got_one_by_one == expected[30:50]
    assert one_by_one_calls >= 40 and counting.calls <= 5
