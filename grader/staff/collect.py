"""Finding each student's files: one folder or one .zip per student, unpacked with suspicion.

A zip is refused whole (with the reason, as that student's verdict) when it is corrupt or
empty, when an entry would land outside its folder (`../x`, `/etc/x`) or is a link, when two
entries have one name (which one would be graded?), or when it holds or unpacks to more than a
course submission could need (folders count as entries too). A student folder is refused when
it is a link (to another student, to /etc) or holds more entries than a submission could need.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from grader.errors import GraderError
from grader.staff.gradebook import MISSING, UNREADABLE
from grader.submission import IGNORED_FOLDERS, find

MAX_ZIP_FILES = 200  # entries of a zip, folders included
MAX_FOLDER_ENTRIES = 2000  # files and folders under a student's folder
MAX_ZIP_BYTES = 20 * 2**20


@dataclass(frozen=True)
class StudentFiles:
    student: str
    folder: Path | None
    problem: str = ""

    @property
    def slug(self) -> str:
        """The student id as a folder name under RESULTS/: safe characters only, still unique."""
        slug = re.sub(r"[^A-Za-z0-9._@+-]", "_", self.student).lstrip(".") or "_"
        if slug != self.student:
            slug += "-" + hashlib.sha256(self.student.encode("utf-8", "surrogateescape")).hexdigest()[:8]
        return slug


def collect(submissions: Path, unpack_to: Path) -> tuple[list[StudentFiles], list[str]]:
    """Every student in `submissions` (a folder or a .zip each), and the names that were skipped."""
    if not submissions.is_dir():
        raise GraderError(f"{submissions} is not a folder: pass the folder holding one folder or .zip per student")
    students: list[StudentFiles] = []
    skipped, seen = [], set()
    for entry in sorted(submissions.iterdir()):
        if entry.name.startswith(".") or entry.name in IGNORED_FOLDERS:
            continue
        if entry.is_symlink() and (entry.is_dir() or entry.suffix.lower() == ".zip"):
            name = entry.name if entry.is_dir() else entry.stem
            student = StudentFiles(name, None, f"{entry.name} is a link (to {os.readlink(entry)}), not the student's "
                                               "own folder or zip: put the submission itself in SUBMISSIONS")
        elif entry.is_dir():
            problem = _crowded(entry)
            student = StudentFiles(entry.name, None if problem else entry, problem)
        elif entry.suffix.lower() == ".zip":
            folder = unpack_to / StudentFiles(entry.stem, None).slug
            problem = unpack(entry, folder)
            student = StudentFiles(entry.stem, None if problem else folder, problem)
        else:
            skipped.append(entry.name)
            continue
        if student.student in seen:
            student = StudentFiles(student.student, None, f"both a folder and a zip are named {student.student!r}")
            students = [other for other in students if other.student != student.student]
        seen.add(student.student)
        students.append(student)
    return students, skipped


def unpack(archive: Path, target: Path) -> str:
    """Unpack `archive` into `target` (replaced); return why it was refused, or ""."""
    shutil.rmtree(target, ignore_errors=True)
    try:
        if archive.stat().st_size > MAX_ZIP_BYTES:  # before reading a central directory of any length
            return f"the zip is larger than {MAX_ZIP_BYTES // 2**20} MB"
        with zipfile.ZipFile(archive) as zipped:
            problem = _refuse(zipped.infolist())
            entries = [entry for entry in zipped.infolist() if not entry.is_dir()]
            if problem:
                return problem
            target.mkdir(parents=True)
            budget = MAX_ZIP_BYTES
            for entry in entries:
                destination = target.joinpath(*PurePosixPath(entry.filename).parts)
                destination.parent.mkdir(parents=True, exist_ok=True)
                with zipped.open(entry) as source, open(destination, "wb") as sink:
                    while chunk := source.read(1 << 16):
                        budget -= len(chunk)
                        if budget < 0:  # the sizes in the headers lied: a zip bomb
                            raise _TooLarge
                        sink.write(chunk)
    except _TooLarge:
        shutil.rmtree(target, ignore_errors=True)
        return f"the zip unpacks to more than {MAX_ZIP_BYTES // 2**20} MB"
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError) as error:
        shutil.rmtree(target, ignore_errors=True)
        return f"{archive.name} is not a readable zip file ({error})"
    return ""


class _TooLarge(Exception):
    pass


def _refuse(everything: list[zipfile.ZipInfo]) -> str:
    if len(everything) > MAX_ZIP_FILES:
        return f"the zip holds {len(everything)} entries; a submission may hold at most {MAX_ZIP_FILES}"
    entries = [entry for entry in everything if not entry.is_dir()]
    if not entries:
        return "the zip is empty"
    seen: dict[PurePosixPath, str] = {}
    for entry in entries:
        path = PurePosixPath(entry.filename.replace("\\", "/"))
        if path.is_absolute() or ".." in path.parts or (path.parts and ":" in path.parts[0]):
            return f"the zip entry {entry.filename!r} would land outside the student's folder"
        if stat.S_ISLNK(entry.external_attr >> 16):
            return f"the zip entry {entry.filename!r} is a symbolic link"
        if path in seen:
            return (f"the zip holds two entries named {entry.filename!r}: which one to grade is not clear; "
                    "zip the folder again")
        seen[path] = entry.filename
    if sum(entry.file_size for entry in entries) > MAX_ZIP_BYTES:
        return f"the zip unpacks to more than {MAX_ZIP_BYTES // 2**20} MB"
    return ""


def _crowded(folder: Path) -> str:
    """Why `folder` holds too much to be a submission ('' when it does not); links are not followed."""
    count = 0
    for _, folders, files in os.walk(folder):
        count += len(folders) + len(files)
        if count > MAX_FOLDER_ENTRIES:
            return f"the folder holds more than {MAX_FOLDER_ENTRIES} files and folders; a submission needs a few"
    return ""


def find_exercise_file(folder: Path, module: str) -> tuple[Path | None, str, str]:
    """`<module>.py` or `.ipynb` in `folder`, or the shallowest one below it (submission.find):
    (path, "", ""); else (None, missing or unreadable, why).

    A link is refused: it could point anywhere on the grading machine (and a syntax error
    message would show the student a line of what it points to).
    """
    path = find(folder, module)
    if path is None:
        return None, MISSING, f"no {module}.py or {module}.ipynb in the submission"
    if path.is_symlink() or not path.resolve().is_relative_to(folder.resolve()) or not path.is_file():
        return None, UNREADABLE, f"{path.relative_to(folder)} is a link or not a regular file; submit the file itself"
    return path, "", ""
