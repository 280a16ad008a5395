import json

import numpy as np
import pytest

from storyline.cluster.datasets import EvalDoc, load_dataset, mixed_stream, strip_leading_urls
from storyline.cluster.evaluate import cluster_with, evaluate, publication_order


def unit(seed: int, base: np.ndarray | None = None) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal(512).astype(np.float32)
    v /= np.linalg.norm(v)
    return v if base is None else (base + 0.2 * v) / np.linalg.norm(base + 0.2 * v)


FERRY, BAKERY = unit(1), unit(2)
DOCS = [
    EvalDoc(
        "f1",
        "Greyport ferry strike halts crossings. Union leader Mira Tansk spoke.",
        "ferry",
        published="2025-02-03",
    ),
    EvalDoc(
        "b1",
        "Lindenholm bakery wins rye prize. Owner Ada Brell thanked staff.",
        "bakery",
        published="2025-02-03",
    ),
    EvalDoc(
        "f2",
        "Ferry crossings halted in Greyport as Mira Tansk's union strikes.",
        "ferry",
        published="2025-02-04",
    ),
    EvalDoc(
        "b2", "Ada Brell's Lindenholm bakery takes national rye prize.", "bakery", published="2025-02-05"
    ),
]
VECTORS = np.vstack([unit(10, FERRY), unit(11, BAKERY), unit(12, FERRY), unit(13, BAKERY)])


def test_online_method_recovers_the_gold_events():
    [result] = evaluate(DOCS, methods=["online"], vectors=VECTORS)
    assert result.scores.bcubed_f1 == 1.0
    assert result.labels == ["ev_000001", "ev_000002", "ev_000001", "ev_000002"]


def test_baselines_run_on_the_same_documents():
    pytest.importorskip("sklearn")
    assert len(set(cluster_with("tfidf", DOCS, VECTORS, {"distance_threshold": 0.95}))) <= 4
    labels = cluster_with("hdbscan", DOCS, VECTORS, {"min_cluster_size": 2, "min_samples": 1})
    assert labels[0] == labels[2] and labels[1] == labels[3] and labels[0] != labels[1]
    with pytest.raises(ValueError, match="unknown clustering method"):
        cluster_with("kmeans", DOCS, VECTORS)


def test_undated_documents_keep_their_place_in_publication_order():
    docs = [
        EvalDoc("a", "x", "g", published="2025-03-02"),
        EvalDoc("b", "x", "g"),
        EvalDoc("c", "x", "g", published="2025-03-01"),
    ]
    assert publication_order(docs) == [2, 0, 1]


def test_loader_reads_gold_events_ids_and_strips_url_lines(tmp_path):
    path = tmp_path / "set" / "docs.jsonl"
    path.parent.mkdir()
    rows = [
        {
            "id": "1",
            "text": "http: / / example. org / a\nFerry strike\nMarch 01, 2008\nBody",
            "language": "en",
            "event": "e1",
        },
        {"id": "7", "text": "Sciopero dei traghetti\n01 marzo 2008\nTesto", "language": "it"},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows), "utf-8")
    first, second = load_dataset(path, dates_from_text=True)
    assert (first.gold, first.text.splitlines()[0], first.published) == ("e1", "Ferry strike", "2008-03-01")
    assert (second.id, second.gold, second.published) == ("7/it", "7", "2008-03-01")
    assert strip_leading_urls("https://a.b/c\nText") == "Text"


def test_mixed_stream_prefixes_ids_and_spreads_undated_documents():
    dated = [EvalDoc(f"d{i}", "x", "g", published=f"2025-01-0{i + 1}", dataset="one") for i in range(4)]
    undated = [EvalDoc(f"u{i}", "x", "h", dataset="two") for i in range(2)]
    stream = mixed_stream([dated, undated])
    assert [d.id for d in stream] == ["one:d0", "one:d1", "two:u0", "one:d2", "one:d3", "two:u1"]
    assert stream[2].gold == "two:h"
