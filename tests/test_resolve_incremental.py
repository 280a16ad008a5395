"""Incremental entity resolution: a new batch re-examines only the entities its mentions could join."""

from __future__ import annotations

import shutil

import pytest

import storyline
import storyline.resolve
from storyline.api import DEMO_NAME_PATTERN
from storyline.enrich.canonical import EntityResolver
from storyline.stages import enrich_pending, resolve_entities

from .conftest import demo_corpus_copy

pytestmark = pytest.mark.models

LATER = "2025-03-11_lomir-courier_nea-wind-fishermen.md"


def _grouping(store):
    groups = {}
    for m in store.mentions():
        groups.setdefault(m.entity_id, set()).add((m.article_id, m.start, m.end))
    return {eid: frozenset(g) for eid, g in groups.items() if eid}


def test_a_new_batch_touches_only_the_entities_it_mentions(tmp_path, monkeypatch):
    corpus = demo_corpus_copy(tmp_path)
    (tmp_path / "later").mkdir()
    shutil.move(corpus / LATER, tmp_path / "later" / LATER)
    settings = storyline.load_settings(env={}).replace(reports=False)
    store = storyline.open_store(tmp_path / "s.db")
    storyline.ingest(store, [corpus], settings=settings, name_pattern=DEMO_NAME_PATTERN)
    storyline.run_pipeline(store, settings)
    before = {e["id"]: e for e in store.entities()}

    storyline.ingest(store, [tmp_path / "later"], settings=settings, name_pattern=DEMO_NAME_PATTERN)
    new_id = store.pending("enrich", "enrich-v1")[0]
    calls = []
    real = storyline.resolve.resolve_incremental
    monkeypatch.setattr(storyline.resolve, "resolve_incremental",
                        lambda s, ids, **kw: calls.append(real(s, ids, **kw)) or calls[-1])
    enrich_pending(store, settings)
    result = calls[0]
    assert result is not None and result["mode"] == "incremental"
    touched = set(result["touched_ids"])
    assert touched and len(touched) < len(before)

    # Every touched entity shares a blocking key with a mention of the new article.
    resolver = EntityResolver()
    batch_keys = {k for m in store.mentions([new_id]) for t in {m.text, m.normal} - {""}
                  for k in resolver.blocking_keys(t, m.label)}
    for eid in touched:
        names = {before[eid]["name"], *before[eid]["variants"]}
        assert batch_keys & {k for n in names for k in resolver.blocking_keys(n, before[eid]["type"])}, eid
    # Only touched entities change (they gain the new mentions); the rest keep their rows exactly.
    after = {e["id"]: e for e in store.entities()}
    changed = set(result["changed_ids"])
    assert changed - set(before) == set(after) - set(before)  # new entities
    assert changed & set(before) <= touched
    for eid in set(before) - changed:
        assert after[eid] == before[eid]
    assert result["articles_examined"] < store.count_articles()

    # And the outcome is the full resolution's.
    incremental = _grouping(store)
    speakers = {(q.article_id, q.start): q.speaker_entity_id for q in store.quotes()}
    resolve_entities(store)
    assert _grouping(store) == incremental
    assert {(q.article_id, q.start): q.speaker_entity_id for q in store.quotes()} == speakers
    store.close()


def test_analyst_merges_replay_in_incremental_runs(tmp_path, monkeypatch):
    corpus = demo_corpus_copy(tmp_path)
    (tmp_path / "later").mkdir()
    shutil.move(corpus / LATER, tmp_path / "later" / LATER)
    settings = storyline.load_settings(env={}).replace(reports=False)
    store = storyline.open_store(tmp_path / "s.db")
    storyline.ingest(store, [corpus], settings=settings, name_pattern=DEMO_NAME_PATTERN)
    storyline.run_pipeline(store, settings)
    nea = storyline.api.find_entity(store, "NEA")
    other = next(e for e in store.entities() if e["type"] == "ORG" and e["id"] != nea["id"])
    storyline.api.merge_entities(store, nea["id"], other["id"])
    storyline.ingest(store, [tmp_path / "later"], settings=settings, name_pattern=DEMO_NAME_PATTERN)
    enrich_pending(store, settings)
    ids = {e["id"] for e in store.entities()}
    assert nea["id"] in ids and other["id"] not in ids
    store.close()
