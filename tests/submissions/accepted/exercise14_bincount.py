"""Accepted: the confusion matrix with np.bincount, the scores with np.errstate and np.nan_to_num."""
import numpy as np


def confusion_matrix(y_true, y_pred, num_classes):
    pairs = np.asarray(y_true) * num_classes + np.asarray(y_pred)
    return np.bincount(pairs, minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def accuracy(cm):
    return np.diag(cm).sum() / np.sum(cm)


def _ratio(a, b):
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.nan_to_num(np.asarray(a, dtype=float) / b)


def precision(cm):
    return _ratio(np.diag(cm), cm.sum(axis=0))


def recall(cm):
    return _ratio(np.diag(cm), cm.sum(axis=1))


def f1_score(cm):
    p, r = precision(cm), recall(cm)
    return _ratio(2 * p * r, p + r)


def row_normalize(cm):
    return _ratio(cm, cm.sum(axis=1, keepdims=True))
