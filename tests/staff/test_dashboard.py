"""Does the class dashboard tell staff what the class got wrong, and whom to look at?

A small class for exercise 1, graded once through the real `grade batch`: three students flip
the kernel, one overflows uint8, one hands in the solution, one loops forever, one file is
missing and one zip is corrupt; two students share a file (for the similarity links).
"""

import json
import re
import shutil

import pytest

from grader.cli import main
from grader.staff.dashboard import class_statistics, top_mistakes
from tests.conftest import ROOT, SUBMISSIONS, browse

FLIPPED = ("ann", "ben", "cat")


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    class_ = tmp_path_factory.mktemp("class")
    for student in FLIPPED:
        (class_ / student).mkdir()
        shutil.copy(SUBMISSIONS / "exercise1" / "flipped_kernel.py", class_ / student / "exercise1_convolution.py")
    (class_ / "dan").mkdir()
    shutil.copy(SUBMISSIONS / "exercise1" / "uint8_overflow.py", class_ / "dan" / "exercise1_convolution.py")
    (class_ / "eve").mkdir()
    shutil.copy(ROOT / "solutions" / "exercise1_convolution.py", class_ / "eve")
    for student in ("looper", "missing", "corrupt.zip"):
        source = SUBMISSIONS / "class" / student
        (shutil.copytree if source.is_dir() else shutil.copy)(source, class_ / student)
    out = tmp_path_factory.mktemp("results")
    with pytest.raises(SystemExit) as done:
        main(["batch", str(class_), "--out", str(out), "--exercises", "exercise1", "--similarity"])
    assert done.value.code == 0
    return out


def test_the_mistakes_are_ranked_by_how_many_students_made_them(results):
    """Is 'flipped_kernel' first with its three students and its hint, before uint8_overflow's one?"""
    (exercise,) = class_statistics(results)["exercises"]
    first, second = exercise["mistakes"][:2]
    assert (first["id"], first["count"], first["students"]) == ("flipped_kernel", 3, list(FLIPPED))
    assert "flipped the kernel" in first["hint"]
    assert (second["id"], second["count"], second["students"]) == ("uint8_overflow", 1, ["dan"])
    assert top_mistakes(class_statistics(results))[0].startswith("exercise1: flipped_kernel (3 students)")


def test_students_who_could_not_be_graded_normally_are_listed_with_the_reason(results):
    """Are the endless loop, the missing file and the corrupt zip listed, and the others not?"""
    (exercise,) = class_statistics(results)["exercises"]
    problems = {problem["student"]: problem for problem in exercise["problems"]}
    assert set(problems) == {"looper", "missing", "corrupt"}
    assert "timed out" in problems["looper"]["reason"]
    assert problems["missing"]["status"] == "missing"


def test_scores_pass_rates_and_times_add_up(results):
    """Do the histogram, the pass rates and the grading times agree with the gradebook?"""
    figures = class_statistics(results)
    (exercise,) = figures["exercises"]
    assert sum(item["count"] for item in exercise["scores"]["histogram"]) == exercise["students"] == 8
    assert exercise["scores"]["full_marks"] == 1  # eve
    assert all(0 <= check["rate"] <= 1 and check["of"] == 8 for check in exercise["checks"])
    assert exercise["seconds"]["total"] > 0
    assert {row["student"]: row["total"] for row in figures["rows"]}["eve"] == exercise["max_score"]


def test_stats_json_prints_the_same_figures(results, capsys):
    """Does `grade stats RESULTS --format json` print what the dashboard shows?"""
    with pytest.raises(SystemExit) as done:
        main(["stats", str(results), "--format", "json"])
    assert done.value.code == 0
    assert json.loads(capsys.readouterr().out) == class_statistics(results)


def test_stats_without_a_gradebook_is_one_line(tmp_path, capsys):
    """Does `grade stats` on a folder without a gradebook say so in one line and exit 2?"""
    with pytest.raises(SystemExit) as done:
        main(["stats", str(tmp_path)])
    err = capsys.readouterr().err
    assert done.value.code == 2 and "no gradebook" in err and len(err.strip().splitlines()) == 1


def test_the_dashboard_shows_ranked_mistakes_and_links_similar_code_in_a_browser(results):
    """Opened in Chromium, does the dashboard show the mistakes in order with their counts, a
    histogram, and links from the flagged students' rows to the side-by-side view?"""
    dom = browse(results / "dashboard.html", screenshots="dashboard")
    ranked = re.findall(r'data-mistake="([^"]+)" data-count="(\d+)"', dom)
    assert ranked[:2] == [("flipped_kernel", "3"), ("uint8_overflow", "1")]
    assert "<svg" in dom and "students" in dom
    ann_row = re.search(r"<tr><td>ann</td>(.*?)</tr>", dom, re.S).group(1)
    assert 'href="similarity.html#pair-' in ann_row
    assert re.search(r"<script\b|<link\b|https?://(?!www\.w3\.org)", (results / "dashboard.html").read_text()) is None
