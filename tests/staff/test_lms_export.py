"""Does a class go from an LMS download to a file that LMS imports, with overrides and late penalties?

The imports are read here as each LMS reads them: Canvas's gradebook importer
(app/models/gradebook_importer.rb: the header's student columns ending at Section, `Title (id)`
assignment columns, the `Points Possible` row, students found by ID) and Moodle's offline grading
worksheet importer (mod/assign/feedback/offline/importgradeslib.php: the columns `Identifier`,
`Grade` and `Last modified (grade)`, the participant id after `Participant `).
"""

import csv
import io
import re
import shutil
from datetime import datetime

import pytest

from grader.errors import GraderError
from grader.staff.batch import batch
from grader.staff.gradebook import Grade, Gradebook
from grader.staff.late import LateOptions
from grader.staff.lms_export import export_lms
from grader.staff.overrides import override, refresh
from tests.staff.test_lms import NOTEBOOK, RIGHT, WRONG, build_zip

DEADLINE = "2025-03-03T23:59+01:00"
NON_ASSIGNMENT = re.compile("Current Score|Current Points|Current Grade|Final Score|Final Points|Final Grade|"
                            "Override Score|Override Grade|Override Status")


def canvas_import(text):
    """What Canvas's gradebook importer makes of `text`: ({user id: {(title, id): grade}}, {(title, id): points})."""
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    assert len(header) > 3 and "Student" in header[0] and "ID" in header[1], "Canvas: invalid header row"
    columns = 3
    if re.search(r"SIS\s+Login\s+ID", header[2]):
        columns += 1
    elif re.search(r"SIS\s+User\s+ID", header[2]) and re.search(r"SIS\s+Login\s+ID", header[3]):
        columns += 2 + bool(re.search(r"Integration\s+ID", header[4]))
    assert "Section" in header[columns - 1], "Canvas: invalid header row"
    assignments = {}
    for index, title in enumerate(header[columns:], columns):
        if not NON_ASSIGNMENT.search(title):
            found = re.match(r"^(.*) \((\d+)\)$", title)
            assignments[index] = (found[1], found[2]) if found else (title, None)
    students, points = {}, {}
    for row in rows[1:]:
        if "Points Possible" in row[0]:
            points = {key: row[index] or None for index, key in assignments.items()}
            continue
        assert row[1].isdigit(), f"Canvas finds a student by ID here: {row}"
        students[row[1]] = {key: row[index].strip() for index, key in assignments.items()}
    return students, points


def moodle_import(text, max_grade):
    """What Moodle's worksheet importer takes from `text`: {participant id: grade} (skipping what it skips)."""
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    index = {name: header.index(name) for name in ("Identifier", "Grade", "Last modified (grade)")}  # else: refused
    grades = {}
    for row in rows[1:]:
        participant = row[index["Identifier"]][len("Participant "):]
        assert datetime.fromisoformat(row[index["Last modified (grade)"]].replace("Z", "+00:00"))  # strtotime reads it
        grade = row[index["Grade"]].replace(",", ".")
        if grade == "" or float(grade) < 0 or float(grade) > max_grade:
            continue  # Moodle: no value, or out of range: skipped
        grades[participant] = float(grade)
    return grades


@pytest.fixture(scope="module")
def canvas_class(tmp_path_factory):
    """A Canvas download graded with a late policy, one grade overridden, the batch rerun."""
    folder = tmp_path_factory.mktemp("canvas")
    archive = build_zip(folder / "submissions.zip", {
        "lovelaceada_101_9001_exercise1_convolution.py": RIGHT,
        "babbagecharles_LATE_102_9002_exercise1_convolution.py": WRONG,
        "babbagecharles_LATE_102_9010_exercise1_convolution-1.py": RIGHT,
        "hoppergrace_103_9003_exercise1_convolution.py": WRONG,
    })
    (folder / "times.csv").write_text("student,submitted_at\n101,2025-03-03T20:00+01:00\n"
                                      "102,2025-03-05T10:00+01:00\n103,2025-03-03T23:00+01:00\n")
    out = folder / "results"
    late = LateOptions(deadlines=(DEADLINE,), penalties=("10",), manifests=(str(folder / "times.csv"),))
    first = batch(archive, out, jobs=1, exercises=["exercise1"], late=late)
    override(out, "hoppergrace", "exercise1", points=9, reason="regrade: partial credit", author="ta1")  # by name
    rerun = batch(archive, out, jobs=1, exercises=["exercise1"])
    return folder, out, first, rerun


