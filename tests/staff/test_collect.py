"""Are student folders and zips found, and suspicious zips refused whole with the reason?"""

import zipfile

import pytest

from grader.errors import GraderError
from grader.staff.collect import StudentFiles, collect, find_exercise_file, unpack

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
])
def test_suspicious_zips_are_refused_with_the_reason(tmp_path, entries, problem):
    assert problem in unpack(make_zip(tmp_path / "s.zip", entries), tmp_path / "out")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


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
