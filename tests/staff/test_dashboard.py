"""Does the class dashboard tell staff what the class got wrong, and whom to look at?

A small class for exercise 1, graded once through the real `grade batch`: three students flip
the kernel, one overflows uint8, one hands in the solution, one loops forever, one file is
missing, one has a syntax error and one zip is corrupt; the three who flip the kernel share a
file (for the similarity links). For the layout, the same real grades are spread over a class of
40 students and 17 exercises, with one student in 36 flagged pairs.
"""

import copy
import json
import re
import shutil

import pytest

from grader.cli import main
from grader.staff.dashboard import class_statistics, one_line, top_mistakes, write_dashboard
from grader.staff.gradebook import Grade, Gradebook
from tests.conftest import ROOT, SUBMISSIONS, browse, measure

FLIPPED = ("ann", "ben", "cat")
pytestmark = pytest.mark.xdist_group("dashboard")  # the graded class (`results`, `wide`) is built once per run


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
    for student in ("looper", "missing", "syntax", "corrupt.zip"):
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
    """Are the endless loop, the missing file, the syntax error and the corrupt zip listed, each
    with a reason that says what is wrong in one line, and the others not?"""
    (exercise,) = class_statistics(results)["exercises"]
    problems = {problem["student"]: problem for problem in exercise["problems"]}
    assert set(problems) == {"looper", "missing", "syntax", "corrupt"}
    assert "timed out" in problems["looper"]["reason"]
    assert problems["missing"]["status"] == "missing"
    assert re.fullmatch(r"your file has a syntax error: SyntaxError: .+ \(line \d+\)", problems["syntax"]["reason"])


def test_a_message_that_introduces_its_details_keeps_them_in_its_one_line():
    """Does a reason that ends in a colon keep the error and where it happened, and a plain one stay as it is?"""
    text = 'your file has a syntax error:\n  File "x.py", line 7\n    out = = 1\n        ^\nSyntaxError: invalid syntax'
    assert one_line(text) == "your file has a syntax error: SyntaxError: invalid syntax (line 7)"
    assert one_line("timed out after 2 s\nmore") == "timed out after 2 s"
    assert one_line("") == ""


def test_scores_pass_rates_and_times_add_up(results):
    """Do the histogram, the pass rates and the grading times agree with the gradebook?"""
    figures = class_statistics(results)
    (exercise,) = figures["exercises"]
    assert sum(item["count"] for item in exercise["scores"]["histogram"]) == exercise["students"] == 9
    assert exercise["scores"]["full_marks"] == 1  # eve
    assert all(0 <= check["rate"] <= 1 and check["of"] == 9 for check in exercise["checks"])
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
    histogram, and links from the flagged students' rows to the side-by-side view, each named by
    its exercise and the other student?"""
    dom = browse(results / "dashboard.html", screenshots="dashboard")
    ranked = re.findall(r'data-mistake="([^"]+)" data-count="(\d+)"', dom)
    assert ranked[:2] == [("flipped_kernel", "3"), ("uint8_overflow", "1")]
    assert "<svg" in dom and "students" in dom
    ann_row = re.search(r'<td class="student first">(?:<a [^>]*>)?ann(?:</a>)?</td>(.*?)</tr>', dom, re.S).group(1)
    assert re.search(r'href="similarity.html#pair-[0-9a-f]+">exercise1 · (ben|cat) · 100%</a>', ann_row)
    assert re.search(r"<summary>and \d+ more</summary>", ann_row)
    assert re.search(r"<script\b|<link\b|https?://(?!www\.w3\.org)", (results / "dashboard.html").read_text()) is None


def test_a_hint_offered_for_several_mistakes_counts_for_none_of_them(results, tmp_path):
    """When a check's hint names two known mistakes, is neither counted as a mistake the student made?"""
    shutil.copy(results / "gradebook.sqlite", tmp_path / "gradebook.sqlite")
    gradebook = Gradebook(tmp_path / "gradebook.sqlite")
    eve = next(grade for grade in gradebook.grades() if grade.student == "eve")
    result = copy.deepcopy(eve.result)
    result["tests"][0].update(status="failed", score=0, mistakes=["uint8_overflow", "flipped_kernel"],
                              hint="This may be one of more than one known mistake: ...")
    gradebook.record(Grade("zed", "exercise1", "zed", "graded", eve.score - result["tests"][0]["max_score"],
                           eve.max_score, result))
    gradebook.close()
    counts = {mistake["id"]: mistake["count"] for mistake in class_statistics(tmp_path)["exercises"][0]["mistakes"]}
    assert counts["flipped_kernel"] == 3 and counts["uint8_overflow"] == 1


