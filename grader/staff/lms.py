"""Submissions straight from the LMS: a Canvas or Moodle download, read as it comes.

Canvas ("Download Submissions", lib/content_zipper.rb): one flat zip, a file per upload named
`lastfirst[_LATE]_USERID_FILEID_original`, where lastfirst is the sortable name lower-cased with
everything but word characters removed, `LATE` marks a submission Canvas found late, USERID is the
Canvas user id (`anon_XXXXX` under anonymous grading) and FILEID the uploaded file's id, which
grows with every upload. A student who uploads a file again gets it renamed `original-1.py`,
`-2`, ... (the number goes before the first dot); the zip holds the latest submission's files.

Moodle ("Download all submissions", mod/assign/classes/downloader.php): a folder per student,
`Full Name_PARTICIPANTID_assignsubmission_file[_]/`, holding the files as uploaded (or, with
"Download submissions in folders" off, flat files `Full Name_PARTICIPANTID_assignsubmission_file_name`).
The participant id is the number in `Participant NNNN`, the grading worksheet's Identifier.
Online-text entries (`_assignsubmission_onlinetext_`) are not files to grade and are left out.
Team submissions are not supported: their folders carry the group's number, which looks the same.

Each student becomes a folder of `RESULTS/.unpacked/` as `grade batch` reads any other: for
Canvas one file per exercise, the latest upload of it (a `-N` suffix removed); for Moodle the
files as they are. A zip a student uploaded is unpacked into a folder beside them (refused as
`collect.unpack` refuses one). The gradebook's student id is the LMS's own number, never a name;
names and file names are the students' text and are only ever shown, never used as paths.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import sqlite3
import stat
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from grader.errors import GraderError
from grader.staff.collect import MAX_ZIP_BYTES, MAX_ZIP_FILES, StudentFiles, collect, unpack
from grader.staff.late import EVERY, format_time, store
from grader.submission import SUFFIXES

CANVAS, MOODLE = "canvas", "moodle"
MAX_ARCHIVE_FILES = 20_000
MAX_ARCHIVE_BYTES = 4 * 2**30
_CANVAS = re.compile(r"^(?:(?P<name>[^/\\]*?)_)??(?P<late>late_)?(?P<user>\d+|anon_[A-Za-z0-9]+)_(?P<file>\d+)_"
                     r"(?P<original>[^/\\]+)$", re.IGNORECASE)
_MOODLE_FOLDER = re.compile(r"^(?P<name>.+)_(?P<id>\d+)_assignsubmission_(?P<plugin>[a-z]+)_?$")
_MOODLE_FLAT = re.compile(r"^(?P<name>.+?)_(?P<id>\d+)_assignsubmission_(?P<plugin>[a-z]+)_(?P<path>[^/\\]+)$")
_CANVAS_TEXT = re.compile(r"^(?:[^/\\]*_)?(?:late_)?(?:\d+|anon_[A-Za-z0-9]+)_(?:text|link)\.html$", re.IGNORECASE)
_RESUBMITTED = re.compile(r"-\d+$")  # Canvas's suffix for a file uploaded again: exercise1_convolution-1.py


@dataclass(frozen=True)
class Identity:
    """Who a student is in the LMS: what an import back into it needs."""

    student: str  # the gradebook's id: the LMS's number
    name: str = ""
    lms: str = ""
    lms_id: str = ""


@dataclass(frozen=True)
class Arrival:
    """One file as the LMS delivered it: its name in the download, and whether the LMS found it late."""

    file: str
    late_flag: bool = False


@dataclass
class Intake:
    """A class as `grade batch` reads it, with what the LMS said about each student and file."""

    students: list[StudentFiles]
    skipped: list[str] = field(default_factory=list)  # a class folder's entries that are not a folder or a zip
    lms: str = ""
    foreign: list[str] = field(default_factory=list)  # a download's entries in neither LMS's layout
    identities: dict[str, Identity] = field(default_factory=dict)
    files: dict[str, dict[str, Arrival]] = field(default_factory=dict)  # student -> path in folder -> arrival


@dataclass(frozen=True)
class _Upload:
    entry: zipfile.ZipInfo
    path: PurePosixPath  # where it lands in the student's folder
    rank: int = 0  # Canvas's file id: the highest is the latest upload
    late: bool = False


def is_download(submissions: Path) -> bool:
    """Is `submissions` one zip for the whole class (an LMS download), not a folder of students?"""
    return submissions.suffix.lower() == ".zip" and submissions.is_file()


def intake(submissions: Path, unpack_to: Path) -> Intake:
    """The class in `submissions`: an LMS download (a .zip), or a folder with one folder or zip per student."""
    if not is_download(submissions):
        students, skipped = collect(submissions, unpack_to)
        return Intake(students, skipped, identities={student.student: Identity(student.student, student.student)
                                                     for student in students})
    return read_download(submissions, unpack_to)


def read_download(archive: Path, unpack_to: Path) -> Intake:
    """A Canvas or Moodle download, each student unpacked into `unpack_to`; refused whole, before
    anything is written, when it is not a readable zip in one of the two layouts."""
    try:
        with zipfile.ZipFile(archive) as zipped:
            entries = [entry for entry in zipped.infolist() if not entry.is_dir()]
            lms, students, foreign = _classify(archive, entries)
            return _unpack_students(zipped, lms, students, foreign, unpack_to)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError) as error:
        raise GraderError(f"{archive} is not a readable zip file ({error}): download it from the LMS again") from None


def _classify(archive: Path, entries: list[zipfile.ZipInfo]):
    if len(entries) > MAX_ARCHIVE_FILES or sum(entry.file_size for entry in entries) > MAX_ARCHIVE_BYTES:
        raise GraderError(f"{archive} holds {len(entries)} files, {sum(e.file_size for e in entries) // 2**20} MB: "
                          f"more than a class download could ({MAX_ARCHIVE_FILES} files, "
                          f"{MAX_ARCHIVE_BYTES // 2**30} GB)")
    canvas, moodle = _canvas_students(entries), _moodle_students(entries)
    if not canvas[0] and not moodle[0]:
        raise GraderError(f"{archive} is neither a Canvas 'Download Submissions' zip (files named "
                          "lastfirst_userid_fileid_name) nor a Moodle 'Download all submissions' zip (folders "
                          "'Full Name_id_assignsubmission_file'); for a folder per student, unzip it first")
    lms, (students, foreign) = (CANVAS, canvas) if len(canvas[0]) >= len(moodle[0]) else (MOODLE, moodle)
    return lms, students, foreign


def _canvas_students(entries):
    """student -> (identity, uploads); and the names that are not Canvas uploads."""
    students: dict[str, tuple[Identity, list[_Upload]]] = {}
    skipped = []
    for entry in entries:
        found = _CANVAS.match(entry.filename)
        if not found:
            if not _CANVAS_TEXT.match(entry.filename):  # a text entry or a link: nothing to grade
                skipped.append(entry.filename)
            continue
        student = found["user"]
        identity = Identity(student, found["name"] or "", CANVAS, student)
        stem, dot, rest = found["original"].partition(".")
        path = PurePosixPath(_RESUBMITTED.sub("", stem) + dot + rest)
        upload = _Upload(entry, path, int(found["file"]), bool(found["late"]))
        students.setdefault(student, (identity, []))[1].append(upload)
    return students, skipped


def _moodle_students(entries):
    students: dict[str, tuple[Identity, list[_Upload]]] = {}
    skipped = []
    for entry in entries:
        first, slash, rest = entry.filename.partition("/")
        found = _MOODLE_FOLDER.match(first) if slash else _MOODLE_FLAT.match(first)
        if not found:
            skipped.append(entry.filename)
            continue
        if found["plugin"] != "file":  # online text, comments: nothing to grade
            continue
        student = found["id"]
        identity = Identity(student, found["name"], MOODLE, student)
        path = rest if slash else found["path"]
        students.setdefault(student, (identity, []))[1].append(_Upload(entry, PurePosixPath(path.replace("\\", "/"))))
    return students, skipped


def _unpack_students(zipped: zipfile.ZipFile, lms: str, students: dict, foreign: list[str], unpack_to: Path) -> Intake:
    result = Intake([], [], lms, foreign)
    budget = [MAX_ARCHIVE_BYTES]
    for student in sorted(students, key=_number_first):
        identity, uploads = students[student]
        folder = unpack_to / StudentFiles(student, None).slug
        shutil.rmtree(folder, ignore_errors=True)
        uploads = _latest(uploads) if lms == CANVAS else uploads
        problem = _refuse(uploads)
        files: dict[str, Arrival] = {}
        if not problem:
            problem = _write(zipped, uploads, folder, files, budget)
        if problem:
            shutil.rmtree(folder, ignore_errors=True)
        result.students.append(StudentFiles(student, None if problem else folder, problem))
        result.identities[student] = identity
        result.files[student] = files
    return result


def _number_first(student: str) -> tuple:
    return (0, int(student), "") if student.isdigit() else (1, 0, student)


def _latest(uploads: list[_Upload]) -> list[_Upload]:
    """Of the uploads that land on the same exercise file (`x.py`, `x-1.py`, `x.ipynb`), the latest."""
    modules: dict[str, _Upload] = {}
    for upload in uploads:
        stem = upload.path.name.partition(".")[0]
        key = stem if upload.path.suffix in SUFFIXES else upload.path.name
        if key not in modules or upload.rank > modules[key].rank:
            modules[key] = upload
    return sorted(modules.values(), key=lambda upload: upload.rank)


def _refuse(uploads: list[_Upload]) -> str:
    """Why this student's uploads are refused whole (as `collect.unpack` refuses a zip), or ""."""
    if len(uploads) > MAX_ZIP_FILES:
        return (f"the download holds {len(uploads)} files for this student; a submission may hold at most "
                f"{MAX_ZIP_FILES}")
    for upload in uploads:
        parts = upload.path.parts
        if upload.path.is_absolute() or ".." in parts or not parts or ":" in parts[0]:
            return f"the download's entry {upload.entry.filename!r} would land outside the student's folder"
        if stat.S_ISLNK(upload.entry.external_attr >> 16):
            return f"the download's entry {upload.entry.filename!r} is a symbolic link"
    if sum(upload.entry.file_size for upload in uploads) > MAX_ZIP_BYTES:
        return f"the student's files come to more than {MAX_ZIP_BYTES // 2**20} MB"
    return ""


