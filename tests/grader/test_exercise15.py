"""Does exercise 15 (VGG) tell right from wrong, and pay only for what the grader verifies?"""

from tests.conftest import SUBMISSIONS, by_name, graded

COUNT = "VGG: 138,357,544 parameters (VGG16), 132,863,336 (VGG11)"


def test_blocks_in_a_module_list_and_functional_dropout_get_full_marks():
    """Does a VGG with an nn.ModuleList of blocks, its own classifier class and F.dropout(training=...) pass?"""
    result = graded("exercise15", SUBMISSIONS / "accepted" / "exercise15_modulelist.py")
    assert result.score == result.max_score, [t.output for t in result.tests]


def test_a_classifier_sized_by_a_dummy_forward_pass_gets_full_marks():
    """Does a VGG whose __init__ runs a dummy image through its blocks still build on the meta device?"""
    result = graded("exercise15", SUBMISSIONS / "accepted" / "exercise15_dummy_forward.py")
    assert result.score == result.max_score, [t.output for t in result.tests]


def test_a_forged_parameter_table_earns_no_count_points():
    """Does a model-less VGG whose worker reports the lecture's exact tables still score 0 on the count?"""
    result = graded("exercise15", SUBMISSIONS / "forged" / "exercise15_meta_table.py")
    assert result.score == 0 and not result.has_errors
    assert "VGG(arch=((1, 4), (2, 6)), num_classes=3" in by_name(result)[COUNT].output  # the verified model


def test_the_full_size_table_names_the_layers_that_differ():
    """Does a typo in a default (hidden=4069) lose the count check, with the differing layers listed?"""
    test = by_name(graded("exercise15", SUBMISSIONS / "exercise15" / "wrong_defaults.py"))[COUNT]
    assert "137,432,659 parameters, expected 138,357,544" in test.output
    assert "layer 14: 102,087,141, expected 102,764,544" in test.output


def test_a_malformed_table_fails_the_count_and_nothing_else():
    """Does a garbled meta.table reply fail the count check with a reason, never an internal error?"""
    result = graded("exercise15", SUBMISSIONS / "forged" / "exercise15_malformed_table.py")
    assert not result.has_errors and result.score == result.max_score - 2
    assert "the worker's reply was malformed" in by_name(result)[COUNT].output


def test_a_vgg_that_ignores_its_dropout_argument_loses_that_check_alone_with_its_hint():
    """A VGG whose Dropout layers drop at the default 0.5 whatever dropout it is given: does it pass every check
    but the one that changes dropout, and does that one name the mistake?"""
    result = by_name(graded("exercise15", SUBMISSIONS / "exercise15" / "dropout_ignored.py"))
    failed = {name: test for name, test in result.items() if test.status != "passed"}
    assert list(failed) == ["VGG: the dropout argument takes effect"]
    assert failed["VGG: the dropout argument takes effect"].hint.startswith("Your Dropout ignores the dropout argument")