def test_the_dashboard_reads_each_result_once_through_the_model_whatever_its_version(tmp_path, monkeypatch):
    """Results of version 1 and of version 0 (written before versions, with fewer fields): is each parsed
    once into the typed model, and are the mistakes, problems and pass rates counted from it?"""
    from grader.grading import unreadable
    from grader.results import CheckResult, ExerciseResult

    def flipped(seconds):
        checks = [CheckResult("correlate2d", 2, 0, "failed", "wrong values", hint="You flipped the kernel",
                              mistakes=["flipped_kernel"]),
                  CheckResult("conv2d", 1, 1, "passed")]
        return ExerciseResult("exercise1", "Convolution", "4", "exercise1_convolution.py", execution_time=seconds,
                              tests=checks)

    old = flipped(2.0).to_dict()
    for field in ("schema_version", "status", "problem", "time_budget", "notes", "sandbox", "seed"):
        del old[field]
    gradebook = Gradebook(tmp_path / "gradebook.sqlite")
    gradebook.record(Grade("ann", "exercise1", "a", "graded", 1, 3, flipped(1.0).to_dict()))
    gradebook.record(Grade("ben", "exercise1", "b", "graded", 1, 3, old))
    missing = unreadable("exercise1_convolution", "no exercise1_convolution.py", status="missing")
    gradebook.record(Grade("cat", "exercise1", "c", "missing", 0, 11, missing.to_dict()))
    gradebook.close()
    parsed, real = [], ExerciseResult.from_json
    monkeypatch.setattr(ExerciseResult, "from_json", classmethod(lambda cls, text: (parsed.append(text),
                                                                                   real(text))[1]))
    (exercise,) = class_statistics(tmp_path)["exercises"]
    assert len(parsed) == 3
    assert [(m["id"], m["students"], m["hint"]) for m in exercise["mistakes"]] == [
        ("flipped_kernel", ["ann", "ben"], "You flipped the kernel")]
    assert [(p["student"], p["reason"]) for p in exercise["problems"]] == [("cat", "no exercise1_convolution.py")]
    checks = {check["name"]: (check["passed"], check["of"]) for check in exercise["checks"]}
    assert (checks["correlate2d"], checks["conv2d"]) == ((0, 2), (2, 2))
    assert (exercise["title"], exercise["seconds"]["total"]) == ("Convolution", 3.0)


# --- A class of 40 students and 17 exercises -------------------------------------------------------

LONG_ID = "k" * 60  # a student id with no place to break a line
EXERCISES = [f"exercise{number}" for number in range(1, 18)]