def test_a_canvas_class_imports_back_with_the_override_and_the_late_penalty(canvas_class):
    """The issue's test: download, grade, override, rerun, export: does Canvas read the right scores?"""
    _, out, first, rerun = canvas_class
    assert first.graded == 3 and rerun.graded == 0
    assert rerun.notices == ["override kept: 103 exercise1 = 9 (grader: 1)"]
    exported = export_lms(out, format="canvas", assignments=("exercise1=4711",))
    students, points = canvas_import((out / "lms" / "canvas.csv").read_text())
    assert students == {"101": {("exercise1", "4711"): "11"}, "102": {("exercise1", "4711"): "8.8"},
                        "103": {("exercise1", "4711"): "9"}}
    assert points == {("exercise1", "4711"): None}  # an existing assignment keeps its points
    notes = (out / "lms" / "canvas-notes.csv").read_text()
    assert "102,babbagecharles,exercise1,8.8,11,11,2 days late: -2.2 (raw 11)" in notes
    assert "103,hoppergrace,exercise1,9,1,11,overridden by ta1" in notes and exported.notices == []


def test_a_canvas_total_column_without_an_id_is_a_new_assignment_with_its_points(canvas_class):
    """--columns total with no assignment id: one new column, its points given in the Points Possible row."""
    _, out, _, _ = canvas_class
    export_lms(out, format="canvas", columns="total", out=out / "total")
    students, points = canvas_import((out / "total" / "canvas.csv").read_text())
    assert points == {("CNN exercises", None): "11"} and students["103"] == {("CNN exercises", None): "9"}


def test_a_rerun_says_when_an_overridden_submission_changed(canvas_class, tmp_path):
    """The student uploads again after the override: is it kept, and does the batch say the file changed?"""
    folder, out, _, _ = canvas_class
    again = build_zip(tmp_path / "submissions.zip", {
        "lovelaceada_101_9001_exercise1_convolution.py": RIGHT,
        "babbagecharles_LATE_102_9010_exercise1_convolution-1.py": RIGHT,
        "hoppergrace_LATE_103_9020_exercise1_convolution-1.py": RIGHT,
    })
    copy = tmp_path / "results"
    shutil.copytree(out, copy)
    summary = batch(again, copy, jobs=1, exercises=["exercise1"])
    assert summary.graded == 1
    changed = "override kept: 103 exercise1 = 9 (grader: 11), but the submission changed since: review it"
    assert changed in summary.notices
    assert any("marked late have no submission time" in line for line in summary.notices)  # LATE, no manifest
    assert "the submission changed since the override" in (copy / "gradebook.csv").read_text()


