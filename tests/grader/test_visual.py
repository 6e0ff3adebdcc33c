"""Do the HTML reports draw what went wrong: grids, outlined differences, shapes, model layers?"""

import re

import numpy as np

import pytest

from grader.visual import MAX_SIDE, compare, grid
from tests.conftest import SUBMISSIONS, browse, graded, measure


def test_expected_and_got_share_one_scale_and_the_differing_cells_are_outlined():
    """Is a wrong value outlined in expected, got and the difference, with one colour scale for both?"""
    expected = np.array([[0.0, 1.0], [2.0, 3.0]])
    actual = np.array([[0.0, 1.0], [2.0, 30.0]])
    pictures = compare({"x": expected}, expected, actual)
    assert (pictures.differing, pictures.total) == (1, 4)
    assert pictures.expected.scale == pictures.actual.scale == ("0", "30")
    for drawn in (pictures.expected, pictures.actual, pictures.difference):
        outlined = [cell.index for row in drawn.planes[0].rows for cell in row if cell.differs]
        assert outlined == ["[1, 1]"]
    assert pictures.difference.scale == ("-27", "27")  # diverging: symmetric about equal


def test_a_large_plane_is_a_heat_map_and_a_window_around_the_first_difference():
    """Does a 40x40 array show as a heat map without digits plus a window of values around [20, 30]?"""
    expected = np.zeros((40, 40))
    actual = expected.copy()
    actual[20, 30] = 1.0
    heat, window = compare({}, expected, actual).actual.planes
    assert not heat.values and all(cell.text == "" for row in heat.rows for cell in row)
    assert window.values and len(window.rows) <= 2 * 7 + 1 < MAX_SIDE
    assert "rows 13-27, columns 23-37" in window.window
    assert any(cell.differs and cell.text == "1" for row in window.rows for cell in row)


def test_a_shape_mismatch_names_the_axis_that_differs():
    """Are both shapes shown, with the axis that differs marked?"""
    pictures = compare({}, np.zeros((1, 2, 3, 3)), np.zeros((1, 2, 3, 4)))
    assert pictures.shapes == {"expected": [1, 2, 3, 3], "actual": [1, 2, 3, 4], "axes": [3]}
    assert compare({}, np.zeros((2, 3)), np.zeros((2, 3, 1))).shapes["axes"] == [2]


def test_what_is_not_an_array_is_text():
    """Do None, a number and a string show as text rather than grids?"""
    assert [grid(name, value).text for name, value in (("b", None), ("n", 10), ("s", "same"))] == ["None", "10", "'same'"]


def test_numbers_are_numbers_and_no_grid_is_promised_for_them():
    """Are output_size's answers (plain, NumPy or 0-d array numbers) shown as 4 and -1.0, not
    array(4), with no count of outlined cells, since there is no grid to outline them in?"""
    for expected, actual in ((4, 3), (np.int64(4), np.int64(3)), (np.asarray(4), np.asarray(3.0))):
        pictures = compare({"size": np.int64(5)}, expected, actual)
        assert (pictures.expected.text, pictures.inputs[0].text) == ("4", "5")
        assert pictures.actual.text in ("3", "3.0") and pictures.differing == 0 and pictures.difference is None
    assert grid("got - expected", np.asarray(-1.0)).text == "-1.0"


def test_empty_arrays_show_their_shapes_not_a_repr():
    """Does an empty result show its dtype and shape, says it holds no values, and the axis that
    differs from the expected shape?"""
    pictures = compare({}, np.zeros((1, 1, 0, 1)), np.zeros((1, 1, 0, 0)))
    assert pictures.shapes["axes"] == [3]
    assert (pictures.actual.shape, pictures.actual.text) == ((1, 1, 0, 0), "no values (an empty array)")
    assert "array(" not in pictures.expected.text


def test_a_report_on_output_size_shows_numbers_and_mentions_no_grid(tmp_path):
    """In the HTML report of an output_size without `+ 1`, are expected and got plain numbers, with
    no 'outlined in every grid' line in the output_size checks?"""
    from grader.render import render
    from grader.results import Report

    html = render(Report([graded("exercise3", SUBMISSIONS / "exercise3" / "no_plus_one.py")]), "html")
    rows = re.findall(r'<tr class="failed">(.*?)</tr>', html, re.S)
    sizes = [row for row in rows if "<b>output_size" in row]
    assert sizes
    for row in sizes:
        assert "array(" not in row and "outlined" not in row
        assert re.search(r'<span class="kind">expected</span>.*?<pre>\d+</pre>', row, re.S)


