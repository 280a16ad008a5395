"""Event clustering: online assignment of articles to events, near-duplicate
groups, storylines over time, the learned same-event scorer, and the scores and
baselines to measure them (the evaluation itself runs the product path:
:mod:`storyline.evaluate`).

Pure, stateful-but-serialisable objects: nothing here touches the store.
"""

from storyline.cluster.features import ArticleFeatures, embed_articles, fallback_features
from storyline.cluster.metrics import ClusteringScores, bcubed, pairwise, score_clustering
from storyline.cluster.near_duplicates import DuplicateGroup, NearDuplicateIndex
from storyline.cluster.online import (
    Assignment,
    EventSummary,
    Explanation,
    OnlineEventClusterer,
    ReclusterReport,
)
from storyline.cluster.storylines import Storyline, link_storylines

__all__ = [
    "ArticleFeatures",
    "Assignment",
    "ClusteringScores",
    "DuplicateGroup",
    "EventSummary",
    "Explanation",
    "NearDuplicateIndex",
    "OnlineEventClusterer",
    "ReclusterReport",
    "Storyline",
    "bcubed",
    "embed_articles",
    "fallback_features",
    "link_storylines",
    "pairwise",
    "score_clustering",
]
