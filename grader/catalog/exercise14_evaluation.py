"""Exercise 14, evaluation: what is checked, the lecture's confusion matrices, and the mistakes we name.

One feature per check: the core checks draw labels whose largest class occurs and confusion
matrices in which every class is found at least once; classes that never occur (num_classes
larger than any label), integer counts and zero denominators (a class never predicted or absent
from the test set) each have a check of their own. Each named mistake has fixed examples that
expose it whatever the seed, and each check family has a case at the lecture's size, ten
CIFAR-10 classes.
"""

import numpy as np

from grader.authoring import (Example, Exercise, Falsified, Mismatch, Mistake, Probe, answer_key, as_array,
                              compare_arrays, draw_array, lecture_examples, matches_reference, returned_array,
                              satisfies_property, st, upto)

key = answer_key(__name__)

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


def _labels(y_true, y_pred, num_classes: int) -> dict:
    return {"y_true": np.asarray(y_true, dtype=np.int64), "y_pred": np.asarray(y_pred, dtype=np.int64),
            "num_classes": num_classes}


_BY_HAND = _labels([0, 0, 1, 1, 1, 2], [0, 1, 1, 1, 2, 2], 3)
_LENET_TRUE, _LENET_PRED = labels_for(LENET_CM, seed=14)

CM_EXAMPLES = [
    Example("three classes by hand", _BY_HAND, np.array([[1, 1, 0], [0, 2, 1], [0, 0, 1]]),
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


# --- What hypothesis draws --------------------------------------------------------------------------

@st.composite
def label_inputs(draw, max_classes: int = 10, max_samples: int = 40, unseen_last_class: bool | None = None) -> dict:
    """y_true, y_pred (N,) int64 in [0, K), and K = num_classes.

    `unseen_last_class` False: K is the largest label + 1 (the plainest case); True: class K - 1
    never occurs and is never predicted, yet has its row and column; None: K drawn, any class may
    be absent.
    """
    K = draw(upto(max_classes, 2 if unseen_last_class else 1), label="num_classes")
    N = draw(upto(max_samples), label="N")
    classes = K - 1 if unseen_last_class else K
    y_true = (draw_array(draw, np.uint8, (N,), label="y_true") % classes).astype(np.int64)
    y_pred = (draw_array(draw, np.uint8, (N,), label="y_pred") % classes).astype(np.int64)
    if unseen_last_class is False:
        K = int(max(y_true.max(), y_pred.max())) + 1
    return {"y_true": y_true, "y_pred": y_pred, "num_classes": K}


@st.composite
def confusion_matrices(draw, max_classes: int = 10, zero_denominators: bool = True) -> dict:
    """cm (K, K) of counts whose rows do NOT all sum alike (unlike the lecture's, 1,000 each).

    Without `zero_denominators` every class is found at least once (the diagonal is at least 1), so
    no score divides by 0. With it, rows and columns of zeros occur (a class absent from the test
    set, or never predicted), the last class always both, and cm[0, 0] is at least 1.
    """
    K = draw(upto(max_classes, 2 if zero_denominators else 1), label="K")
    counts = draw_array(draw, np.uint8, (K, K), label="counts").astype(np.int64) // 8
    if not zero_denominators:
        return {"cm": counts + np.eye(K, dtype=np.int64)}
    empty_rows = draw_array(draw, np.uint8, (K,), label="empty rows") % 4 == 3
    empty_cols = draw_array(draw, np.uint8, (K,), label="empty columns") % 4 == 3
    empty_rows[-1] = empty_cols[-1] = True
    counts[empty_rows, :] = 0
    counts[:, empty_cols] = 0
    counts[0, 0] += 1
    return {"cm": counts}


# --- Fixed examples: each named mistake's smallest witness, and the lecture's size ------------------

# Ten classes of unequal size, every one found at least once: what a real test set looks like.
UNBALANCED_CM = np.array([
    [105, 9, 7, 4, 1, 8, 4, 10, 4, 7],
    [2, 144, 0, 9, 1, 8, 9, 5, 9, 6],
    [10, 8, 42, 0, 0, 7, 8, 8, 9, 4],
    [10, 6, 1, 82, 9, 7, 10, 11, 9, 3],
    [6, 5, 3, 10, 131, 6, 2, 5, 5, 8],
    [11, 0, 0, 1, 0, 36, 3, 1, 0, 0],
    [10, 11, 1, 9, 9, 11, 129, 9, 11, 11],
    [3, 4, 7, 9, 6, 1, 1, 61, 5, 8],
    [3, 2, 9, 2, 10, 2, 1, 9, 72, 7],
    [9, 3, 1, 7, 8, 8, 9, 8, 4, 41],
])
WITHOUT_TRUCKS = UNBALANCED_CM * (np.arange(10) < 9)[:, None] * (np.arange(10) < 9)  # class 9 absent, never predicted

CM_FIXED = (
    _labels([0], [1], 2),  # one sample of class 0 predicted 1: cm[0, 1], not cm[1, 0]
    _labels([0, 0], [0, 0], 1),  # the same pair twice counts 2
    _labels(*labels_for(UNBALANCED_CM, seed=10), 10),
)
CM_UNSEEN = (
    _labels([0], [0], 2),  # class 1 never occurs: still a 2x2 matrix
    _labels(*labels_for(WITHOUT_TRUCKS, seed=9), 10),
)
CM_COUNTS = (_BY_HAND, _labels(*labels_for(UNBALANCED_CM, seed=11), 10))

SMALL_CM = np.array([[1, 1], [0, 1]])  # rows sum to 2 and 1, columns to 1 and 2
SCORES_FIXED = ({"cm": SMALL_CM}, {"cm": UNBALANCED_CM})
ACCURACY_FIXED = ({"cm": np.array([[1, 0], [1, 2]])}, {"cm": UNBALANCED_CM})  # 0.75; recalls 1 and 2/3
ZERO_DENOMINATOR_FIXED = (
    {"cm": np.array([[1, 0], [0, 0]])},  # class 1 absent and never predicted
    {"cm": np.array([[1, 1], [1, 0]])},  # class 1 never found: precision = recall = 0, F1 0 / 0
    {"cm": WITHOUT_TRUCKS},
)

# --- Comparisons and properties ----------------------------------------------------------------------


def _values(expected, actual) -> Mismatch | None:
    """Shape and values only, as a notebook's try-it cell compares them (dtypes have checks of their own)."""
    return compare_arrays(expected, actual, require_float=False)


def _integer_counts(expected, actual) -> Mismatch | None:
    mismatch = compare_arrays(expected, actual, require_float=False, rtol=0, atol=0)
    if mismatch is None:
        counts = as_array(actual)
        assert counts is not None  # compare_arrays found it equal to the expected array
        if counts.dtype.kind not in "iu":
            return Mismatch(f"returned dtype {counts.dtype}, expected integer counts (the values are right): "
                            "create the matrix with np.zeros((K, K), dtype=int)")
    return mismatch


def _counts_are_integers(session, drawn: dict) -> None:
    expected = key.confusion_matrix(*drawn.values())
    actual = session.call("confusion_matrix", drawn, expected=expected)
    mismatch = _integer_counts(expected, actual)
    if mismatch is not None:
        raise Falsified(f"confusion_matrix {mismatch.message}", function="confusion_matrix", inputs=drawn,
                        expected=expected, outcome=session.last_outcome, differences=mismatch.differences)


SCORES = (("precision", key.precision), ("recall", key.recall), ("f1_score", key.f1_score),
          ("row_normalize", key.row_normalize))


def _zero_where_undefined(session, drawn: dict) -> None:
    """precision, recall, f1_score and row_normalize, in turn, on a matrix with zero denominators: the
    values only (each function's core check asks for floats)."""
    for function, reference in SCORES:
        expected = reference(*drawn.values())
        actual = session.call(function, drawn, expected=expected)
        mismatch = _values(expected, actual)
        if mismatch is not None:
            raise Falsified(f"{function} {mismatch.message}", function=function, inputs=drawn, expected=expected,
                            outcome=session.last_outcome, differences=mismatch.differences)


# --- Known mistakes, told by behaviour -----------------------------------------------------------


def _classes_from_labels(inputs, expected, outcome):
    """A k x k matrix with k < num_classes that is the top-left corner of the right one: K was read
    from the labels (their largest + 1), not from num_classes."""
    actual = returned_array(outcome)
    if actual is None or actual.ndim != 2 or actual.shape[0] != actual.shape[1]:
        return False
    k = actual.shape[0]
    return 0 < k < inputs["num_classes"] and np.array_equal(actual, np.asarray(expected)[:k, :k])


def _float_counts(inputs, expected, outcome):
    actual = returned_array(outcome)
    return actual is not None and actual.dtype.kind == "f" and actual.shape == np.shape(expected) \
        and np.array_equal(actual, expected)


def _truncated(inputs, expected, outcome):
    """Whole numbers where the answer has fractions: each value is the right one cut down to an integer."""
    actual = returned_array(outcome)
    if actual is None or actual.shape != np.shape(expected):
        return False
    expected = np.asarray(expected, dtype=np.float64)
    whole = np.floor(expected)
    return not np.allclose(expected, whole) and np.allclose(actual, whole)


def _zero_denominator(function: str, cm: np.ndarray) -> np.ndarray:
    """Where `function` divides by 0 on `cm` (F1's P + R is 0 exactly where cm[k, k] is)."""
    if function == "precision":
        return cm.sum(axis=0) == 0
    if function == "f1_score":
        return np.diag(cm) == 0
    return cm.sum(axis=1) == 0


def _denominators_filled(function: str):
    """The failing matrix with every class found once more (cm + I), where it had a zero denominator:
    an answer right there and wrong here is wrong only where it divides by 0, however it fails."""
    def transform(inputs: dict) -> dict | None:
        cm = np.asarray(inputs["cm"])
        if cm.ndim != 2 or not _zero_denominator(function, cm).any():
            return None
        return {"cm": cm + np.eye(len(cm), dtype=cm.dtype)}
    return transform


ZERO_DIVISION = ("Wrong only where a denominator is 0: a class never predicted has no precision (0 / 0), one absent "
                 "from the test set no recall, F1 divides by P + R = 0 where a class is never found. Return 0 "
                 "there, as scikit-learn's zero_division=0 does: divide only where the denominator is not 0, "
                 "np.divide(a, b, out=np.zeros(...), where=b != 0).")
SWAPPED = ("Precision and recall are swapped: precision[j] divides by column j's sum (everything PREDICTED as "
           "j), recall[i] by row i's sum (every sample that truly IS i). Rows are true classes.")
TRUNCATED = ("The fractions were cut off: the scores come out as whole numbers, by integer division (//) or by "
             "storing them in an integer array (np.zeros_like(cm) has the counts' integer dtype). Divide with / "
             "into a float array: cm.astype(float), as the lecture's cmp does, or np.zeros(cm.shape).")

# Tried in this order on the smallest failing input; the first that matches gives the hint.
MISTAKES = (
    Mistake("cm_transposed", "confusion_matrix",
            "The matrix is transposed: rows are the TRUE classes and columns the predictions (scikit-learn's "
            "convention, the lecture's), so a sample adds 1 at cm[y_true[n], y_pred[n]].",
            reproduce=key.transposed_confusion_matrix),
    Mistake("cm_fancy_index", "confusion_matrix",
            "cm[y_true, y_pred] += 1 with index arrays counts a repeated (true, predicted) pair only once: "
            "NumPy does not accumulate repeated indices. Loop over the samples, or use "
            "np.add.at(cm, (y_true, y_pred), 1).",
            reproduce=key.fancy_index_counts),
    Mistake("cm_classes_from_labels", "confusion_matrix",
            "The matrix is too small: its size came from the labels (their largest + 1, or how many distinct "
            "ones there are), not from num_classes. A class may be missing from a test set, or never "
            "predicted, and still has its row and column: make the matrix (num_classes, num_classes).",
            detect=_classes_from_labels),
    Mistake("cm_float_counts", "confusion_matrix",
            "The counts are right but floats: np.zeros((K, K)) is float64. A confusion matrix counts samples, "
            "like scikit-learn's: create it with np.zeros((K, K), dtype=int).",
            detect=_float_counts),
    Mistake("accuracy_mean_of_recalls", "accuracy",
            "That is the mean of the per-class recalls (balanced accuracy), not the accuracy: accuracy is "
            "trace(cm) / cm.sum(), every sample counted once. The two agree only when every class has "
            "as many samples, as in the lecture's test set (1,000 each).",
            reproduce=key.mean_of_recalls),
    Mistake("precision_recall_swapped", "precision", SWAPPED, reproduce=key.recall),
    Mistake("precision_recall_swapped", "recall", SWAPPED, reproduce=key.precision),
    Mistake("nan_on_zero_division", "precision", ZERO_DIVISION,
            probe=Probe(_denominators_filled("precision"), expected=key.precision)),
    Mistake("nan_on_zero_division", "recall", ZERO_DIVISION,
            probe=Probe(_denominators_filled("recall"), expected=key.recall)),
    Mistake("nan_on_zero_division", "f1_score", ZERO_DIVISION,
            probe=Probe(_denominators_filled("f1_score"), expected=key.f1_score)),
    Mistake("nan_on_zero_division", "row_normalize", ZERO_DIVISION,
            probe=Probe(_denominators_filled("row_normalize"), expected=key.row_normalize)),
    Mistake("f1_arithmetic_mean", "f1_score",
            "F1 is the harmonic mean of precision and recall, 2PR / (P + R), not their average (P + R) / 2: "
            "it is low when either one is low.",
            reproduce=key.f1_arithmetic_mean),
    Mistake("row_normalize_no_newaxis", "row_normalize",
            "cm / cm.sum(axis=1) divides COLUMN j by row j's sum: the (K,) sums broadcast along the last "
            "axis. Make them a column, cm.sum(axis=1)[:, np.newaxis] (or keepdims=True), as the lecture's "
            "cmp does. The lecture's matrices cannot show this: all their rows sum to 1,000.",
            reproduce=key.row_normalize_without_newaxis),
    *(Mistake("integer_scores", function, TRUNCATED, detect=_truncated)
      for function in ("accuracy", "precision", "recall", "f1_score", "row_normalize")),
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
            compare=_values),
        matches_reference(
            "confusion_matrix", key.confusion_matrix, label_inputs(unseen_last_class=False), points=1,
            name="confusion_matrix: matches the reference",
            description="Drawn labels for up to 10 classes and 40 samples, num_classes the largest label + 1; "
                        "and 1,360 predictions of ten unbalanced classes. Rows true, columns predicted.",
            rtol=0, atol=0, require_float=False, examples=CM_FIXED, max_examples=15),
        matches_reference(
            "confusion_matrix", key.confusion_matrix, label_inputs(unseen_last_class=True), points=0.5,
            name="confusion_matrix: classes that never occur",
            description="num_classes larger than any label: a class absent from the test set and never "
                        "predicted still has its row and column of zeros.",
            rtol=0, atol=0, require_float=False, examples=CM_UNSEEN, max_examples=10),
        satisfies_property(
            "confusion_matrix", _counts_are_integers, label_inputs(unseen_last_class=False), points=0.5,
            name="confusion_matrix: integer counts",
            description="The counts come back as integers, like scikit-learn's (int64).",
            examples=CM_COUNTS, max_examples=5),
        lecture_examples(
            "accuracy", ACCURACY_EXAMPLES, points=1, name="accuracy: the lecture's LeNet and AlexNet",
            description="LeNet 0.5487 and AlexNet 0.6252 from their matrices (see the AlexNet erratum).",
            compare=_values),
        matches_reference(
            "accuracy", key.accuracy, confusion_matrices(zero_denominators=False), points=1,
            name="accuracy: unbalanced classes",
            description="trace / total on drawn matrices whose rows do not all sum alike.",
            examples=ACCURACY_FIXED, max_examples=15),
        matches_reference(
            "precision", key.precision, confusion_matrices(zero_denominators=False), points=1,
            name="precision: matches the reference",
            description="Per class, the diagonal over the column sums, on matrices where every class is found.",
            examples=SCORES_FIXED, max_examples=15),
        matches_reference(
            "recall", key.recall, confusion_matrices(zero_denominators=False), points=1,
            name="recall: matches the reference",
            description="Per class, the diagonal over the row sums, on matrices where every class is found.",
            examples=SCORES_FIXED, max_examples=15),
        matches_reference(
            "f1_score", key.f1_score, confusion_matrices(zero_denominators=False), points=1,
            name="f1_score: matches the reference",
            description="Per class, 2PR / (P + R), on matrices where every class is found.",
            examples=SCORES_FIXED, max_examples=15),
        matches_reference(
            "row_normalize", key.row_normalize, confusion_matrices(zero_denominators=False), points=1,
            name="row_normalize: each row sums to 1",
            description="Drawn matrices with unequal row sums (the lecture's all sum to 1,000): each row "
                        "divided by its own sum.",
            examples=SCORES_FIXED, max_examples=15),
        satisfies_property(
            ("precision", "recall", "f1_score", "row_normalize"), _zero_where_undefined,
            confusion_matrices(), points=1,
            name="precision, recall, f1_score and row_normalize: 0 where a denominator is 0",
            description="A class never predicted has precision 0, one absent from the test set recall 0 and an "
                        "all-zero row, one never found F1 0 (scikit-learn's zero_division=0), not NaN.",
            examples=ZERO_DENOMINATOR_FIXED, max_examples=10),
    ),
    mistakes=MISTAKES,
)
