"""Does exercise 14 (evaluation) tell right from wrong where the lecture's matrices cannot?"""

from tests.conftest import SUBMISSIONS, by_name, graded


def test_a_vectorised_answer_with_bincount_and_nan_to_num_gets_full_marks():
    result = graded("exercise14", SUBMISSIONS / "accepted" / "exercise14_bincount.py")
    assert result.score == result.max_score, [test.output for test in result.tests if test.output]


def test_balanced_accuracy_passes_the_lecture_matrices_but_not_unbalanced_ones():
    """The lecture's rows all sum to 1,000, so the mean of recalls is the accuracy there: do the drawn ones tell?"""
    tests = by_name(graded("exercise14", SUBMISSIONS / "exercise14" / "accuracy_mean_of_recalls.py"))
    assert tests["accuracy: the lecture's LeNet and AlexNet"].status == "passed"
    assert tests["accuracy: unbalanced classes"].status == "failed"


def test_a_row_normalisation_without_newaxis_fails_on_unequal_row_sums():
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