def _write(zipped: zipfile.ZipFile, uploads: list[_Upload], folder: Path, files: dict, budget: list[int]) -> str:
    """Write `uploads` into `folder` (a zip a student uploaded, unpacked into a folder beside); return why
    not, or ""."""
    own = [MAX_ZIP_BYTES]
    for upload in uploads:
        data = _read(zipped, upload.entry, own, budget)
        if data is None:
            return f"the student's files come to more than {MAX_ZIP_BYTES // 2**20} MB"
        if upload.path.suffix.lower() == ".zip":
            problem = _unzip_upload(data, upload, folder, files)
            if problem:
                return problem
            continue
        destination = folder.joinpath(*upload.path.parts)
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(data)
        files[upload.path.as_posix()] = Arrival(upload.entry.filename, upload.late)
    return ""


def _read(zipped: zipfile.ZipFile, entry: zipfile.ZipInfo, *budgets: list[int]) -> bytes | None:
    """The entry's bytes, read against the budgets (the headers' sizes may lie); None past one."""
    chunks = []
    with zipped.open(entry) as source:
        while chunk := source.read(1 << 16):
            for budget in budgets:
                budget[0] -= len(chunk)
                if budget[0] < 0:
                    return None
            chunks.append(chunk)
    return b"".join(chunks)


