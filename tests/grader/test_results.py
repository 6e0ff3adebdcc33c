"""Do reports keep what a submission returned exactly as it was, and large arrays small?"""

import json

import numpy as np
import pytest

from grader.compare import ArraySummary, first_difference, isclose, summarize_array
from grader.json_values import from_jsonable, jsonable
from grader.results import Counterexample


def through_json(value, **options):
    return from_jsonable(json.loads(json.dumps(jsonable(value, **options), allow_nan=False)))


@pytest.mark.parametrize("value", [
    {"dtype": "float64", "shape": [7, 7, 7], "values": [1.0, 2.0]},
    {"$array": {"dtype": "float64", "shape": [2], "values": [1.0, 2.0]}},
    {"$dict": {"a": 1}},
    {"dtype": "float64", "shape": [2], "values": [1.0, 2.0]},  # even a consistent one
])
def test_a_dict_shaped_like_the_reports_encoding_stays_that_dict(value):
    """Can a submission's dict be mistaken for the report's own array encoding? It must not."""
    assert through_json(value) == value


def test_arrays_come_back_with_their_dtype_shape_and_values():
    for array in [np.arange(6.0).reshape(2, 3), np.array([np.nan, np.inf, -1.0]), np.zeros((0, 3)),
                  np.array([1 + 2j, 3j]), np.arange(4, dtype=np.uint8), np.float64(2.5)]:
        back = through_json(array)
        assert back.dtype == np.asarray(array).dtype and back.shape == np.shape(array)
        np.testing.assert_array_equal(back, array)


@pytest.mark.parametrize("stored", [
    {"$array": {"dtype": "float64", "shape": [7, 7, 7], "values": [1.0, 2.0]}},
    {"$array": {"dtype": "object", "shape": [1], "values": [1]}},
    {"$array": {"dtype": "float64", "shape": [-1], "values": []}},
    {"$array": {"dtype": "float64"}},
    {"$array": 5},
])
def test_an_invalid_stored_array_is_shown_as_unreadable_never_raised(stored):
    assert "could not read" in from_jsonable(stored)


def test_a_large_array_is_kept_as_shape_dtype_summary_and_a_window_around_the_first_difference():
    expected = np.zeros((300, 300))
    actual = expected.copy()
    actual[150, 200] = 1.0
    actual[299, 299] = np.nan  # after the first difference
    data = Counterexample("conv2d(x)", {}, expected=expected, actual=actual).to_dict()
    assert len(json.dumps(data)) < 3000
    got = Counterexample.from_dict(json.loads(json.dumps(data))).actual
    assert isinstance(got, ArraySummary) and got.shape == (300, 300) and got.dtype == "float64"
    assert (got.minimum, got.maximum, got.nan_count) == (0.0, 1.0, 1)
    assert got.window.shape == (8, 8) and got.window_start == (146, 196) and got.window[4, 4] == 1.0


def test_summaries_and_first_differences_for_other_renderers():
    """Can a renderer (HTML, say) get a summary and the first difference straight from the data?"""
    array = np.arange(24.0).reshape(2, 3, 4)
    summary = summarize_array(array, around=(1, 2, 3), window=2)
    assert summary.window_start == (1, 1, 2) and summary.window.tolist() == [[[18.0, 19.0], [22.0, 23.0]]]
    assert summary.mean == pytest.approx(11.5) and summary.size == 24
    assert first_difference(array, array) is None and first_difference(array, array + (array == 7)) == (0, 1, 3)
    assert first_difference(array, np.zeros(3)) is None


def test_long_lists_are_summarized_too():
    assert isinstance(through_json([0.5] * 5000), ArraySummary)


# --- The exercise object: one model, versioned -----------------------------------------------------

LAYERS = {"rows": [{"expected": {"layer": "Conv2d(1, 1, 3)", "output": "(1, 1, 4, 4)", "parameters": 10}, "got": None}],
          "first_difference": 0}


def every_field():
    """An exercise result that uses every field the JSON object can hold."""
    from grader.results import CheckResult, ExerciseResult

    wrong = Counterexample("conv2d(x, w)", {"x": np.arange(6.0).reshape(1, 1, 2, 3), "w": np.ones((1, 1, 1, 1))},
                           expected=np.zeros((3, 40, 40)), actual=np.ones((3, 40, 40)),
                           differences="differs at [0, 0, 0]")
    return ExerciseResult(
        "exercise1", "Convolution", "4. Convolutional Layer", "exercise1_convolution.py", execution_time=1.23456,
        sandbox="bubblewrap", seed="secret 3f9a", notes=["a note"], time_budget=20.0, tests=[
            CheckResult("conv2d: matches the reference", 2, 0.0, "failed", "wrong values", hint="flipped?",
                        counterexample=wrong, visibility="hidden", stdout="hello", execution_time=0.12345,
                        failure="timeout", mistakes=["flipped_kernel"], layers=LAYERS),
            CheckResult("conv2d: output shape", 1, 1, "passed")])


