"""Grades back into the LMS: Canvas's gradebook CSV and Moodle's offline grading worksheet.

Both carry each grade's final score (grader/staff/marks.py: late penalty and override applied);
a grade that hit a grader error is left blank, which both LMSs read as "no change". What made a
score differ from the grader's own goes to `<format>-notes.csv` beside, since a column of our own
in the import would be read as data (Canvas makes a new assignment of every unknown column).

Canvas (app/models/gradebook_importer.rb): a header `Student, ID, SIS User ID, SIS Login ID,
Section`, then one column per assignment titled `Name (assignment id)`; a title without an id
makes a new assignment. A `Points Possible` row gives new assignments their points (left blank for
existing ones, whose points an import would otherwise change). Canvas finds the student by ID,
else by SIS User ID, else SIS Login ID, else by name. IDs come from the download's file names
(lastfirst_USERID_...); SIS ids and sections, and the ids of students graded from folders, from
`--roster`: the Canvas gradebook's own export (Grades > Export), whose assignment columns also
give the assignment ids of columns with the same title.

Moodle (mod/assign/feedback/offline): one worksheet per assignment, read by its columns
`Identifier` (`Participant NNNN`), `Grade` and `Last modified (grade)`; other columns are ignored.
A grade is skipped when Moodle's own is newer than `Last modified (grade)` (unless the upload's
"ignore modified" box is ticked), or above the assignment's maximum grade: set that to the
exercise's points (the `Maximum Grade` column). One total is one worksheet; per exercise, one
worksheet each. Participant ids come from the download's folder names, or from `--roster`: a
worksheet downloaded from Moodle, matched by Identifier, email address or full name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from grader.errors import GraderError
from grader.staff.csvfile import csv_text, read_table
from grader.staff.gradebook import Gradebook, write_atomically
from grader.staff.late import MOODLE_ID_PREFIX
from grader.staff.marks import Mark, marks

CANVAS, MOODLE = "canvas", "moodle"
TOTAL = "total"
TOTAL_TITLE = "CNN exercises"
CANVAS_STUDENT_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
_TITLE_AND_ID = re.compile(r"^(?P<title>.*?)\s*\((?P<id>\d+)\)\s*$")


@dataclass(frozen=True)
class Exported:
    files: list[Path]
    notices: list[str]


def export_lms(results: Path, *, format: str, columns: str = "exercises", roster: Path | None = None,
               assignments: tuple[str, ...] = (), out: Path | None = None) -> Exported:
    """Write the gradebook of `results` in `format`'s import format into `out` (default RESULTS/lms/);
    bad input (no gradebook, a student without an LMS id, a bad roster) writes nothing."""
    if format not in (CANVAS, MOODLE):
        raise GraderError(f"--format {format!r}: choose canvas or moodle")
    if columns not in ("exercises", TOTAL):
        raise GraderError(f"--columns {columns!r}: choose exercises (one column each) or total")
    if assignments and format != CANVAS:
        raise GraderError("--assignment names Canvas assignment ids; Moodle's worksheet has one assignment per file")
    book = _read(results)
    chosen = _assignment_ids(assignments)
    out = Path(out) if out is not None else Path(results) / "lms"
    texts = (_canvas(book, columns, _canvas_roster(roster), chosen) if format == CANVAS
             else _moodle(book, columns, _moodle_roster(roster)))
    texts[f"{format}-notes.csv"] = _notes(book)
    files = []
    for name, text in texts.items():
        write_atomically(out / name, text)
        files.append(out / name)
    errors = sorted({f"{m.student} {m.exercise}" for m in book.marks.values() if not m.gradable})
    notices = [f"{len(errors)} grade(s) hit a grader error and are left blank (rerun the batch, or override them): "
               f"{', '.join(errors[:5])}"] if errors else []
    return Exported(files, notices)


@dataclass(frozen=True)
class _Book:
    students: list[str]
    exercises: list[str]
    marks: dict[tuple[str, str], Mark]
    identities: dict[str, tuple[str, str, str]]  # student -> (name, lms, lms id)
    changed: dict[tuple[str, str], str]  # when each grade last changed: graded, or overridden


def _read(results: Path) -> _Book:
    path = Path(results) / "gradebook.sqlite"
    if not path.is_file():
        raise GraderError(f"no gradebook in {results}: run `grade batch SUBMISSIONS --out {results}` first")
    gradebook = Gradebook(path)
    try:
        db = gradebook.connection
        table = marks(db)
        identities = {row[0]: row[1:] for row in db.execute("SELECT student, name, lms, lms_id FROM students")}
        changed = {(student, exercise): when for student, exercise, when in db.execute(
            "SELECT student, exercise, graded_at FROM grades")}
        for student, exercise, when in db.execute("SELECT student, exercise, made_at FROM overrides"):
            changed[student, exercise] = max(changed.get((student, exercise), ""), when)
    finally:
        gradebook.close()
    if not table:
        raise GraderError(f"the gradebook in {results} has no grades yet: run `grade batch` first")
    exercises = sorted({exercise for _, exercise in table}, key=_exercise_number)
    return _Book(sorted({student for student, _ in table}, key=_number_first), exercises, table, identities, changed)


def _exercise_number(exercise: str) -> int:
    digits = exercise.removeprefix("exercise")
    return int(digits) if digits.isdigit() else 0


def _number_first(student: str) -> tuple:
    return (0, int(student), "") if student.isdigit() else (1, 0, student)


def _assignment_ids(items: tuple[str, ...]) -> dict[str, str]:
    """`--assignment exercise3=4711` / `total=4711` -> {exercise id or total: Canvas assignment id}."""
    from grader import catalog

    chosen = {}
    for item in items:
        name, equals, number = item.partition("=")
        if not equals or not number.strip().isdigit():
            raise GraderError(f"--assignment {item!r}: write EXERCISE=ID or total=ID, the Canvas assignment's "
                              "number (in its address: .../assignments/4711)")
        key = TOTAL if name.strip() == TOTAL else catalog.resolve(name.strip()).partition("_")[0]
        chosen[key] = number.strip()
    return chosen


def _cells(book: _Book, student: str, columns: str) -> list[tuple[str, float | str, float]]:
    """(column key, score or '' for none, points) per column for one student."""
    own = [book.marks.get((student, exercise)) for exercise in book.exercises]
    if columns == TOTAL:
        blank = any(mark is not None and not mark.gradable for mark in own)
        score = "" if blank else round(sum(mark.final for mark in own if mark is not None), 2)
        return [(TOTAL, score, sum(mark.max_score for mark in book.marks.values() if mark.student == student))]
    return [(exercise, "" if mark is None or not mark.gradable else round(mark.final, 2),
             mark.max_score if mark is not None else 0) for exercise, mark in zip(book.exercises, own)]


def _points(book: _Book, key: str) -> float:
    if key == TOTAL:
        return sum(max((m.max_score for m in book.marks.values() if m.exercise == exercise), default=0)
                   for exercise in book.exercises)
    return max((mark.max_score for mark in book.marks.values() if mark.exercise == key), default=0)


# --- Canvas ----------------------------------------------------------------------------------------

def _canvas(book: _Book, columns: str, roster: dict, chosen: dict[str, str]) -> dict[str, str]:
    keys = [TOTAL] if columns == TOTAL else book.exercises
    ids = {key: chosen.get(key) or roster["assignments"].get(TOTAL_TITLE if key == TOTAL else key) for key in keys}
    header = [*CANVAS_STUDENT_COLUMNS, *((f"{_title(key)} ({ids[key]})" if ids[key] else _title(key)) for key in keys)]
    points = ["Points Possible", "", "", "", "", *("" if ids[key] else _points(book, key) for key in keys)]
    rows: list[Sequence[object]] = [header, points]  # CSV cells: text and points
    unknown = []
    for student in book.students:
        name, lms, lms_id = book.identities.get(student, (student, "", ""))
        known = roster["by_id"].get(lms_id) if lms == CANVAS else roster["by_any"].get(student)
        if lms != CANVAS and known is None:
            unknown.append(student)
            continue
        person = known or {"Student": name or student, "ID": lms_id, "SIS User ID": "", "SIS Login ID": "",
                           "Section": ""}
        rows.append([*(person[column] for column in CANVAS_STUDENT_COLUMNS),
                     *(score for _, score, _ in _cells(book, student, columns))])
    anonymous = [student for student in book.students
                 if student.startswith("anon_") and book.identities.get(student, ("", ""))[1] == CANVAS]
    if anonymous:
        raise GraderError(f"{len(anonymous)} student(s) come from an anonymized download ({', '.join(anonymous[:5])}): "
                          "Canvas takes no imported grades for an anonymous assignment before they are posted; "
                          "post them, download the submissions again and rerun the batch")
    if unknown:
        raise GraderError(f"{len(unknown)} student(s) have no Canvas ID ({', '.join(unknown[:5])}): they were not "
                          "graded from a Canvas download; pass --roster with the Canvas gradebook's export")
    return {"canvas.csv": csv_text(rows)}


def _title(key: str) -> str:
    return TOTAL_TITLE if key == TOTAL else key


def _canvas_roster(path: Path | None) -> dict:
    """The Canvas gradebook export: its students by ID (and by any of their ids), its assignments' ids by title."""
    roster: dict = {"by_id": {}, "by_any": {}, "assignments": {}}
    if path is None:
        return roster
    header, rows = read_table(path, f"--roster {path}")
    missing = [column for column in CANVAS_STUDENT_COLUMNS if column not in header]
    if missing:
        raise GraderError(f"--roster {path} is not a Canvas gradebook export: it lacks {', '.join(missing)}")
    for column in header[header.index("Section") + 1:]:
        found = _TITLE_AND_ID.match(column)
        if found:
            roster["assignments"].setdefault(found["title"], found["id"])
    for row in rows:
        person = {column: (row[header.index(column)] if header.index(column) < len(row) else "").strip()
                  for column in CANVAS_STUDENT_COLUMNS}
        if "Points Possible" in person["Student"] or not person["ID"].isdigit():
            continue  # the points row, a muted row
        roster["by_id"][person["ID"]] = person
        for column in ("ID", "SIS User ID", "SIS Login ID"):
            if person[column]:
                roster["by_any"].setdefault(person[column], person)
    return roster


