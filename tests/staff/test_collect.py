"""Are student folders and zips found, and suspicious zips refused whole with the reason?"""

import zipfile
from pathlib import Path

import pytest

from grader.errors import GraderError
from grader.staff.collect import (MAX_FOLDER_ENTRIES, MAX_ZIP_BYTES, StudentFiles, collect, find_exercise_file,
                                  unpack)

MODULE = "exercise1_convolution"


def make_zip(path, entries):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize("entries, problem", [
    ({}, "the zip is empty"),
    ({"../evil.py": "x"}, "would land outside"),
    ({"/etc/evil.py": "x"}, "would land outside"),
    ({"a/../../evil.py": "x"}, "would land outside"),
    ({f"f{i}.py": "" for i in range(300)}, "at most 200"),
    ({**{f"d{i}/": "" for i in range(1000)}, f"{MODULE}.py": "x = 1\n"}, "1001 entries"),  # folders count too
])
def test_suspicious_zips_are_refused_with_the_reason(tmp_path, entries, problem):
    assert problem in unpack(make_zip(tmp_path / "s.zip", entries), tmp_path / "out")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_a_zip_with_two_entries_of_one_name_is_refused(tmp_path):
    """Two members named exercise1_convolution.py (the last would win silently): is the zip refused?"""
    with zipfile.ZipFile(tmp_path / "s.zip", "w") as archive:
        archive.writestr(f"{MODULE}.py", "def conv2d(x, w, b=None): ...\n")
        with pytest.warns(UserWarning, match="Duplicate name"):
            archive.writestr(f"{MODULE}.py", "print('the other one')\n")
    assert "two entries named" in unpack(tmp_path / "s.zip", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_zip_larger_than_the_limit_is_refused_before_it_is_read(tmp_path):
    (tmp_path / "s.zip").write_bytes(b"\0" * (MAX_ZIP_BYTES + 1))
    assert "larger than" in unpack(tmp_path / "s.zip", tmp_path / "out")


@pytest.mark.parametrize("target", ["other student", "/etc"])
def test_a_student_folder_that_is_a_link_is_refused_with_the_reason(tmp_path, target):
    """A student folder linking to another student's, or to /etc: is it refused, not followed?"""
    submissions = tmp_path / "subs"
    (submissions / "ann").mkdir(parents=True)
    (submissions / "ann" / f"{MODULE}.py").write_text("x = 1\n")
    (submissions / "bob").symlink_to(submissions / "ann" if target == "other student" else Path("/etc"))
    (submissions / "cy.zip").symlink_to("/etc/passwd")
    students = {student.student: student for student in collect(submissions, tmp_path / "unpacked")[0]}
    assert students["ann"].folder is not None
    for name in ("bob", "cy"):
        assert students[name].folder is None and "is a link" in students[name].problem, students[name]


def test_a_student_folder_with_too_many_entries_is_refused(tmp_path):
    folder = tmp_path / "subs" / "ann"
    (folder / "deep").mkdir(parents=True)
    for index in range(MAX_FOLDER_ENTRIES + 1):
        (folder / "deep" / str(index)).mkdir()
    (folder / f"{MODULE}.py").write_text("x = 1\n")
    [student], _ = collect(tmp_path / "subs", tmp_path / "unpacked")
    assert student.folder is None and f"more than {MAX_FOLDER_ENTRIES}" in student.problem


def test_a_symbolic_link_in_a_zip_is_refused(tmp_path):
    entry = zipfile.ZipInfo("exercise1_convolution.py")
    entry.external_attr = 0o120777 << 16
    with zipfile.ZipFile(tmp_path / "s.zip", "w") as archive:
        archive.writestr(entry, "/etc/shadow")
    assert "symbolic link" in unpack(tmp_path / "s.zip", tmp_path / "out")


def test_a_zip_nested_in_a_folder_is_found(tmp_path):
    (tmp_path / "subs").mkdir()
    make_zip(tmp_path / "subs" / "ann.zip", {f"ann/work/{MODULE}.py": "x = 1\n"})
    students, skipped = collect(tmp_path / "subs", tmp_path / "unpacked")
    assert [s.student for s in students] == ["ann"] and skipped == []
    path, status, problem = find_exercise_file(students[0].folder, MODULE)
    assert path.name == f"{MODULE}.py" and not problem


def test_a_link_to_a_file_elsewhere_is_not_read(tmp_path):
    (tmp_path / "ann").mkdir()
    (tmp_path / "ann" / f"{MODULE}.py").symlink_to("/etc/passwd")
    path, status, problem = find_exercise_file(tmp_path / "ann", MODULE)
    assert path is None and status == "unreadable" and "link" in problem


def test_odd_student_ids_get_safe_unique_folder_names():
    assert StudentFiles("ann", None).slug == "ann"
    odd, other = StudentFiles("../ann", None).slug, StudentFiles("/ann", None).slug
    assert "/" not in odd and not odd.startswith(".") and odd != other


def test_a_file_as_submissions_folder_is_an_error(tmp_path):
    (tmp_path / "x.txt").write_text("")
    with pytest.raises(GraderError, match="not a folder"):
        collect(tmp_path / "x.txt", tmp_path / "u")
