"""Exercise 14's answer key: the reference scores and what each known mistake returns."""

import numpy as np

from grader.reference import evaluation as ref

confusion_matrix = ref.confusion_matrix
accuracy = ref.accuracy
precision = ref.precision
recall = ref.recall
f1_score = ref.f1_score
row_normalize = ref.row_normalize


def transposed_confusion_matrix(y_true, y_pred, num_classes):
    """Rows predicted, columns true."""
    return ref.confusion_matrix(y_pred, y_true, num_classes)


def fancy_index_counts(y_true, y_pred, num_classes):
    """cm[y_true, y_pred] += 1 with index arrays: a pair that repeats is counted once."""
    return (ref.confusion_matrix(y_true, y_pred, num_classes) > 0).astype(np.int64)


def mean_of_recalls(cm):
    """Balanced accuracy, not accuracy."""
    return float(np.mean(ref.recall(cm)))


def f1_arithmetic_mean(cm):
    return (ref.precision(cm) + ref.recall(cm)) / 2


def row_normalize_without_newaxis(cm):
    """cm / cm.sum(axis=1): column j divided by row j's sum (NaN or inf where that sum is 0)."""
    cm = np.asarray(cm, dtype=np.float64)
    with np.errstate(all="ignore"):
        return cm / cm.sum(axis=1)


def hidden_checks(declaration) -> tuple:
    return ()
