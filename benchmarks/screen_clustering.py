"""Screen a change to the same-event model in one process, before the full product table.

    python benchmarks/screen_clustering.py [--cache /tmp/screen.pkl] [--model FILE] [--grid 0.25,0.3,0.35]

Each training stream and dev set is ingested once through the product (`storyline.pipeline.ingest`,
cleaning, the stored embeddings; the same code `storyline train clustering` and `storyline eval
clustering` run) and cached: the articles and their vectors, not the cluster features, so a changed
feature function is picked up on the next run. Then, with the code as it is in the work tree:

- a model is fitted on the training streams' teacher-forced pairs (`storyline.training.pair_examples`
  and `fit_scorer`, as `storyline train clustering` does), unless --model gives one;
- the threshold is the best mean B-cubed F1 over the training streams among --grid;
- the dev sets (ECB+ dev, AllSides, the held-out halves of BASIL and MEANTIME; as given and
  stripped + shuffled with seed 7, as `benchmarks/eval_clustering.py`) are clustered with it,
  never tuned on, and so are ECB+ dev topic 35 alone (the robustness test's topic) and tgpairs
  (pair accuracy); as a training-side check of that regime, each ECB+ train topic alone (mean).

On the packaged model this reproduces the product table's B-cubed F1 exactly
(benchmarks/results/clustering.md); the full table is still the figure of record.

Two reports read the model instead of changing it:

- ``--stories 0.5,0.7,0.9``: every stream is clustered, then its events are linked into stories at
  each story threshold (``storylines.link_storylines`` with the clusterer's story and look-alike
  probabilities, as ``grouping_stage.refresh_events`` does) and scored against the gold (AllSides' gold is
  story-level; the other sets have one gold level). Chooses nothing: the story threshold is read
  off the training streams' mean.
- ``--ranking``: teacher forcing on every stream (the gold events so far, as in training), and for
  each article the candidate events the clusterer scores: how often the article's gold event is
  among them and ranked first, and how often "join the best candidate if its probability reaches
  t, else open an event" is right, at the threshold and at the best t. Says whether a stream loses
  by its candidates, by its ranking or by its threshold.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DATA  # noqa: E402

from storyline import grouping_stage  # noqa: E402
from storyline.cluster.metrics import score_clustering  # noqa: E402
from storyline.cluster.online import LEARN_BATCH, OnlineEventClusterer  # noqa: E402
from storyline.cluster.scorer import load_scorer  # noqa: E402
from storyline.cluster.storylines import link_storylines  # noqa: E402
from storyline.evaluate import load_gold_records  # noqa: E402
from storyline.settings import load_settings  # noqa: E402
from storyline.training import (  # noqa: E402
    TRAINING_SETS,
    _variant,
    _zero_model,
    fit_scorer,
    fit_tree_scorer,
    ingest_gold,
    pair_examples,
)

DEV = [("ecb", "ecbplus/dev.jsonl", None), ("allsides", "allsides/docs.jsonl", None),
       ("basil", "basil/docs.jsonl", "heldout"), ("meantime", "meantime/docs.jsonl", "heldout"),
       ("tgpairs", "tgpairs/docs.jsonl", None)]


def _ingested(records: list, settings) -> tuple[list, dict, list[str], list[str]]:
    """Articles as the product stores them (publication order), their vectors, gold events, input ids."""
    gold_of = {g.record["id"]: g for g in records}
    articles, vectors = ingest_gold(records, settings)
    return (articles, vectors, [gold_of[a.external_id].event for a in articles],
            [str(a.external_id).split("|", 1)[0] for a in articles])


def build_cache(path: Path, settings, seed: int = 13) -> dict:
    if path.exists():
        return pickle.loads(path.read_bytes())
    cache = {}
    for rel, subset, variants in TRAINING_SETS:
        records = load_gold_records(DATA / rel, subset=subset)
        for variant in variants:
            cache[f"train:{rel}:{variant}"] = _ingested(_variant(records, variant, seed), settings)
            print(f"ingested {rel} ({variant})", flush=True)
    for name, rel, subset in DEV:
        cache[f"dev:{name}:given"] = _ingested(load_gold_records(DATA / rel, subset=subset), settings)
        cache[f"dev:{name}:stripped"] = _ingested(
            load_gold_records(DATA / rel, subset=subset, strip_metadata=True, shuffle_seed=7), settings)
        print(f"ingested {rel} (dev)", flush=True)
    path.write_bytes(pickle.dumps(cache))
    return cache


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "storyline-screen.pkl")
    parser.add_argument("--model", help="score this model file instead of fitting one")
    parser.add_argument("--learner", default="logistic", help="logistic, or trees[:key=value,...] (boosted trees)")
    parser.add_argument("--leave-one-set-out", action="store_true",
                        help="fit on two training sets, score the third's streams, for each set (training data only)")
    parser.add_argument("--grid", default="0.25,0.3,0.35", help="thresholds tried on the training streams")
    parser.add_argument("--stories", help="story thresholds to report (comma-separated), see above")
    parser.add_argument("--ranking", action="store_true", help="report candidates, ranking and decisions, see above")
    parser.add_argument("--second-look", choices=("on", "off"),
                        help="the clusterer's second look per batch (default: as the settings say)")
    args = parser.parse_args(argv)
    settings = load_settings(env={}, enrich=False)
    params = grouping_stage.clusterer_params(settings)
    if args.second_look:
        params["second_look"] = args.second_look == "on"
    streams = {k: (grouping_stage.cluster_features(a, v), g, e) for k, (a, v, g, e) in build_cache(args.cache, settings).items()}
    train = [k for k in streams if k.startswith("train:")]

    def labels(key: str, model: str, threshold: float, prefix: str = "") -> tuple[list[str], list[str], list[str]]:
        rows = [(f, g, e) for f, g, e in zip(*streams[key], strict=True) if e.startswith(prefix)]
        clusterer = OnlineEventClusterer(**{**params, "threshold": threshold, "model": model})
        events = place(clusterer, [f for f, _g, _e in rows])
        return events, [g for _f, g, _e in rows], [e for *_, e in rows]

    def bcubed(key: str, model: str, threshold: float, prefix: str = "") -> float:
        predicted, gold, _ids = labels(key, model, threshold, prefix)
        return score_clustering(predicted, gold).bcubed_f1

    with tempfile.TemporaryDirectory() as tmp:
        zero = _zero_model(Path(tmp) / "zero.json")
        pairs = {key: pair_examples(streams[key][0], streams[key][1], model=zero, params=params) for key in train}

        def fit(keys: list[str], name: str) -> str:
            rows = [r for k in keys for r in pairs[k][0]]
            gold = [y for k in keys for y in pairs[k][1]]
            meta = {"command": "benchmarks/screen_clustering.py"}
            if args.learner.startswith("trees"):
                overrides = dict(kv.split("=") for kv in args.learner.partition(":")[2].split(",") if kv)
                scorer = fit_tree_scorer(rows, gold, meta, {k: (int(v) if v.isdigit() else float(v))
                                                           for k, v in overrides.items()})
                print("trees:", len(scorer.trees), scorer.meta["tree_params"])
            else:
                scorer = fit_scorer(rows, gold, meta)
                print("coefficients (standardised):",
                      {n: round(c, 3) for n, c in zip(scorer.features, scorer.coef, strict=True)})
            path = str(Path(tmp) / f"{name}.json")
            Path(path).write_text(json.dumps(scorer.to_json()), "utf-8")
            return path

        if args.leave_one_set_out:
            held_scores: dict[float, list[float]] = {}
            for held in sorted({k.split(":")[1] for k in train}):
                inside = [k for k in train if k.split(":")[1] == held]
                fitted = fit([k for k in train if k not in inside], "held-" + held.replace("/", "_"))
                for t in map(float, args.grid.split(",")):
                    scores = [bcubed(k, fitted, t) for k in inside]
                    held_scores.setdefault(t, []).extend(scores)
                    print(f"held out {held} at {t}:", [round(v, 4) for v in scores], flush=True)
            print("leave one set out, mean over held streams:",
                  json.dumps({t: round(float(np.mean(v)), 4) for t, v in held_scores.items()}))
        model = args.model or fit(train, "screened")
        tried = {t: float(np.mean([bcubed(k, model, t) for k in train])) for t in map(float, args.grid.split(","))}
        threshold = max(tried, key=lambda t: (tried[t], -abs(t - 0.5)))
        print("training streams, mean B-cubed F1 by threshold:", {t: round(v, 4) for t, v in tried.items()})
        out: dict = {"threshold": threshold}
        # The robustness test's regime on training data: each ECB+ train topic clustered alone.
        ecb_train = "train:ecbplus/train.jsonl:given"
        topics = sorted({e.split("_", 1)[0] for e in streams[ecb_train][2]}, key=int)
        out["ecb train topics alone (mean)"] = round(float(np.mean(
            [bcubed(ecb_train, model, threshold, f"{t}_") for t in topics])), 4)
        for key in streams:
            if key.startswith("dev:") and "tgpairs" not in key:
                out[key[4:]] = round(bcubed(key, model, threshold), 3)
        out["ecb topic 35 alone"] = round(bcubed("dev:ecb:given", model, threshold, "35_"), 3)
        if args.stories:
            story_report(streams, params, model, threshold, [float(t) for t in args.stories.split(",")],
                         settings.story_max_gap_days)
        if args.ranking:
            ranking_report(streams, params, model, threshold)
        predicted, _gold, ids = labels("dev:tgpairs:given", model, threshold)
        group = dict(zip(ids, predicted, strict=True))
        pairs = [json.loads(line) for line in (DATA / "tgpairs" / "pairs.jsonl").read_text("utf-8").splitlines()
                 if line.strip()]
        out["tgpairs accuracy"] = round(float(np.mean([(group.get(p["a"]) == group.get(p["b"])) == p["same"]
                                                       for p in pairs])), 3)
    print(json.dumps(out))
    return 0


def place(clusterer: OnlineEventClusterer, features: list) -> list[str]:
    """Each article's event, learned in batches as the grouping stage learns them."""
    events = []
    for start in range(0, len(features), LEARN_BATCH):
        events += [a.event_id for a in clusterer.learn_batch(features[start:start + LEARN_BATCH])]
    return [clusterer.resolve(e) for e in events]


