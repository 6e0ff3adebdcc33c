"""Exercise 14, evaluation: what is checked, the lecture's confusion matrices, and the mistakes we name."""

import numpy as np
from hypothesis import strategies as st

from grader.checks import Falsified, lecture_examples, matches_reference, satisfies_property
from grader.compare import Mismatch, as_array, compare_arrays
from grader.exercise import Example, Exercise, Mistake
from grader.strategies import draw_array, one_of, upto
from reference import evaluation as ref

# --- The lecture's confusion matrices (section 14, CIFAR-10 test set) ------------------------------

LABELS = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
LENET_CM = np.array([
    [636, 23, 79, 24, 15, 17, 34, 49, 60, 63],
    [59, 549, 32, 18, 7, 11, 22, 31, 44, 227],
    [61, 14, 477, 83, 81, 75, 102, 74, 11, 22],
    [18, 12, 107, 365, 37, 182, 169, 66, 17, 27],
    [37, 2, 163, 64, 440, 43, 135, 89, 16, 11],
    [13, 5, 82, 241, 47, 432, 87, 66, 12, 15],
    [4, 8, 77, 63, 52, 35, 719, 25, 3, 14],
    [27, 7, 51, 55, 62, 72, 37, 647, 6, 36],
    [150, 50, 24, 37, 16, 24, 28, 14, 575, 82],
    [52, 93, 16, 29, 10, 20, 31, 55, 47, 647],
])
ALEXNET_CM = np.array([
    [646, 6, 109, 21, 24, 3, 9, 5, 149, 28],
    [46, 701, 15, 10, 5, 5, 6, 5, 99, 108],
    [54, 8, 700, 44, 46, 32, 69, 18, 21, 8],
    [27, 28, 185, 408, 56, 118, 97, 29, 35, 17],
    [24, 11, 192, 52, 497, 35, 102, 53, 32, 2],
    [16, 7, 180, 167, 58, 445, 49, 50, 20, 8],
    [16, 13, 117, 48, 26, 24, 715, 6, 27, 8],
    [29, 0, 90, 42, 95, 56, 16, 645, 11, 16],
    [24, 16, 30, 14, 16, 4, 6, 1, 870, 19],
    [82, 109, 35, 33, 7, 7, 11, 13, 78, 625],
])
LENET_ACCURACY, ALEXNET_ACCURACY = 0.5487, 0.6252  # trace / 10,000; the slides print 0.549 and 0.638
ALEXNET_ERRATUM = ("Lecture erratum: the slide prints 'Test accuracy score: 0.638' for AlexNet, but the "
                   "confusion matrix it shows has 6,252 of 10,000 on its diagonal: 0.6252. The two figures "
                   "do not agree; this exercise uses the matrix.")


