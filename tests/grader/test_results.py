"""Do reports keep what a submission returned exactly as it was, and large arrays small?"""

import json

import numpy as np
import pytest

from grader.compare import ArraySummary, first_difference, summarize_array
from grader.results import Counterexample, from_jsonable, jsonable


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
