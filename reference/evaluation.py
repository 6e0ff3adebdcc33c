"""Section 14, "Confusion Matrix": counting a classifier's answers, and the scores read off the counts."""

import numpy as np


def _divide(numerator, denominator):
    """numerator / denominator, 0 where the denominator is 0 (scikit-learn's zero_division=0)."""
    numerator, denominator = np.asarray(numerator, dtype=np.float64), np.asarray(denominator, dtype=np.float64)
    out = np.zeros(np.broadcast_shapes(numerator.shape, denominator.shape))
    np.divide(numerator, denominator, out=out, where=denominator != 0)
    return out


def confusion_matrix(y_true, y_pred, num_classes):
    """cm[i, j] = how many samples of true class i were predicted as j: (K, K), int64."""
    cm = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(cm, (np.ravel(y_true), np.ravel(y_pred)), 1)
    return cm


def accuracy(cm):
    """The fraction predicted right: trace / total."""
    cm = np.asarray(cm, dtype=np.float64)
    return float(np.trace(cm) / cm.sum())


def precision(cm):
    """Per class j: cm[j, j] / (column j's sum), the predictions of j that are right; (K,)."""
    cm = np.asarray(cm, dtype=np.float64)
    return _divide(np.diag(cm), cm.sum(axis=0))


def recall(cm):
    """Per class i: cm[i, i] / (row i's sum), the samples of i found; (K,)."""
    cm = np.asarray(cm, dtype=np.float64)
    return _divide(np.diag(cm), cm.sum(axis=1))


def f1_score(cm):
    """Per class: the harmonic mean 2PR / (P + R) of precision and recall; (K,)."""
    p, r = precision(cm), recall(cm)
    return _divide(2 * p * r, p + r)


def row_normalize(cm):
    """Each row divided by its sum (the lecture's `cmp`); an all-zero row stays zero; (K, K)."""
    cm = np.asarray(cm, dtype=np.float64)
    return _divide(cm, cm.sum(axis=1)[:, np.newaxis])