def test_an_exercise_result_reads_back_from_its_json_and_writes_the_same_bytes():
    """JSON -> model -> JSON: is every field kept, byte for byte (large arrays as their summary)?"""
    from grader.results import SCHEMA_VERSION, ExerciseResult

    text = json.dumps(every_field().to_dict(), allow_nan=False)
    again = ExerciseResult.from_json(text)
    assert json.dumps(again.to_dict(), allow_nan=False) == text
    assert json.loads(text)["schema_version"] == SCHEMA_VERSION == 1
    assert list(json.loads(text))[0] == "schema_version"  # the one field added: other tools read the rest as before
    assert isinstance(again.tests[0].counterexample.expected, ArraySummary)
    assert again.tests[0].mistakes == ["flipped_kernel"] and again.score == 1 and again.max_score == 3


def test_a_result_written_before_versions_existed_reads_with_the_fields_added_since():
    """A version-0 object (no schema_version, status, seed, notes, ...): does it read, and write back as version 1?"""
    from grader.results import GRADED, ExerciseResult

    old = {"exercise": "exercise1", "title": "Convolution", "section": "4", "submission": "a.py", "score": 0,
           "max_score": 1, "tests": [{"name": "conv2d", "score": 0, "max_score": 1, "status": "failed"}]}
    result = ExerciseResult.from_dict(old)
    assert (result.status, result.problem, result.seed, result.notes, result.time_budget) == (GRADED, "", 0, [], 0.0)
    assert result.to_dict()["schema_version"] == 1 and "schema_version" not in old


@pytest.mark.parametrize("version", [2, -1, "1", True])
def test_a_result_of_an_unknown_version_is_refused_in_one_line(version):
    """A result a newer grader wrote: is it one line that says to upgrade, not a wrong report?"""
    from grader.errors import GraderError
    from grader.results import ExerciseResult, Report

    data = {**every_field().to_dict(), "schema_version": version}
    for read in (ExerciseResult.from_dict, Report.from_dict):
        with pytest.raises(GraderError, match=r"schema_version .* cannot read: upgrade cnn-grader"):
            read(data)
    with pytest.raises(GraderError, match="cannot read"):
        Report.from_dict({"schema_version": version, "exercises": [every_field().to_dict()]})


def test_every_format_reads_the_model_and_only_json_carries_the_version():
    """`--format json` (one exercise or `grade all`'s summary) says its version; Gradescope's own format does not."""
    from grader.render import render
    from grader.results import Report

    one, two = Report([every_field()]), Report([every_field(), every_field()])
    assert json.loads(render(one, "json"))["schema_version"] == json.loads(render(two, "json"))["schema_version"] == 1
    summary = json.loads(render(two, "json"))
    assert Report.from_dict(summary).to_dict()["exercises"] == summary["exercises"]
    assert "schema_version" not in json.loads(render(one, "gradescope"))
    assert "flipped?" in render(one, "text") and "flipped?" in render(one, "html")


@pytest.mark.parametrize("expected_dtype", ["float64", "float32", "float16", "int64", "int8", "uint8", "bool",
                                            "complex128", "complex64"])
def test_isclose_is_numpys_for_every_kind_of_expected_array(expected_dtype):
    rng = np.random.default_rng(0)
    special = [0.0, -0.0, 1e-7, -1e-7, np.inf, -np.inf, np.nan, 1e300, -128, 127, 255, 2**63 - 1]
    values = np.concatenate([rng.normal(size=40) * 10.0 ** rng.integers(-8, 8, size=40), special])
    with np.errstate(all="ignore"):
        expected = values.astype(expected_dtype) if expected_dtype != "bool" else values > 0
        kind = np.complex128 if expected.dtype.kind == "c" else np.float64
        for actual in (expected.astype(kind), expected.astype(kind) * (1 + 1e-6), expected.astype(kind) + 1e-6,
                       rng.permutation(expected).astype(kind), np.full(expected.shape, np.nan, dtype=kind)):
            for rtol, atol in ((1e-5, 1e-6), (0.0, 0.0), (1e-2, 0.5)):
                assert np.array_equal(isclose(actual, expected, rtol=rtol, atol=atol),
                                      np.isclose(actual, expected, rtol=rtol, atol=atol))
