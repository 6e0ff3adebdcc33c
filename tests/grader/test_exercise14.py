"""Does exercise 14 (evaluation) tell right from wrong where the lecture's matrices cannot?"""

from tests.conftest import SUBMISSIONS, by_name, graded


def test_a_vectorised_answer_with_bincount_and_nan_to_num_gets_full_marks():
    """Do np.bincount counts and np.nan_to_num scores, written nothing like the solution, get every point?"""
    result = graded("exercise14", SUBMISSIONS / "accepted" / "exercise14_bincount.py")
    assert result.score == result.max_score, [test.output for test in result.tests if test.output]


def test_balanced_accuracy_passes_the_lecture_matrices_but_not_unbalanced_ones():
    """The lecture's rows all sum to 1,000, so the mean of recalls is the accuracy there: do the drawn ones tell?"""
    tests = by_name(graded("exercise14", SUBMISSIONS / "exercise14" / "accuracy_mean_of_recalls.py"))
    assert tests["accuracy: the lecture's LeNet and AlexNet"].status == "passed"
    assert tests["accuracy: unbalanced classes"].status == "failed"


def test_a_row_normalisation_without_newaxis_fails_on_unequal_row_sums():
    """Does cm / cm.sum(axis=1) fail, with its hint, on a matrix whose rows sum to different totals?"""
    tests = by_name(graded("exercise14", SUBMISSIONS / "exercise14" / "row_normalize_no_newaxis.py"))
    failed = tests["row_normalize: each row sums to 1"]
    assert failed.status == "failed" and "np.newaxis" in failed.hint
    rows = failed.counterexample.inputs["cm"].sum(axis=1)
    assert len(set(rows.tolist())) > 1


def test_the_notebook_and_the_alexnet_example_explain_the_erratum():
    """Do the notebook and the AlexNet example's note say the matrix gives 0.6252, not the slide's 0.638?"""
    from grader.catalog import exercise14_evaluation as declaration
    from grader.instructor.notebooks import build_notebook
    from tests.conftest import ROOT

    text = "\n".join(cell.source for cell in build_notebook("exercise14_evaluation", "student", root=ROOT).cells)
    assert "erratum" in text.lower() and "0.6252" in text and "0.638" in text
    alexnet = declaration.ACCURACY_EXAMPLES[1]
    assert alexnet.expected == 0.6252 and "0.638" in alexnet.note


def _solution_with(tmp_path, old: str, new: str):
    """The solution with one piece of code replaced: a wrong file written as a student would."""
    from tests.conftest import ROOT

    source = (ROOT / "solutions" / "exercise14_evaluation.py").read_text(encoding="utf-8")
    assert old in source
    path = tmp_path / "exercise14_evaluation.py"
    path.write_text(source.replace(old, new), encoding="utf-8")
    return path


def test_a_division_by_zero_that_raises_gets_the_zero_denominator_hint(tmp_path):
    """Python floats raise ZeroDivisionError where NumPy gives NaN: is the hint the same, decided by behaviour?"""
    from grader.catalog.exercise14_evaluation import ZERO_DIVISION

    path = _solution_with(tmp_path, "    return _safe_divide(np.diag(cm), cm.sum(axis=0))",
                          "    return np.array([float(cm[j, j]) / float(cm[:, j].sum()) for j in range(len(cm))])")
    tests = by_name(graded("exercise14", path))
    failed = tests["precision, recall, f1_score and row_normalize: 0 where a denominator is 0"]
    assert failed.status == "failed" and "ZeroDivisionError" in failed.output and ZERO_DIVISION in failed.hint
    assert tests["precision: matches the reference"].status == "passed"


def test_float_counts_lose_only_the_integer_counts_point():
    """Right counts as floats: do the lecture's example (what the notebook's try-it cell shows, by value) and the
    core check pass, and only the integer-counts check fail?"""
    tests = by_name(graded("exercise14", SUBMISSIONS / "exercise14" / "cm_float_counts.py"))
    assert [name for name, test in tests.items() if test.status == "failed"] == ["confusion_matrix: integer counts"]


def test_a_matrix_sized_from_the_labels_is_shown_a_class_that_never_occurs():
    """Does K = largest label + 1 pass the core check and fail where num_classes is larger than any label?"""
    tests = by_name(graded("exercise14", SUBMISSIONS / "exercise14" / "cm_classes_from_labels.py"))
    failed = tests["confusion_matrix: classes that never occur"]
    inputs = failed.counterexample.inputs
    assert tests["confusion_matrix: matches the reference"].status == "passed"
    assert failed.status == "failed" and max(inputs["y_true"].max(), inputs["y_pred"].max()) + 1 < inputs["num_classes"]