def _unzip_upload(data: bytes, upload: _Upload, folder: Path, files: dict) -> str:
    """A zip the student uploaded, unpacked into `folder/<its name without .zip>/`; return why not, or ""."""
    target = folder.joinpath(*upload.path.parent.parts, upload.path.stem + "_zip")
    with tempfile.TemporaryDirectory(prefix="cnn-grader-upload-") as scratch:
        copy = Path(scratch) / "upload.zip"
        copy.write_bytes(data)
        problem = unpack(copy, target)
    if problem:
        return f"{upload.path.name}: {problem.replace('upload.zip', upload.path.name)}"
    for path in sorted(target.rglob("*")):
        if path.is_file():
            inner = path.relative_to(target).as_posix()
            files[path.relative_to(folder).as_posix()] = Arrival(f"{upload.entry.filename}:{inner}", upload.late)
    return ""


def record(db: sqlite3.Connection, intake: Intake, tasks: list, *, times: dict, policies: dict | None = None
           ) -> list[str]:
    """Keep who each student is and which file each grade is for, with its submission time: from
    `times` ((student, exercise or EVERY) -> time, a manifest's), else the time kept for the same
    file; and `policies`, when given, as the late policies. Return what staff should know (late
    files without a time)."""
    kept = {(student, exercise): (stored_digest, submitted_at) for student, exercise, stored_digest, submitted_at
            in db.execute("SELECT student, exercise, digest, submitted_at FROM submissions")}
    untimed = []
    rows = []
    for task in tasks:
        arrival = intake.files.get(task.student, {}).get(task.shown, Arrival(task.shown))
        content = digest(task.source)
        when = times.get((task.student, task.exercise)) or times.get((task.student, EVERY))
        submitted_at = format_time(when) if when else None
        stored_digest, stored_time = kept.get((task.student, task.exercise), (None, None))
        if when is None and stored_digest == content:
            submitted_at = stored_time
        if arrival.late_flag and submitted_at is None:
            untimed.append(f"{task.student} {task.exercise}")
        rows.append((task.student, task.exercise, arrival.file if task.source is not None else "", content,
                     submitted_at, int(arrival.late_flag)))
    with db:
        db.executemany("INSERT OR REPLACE INTO students (student, name, lms, lms_id) VALUES (?, ?, ?, ?)",
                       [(i.student, i.name, i.lms, i.lms_id) for i in intake.identities.values()])
        db.executemany("INSERT OR REPLACE INTO submissions (student, exercise, file, digest, submitted_at, late_flag) "
                       "VALUES (?, ?, ?, ?, ?, ?)", rows)
    if policies is not None:
        store(db, policies)
    notices = [f"skipped {len(intake.foreign)} entr{'y' if len(intake.foreign) == 1 else 'ies'} of the download "
               f"that {intake.lms.capitalize()} does not name so: {_some(intake.foreign)}"] if intake.foreign else []
    if untimed:
        notices.append(f"{len(untimed)} file(s) the LMS marked late have no submission time, so no late policy "
                       f"applies to them ({_some(untimed)}): pass --manifest with their times")
    return notices


def _some(names: list[str], count: int = 5) -> str:
    return ", ".join(repr(name) for name in names[:count]) + (", ..." if len(names) > count else "")


def digest(source: bytes | None) -> str:
    return hashlib.sha256(source).hexdigest() if source is not None else ""
