import pytest

from storyline.cluster.metrics import bcubed, pairwise, score_clustering

# gold: A A A B B ; predicted: 1 1 2 2 2 (hand-computed below)
GOLD = ["A", "A", "A", "B", "B"]
PRED = [1, 1, 2, 2, 2]


def test_pairwise_on_a_hand_computed_example():
    # gold pairs: 3 (A) + 1 (B) = 4; predicted pairs: 1 + 3 = 4; shared: (0,1) and (3,4) = 2
    assert pairwise(PRED, GOLD) == pytest.approx((0.5, 0.5, 0.5))


def test_bcubed_on_a_hand_computed_example():
    # precision per doc: 1, 1, 1/3, 2/3, 2/3 -> 11/15; recall: 2/3, 2/3, 1/3, 1, 1 -> 11/15
    assert bcubed(PRED, GOLD) == pytest.approx((11 / 15, 11 / 15, 11 / 15))


def test_perfect_clustering_scores_one_whatever_the_labels_are_called():
    scores = score_clustering(["x", "x", "y"], ["A", "A", "B"])
    assert (scores.pairwise_f1, scores.bcubed_f1) == (1.0, 1.0)
    assert (scores.predicted_clusters, scores.gold_clusters, scores.documents) == (2, 2, 3)


def test_all_singletons_have_full_precision_and_low_recall():
    assert pairwise([1, 2, 3], ["A", "A", "B"]) == (1.0, 0.0, 0.0)
    assert bcubed([1, 2, 3], ["A", "A", "B"]) == pytest.approx((1.0, 2 / 3, 0.8))


def test_one_big_cluster_has_full_recall_and_low_precision():
    assert pairwise([1, 1, 1], ["A", "A", "B"]) == pytest.approx((1 / 3, 1.0, 0.5))
    assert bcubed([1, 1, 1], ["A", "A", "B"]) == pytest.approx((5 / 9, 1.0, 5 / 7))


def test_mappings_are_aligned_by_document_id():
    predicted = {"d3": "e2", "d1": "e1", "d2": "e1"}
    gold = {"d1": "A", "d2": "A", "d3": "B"}
    assert score_clustering(predicted, gold).bcubed_f1 == 1.0


def test_a_gold_document_without_prediction_is_an_error():
    with pytest.raises(ValueError, match="no predicted cluster"):
        bcubed({"d1": "e1"}, {"d1": "A", "d2": "A"})
    with pytest.raises(ValueError, match="2 predicted labels but 3 gold"):
        pairwise([1, 2], ["A", "A", "B"])
