"""The same-event scorer's fit (storyline.training.fit_scorer) on small invented pair rows."""

import numpy as np
from sklearn.linear_model import LogisticRegression

from storyline.cluster.scorer import BASE_FEATURES, FEATURES, LATE_FEATURES, expand_features
from storyline.training import fit_scorer


def _rows(seed=3, n=400):
    rng = np.random.default_rng(seed)
    raw = rng.normal(size=(n, len(BASE_FEATURES)))
    for name in LATE_FEATURES:  # mostly no evidence (0), else a positive amount
        column = raw[:, BASE_FEATURES.index(name)]
        raw[:, BASE_FEATURES.index(name)] = np.where(rng.random(n) < 0.7, 0.0, np.abs(column) * 3)
    x = np.array([expand_features(dict(zip(BASE_FEATURES, r, strict=True))) for r in raw])
    late = [FEATURES.index(name) for name in LATE_FEATURES]
    logit = 1.5 * x[:, 0] - 1.0 * x[:, 2] - 0.8 * x[:, late].sum(axis=1)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return raw, x, y, late


def test_a_pair_without_the_late_evidence_scores_as_the_model_fitted_without_it():
    raw, x, y, late = _rows()
    scorer = fit_scorer(x.tolist(), y.tolist(), {})
    rest = [i for i in range(len(FEATURES)) if i not in late]
    mean, scale = x[:, rest].mean(axis=0), x[:, rest].std(axis=0)
    alone = LogisticRegression(C=1.0, max_iter=2000).fit((x[:, rest] - mean) / scale, y)
    pair = dict(zip(BASE_FEATURES, raw[0], strict=True)) | dict.fromkeys(LATE_FEATURES, 0.0)
    row = np.array(expand_features(pair))
    expected = alone.predict_proba(((row[rest] - mean) / scale).reshape(1, -1))[0, 1]
    assert abs(scorer.probability(pair) - expected) < 1e-6
    assert [scorer.mean[i] for i in late] == [0.0] * len(late)  # not centred: zero evidence adds nothing
    assert all(scorer.coef[i] < 0 for i in late)  # the invented evidence counts against the pair