@pytest.fixture(scope="module")
def moodle_class(tmp_path_factory):
    """A Moodle download graded with the worksheet as manifest, one grade overridden, the batch rerun."""
    folder = tmp_path_factory.mktemp("moodle")
    archive = build_zip(folder / "C101-Exercises-77.zip", {
        "Ada Lovelace_201_assignsubmission_file_/exercise1_convolution.py": RIGHT,
        "Charles Babbage_202_assignsubmission_file_/exercise1_convolution.ipynb": NOTEBOOK,
        "Alan Turing_204_assignsubmission_file_/exercise1_convolution.py": WRONG,
    })
    worksheet = folder / "worksheet.csv"
    worksheet.write_text(
        'Identifier,"Full name","Email address",Status,Grade,"Maximum Grade","Grade can be changed",'
        '"Last modified (submission)","Last modified (grade)","Feedback comments"\n'
        '"Participant 201","Ada Lovelace",ada@example.org,"Submitted for grading",,11.00,Yes,'
        '"Monday, 3 March 2025, 10:15 PM",-,\n'
        '"Participant 202","Charles Babbage",cb@example.org,"Submitted for grading",,11.00,Yes,'
        '"Thursday, 6 March 2025, 9:00 AM",-,\n'
        '"Participant 204","Alan Turing",alan@example.org,"Submitted for grading",,11.00,Yes,'
        '"Monday, 3 March 2025, 11:00 PM",-,\n')
    out = folder / "results"
    late = LateOptions(deadlines=(DEADLINE,), penalties=("10",), cutoffs=("2025-03-06T00:00+01:00",),
                       manifests=(str(worksheet),))
    batch(archive, out, jobs=1, exercises=["exercise1"], late=late)
    override(out, "204", "exercise1", points=6, reason="regrade: partial credit", author="ta1")
    rerun = batch(archive, out, jobs=1, exercises=["exercise1"])
    return folder, out, rerun


def test_a_moodle_class_imports_back_with_the_override_and_the_late_penalty(moodle_class):
    """The issue's test for Moodle: one worksheet per exercise, as its importer reads it."""
    _, out, rerun = moodle_class
    assert rerun.graded == 0 and rerun.notices == ["override kept: 204 exercise1 = 6 (grader: 1)"]
    export_lms(out, format="moodle")
    text = (out / "lms" / "moodle-exercise1.csv").read_text()
    assert moodle_import(text, max_grade=11) == {"201": 11.0, "202": 0.0, "204": 6.0}  # 202: after the cut-off
    assert "Participant 202,Charles Babbage,0,11,2025-03-06T08:00:00Z," in text
    assert "after the cut-off" in (out / "students" / "202" / "report.html").read_text()


def test_a_moodle_total_is_one_worksheet(moodle_class):
    """--columns total: one worksheet whose grade is the sum, within the maximum it states."""
    _, out, _ = moodle_class
    export_lms(out, format="moodle", columns="total", out=out / "total")
    assert moodle_import((out / "total" / "moodle-total.csv").read_text(), max_grade=11) == \
        {"201": 11.0, "202": 0.0, "204": 6.0}


# --- Without grading: identifiers, rosters, refusals --------------------------------------------

@pytest.fixture
def folder_class(tmp_path):
    """Two students graded from folders (no LMS ids), one of them with a grader error."""
    gradebook = Gradebook(tmp_path / "gradebook.sqlite")
    result = {"exercise": "exercise1", "title": "Convolution", "section": "4", "submission": "",
              "tests": [{"name": "conv2d", "score": 4, "max_score": 11, "status": "failed", "output": ""}]}
    gradebook.record(Grade("alice@uni.edu", "exercise1", "f1", "graded", 4, 11, result))
    gradebook.record(Grade("bob@uni.edu", "exercise1", "f2", "error", 0, 11, result))
    gradebook.close()
    refresh(tmp_path)
    return tmp_path


def test_students_from_folders_take_their_canvas_ids_from_the_roster(folder_class, tmp_path):
    """The Canvas gradebook export as --roster: IDs, SIS ids, sections and the assignment's id, by SIS login."""
    roster = tmp_path / "export.csv"
    roster.write_text("Student,ID,SIS User ID,SIS Login ID,Section,exercise1 (4711),Current Score\n"
                      "    Points Possible,,,,,11,\n"
                      '"Smith, Alice",7001,S1,alice@uni.edu,Lab A,,\n"Jones, Bob",7002,S2,bob@uni.edu,Lab B,,\n')
    exported = export_lms(folder_class, format="canvas", roster=roster)
    text = (folder_class / "lms" / "canvas.csv").read_text()
    assert text.splitlines()[2] == "\"Smith, Alice\",7001,S1,alice@uni.edu,Lab A,4"
    students, _ = canvas_import(text)
    assert students == {"7001": {("exercise1", "4711"): "4"}, "7002": {("exercise1", "4711"): ""}}  # error: blank
    assert exported.notices[0].startswith("1 grade(s) hit a grader error and are left blank")


