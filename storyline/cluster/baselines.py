"""Batch baselines to measure the online clusterer against.

Both see the whole collection at once (an advantage the online clusterer does
not have) and neither is told the number of events:

* :func:`tfidf_agglomerative`: TF-IDF over title + full text, average-link
  agglomerative clustering on cosine distance cut at ``distance_threshold``.
* :func:`embedding_hdbscan`: the BERTopic recipe without its UMAP step (UMAP is
  not installed; HDBSCAN runs on the 512-d sentence embeddings directly), with
  sklearn's HDBSCAN. Points HDBSCAN calls noise become singleton clusters, as
  each is an article of its own event as far as the method can tell.

Needs scikit-learn (``pip install scikit-learn``, the ``eval`` extra).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["embedding_hdbscan", "tfidf_agglomerative"]


def _sklearn():
    try:
        import sklearn  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("the clustering baselines need scikit-learn: pip install scikit-learn") from exc


def tfidf_agglomerative(texts: Sequence[str], *, distance_threshold: float = 0.8) -> list[int]:
    """Cluster labels for ``texts`` (one label per text)."""
    _sklearn()
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer

    if len(texts) < 2:
        return list(range(len(texts)))
    matrix = TfidfVectorizer(sublinear_tf=True, min_df=1, max_df=0.5, strip_accents="unicode").fit_transform(
        texts
    )
    model = AgglomerativeClustering(
        n_clusters=None, distance_threshold=distance_threshold, metric="cosine", linkage="average"
    )
    return [int(label) for label in model.fit_predict(matrix.toarray())]


def embedding_hdbscan(
    vectors: np.ndarray, *, min_cluster_size: int = 2, min_samples: int | None = 1, epsilon: float = 0.0
) -> list[int]:
    """Cluster labels for L2-normalised ``vectors``; noise points get labels of their own.

    On unit vectors euclidean distance is a monotone function of cosine
    (``d = sqrt(2 - 2 cos)``), so ``epsilon`` is in those units.
    """
    _sklearn()
    from sklearn.cluster import HDBSCAN

    n = len(vectors)
    if n < max(2, min_cluster_size):
        return list(range(n))
    labels = HDBSCAN(
        min_cluster_size=min_cluster_size,
        min_samples=min_samples,
        cluster_selection_epsilon=epsilon,
        metric="euclidean",
        copy=True,
    ).fit_predict(np.asarray(vectors, dtype=np.float64))
    next_label = int(labels.max()) + 1
    result = []
    for label in labels:
        if label < 0:
            result.append(next_label)
            next_label += 1
        else:
            result.append(int(label))
    return result