def labels_for(cm: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """y_true, y_pred (int64, shuffled) whose confusion matrix is `cm`: the lecture's predictions, rebuilt."""
    rows, cols = np.nonzero(cm)
    counts = cm[rows, cols]
    y_true, y_pred = np.repeat(rows, counts), np.repeat(cols, counts)
    order = np.random.default_rng(seed).permutation(len(y_true))
    return y_true[order].astype(np.int64), y_pred[order].astype(np.int64)


_BY_HAND = {"y_true": np.array([0, 0, 1, 1, 1, 2]), "y_pred": np.array([0, 1, 1, 1, 2, 2]), "num_classes": 3}
_LENET_TRUE, _LENET_PRED = labels_for(LENET_CM, seed=14)

CM_EXAMPLES = [
    Example("three classes by hand", _BY_HAND, ref.confusion_matrix(**_BY_HAND),
            note="Sample by sample, (true, predicted): (0, 0), (0, 1), (1, 1), (1, 1), (1, 2), (2, 2). Row 1 "
                 "holds the three samples of class 1: two predicted 1, one predicted 2."),
    Example("LeNet on the CIFAR-10 test set: 10,000 predictions",
            {"y_true": _LENET_TRUE, "y_pred": _LENET_PRED, "num_classes": 10}, LENET_CM,
            note="The lecture's LeNet confusion matrix, rebuilt from 10,000 (true, predicted) pairs: row i is "
                 "the 1,000 test images of class i (airplane, automobile, ...), column j what LeNet said."),
]
ACCURACY_EXAMPLES = [
    Example("LeNet's confusion matrix", {"cm": LENET_CM}, LENET_ACCURACY,
            note="The diagonal sums to 5,487 of 10,000 test images: 0.5487 (the slide rounds it to 0.549)."),
    Example("AlexNet's confusion matrix", {"cm": ALEXNET_CM}, ALEXNET_ACCURACY, note=ALEXNET_ERRATUM),
]


# --- Strategies: labels, and unbalanced confusion matrices ------------------------------------------

@st.composite
def label_inputs(draw, max_classes: int = 10, max_samples: int = 40) -> dict:
    """y_true, y_pred (N,) in [0, K) and K: some classes never occur, some are never predicted."""
    K, N = draw(upto(max_classes), label="num_classes"), draw(upto(max_samples), label="N")
    dtype = draw(one_of((np.int64, np.int32)), label="dtype")
    y_true = draw_array(draw, np.uint8, (N,), label="y_true") % K
    y_pred = draw_array(draw, np.uint8, (N,), label="y_pred") % K
    return {"y_true": y_true.astype(dtype), "y_pred": y_pred.astype(dtype), "num_classes": K}


@st.composite
def confusion_matrices(draw, max_classes: int = 10) -> dict:
    """cm (K, K) of counts whose rows do NOT all sum alike (unlike the lecture's, 1,000 each).

    Rows and columns of zeros occur (a class absent from the test set, or never predicted);
    cm[0, 0] is at least 1, so that there is something to score.
    """
    K = draw(upto(max_classes), label="K")
    counts = draw_array(draw, np.uint8, (K, K), label="counts").astype(np.int64) // 8
    empty_rows = draw_array(draw, np.uint8, (K,), label="empty rows") % 4 == 3
    empty_cols = draw_array(draw, np.uint8, (K,), label="empty columns") % 4 == 3
    counts[empty_rows, :] = 0
    counts[:, empty_cols] = 0
    counts[0, 0] += 1
    return {"cm": counts}


# --- Comparing: counts must be integers ------------------------------------------------------------

def _counts_mismatch(expected, actual) -> Mismatch | None:
    mismatch = compare_arrays(expected, actual, require_float=False, rtol=0, atol=0)
    if mismatch is None and as_array(actual).dtype.kind not in "iu":
        return Mismatch(f"returned dtype {as_array(actual).dtype}, expected integer counts: create the matrix "
                        "with np.zeros((K, K), dtype=int)")
    return mismatch


def _counts_match(session, drawn: dict) -> None:
    expected = ref.confusion_matrix(**drawn)
    mismatch = _counts_mismatch(expected, session.call("confusion_matrix", drawn))
    if mismatch is not None:
        raise Falsified(f"confusion_matrix {mismatch.message}", function="confusion_matrix", inputs=drawn,
                        expected=expected, outcome=session.last_outcome, differences=mismatch.differences)


# --- Known mistakes ------------------------------------------------------------------------------

def _actual(outcome):
    return as_array(outcome.value) if outcome.ok else None


def _close(a, b) -> bool:
    return a is not None and a.shape == np.shape(b) and np.allclose(a, b, equal_nan=True)


def _undefined(function: str, cm) -> np.ndarray:
    """Where `function` divides by 0 on `cm`: the entries that must be 0, not NaN."""
    cm = np.asarray(cm, dtype=np.float64)
    if function == "precision":
        return cm.sum(axis=0) == 0
    if function == "recall":
        return cm.sum(axis=1) == 0
    if function == "f1_score":
        return ref.precision(cm) + ref.recall(cm) == 0
    return np.broadcast_to(cm.sum(axis=1)[:, np.newaxis] == 0, cm.shape)


def _nan_where_undefined(function: str):
    """NaN or inf only where the denominator is 0, the right values everywhere else."""
    def detect(inputs, expected, outcome):
        actual = _actual(outcome)
        if actual is None or actual.shape != np.shape(expected) or actual.dtype.kind != "f":
            return False
        bad = ~np.isfinite(actual)
        return bool(bad.any()) and not (bad & ~_undefined(function, inputs["cm"])).any() \
            and np.allclose(actual[~bad], np.asarray(expected)[~bad])
    return detect


def _without_newaxis(inputs, expected, outcome):
    """cm / cm.sum(axis=1): column j divided by row j's sum (NaN where that sum is 0)."""
    cm = np.asarray(inputs["cm"], dtype=np.float64)
    with np.errstate(all="ignore"):
        wrong = cm / cm.sum(axis=1)
    return _close(_actual(outcome), wrong) and not _close(wrong, expected)


def _fancy_index_counts(y_true, y_pred, num_classes):
    """cm[y_true, y_pred] += 1 with arrays: a pair that repeats is counted once."""
    return (ref.confusion_matrix(y_true, y_pred, num_classes) > 0).astype(np.int64)


NAN = ("A class with a zero denominator gives NaN (0 / 0): a class never predicted has no precision, one "
       "absent from the test set no recall. Return 0 there, as scikit-learn's zero_division=0 does: divide "
       "only where the denominator is not 0, np.divide(a, b, out=np.zeros(...), where=b != 0).")
SWAPPED = ("Precision and recall are swapped: precision[j] divides by column j's sum (everything PREDICTED as "
           "j), recall[i] by row i's sum (every sample that truly IS i). Rows are true classes.")

# Tried in this order on the smallest failing input; the first that matches gives the hint.
MISTAKES = (
    Mistake("cm_transposed", "confusion_matrix",
            "The matrix is transposed: rows are the TRUE classes and columns the predictions (scikit-learn's "
            "convention, the lecture's), so a sample adds 1 at cm[y_true[n], y_pred[n]].",
            reproduce=lambda y_true, y_pred, num_classes: ref.confusion_matrix(y_pred, y_true, num_classes)),
    Mistake("cm_fancy_index", "confusion_matrix",
            "cm[y_true, y_pred] += 1 with index arrays counts a repeated (true, predicted) pair only once: "
            "NumPy does not accumulate repeated indices. Loop over the samples, or use "
            "np.add.at(cm, (y_true, y_pred), 1).",
            reproduce=_fancy_index_counts),
    Mistake("accuracy_mean_of_recalls", "accuracy",
            "That is the mean of the per-class recalls (balanced accuracy), not the accuracy: accuracy is "
            "trace(cm) / cm.sum(), every sample counted once. The two agree only when every class has "
            "as many samples, as in the lecture's test set (1,000 each).",
            reproduce=lambda cm: np.mean(ref.recall(cm))),
    Mistake("precision_recall_swapped", "precision", SWAPPED, reproduce=ref.recall),
    Mistake("precision_recall_swapped", "recall", SWAPPED, reproduce=ref.precision),
    Mistake("nan_on_zero_division", "precision", NAN, detect=_nan_where_undefined("precision")),
    Mistake("nan_on_zero_division", "recall", NAN, detect=_nan_where_undefined("recall")),
    Mistake("nan_on_zero_division", "f1_score", NAN, detect=_nan_where_undefined("f1_score")),
    Mistake("nan_on_zero_division", "row_normalize", NAN, detect=_nan_where_undefined("row_normalize")),
    Mistake("f1_arithmetic_mean", "f1_score",
            "F1 is the harmonic mean of precision and recall, 2PR / (P + R), not their average (P + R) / 2: "
            "it is low when either one is low.",
            reproduce=lambda cm: (ref.precision(cm) + ref.recall(cm)) / 2),
    Mistake("row_normalize_no_newaxis", "row_normalize",
            "cm / cm.sum(axis=1) divides COLUMN j by row j's sum: the (K,) sums broadcast along the last "
            "axis. Make them a column, cm.sum(axis=1)[:, np.newaxis] (or keepdims=True), as the lecture's "
            "cmp does. The lecture's matrices cannot show this: all their rows sum to 1,000.",
            detect=_without_newaxis),
)

EXERCISE = Exercise(
    id="exercise14",
    module=__name__.rpartition(".")[2],
    title="Evaluation",
    section="14. Multiclass Classification by LeNet & AlexNet: Confusion Matrix",
    points=10,
    summary="confusion_matrix(y_true, y_pred, num_classes), accuracy, precision, recall, f1_score and "
            "row_normalize(cm)",
    functions=("confusion_matrix", "accuracy", "precision", "recall", "f1_score", "row_normalize"),
    checks=(
        lecture_examples(
            "confusion_matrix", CM_EXAMPLES, points=1, name="confusion_matrix: the lecture's LeNet matrix",
            description="Six samples by hand; the LeNet matrix of section 14 from its 10,000 predictions.",
            compare=_counts_mismatch),
        satisfies_property(
            "confusion_matrix", _counts_match, label_inputs(),
            name="confusion_matrix: matches the reference",
            points=2,
            max_examples=15,
            description="Drawn labels for up to 10 classes and 40 samples, int32 and int64; classes that never "
                        "occur or are never predicted; integer counts, rows true, columns predicted."),
        lecture_examples(
            "accuracy", ACCURACY_EXAMPLES, points=1, name="accuracy: the lecture's LeNet and AlexNet",
            description="LeNet 0.5487 and AlexNet 0.6252 from their matrices (see the AlexNet erratum)."),
        matches_reference(
            "accuracy", ref.accuracy, confusion_matrices(), max_examples=15, points=1, name="accuracy: unbalanced classes",
            description="trace / total on drawn matrices whose rows do not all sum alike."),
        matches_reference(
            "precision", ref.precision, confusion_matrices(), max_examples=15, points=1, name="precision: matches the reference",
            description="Per class, the diagonal over the column sums; 0 for a class never predicted."),
        matches_reference(
            "recall", ref.recall, confusion_matrices(), max_examples=15, points=1, name="recall: matches the reference",
            description="Per class, the diagonal over the row sums; 0 for a class absent from the test set."),
        matches_reference(
            "f1_score", ref.f1_score, confusion_matrices(), max_examples=15, points=1, name="f1_score: matches the reference",
            description="Per class, 2PR / (P + R); 0 where precision and recall are both 0."),
        matches_reference(
            "row_normalize", ref.row_normalize, confusion_matrices(), max_examples=15, points=2,
            name="row_normalize: each row sums to 1",
            description="Drawn matrices with unequal row sums (the lecture's all sum to 1,000), all-zero rows "
                        "included: each row divided by its own sum, zero rows stay zero."),
    ),
    mistakes=MISTAKES,
)