def test_a_failing_convolution_report_draws_grids_with_outlined_cells_in_a_browser(tmp_path):
    """Opened in Chromium, does a flipped-kernel report show grids with outlined cells, a hint and bars?"""
    from grader.render import render
    from grader.results import Report

    result = graded("exercise1", SUBMISSIONS / "exercise1" / "flipped_kernel.py")
    page = tmp_path / "report.html"
    page.write_text(render(Report([result]), "html"), encoding="utf-8")
    dom = browse(page, screenshots="report-conv2d")
    assert dom.count('class="grid"') >= 6
    assert 'class="differs"' in dom and "values differ: those cells are outlined" in dom
    assert "You flipped the kernel" in dom and 'class="bar"' in dom
    assert not re.search(r"<(script|link|img)\b", render(Report([result]), "html"))  # self-contained


def test_a_failing_lenet_report_marks_the_first_layer_that_differs_in_a_browser(tmp_path):
    """Opened in Chromium, does a LeNet with 'valid' padding show the layer table with its first row marked?"""
    from grader.render import render
    from grader.results import Report

    result = graded("exercise6", SUBMISSIONS / "exercise6" / "valid_padding.py")
    page = tmp_path / "report.html"
    page.write_text(render(Report([result]), "html"), encoding="utf-8")
    dom = browse(page, screenshots="report-lenet")
    marked = re.findall(r'<tr class="first-difference">(.*?)</tr>', dom, re.S)
    assert marked and "padding 2" in marked[0] and "padding 0" in marked[0] and "first difference" in marked[0]
    assert "'valid' padding" in dom


def test_sentences_keep_their_capital_letters():
    """Does the HTML keep 'The lecture's example (filter size 2x2)' as written, not lower-cased?"""
    from grader.render import render
    from grader.results import Report

    html = render(Report([graded("exercise1", SUBMISSIONS / "exercise1" / "flipped_kernel.py")]), "html")
    assert "The lecture&#39;s example (filter size 2x2)" in html


def test_a_notebooks_try_it_marks_only_the_cells_that_differ_from_the_lectures_answer(monkeypatch):
    """Does course.try_it outline the one wrong cell of the result, not tint the whole table?"""
    import IPython.display

    from grader import notebook

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda data, raw: shown.append(data["text/html"]))
    notebook.try_it(lambda x: x + np.array([[0, 0], [0, 1]]), np.array([[1, 2], [3, 4]]),
                    expected=np.array([[1, 2], [3, 4]]))
    (html,) = shown
    assert html.count('class="wrong"') == 2  # the cell in the result and in the lecture's answer
    assert re.search(r'<td class="wrong"[^>]*>5</td>', html) and re.search(r'<td class="wrong"[^>]*>4</td>', html)


OVERFLOW = """Array.from(document.querySelectorAll('.cnn-grader pre, .cnn-grader .message, .cnn-grader td.check'))
  .map(element => element.scrollWidth - element.clientWidth).filter(extra => extra > 0).length"""


@pytest.mark.slow
@pytest.mark.parametrize("width", [1280, 390])
def test_a_training_loops_model_and_loader_descriptions_wrap_in_a_browser(tmp_path, width):
    """In exercise 12's report, do the descriptions of the grader's model and loaders wrap to the
    width of the page at 1280 and 390 px, nothing cut off or scrolled sideways?"""
    from grader.render import render
    from grader.results import Report

    result = graded("exercise12", SUBMISSIONS / "exercise12" / "no_zero_grad.py")
    page = tmp_path / "report.html"
    page.write_text(render(Report([result]), "html"), encoding="utf-8")
    browse(page, screenshots="report-training", widths=(width,))
    assert "nn.Sequential(Conv2d" in page.read_text()
    assert measure(page, OVERFLOW, width=width) == 0
    assert measure(page, "document.documentElement.scrollWidth - window.innerWidth", width=width) <= 0
