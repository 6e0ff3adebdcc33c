"""Does `grade batch` read a Canvas or Moodle download as the LMS makes it, and refuse a bad one?

The archives are built here to each LMS's documented layout: Canvas's "Download Submissions"
(lib/content_zipper.rb: `lastfirst[_LATE]_userid_fileid_name`, a resubmitted file renamed
`name-1.py`) and Moodle's "Download all submissions" (mod/assign/classes/downloader.php: a
folder `Full Name_participantid_assignsubmission_file_` per student, or flat files).
"""

import sqlite3
import zipfile

import pytest

from grader.errors import GraderError
from grader.staff.lms import CANVAS, MOODLE, intake, read_download
from tests.conftest import SUBMISSIONS

RIGHT = (SUBMISSIONS / "class" / "alice" / "exercise1_convolution.py").read_bytes()
WRONG = (SUBMISSIONS / "class" / "bob" / "exercise1_convolution.py").read_bytes()
NOTEBOOK = (SUBMISSIONS / "class" / "notebook" / "exercise1_convolution.ipynb").read_bytes()


def build_zip(path, entries):
    """A zip with `entries` (name -> bytes) in that order, as an LMS writes it."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


def folder_files(student):
    return sorted(path.relative_to(student.folder).as_posix() for path in student.folder.rglob("*") if path.is_file())


def test_a_canvas_download_becomes_one_folder_per_canvas_user_with_the_latest_upload(tmp_path):
    """Does each Canvas user id become a student, graded on their latest upload of each exercise?"""
    archive = build_zip(tmp_path / "submissions.zip", {
        "lovelaceada_101_9001_exercise1_convolution.py": RIGHT,
        "babbagecharles_LATE_102_9002_exercise1_convolution.py": WRONG,
        "babbagecharles_LATE_102_9010_exercise1_convolution-1.py": RIGHT,  # uploaded again: Canvas adds -1
        "hoppergrace_103_9003_exercise1_convolution.ipynb": NOTEBOOK,
        "hoppergrace_103_9004_exercise1_convolution.py": WRONG,  # a later upload, as .py, wins over the notebook
        "turingalan_104_text.html": b"<p>my answer</p>",  # a text entry: nothing to grade
    })
    result = read_download(archive, tmp_path / "unpacked")
    assert result.lms == CANVAS and result.foreign == []
    students = {student.student: student for student in result.students}
    assert sorted(students) == ["101", "102", "103"]
    assert (students["102"].folder / "exercise1_convolution.py").read_bytes() == RIGHT
    assert folder_files(students["103"]) == ["exercise1_convolution.py"]
    assert result.identities["102"].name == "babbagecharles" and result.identities["102"].lms_id == "102"
    arrival = result.files["102"]["exercise1_convolution.py"]
    assert arrival.file == "babbagecharles_LATE_102_9010_exercise1_convolution-1.py" and arrival.late_flag
    assert not result.files["101"]["exercise1_convolution.py"].late_flag


def test_canvas_anonymous_grading_ids_and_uploaded_zips_are_read(tmp_path):
    """Does an anonymized download (anon_xxxxx ids) work, and a zip a student uploaded get unpacked?"""
    inner = build_zip(tmp_path / "work.zip", {"work/exercise1_convolution.py": RIGHT}).read_bytes()
    archive = build_zip(tmp_path / "submissions.zip", {
        "anon_Ab3xY_9001_exercise1_convolution.py": RIGHT,
        "LATE_anon_Zz9q1_9002_work.zip": inner,
    })
    result = read_download(archive, tmp_path / "unpacked")
    students = {student.student: student for student in result.students}
    assert sorted(students) == ["anon_Ab3xY", "anon_Zz9q1"]
    assert folder_files(students["anon_Zz9q1"]) == ["work_zip/work/exercise1_convolution.py"]
    assert result.files["anon_Zz9q1"]["work_zip/work/exercise1_convolution.py"].file == \
        "LATE_anon_Zz9q1_9002_work.zip:work/exercise1_convolution.py"


def test_a_moodle_download_becomes_one_folder_per_participant(tmp_path):
    """Do Moodle's folders (and its flat layout) become students named by participant id?"""
    archive = build_zip(tmp_path / "C101-Exercises-77.zip", {
        "Ada Lovelace_201_assignsubmission_file_/exercise1_convolution.py": RIGHT,
        "Charles Babbage_202_assignsubmission_file_/solutions/exercise1_convolution.py": WRONG,
        "Grace Hopper_203_assignsubmission_onlinetext_/onlinetext.html": b"<p>hi</p>",
        "Alan Turing_204_assignsubmission_file_exercise1_convolution.py": RIGHT,  # "download in folders" off
    })
    result = read_download(archive, tmp_path / "unpacked")
    assert result.lms == MOODLE
    students = {student.student: student for student in result.students}
    assert sorted(students) == ["201", "202", "204"]
    assert folder_files(students["202"]) == ["solutions/exercise1_convolution.py"]
    assert result.identities["202"].name == "Charles Babbage"
    assert result.files["204"]["exercise1_convolution.py"].file == \
        "Alan Turing_204_assignsubmission_file_exercise1_convolution.py"


