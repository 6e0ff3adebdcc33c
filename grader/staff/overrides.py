"""Overrides: a person sets a grade (a regrade request, an accepted excuse), with who, when and why.

Every override and every clearing is a new row of the gradebook's `overrides` table, beside the
grader's own score at that moment; nothing is ever deleted, so the full history stays. The latest
entry for a grade is in force unless it is a clearing. A rerun of the batch regrades the file as
usual and keeps the override (saying so when the submission changed since it was made).
"""

from __future__ import annotations

import difflib
import getpass
from datetime import datetime, timezone
from pathlib import Path

from grader.errors import GraderError
from grader.staff.gradebook import Gradebook
from grader.staff.late import format_time
from grader.staff.marks import Mark, current_overrides, marks


def override(results: Path, student: str, exercise: str, *, points: float | None = None, reason: str = "",
             clear: bool = False, author: str = "", now: datetime | None = None) -> Mark:
    """Set (`points`, `reason`) or `clear` the override of one grade, then rebuild the gradebook's
    CSV, reports and dashboard; return the grade's Mark as it now stands. Bad input changes nothing."""
    if clear == (points is not None):
        raise GraderError("give either --points P (with --reason) or --clear")
    if not clear and not reason.strip():
        raise GraderError("say why with --reason \"...\": it is kept beside the override")
    gradebook = _open(results)
    try:
        db = gradebook.connection
        key = _grade_key(db, results, student, exercise)
        grader_score, max_score = db.execute("SELECT score, max_score FROM grades WHERE student = ? AND exercise = ?",
                                             key).fetchone()
        if points is not None and not 0 <= points <= max_score:  # points is None exactly when clearing
            raise GraderError(f"--points {points:g} is out of range: {key[1]} is worth 0 to {max_score:g} points")
        if clear and key not in current_overrides(db):
            raise GraderError(f"{key[0]} {key[1]} has no override to clear")
        digest = (db.execute("SELECT digest FROM submissions WHERE student = ? AND exercise = ?", key).fetchone()
                  or ("",))[0]
        with db:
            db.execute("INSERT INTO overrides (student, exercise, points, reason, author, made_at, grader_score, "
                       "max_score, digest) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (*key, None if points is None else float(points), reason.strip(), author or _who(),
                        format_time(now or datetime.now(timezone.utc)), grader_score, max_score, digest))
        mark = marks(db)[key]
    finally:
        gradebook.close()
    refresh(results)
    return mark


def history(results: Path, student: str, exercise: str) -> list[dict]:
    """Every override and clearing of one grade, oldest first."""
    gradebook = _open(results)
    try:
        db = gradebook.connection
        key = _grade_key(db, results, student, exercise)
        rows = db.execute("SELECT points, reason, author, made_at, grader_score, max_score FROM overrides "
                          "WHERE student = ? AND exercise = ? ORDER BY id", key).fetchall()
    finally:
        gradebook.close()
    return [{"points": points, "reason": reason, "author": author, "made_at": made_at, "grader_score": grader_score,
             "max_score": max_score} for points, reason, author, made_at, grader_score, max_score in rows]


def refresh(results: Path) -> None:
    """Rebuild gradebook.csv, every student's report and the dashboard from the gradebook alone."""
    from grader.staff.batch import write_outputs
    from grader.staff.collect import StudentFiles
    from grader.staff.dashboard import write_dashboard

    gradebook = _open(results)
    try:
        book = gradebook.read()
    finally:
        gradebook.close()
    grades = book.grades()
    students = sorted({grade.student for grade in grades})
    exercises = sorted({grade.exercise for grade in grades}, key=_number)
    write_outputs(book, [StudentFiles(student, None) for student in students], exercises, results)
    write_dashboard(results)


def _open(results: Path) -> Gradebook:
    path = Path(results) / "gradebook.sqlite"
    if not path.is_file():
        raise GraderError(f"no gradebook in {results}: run `grade batch SUBMISSIONS --out {results}` first")
    return Gradebook(path)


def _grade_key(db, results: Path, student: str, exercise: str) -> tuple[str, str]:
    """(student, exercise id) of a grade in the gradebook, or a one-line error that names the fix."""
    from grader import catalog

    students = [name for (name,) in db.execute("SELECT DISTINCT student FROM grades ORDER BY student")]
    names: dict[str, list[str]] = {}  # an LMS student's name, as the download gave it -> their id, when only one has it
    for key, name in db.execute("SELECT student, name FROM students WHERE name != '' AND name != student"):
        names.setdefault(name.casefold(), []).append(key)
    if student not in students and len(names.get(student.casefold(), [])) == 1:
        student = names[student.casefold()][0]
    if student not in students:
        close = difflib.get_close_matches(student, students + sorted(names), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f" ({len(students)} students there)"
        raise GraderError(f"no student {student!r} in {results}{hint}")
    name = catalog.resolve(exercise).partition("_")[0]
    if db.execute("SELECT 1 FROM grades WHERE student = ? AND exercise = ?", (student, name)).fetchone() is None:
        raise GraderError(f"{student} has no grade for {name} in {results}: grade it with `grade batch` first")
    return student, name


def _number(exercise: str) -> int:
    digits = exercise.removeprefix("exercise")
    return int(digits) if digits.isdigit() else 0


def _who() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
