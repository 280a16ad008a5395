"""A pipeline run loads only the clusterer's time window (its live rows and their events), and
reads older events from the store on use: the assignments, events, stories and every stored
row must come out as on the full load, run after run."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta

import pytest

import storyline
from storyline import api, grouping_stage
from storyline.cluster.online import OnlineEventClusterer
from storyline.cluster.persist import load_clusterer_rows

TOPICS = {
    "bridge": "Greyport harbour bridge corrosion repairs mayor Verrin ferries tunnel cyclists engineers steel",
    "vote": "Orlan council budget vote school funding teachers union Kasto district spending cuts",
    "storm": "Tessa storm coast flooding evacuation Lomir villages power lines rescue crews rainfall",
    "chess": "Kasto open chess final grandmaster Orlin Brask tiebreak rapid title prize hall",
    "strike": "Velmar rail strike drivers wages talks minister Dren union trains cancelled commuters",
    "quarry": "Brannik quarry collapse workers trapped rescue shaft inspectors owner safety charges",
}
START = date(2031, 1, 5)


def _article(rng: random.Random, topic: str, day: int | None, n: int) -> dict:
    words = TOPICS[topic].split()
    lead = " ".join(rng.choice(words) for _ in range(40))
    published = None if day is None else (START + timedelta(days=day)).isoformat()
    return {"id": f"{topic}-{n:03d}", "title": f"{words[0]} {words[1]} {rng.choice(words)} {rng.choice(words)}",
            "text": f"{lead.capitalize()}. {rng.choice(words).capitalize()} said on day {day} it was {n}.",
            "source": rng.choice(["Gull Wire", "Nordpress", "Lomir Courier"]), "published": published}


def _runs() -> list[list[dict]]:
    """Four runs of invented reports over ten weeks: each topic comes back every few weeks (so
    stories link events over the window's edge), late reports of weeks that left the window,
    undated ones, and a wire report republished weeks later."""
    rng = random.Random(3)
    by_week: list[list[dict]] = [[] for _ in range(10)]
    n = 0
    for week in range(10):
        for topic in TOPICS:
            if (week + len(topic)) % 3 == 0:
                continue
            for _ in range(rng.choice([1, 2, 3])):
                by_week[week].append(_article(rng, topic, week * 7 + rng.randrange(3), n))
                n += 1
    late = [_article(rng, t, d, 900 + i) for i, (t, d) in enumerate([("storm", 2), ("chess", 8), ("vote", 1)])]
    undated = [_article(rng, t, None, 950 + i) for i, t in enumerate(["bridge", "quarry"])]
    old = by_week[0][0]
    republished = dict(old, id="wire-copy", source="Weekly Ledger", text=old["text"] + " Republished.",
                       published=(START + timedelta(days=62)).isoformat())
    return [by_week[0] + by_week[1] + by_week[2],
            by_week[3] + by_week[4] + late[:2],
            by_week[5] + by_week[6] + by_week[7] + undated + [republished],
            by_week[8] + by_week[9] + late[2:]]


def _rows(store) -> dict:
    tables = {t: cols for t, cols in store.tables().items()
              if t.startswith(("cluster_", "neardup_")) or t in ("events", "storylines", "story_links", "duplicates")}
    rows = {t: sorted(map(repr, (r for batch in store.table_rows(t, cols) for r in batch))) for t, cols in tables.items()}
    return rows | {k: store.get_kv(k) for k in ("cluster.meta", "neardup.meta", "cluster.unrefreshed")}


def _grouped(tmp_path, name: str, windowed: bool, monkeypatch) -> list[dict]:
    monkeypatch.setattr(grouping_stage, "WINDOWED_RUNS", windowed)
    settings = storyline.load_settings(env={}).replace(enrich=False, reports=False)
    snapshots = []
    with storyline.open_store(tmp_path / f"{name}.db") as store:
        for number, run in enumerate(_runs()):
            feed = tmp_path / f"{name}-{number}.jsonl"
            feed.write_text("".join(json.dumps(a) + "\n" for a in run), encoding="utf-8")
            storyline.ingest(store, [feed], settings=settings)
            if number == 3:  # clustered articles pending again (a new CLUSTER_VERSION) keep their events
                store.mark_done([a["id"] for a in store.article_meta()][:15], "cluster", "cluster-v0")
            result = storyline.run_pipeline(store, settings).stages["cluster"]
            if number == 1:  # an analyst merges the two oldest events of one topic, out of the window
                events = sorted(store.events(), key=lambda e: e["id"])
                bridge = [e["id"] for e in events if any("bridge" in a for a in _external(store, e))]
                api.merge_events(store, bridge[0], bridge[1], note="one repair")
            snapshots.append({"result": result, "rows": _rows(store)})
    return snapshots


def _external(store, event: dict) -> list[str]:
    return [store.article(a).external_id or "" for a in event["article_ids"]]


@pytest.mark.models
def test_a_windowed_run_stores_what_a_run_on_the_full_state_stores(tmp_path, monkeypatch):
    full = _grouped(tmp_path, "full", False, monkeypatch)
    windowed = _grouped(tmp_path, "windowed", True, monkeypatch)
    for before, after in zip(full, windowed, strict=True):
        assert after["result"] == before["result"]
        assert after["rows"] == before["rows"]
    last = full[-1]["rows"]
    assert len(last["events"]) > 20 and len(last["storylines"]) < len(last["events"])  # stories link events
    assert len(last["duplicates"]) == 2  # the republished report and its original


@pytest.mark.models
def test_a_windowed_load_holds_only_the_window_and_reads_old_events_on_use(tmp_path, monkeypatch):
    _grouped(tmp_path, "w", True, monkeypatch)
    with storyline.open_store(tmp_path / "w.db") as store:
        full = load_clusterer_rows(store, OnlineEventClusterer)
        part = load_clusterer_rows(store, OnlineEventClusterer, windowed=True)
        assert full is not None and part is not None and part.windowed
        assert part.n_articles < full.n_articles / 2 and part.n_events < full.n_events
        oldest = min(full._events)
        assert oldest not in part._events
        assert part.members(oldest) == full.members(oldest)  # read from the store on use
        assert part._dirty_articles == part._dirty_events == set()
        for event_id in list(full._events):
            assert part.event(event_id).article_ids == full.event(event_id).article_ids
        assert part.story_probability(oldest, max(full._events)) == full.story_probability(oldest, max(full._events))
