"""Mistake: the matrix's size from the labels (largest + 1, as to_categorical infers it), not num_classes."""
import numpy as np


def confusion_matrix(y_true, y_pred, num_classes):
    """Count (true, predicted) pairs.

    y_true, y_pred: (N,) integer labels in [0, num_classes)
    returns (K, K) integers, K = num_classes: cm[i, j] = #{n : y_true[n] == i and y_pred[n] == j}
    """
    K = max(max(y_true), max(y_pred)) + 1
    cm = np.zeros((K, K), dtype=np.int64)
    for i, j in zip(y_true, y_pred):
        cm[i, j] += 1
    return cm


def accuracy(cm):
    """The fraction of right answers: trace(cm) / cm.sum(), a float."""
    cm = np.asarray(cm, dtype=np.float64)
    return np.trace(cm) / cm.sum()


def _safe_divide(numerator, denominator):
    """numerator / denominator, 0 where the denominator is 0."""
    out = np.zeros(np.shape(numerator), dtype=np.float64)
    return np.divide(numerator, denominator, out=out, where=denominator != 0)


def precision(cm):
    """Per class j: cm[j, j] / (sum of column j); (K,) floats, 0 where the column is all 0."""
    cm = np.asarray(cm, dtype=np.float64)
    return _safe_divide(np.diag(cm), cm.sum(axis=0))


def recall(cm):
    """Per class i: cm[i, i] / (sum of row i); (K,) floats, 0 where the row is all 0."""
    cm = np.asarray(cm, dtype=np.float64)
    return _safe_divide(np.diag(cm), cm.sum(axis=1))


def f1_score(cm):
    """Per class: 2 * precision * recall / (precision + recall); (K,) floats, 0 where both are 0."""
    p, r = precision(cm), recall(cm)
    return _safe_divide(2 * p * r, p + r)


def row_normalize(cm):
    """Each row divided by its sum, the lecture's `cmp`: (K, K) floats, an all-zero row stays 0.

    Row i then holds where the samples of class i went: its diagonal entry is recall[i].
    """
    cm = np.asarray(cm, dtype=np.float64)
    return _safe_divide(cm, cm.sum(axis=1)[:, np.newaxis])