# --- Moodle ----------------------------------------------------------------------------------------

def _moodle(book: _Book, columns: str, roster: dict) -> dict[str, str]:
    participants, unknown = {}, []
    for student in book.students:
        name, lms, lms_id = book.identities.get(student, (student, "", ""))
        found = (lms_id, roster["names"].get(lms_id, name)) if lms == MOODLE else roster["by_any"].get(student.lower())
        if found is None:
            unknown.append(student)
        else:
            participants[student] = found
    if unknown:
        raise GraderError(f"{len(unknown)} student(s) have no Moodle participant id ({', '.join(unknown[:5])}): they "
                          "were not graded from a Moodle download; pass --roster with the assignment's grading "
                          "worksheet")
    keys = [TOTAL] if columns == TOTAL else book.exercises
    texts = {}
    for index, key in enumerate(keys):
        rows: list[list[object]] = [["Identifier", "Full name", "Grade", "Maximum Grade", "Last modified (submission)",
                 "Last modified (grade)", "cnn-grader note"]]
        for student, (participant, name) in participants.items():
            column, score, points = _cells(book, student, columns)[index]
            own = [mark for mark in book.marks.values() if mark.student == student and key in (TOTAL, mark.exercise)]
            rows.append([f"{MOODLE_ID_PREFIX}{participant}", name, score, points,
                         max((mark.submitted_at or "" for mark in own), default=""),
                         max((book.changed.get((student, mark.exercise), "") for mark in own), default=""),
                         "; ".join(f"{mark.exercise}: {mark.note()}" for mark in own if mark.note())])
        texts[f"moodle-{key}.csv"] = csv_text(rows)
    return texts


