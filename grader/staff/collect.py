"""Finding each student's files: one folder or one .zip per student, unpacked with suspicion.

A zip is refused whole (with the reason, as that student's verdict) when it is corrupt or
empty, when an entry would land outside its folder (`../x`, `/etc/x`) or is a link, or when
it unpacks to more than a course submission could need.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from grader.errors import GraderError
from grader.staff.gradebook import MISSING, UNREADABLE
from grader.submission import SUFFIXES

MAX_ZIP_FILES = 200
MAX_ZIP_BYTES = 20 * 2**20
_IGNORED = ("__MACOSX", "__pycache__")


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
    students, skipped, seen = [], [], set()
    for entry in sorted(submissions.iterdir()):
        if entry.name.startswith(".") or entry.name in _IGNORED:
            continue
        if entry.is_dir():
            student = StudentFiles(entry.name, entry)
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
        with zipfile.ZipFile(archive) as zipped:
            entries = [entry for entry in zipped.infolist() if not entry.is_dir()]
            problem = _refuse(entries)
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


def _refuse(entries: list[zipfile.ZipInfo]) -> str:
    if not entries:
        return "the zip is empty"
    if len(entries) > MAX_ZIP_FILES:
        return f"the zip holds {len(entries)} files; a submission may hold at most {MAX_ZIP_FILES}"
    for entry in entries:
        path = PurePosixPath(entry.filename.replace("\\", "/"))
        if path.is_absolute() or ".." in path.parts or (path.parts and ":" in path.parts[0]):
            return f"the zip entry {entry.filename!r} would land outside the student's folder"
        if stat.S_ISLNK(entry.external_attr >> 16):
            return f"the zip entry {entry.filename!r} is a symbolic link"
    if sum(entry.file_size for entry in entries) > MAX_ZIP_BYTES:
        return f"the zip unpacks to more than {MAX_ZIP_BYTES // 2**20} MB"
    return ""


def find_exercise_file(folder: Path, module: str) -> tuple[Path | None, str, str]:
    """`<module>.py` or `.ipynb` in `folder`, or the shallowest one below it: (path, "", "");
    else (None, missing or unreadable, why).

    A link is refused: it could point anywhere on the grading machine (and a syntax error
    message would show the student a line of what it points to).
    """
    names = {f"{module}{suffix}" for suffix in SUFFIXES}
    found = sorted(
        (path for path in folder.rglob(f"{module}.*")
         if path.name in names and not set(path.relative_to(folder).parts) & set(_IGNORED)),
        key=lambda path: (len(path.relative_to(folder).parts), path.suffix != ".py", str(path)),
    )
    if not found:
        return None, MISSING, f"no {module}.py or {module}.ipynb in the submission"
    path = found[0]
    if path.is_symlink() or not path.resolve().is_relative_to(folder.resolve()) or not path.is_file():
        return None, UNREADABLE, f"{path.relative_to(folder)} is a link or not a regular file; submit the file itself"
    return path, "", ""