@pytest.mark.parametrize("entries, words", [
    ({"notes/readme.txt": b"x", "exercise1_convolution.py": RIGHT}, "neither a Canvas"),
    ({}, "neither a Canvas"),
])
def test_a_zip_in_neither_layout_is_refused_whole_and_writes_nothing(tmp_path, entries, words):
    """Is a zip that no LMS made refused with one line, before anything is written?"""
    archive = build_zip(tmp_path / "class.zip", entries)
    with pytest.raises(GraderError, match=words):
        read_download(archive, tmp_path / "unpacked")
    assert not (tmp_path / "unpacked").exists()


def test_a_corrupt_download_is_one_line(tmp_path):
    """Is a truncated download a one-line error that says to download it again?"""
    archive = tmp_path / "submissions.zip"
    archive.write_bytes(build_zip(tmp_path / "whole.zip", {"a_1_2_x.py": RIGHT}).read_bytes()[:40])
    with pytest.raises(GraderError, match="not a readable zip file.*download it from the LMS again"):
        read_download(archive, tmp_path / "unpacked")


def test_hostile_entries_never_land_outside_the_students_folder(tmp_path):
    """Entries that climb out, links, and junk: is each refused, as that student's verdict or skipped?"""
    link = zipfile.ZipInfo("Eve Evil_301_assignsubmission_file_/exercise1_convolution.py")
    link.external_attr = 0o120777 << 16
    archive = tmp_path / "moodle.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("Mallory Bad_302_assignsubmission_file_/../../../etc/exercise1_convolution.py", RIGHT)
        zipped.writestr(link, "/etc/passwd")
        zipped.writestr("Ada Lovelace_201_assignsubmission_file_/exercise1_convolution.py", RIGHT)
        zipped.writestr("../../escape.py", RIGHT)
    result = read_download(archive, tmp_path / "unpacked")
    students = {student.student: student for student in result.students}
    assert students["302"].folder is None and "outside the student's folder" in students["302"].problem
    assert students["301"].folder is None and "symbolic link" in students["301"].problem
    assert students["201"].folder is not None and result.foreign == ["../../escape.py"]
    assert [path.name for path in tmp_path.rglob("*.py")] == ["exercise1_convolution.py"]


def test_a_folder_of_students_is_read_as_before(tmp_path):
    """A class folder (today's layout): the same students, named by their folders, no LMS ids."""
    (tmp_path / "class" / "alice").mkdir(parents=True)
    (tmp_path / "class" / "alice" / "exercise1_convolution.py").write_bytes(RIGHT)
    result = intake(tmp_path / "class", tmp_path / "unpacked")
    assert [student.student for student in result.students] == ["alice"]
    assert result.lms == "" and result.identities["alice"].lms == ""


def test_the_batch_records_which_file_was_graded_and_when_it_came(tmp_path):
    """Does the gradebook keep, for each grade, the file as the LMS named it and its submission time?"""
    from grader.staff.batch import batch
    from grader.staff.late import LateOptions

    archive = build_zip(tmp_path / "submissions.zip", {
        "babbagecharles_LATE_102_9002_exercise1_convolution.py": WRONG,
        "babbagecharles_LATE_102_9010_exercise1_convolution-1.py": RIGHT,
    })
    (tmp_path / "times.csv").write_text("student,submitted_at\n102,2025-03-05T10:00+01:00\n")
    summary = batch(archive, tmp_path / "out", jobs=1, exercises=["exercise1"],
                    late=LateOptions(manifests=(str(tmp_path / "times.csv"),)))
    with sqlite3.connect(tmp_path / "out" / "gradebook.sqlite") as db:
        row = db.execute("SELECT file, submitted_at, late_flag FROM submissions").fetchone()
        score = db.execute("SELECT score FROM grades").fetchone()[0]
    assert row == ("babbagecharles_LATE_102_9010_exercise1_convolution-1.py", "2025-03-05T09:00:00Z", 1)
    assert score == 11 and summary.notices == []


@pytest.mark.parametrize("extra, words", [
    ([], "neither a Canvas 'Download Submissions' zip"),
    (["--deadline", "friday"], "--deadline 'friday' is not a time"),
    (["--late-penalty", "10"], "--late-penalty for every exercise needs a --deadline"),
    (["--manifest", "nowhere.csv"], "cannot read the manifest nowhere.csv"),
])
def test_grade_batch_refuses_a_bad_download_or_option_in_one_line_and_writes_nothing(tmp_path, capsys, extra, words):
    """A zip no LMS made, a bad deadline or manifest: one line, exit 2, and no results folder at all?"""
    from grader.cli import main
    from grader.worker.sandbox import BUBBLEWRAP, detect

    if detect().kind != BUBBLEWRAP:
        pytest.skip("grade batch refuses to grade a class without bubblewrap, before reading the download")

    archive = build_zip(tmp_path / "class.zip", {"alice/exercise1_convolution.py": RIGHT})
    with pytest.raises(SystemExit) as done:
        main(["batch", str(archive), "--out", str(tmp_path / "out"), "--exercises", "exercise1", *extra])
    error = capsys.readouterr().err
    assert done.value.code == 2 and words in error and error.count("\n") == 1, error
    assert not (tmp_path / "out").exists()
