"""Exercise 14: evaluation (lecture section 14, "Confusion Matrix").

A confusion matrix counts a classifier's answers on a test set: cm[i, j] is the number of
samples of true class i that were predicted as class j (rows are true classes, columns
predicted: scikit-learn's convention, which the lecture uses). The diagonal holds the right
answers; everything off it is a confusion, e.g. cats predicted as dogs.

From the counts:
    accuracy     = trace(cm) / cm.sum()                      all classes together
    precision[j] = cm[j, j] / cm[:, j].sum()                 of the samples predicted j, how many are j
    recall[i]    = cm[i, i] / cm[i, :].sum()                 of the samples of class i, how many were found
    f1[k]        = 2 * precision[k] * recall[k] / (precision[k] + recall[k])
A score whose denominator is 0 (a class never predicted, or absent from the test set) is 0.

Grade your work with `grade exercise14`.
"""

import numpy as np


def confusion_matrix(y_true, y_pred, num_classes):
    """Count (true, predicted) pairs.

    y_true, y_pred: (N,) integer labels in [0, num_classes)
    returns (K, K) integers, K = num_classes: cm[i, j] = #{n : y_true[n] == i and y_pred[n] == j}
    """
    raise NotImplementedError("one count per sample at [true, predicted]; careful: cm[a, b] += 1 with arrays counts repeated pairs once")


def accuracy(cm):
    """The fraction of right answers: trace(cm) / cm.sum(), a float."""
    raise NotImplementedError("the diagonal holds the right answers")


def _safe_divide(numerator, denominator):
    """numerator / denominator, 0 where the denominator is 0."""
    raise NotImplementedError("divide only where the denominator is not 0 (np.divide's `where=`), 0 elsewhere")


def precision(cm):
    """Per class j: cm[j, j] / (sum of column j); (K,) floats, 0 where the column is all 0."""
    raise NotImplementedError("the diagonal over the column sums (everything predicted as j)")


def recall(cm):
    """Per class i: cm[i, i] / (sum of row i); (K,) floats, 0 where the row is all 0."""
    raise NotImplementedError("the diagonal over the row sums (every sample of class i)")


def f1_score(cm):
    """Per class: 2 * precision * recall / (precision + recall); (K,) floats, 0 where both are 0."""
    raise NotImplementedError("the harmonic mean of precision and recall, not their average")


def row_normalize(cm):
    """Each row divided by its sum, the lecture's `cmp`: (K, K) floats, an all-zero row stays 0.

    Row i then holds where the samples of class i went: its diagonal entry is recall[i].
    """
    raise NotImplementedError("divide by the row sums as a column, cm.sum(axis=1)[:, np.newaxis]")