def _moodle_roster(path: Path | None) -> dict:
    """A Moodle grading worksheet: participant ids by id, email or full name (when only one has it)."""
    roster: dict = {"names": {}, "by_any": {}}
    if path is None:
        return roster
    header, rows = read_table(path, f"--roster {path}")
    if "Identifier" not in header:
        raise GraderError(f"--roster {path} is not a Moodle grading worksheet: it has no Identifier column")
    columns = {name: header.index(name) for name in ("Identifier", "Full name", "Email address") if name in header}
    seen: dict[str, set] = {}
    for row in rows:
        cell = {name: row[index].strip() if index < len(row) else "" for name, index in columns.items()}
        participant = cell["Identifier"].removeprefix(MOODLE_ID_PREFIX.strip()).strip()
        if not participant.isdigit():
            continue
        name = cell.get("Full name", "")
        roster["names"][participant] = name
        for key in {participant, cell.get("Email address", "").lower(), name.lower()} - {""}:
            seen.setdefault(key, set()).add(participant)
    roster["by_any"] = {key: (next(iter(found)), roster["names"][next(iter(found))])
                        for key, found in seen.items() if len(found) == 1}
    return roster



def _notes(book: _Book) -> str:
    rows: list[list[object]] = [["student", "name", "exercise", "final", "grader score", "max_score", "why"]]
    ordered = sorted(book.marks.items(), key=lambda item: (_number_first(item[0][0]), item[0][1]))
    for (student, exercise), mark in ordered:
        if mark.note():
            rows.append([student, book.identities.get(student, ("",))[0], exercise, mark.final, mark.raw,
                         mark.max_score, mark.note()])
    return csv_text(rows)
