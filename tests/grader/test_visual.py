"""Do the HTML reports draw what went wrong: grids, outlined differences, shapes, model layers?"""

import re

import numpy as np

from grader.visual import MAX_SIDE, compare, grid
from tests.conftest import SUBMISSIONS, browse, graded


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