def story_report(streams: dict, params: dict, model: str, threshold: float, grid: list[float],
                 max_gap_days: float) -> None:
    """Story-level B-cubed F1 of every stream at each story threshold ("events": no linking)."""
    means: dict = {}
    for key, (features, gold, _ids) in streams.items():
        clusterer = OnlineEventClusterer(**{**params, "threshold": threshold, "model": model})
        events = place(clusterer, features)
        row = {"events": score_clustering(events, gold).bcubed_f1}
        summaries = clusterer.events()
        for t in grid:
            stories = link_storylines(summaries, clusterer.story_probability, related=clusterer.lookalike_probability,
                                      threshold=t, max_gap_days=max_gap_days)
            story_of = {e: story.id for story in stories for e in story.event_ids}
            row[t] = score_clustering([story_of[e] for e in events], gold).bcubed_f1
        if key.startswith("train:"):
            for t, value in row.items():
                means.setdefault(t, []).append(value)
        print("stories", key, {t: round(v, 4) for t, v in row.items()}, flush=True)
    print("stories, training streams mean:", {t: round(float(np.mean(v)), 4) for t, v in means.items()})


def ranking_report(streams: dict, params: dict, model: str, threshold: float) -> None:
    """Teacher-forced: is the gold event a candidate, is it ranked first, and is the join decision right."""
    for key, (features, gold, _ids) in streams.items():
        clusterer = OnlineEventClusterer(**{**params, "threshold": threshold, "model": model})
        scorer = load_scorer(model)
        seen: set[str] = set()
        existing = found = first = 0
        decisions = []  # (best probability, joining the best is right)
        for f, g in zip(features, gold, strict=True):
            scored = sorted(((scorer.probability(c), e) for e, c in clusterer.pair_features(f)),
                            key=lambda item: (-item[0], item[1]))
            if g in seen:
                existing += 1
                found += any(e == g for _p, e in scored)
                first += bool(scored) and scored[0][1] == g
            if scored:
                decisions.append((scored[0][0], scored[0][1] == g))
            clusterer.load_assigned([f], [g])
            seen.add(g)
        if not existing:
            continue  # no gold event repeats (tgpairs: pairs only): nothing to rank
        best = np.array([p for p, _ok in decisions])
        right = np.array([ok for _p, ok in decisions])
        accuracy = {t: float(np.mean((best >= t) == right)) for t in np.round(np.linspace(0.01, 0.95, 95), 2)}
        top = max(accuracy, key=lambda t: accuracy[t])
        print(f"ranking {key}: gold event exists {existing}, among candidates {found / max(existing, 1):.3f}, "
              f"ranked first {first / max(existing, 1):.3f}; join-the-best right {float(np.mean((best >= threshold) == right)):.3f} "
              f"at {threshold}, best {accuracy[top]:.3f} at {top}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