def test_moodle_participants_come_from_a_worksheet_roster_by_email(folder_class, tmp_path):
    """A downloaded Moodle worksheet as --roster: participant ids found by the students' email addresses."""
    roster = tmp_path / "worksheet.csv"
    roster.write_text('Identifier,"Full name","Email address"\n"Participant 31",Alice Smith,alice@uni.edu\n'
                      '"Participant 32",Bob Jones,BOB@uni.edu\n')
    export_lms(folder_class, format="moodle", roster=roster)
    text = (folder_class / "lms" / "moodle-exercise1.csv").read_text()
    assert moodle_import(text, max_grade=11) == {"31": 4.0}  # bob's grader error is left out


@pytest.mark.parametrize("options, words", [
    ({"format": "canvas"}, r"2 student\(s\) have no Canvas ID \(alice@uni.edu, bob@uni.edu\).*--roster"),
    ({"format": "moodle"}, "have no Moodle participant id"),
    ({"format": "canvas", "assignments": ("exercise1=first",)}, "write EXERCISE=ID or total=ID"),
    ({"format": "moodle", "assignments": ("exercise1=4711",)}, "--assignment names Canvas assignment ids"),
    ({"format": "canvas", "roster": "missing.csv"}, "cannot read --roster"),
    ({"format": "canvas", "columns": "weekly"}, "--columns 'weekly'"),
])
def test_bad_input_is_one_line_and_writes_nothing(folder_class, options, words):
    """No id for a student, a bad assignment id, an unreadable roster: one line, and no file written?"""
    if "roster" in options:
        options = {**options, "roster": folder_class / options["roster"]}
    with pytest.raises(GraderError, match=words):
        export_lms(folder_class, **options)
    assert not (folder_class / "lms").exists()


def test_an_anonymized_canvas_download_cannot_go_back_until_grades_are_posted(folder_class):
    """Students known only as anon_xxxxx: does the export say why Canvas would not take them, and write nothing?"""
    gradebook = Gradebook(folder_class / "gradebook.sqlite")
    with gradebook.connection as db:
        db.execute("UPDATE grades SET student = 'anon_Ab3xY' WHERE student = 'alice@uni.edu'")
        db.execute("INSERT INTO students VALUES ('anon_Ab3xY', '', 'canvas', 'anon_Ab3xY')")
    gradebook.close()
    with pytest.raises(GraderError, match="anonymized download .*post them, download the submissions again"):
        export_lms(folder_class, format="canvas")
    assert not (folder_class / "lms").exists()


def test_an_export_is_the_same_every_time(folder_class, tmp_path):
    """Deterministic: two exports of one gradebook, byte for byte the same?"""
    roster = tmp_path / "export.csv"
    roster.write_text("Student,ID,SIS User ID,SIS Login ID,Section\nA,7001,,alice@uni.edu,\nB,7002,,bob@uni.edu,\n")
    first = export_lms(folder_class, format="canvas", roster=roster, out=tmp_path / "one")
    second = export_lms(folder_class, format="canvas", roster=roster, out=tmp_path / "two")
    assert [path.read_bytes() for path in first.files] == [path.read_bytes() for path in second.files]


def test_the_export_command_is_one_line_for_a_results_folder_without_a_gradebook(tmp_path, capsys):
    """`grade export lms` on an empty folder: exit 2, one line saying to run the batch first."""
    from grader.cli import main

    with pytest.raises(SystemExit) as done:
        main(["export", "lms", "--format", "canvas", str(tmp_path)])
    assert done.value.code == 2 and capsys.readouterr().err.startswith("grade: no gradebook in")