@pytest.fixture(scope="module")
def wide(results, tmp_path_factory):
    """The small class's real grades spread over 40 students and 17 exercises (exercise2's grade a
    copy of a real exercise1 grade, and so on), one total with a half point, and `ann` in 36
    flagged pairs; the dashboard written from that."""
    folder = tmp_path_factory.mktemp("wide")
    source = Gradebook(results / "gradebook.sqlite")
    real = [grade for grade in source.grades() if grade.status == "graded"]
    source.close()
    students = ["ann", LONG_ID, *(f"student{number:02d}" for number in range(38))]
    gradebook = Gradebook(folder / "gradebook.sqlite")
    for index, student in enumerate(students):
        for number, exercise in enumerate(EXERCISES, 1):
            grade = real[(index + number) % len(real)]
            result = {**grade.result, "exercise": exercise, "title": f"Exercise {number}"}
            score = grade.score - 0.5 if (student, exercise) == ("student07", "exercise3") and grade.score else grade.score
            gradebook.record(Grade(student, exercise, f"{student}-{exercise}", grade.status, score, grade.max_score, result))
    gradebook.close()
    flagged = [{"exercise": EXERCISES[number % 17], "student_a": "ann", "student_b": other, "similarity_a": 0.96,
                "similarity_b": 0.9 - number / 100, "anchor": f"pair-{number:012x}"}
               for number, other in enumerate([LONG_ID, *students[2:37]])]
    (folder / "similarity.json").write_text(json.dumps({"threshold": 0.6, "flagged": flagged, "flagged_total": 36}))
    write_dashboard(folder)
    return folder


LAYOUT = """{
  page: document.documentElement.scrollWidth - window.innerWidth,
  tables: Array.from(document.querySelectorAll('table.students, table.pairs')).map(table => ({
    table: table.className,
    overflow: Math.ceil(table.getBoundingClientRect().right - window.innerWidth),
    tallest: Math.max(...Array.from(table.tBodies[0].rows).map(row => row.getBoundingClientRect().height)),
    cells: Math.max(...Array.from(table.querySelectorAll('td')).map(cell => cell.scrollWidth - cell.clientWidth)),
  })),
}"""


@pytest.mark.parametrize("width, tallest", [(1280, 100), (390, 260)])
def test_the_students_table_fits_the_screen_with_rows_of_bounded_height(wide, width, tallest):
    """At 1280 and 390 px, do the students table (17 exercises, a 60-character id, a student in 36
    pairs) and the similar-code table fit the window without scrolling sideways, every row short?"""
    browse(wide / "dashboard.html", screenshots="dashboard-wide", widths=(width,))
    layout = measure(wide / "dashboard.html", LAYOUT, width=width)
    assert layout["page"] <= 0
    assert {table["table"] for table in layout["tables"]} == {"students cards", "pairs cards"}
    for table in layout["tables"]:
        assert table["overflow"] <= 0 and table["cells"] <= 0, table
        assert table["tallest"] <= tallest, table


def test_a_students_pairs_are_named_once_and_the_same_for_both_students(wide):
    """Does ann's row name her most similar pair by exercise and student, fold the other 35 away,
    and does the other student's row name the same pair from the other side?"""
    html = (wide / "dashboard.html").read_text()
    ann = re.search(r'<td class="student first">ann</td>(.*?)</tr>', html, re.S)[1]
    assert f"exercise1 · {LONG_ID} · 96%</a>" in ann and "<summary>and 35 more</summary>" in ann
    assert "pair 1" not in html
    other = re.search(rf'<td class="student first">{LONG_ID}</td>(.*?)</tr>', html, re.S)[1]
    assert 'href="similarity.html#pair-000000000000">exercise1 · ann · 96%</a>' in other


def test_exercises_sort_by_number_and_totals_keep_their_halves(wide):
    """Are the columns exercise1, exercise2, ..., exercise17 (not exercise1, exercise10, ...), and is a
    total of x.5 shown as x.5, in the table and in the histogram?"""
    figures = class_statistics(wide)
    assert [exercise["exercise"] for exercise in figures["exercises"]] == EXERCISES
    half = {row["student"]: row["total"] for row in figures["rows"]}["student07"]
    assert half % 1 == 0.5
    html = (wide / "dashboard.html").read_text()
    headings = re.findall(r'<th scope="col" class="score"><a href="#(exercise\d+)"', html)
    assert headings == EXERCISES
    row = re.search(r'<td class="student first">student07</td>\s*<td class="number total" data-label="total">([^<]+)</td>', html)
    assert row[1] == f"{half:g}"
    assert any(f"{half:g}" in item["label"] for item in figures["totals"]["histogram"] if item["count"])
