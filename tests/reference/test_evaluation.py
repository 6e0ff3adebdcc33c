"""Is the evaluation reference right? Checked against scikit-learn and the lecture's numbers."""

import numpy as np
import pytest
from hypothesis import given, settings
from sklearn import metrics

from grader.catalog import exercise14_evaluation as declaration
from grader.reference import evaluation as ref
from grader.deferred import built

# scikit-learn warns when a drawn matrix has a single class; `labels=` already gives it every class
pytestmark = pytest.mark.filterwarnings("ignore:A single label was found:UserWarning")


def labels_of(cm):
    """y_true, y_pred with confusion matrix `cm`, for scikit-learn."""
    return declaration.labels_for(np.asarray(cm), seed=0)


@settings(max_examples=80, deadline=None)
@given(built(declaration.label_inputs()))
def test_confusion_matrix_matches_sklearn(inputs):
    """Do the counts agree with sklearn's confusion_matrix (rows true, columns predicted), absent classes included?"""
    expected = metrics.confusion_matrix(inputs["y_true"], inputs["y_pred"], labels=range(inputs["num_classes"]))
    got = ref.confusion_matrix(**inputs)
    assert got.dtype.kind == "i" and np.array_equal(got, expected)


@settings(max_examples=80, deadline=None)
@given(built(declaration.confusion_matrices()))
def test_scores_match_sklearn_with_zero_division_0(inputs):
    """Do accuracy, precision, recall and F1 agree with sklearn's, 0 where a denominator is 0?"""
    cm = inputs["cm"]
    y_true, y_pred = labels_of(cm)
    labels = range(len(cm))
    assert np.array_equal(metrics.confusion_matrix(y_true, y_pred, labels=labels), cm)
    p, r, f, _ = metrics.precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    np.testing.assert_allclose(ref.precision(cm), p, rtol=1e-12, atol=0)
    np.testing.assert_allclose(ref.recall(cm), r, rtol=1e-12, atol=0)
    np.testing.assert_allclose(ref.f1_score(cm), f, rtol=1e-12, atol=1e-15)
    assert ref.accuracy(cm) == pytest.approx(metrics.accuracy_score(y_true, y_pred), rel=1e-12)


@settings(max_examples=80, deadline=None)
@given(built(declaration.confusion_matrices()))
def test_row_normalize_matches_sklearns_normalize_true(inputs):
    """Is row_normalize sklearn's confusion_matrix(normalize='true'), with zero rows left 0?"""
    cm = inputs["cm"]
    y_true, y_pred = labels_of(cm)
    expected = metrics.confusion_matrix(y_true, y_pred, labels=range(len(cm)), normalize="true")
    np.testing.assert_allclose(ref.row_normalize(cm), np.nan_to_num(expected), rtol=1e-12, atol=0)


def test_the_drawn_matrices_are_unbalanced():
    """Do the checks' matrices have unequal row sums (the lecture's all sum to 1,000), and zero rows?"""
    from hypothesis import find

    find(built(declaration.confusion_matrices()), lambda d: len(set(d["cm"].sum(axis=1))) > 2)
    find(built(declaration.confusion_matrices()), lambda d: (d["cm"].sum(axis=1) == 0).any())


@pytest.mark.parametrize("cm, accuracy", [(declaration.LENET_CM, 0.5487), (declaration.ALEXNET_CM, 0.6252)])
def test_the_lecture_matrices_give_their_accuracies(cm, accuracy):
    """LeNet 0.5487 (printed 0.549); AlexNet 0.6252, NOT the slide's 0.638 (the erratum)."""
    y_true, y_pred = labels_of(cm)
    assert ref.accuracy(cm) == accuracy == metrics.accuracy_score(y_true, y_pred)
    assert round(ref.accuracy(declaration.ALEXNET_CM), 3) != 0.638


def test_the_lecture_matrices_are_balanced_and_hold_the_test_set():
    """Every row sums to 1,000: ten classes of CIFAR-10's 10,000 test images."""
    for cm in (declaration.LENET_CM, declaration.ALEXNET_CM):
        assert cm.shape == (10, 10) and (cm.sum(axis=1) == 1000).all()


@pytest.mark.parametrize("example", declaration.CM_EXAMPLES, ids=lambda e: e.name)
def test_reference_reproduces_the_lecture_confusion_matrix_examples(example):
    assert np.array_equal(ref.confusion_matrix(**example.inputs), example.expected)
    expected = metrics.confusion_matrix(example.inputs["y_true"], example.inputs["y_pred"],
                                        labels=range(example.inputs["num_classes"]))
    assert np.array_equal(expected, example.expected)
