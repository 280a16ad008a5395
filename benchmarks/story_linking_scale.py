"""What one streaming batch costs story linking as the number of stored events grows.

    python benchmarks/story_linking_scale.py --sizes 10000,100000,330000

Synthetic events (random unit centroids around 300 topic directions, ``--per-day`` events a day, every one its own
story, as in the 10k Spark corpus at the packaged story threshold) stand for the state; then one batch as the
single ordered consumer sees it: ``--changed`` recent events grew and ``--new`` events arrived, all within the last
``--recent-days`` days, and `storylines.relink_storylines` relinks from the earliest of them, naming the changed
ones (what `grouping_stage.refresh_events` does). Pair scores come from a cheap stand-in that counts its calls; the real
scorer's cost per call is measured separately (``--call-ms``, from the 10k grouping run in
benchmarks/results/spark.md) and added, so "batch s" = linking time + calls x call cost. 330,000 events is about
1M articles of state (0.33 events per article in the 10k corpus)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from storyline.cluster.records import EventSummary  # noqa: E402
from storyline.cluster.storylines import relink_storylines, sort_key  # noqa: E402


def synthetic_events(n: int, per_day: int, rng: np.random.Generator, prefix: str = "ev_",
                     day: int | None = None) -> list[EventSummary]:
    topics = rng.normal(size=(300, 512)).astype(np.float32)
    centroids = topics[rng.integers(0, 300, n)] + 1.2 * rng.normal(size=(n, 512)).astype(np.float32)
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    days = 739000 + np.arange(n) // per_day if day is None else np.full(n, day)
    return [EventSummary(event_id=f"{prefix}{k:08d}", article_ids=(f"{prefix}a{k}",), centroid=centroids[k],
                         entities=Counter(), places=Counter(), years=Counter(), first_day=int(days[k]),
                         last_day=int(days[k])) for k in range(n)]


def one_batch(n: int, args: argparse.Namespace) -> dict:
    rng = np.random.default_rng(args.seed)
    events = synthetic_events(n, args.per_day, rng)
    last_day = events[-1].last_day
    previous_story = {e.event_id: "sl_" + e.event_id[3:] for e in events}
    recent = [k for k, e in enumerate(events) if e.first_day > last_day - args.recent_days]
    grown = rng.choice(recent, size=min(args.changed, len(recent)), replace=False)
    old_keys = [sort_key(events[k].first_day, events[k].event_id) for k in grown]
    for k in grown:  # an event that took new articles: its centroid moves a little, it ends later
        e = events[k]
        moved = e.centroid + 0.3 * rng.normal(size=512).astype(np.float32) / np.sqrt(512)
        events[k] = EventSummary(event_id=e.event_id, article_ids=(*e.article_ids, "x"),
                                 centroid=moved / np.linalg.norm(moved), entities=Counter(), places=Counter(),
                                 years=Counter(), first_day=e.first_day, last_day=last_day)
    fresh = synthetic_events(args.new, args.per_day, rng, prefix="ev_9", day=last_day)
    events += fresh
    changed = {events[k].event_id for k in grown} | {e.event_id for e in fresh}
    keys = old_keys + [sort_key(e.first_day, e.event_id) for e in events if e.event_id in changed]
    calls = Counter()

    def score(a: str, b: str) -> float:
        calls["score"] += 1
        return 0.1

    def related(a: str, b: str) -> float:
        calls["related"] += 1
        return 0.1

    started = time.perf_counter()
    update = relink_storylines(events, score, related=related, threshold=0.9, max_gap_days=21.0,
                               from_key=min(keys), previous_story=previous_story, changed=changed)
    seconds = time.perf_counter() - started
    n_calls = calls["score"] + calls["related"]
    batch_s = seconds + n_calls * args.call_ms / 1000
    return {"events": n, "relinked": len(update.relinked), "rescored": update.redecided, "calls": n_calls,
            "linking_s": round(seconds, 3), "batch_s": round(batch_s, 3),
            "ms_per_batch_article": round(1000 * batch_s / args.batch_articles, 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,330000")
    parser.add_argument("--per-day", type=int, default=3300, help="events a day (1M articles/day is about 330,000)")
    parser.add_argument("--changed", type=int, default=120, help="recent events a batch grows")
    parser.add_argument("--new", type=int, default=50, help="new events a batch opens")
    parser.add_argument("--recent-days", type=int, default=7)
    parser.add_argument("--batch-articles", type=int, default=500)
    parser.add_argument("--call-ms", type=float, default=0.1,
                        help="real scorer cost per call (at most 0.1 ms: the 10k bulk grouping, 71k calls in 6.9 s)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    rows = [one_batch(int(n), args) for n in args.sizes.split(",")]
    for row in rows:
        print(json.dumps(row), flush=True)
    if args.out:
        args.out.write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()}, "rows": rows}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
