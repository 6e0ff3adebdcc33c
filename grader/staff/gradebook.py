"""The gradebook: one SQLite row per (student, exercise), written in its own transaction.

A batch run writes each grade as soon as it exists, so a run killed at any moment (SIGKILL
included) has lost only the grades in flight; the rerun grades those and nothing else,
because each row remembers the fingerprint (submission content + grader) it was made from.
The CSV and the per-student files are derived from the rows, always whole, never appended.
The tables and their versions are schema.py's; `ClassBook` is the whole gradebook read once.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass, replace
from pathlib import Path

from grader.results import CRASHED, ERROR, GRADED, MISSING, TIMEOUT, UNREADABLE, ExerciseResult
from grader.staff import csvfile
from grader.staff.marks import Adjustments, Mark
from grader.staff.schema import migrate

# What each status means: grader/results.py. A row an older grader wrote holds only graded,
# error, missing or unreadable; its fingerprint differs from today's, so the rerun regrades it.
STATUSES = (GRADED, MISSING, UNREADABLE, TIMEOUT, CRASHED, ERROR)


@dataclass(frozen=True)
class Grade:
    student: str
    exercise: str
    fingerprint: str
    status: str
    score: float
    max_score: float
    result: dict  # the exercise's JSON object as grading made it; read it with ExerciseResult.from_dict

    @property
    def final(self) -> bool:
        """A grader error is retried on the next run; everything else stands until its files change."""
        return self.status != ERROR


class Gradebook:
    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        try:
            migrate(self._db, path)  # the schema's versions: grader/staff/schema.py
        except BaseException:
            self._db.close()
            raise

    @property
    def connection(self) -> sqlite3.Connection:
        """The open database, for the tables beside `grades` (students, overrides, late policies)."""
        return self._db

    def close(self) -> None:
        self._db.close()

    def record(self, grade: Grade) -> str:
        """Write one grade, atomically: it is in the gradebook whole, or not at all; return the
        result's JSON text as stored."""
        text = json.dumps(grade.result, allow_nan=False)
        with self._db:  # one transaction: committed on success, rolled back on any error
            self._db.execute(
                "INSERT OR REPLACE INTO grades (student, exercise, fingerprint, status, score, max_score, result) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (grade.student, grade.exercise, grade.fingerprint, grade.status, grade.score, grade.max_score, text),
            )
        return text

    def grades(self) -> list[Grade]:
        """Every grade with its result parsed as JSON (for many students, `read` keeps the text instead)."""
        rows = self._db.execute("SELECT student, exercise, fingerprint, status, score, max_score, result "
                                "FROM grades ORDER BY student, exercise")
        return [Grade(student, exercise, fingerprint, status, score, max_score, json.loads(text))
                for student, exercise, fingerprint, status, score, max_score, text in rows]

    def read(self) -> ClassBook:
        """Everything in the gradebook, read now, in one pass (ClassBook)."""
        return ClassBook(self)


class ClassBook:
    """The gradebook read once, in one pass: every grade, its result kept as the JSON text stored
    (parsed only for the student whose report needs it: a class's parsed results take far more
    memory than their text), and what makes the final scores (marks.Adjustments). Grades recorded
    through it are written to the gradebook and kept here too, so a batch reads the gradebook once
    however many students it renders. Overrides and late policies made meanwhile through the
    connection are not seen: read it again after them."""

    def __init__(self, gradebook: Gradebook):
        self.gradebook = gradebook
        self._grades: dict[str, dict[str, tuple[Grade, str]]] = {}  # student -> exercise -> (grade, result text)
        for student, exercise, fingerprint, status, score, max_score, text in gradebook.connection.execute(
                "SELECT student, exercise, fingerprint, status, score, max_score, result FROM grades"):
            self._keep(Grade(student, exercise, fingerprint, status, score, max_score, result={}), text)
        self.adjustments = Adjustments.read(gradebook.connection)

    def _keep(self, grade: Grade, text: str) -> None:
        self._grades.setdefault(grade.student, {})[grade.exercise] = (grade, text)

    def record(self, grade: Grade) -> None:
        """Write `grade` to the gradebook and keep it, its scores as SQLite stores them (REAL)."""
        text = self.gradebook.record(grade)
        self._keep(replace(grade, score=float(grade.score), max_score=float(grade.max_score), result={}), text)

    def fingerprints(self) -> dict[tuple[str, str], str]:
        """(student, exercise) -> fingerprint of every final grade (a grader error is retried)."""
        return {(grade.student, grade.exercise): grade.fingerprint for grade in self.grades() if grade.final}

    def grades(self, students: list[str] | None = None) -> list[Grade]:
        """The scores of `students` (default: everyone's), by student and exercise; each result is {}
        (`result` reads one)."""
        chosen = sorted(self._grades if students is None else {name for name in students if name in self._grades})
        return [grade for student in chosen for _, (grade, _) in sorted(self._grades[student].items())]

    def text(self, student: str, exercise: str) -> str:
        """The grade's result as stored: the JSON text that a report's digest is made from."""
        return self._grades[student][exercise][1]

    def result(self, student: str, exercise: str) -> ExerciseResult:
        return ExerciseResult.from_json(self.text(student, exercise))

    def marks(self, students: list[str] | None = None) -> dict[tuple[str, str], Mark]:
        """Each grade's Mark (marks.py): the final score, late penalty and override."""
        return {(grade.student, grade.exercise): self.adjustments.mark(
            grade.student, grade.exercise, grade.status, grade.score, grade.max_score)
            for grade in self.grades(students)}


def csv_text(grades: list[Grade], students: list[str], exercises: list[str], *,
             adjustments: dict[str, str] | None = None) -> str:
    """One row per student: student, one column per exercise, total, max_total, status (what is
    not simply graded, by exercise), then each exercise's own status (`exercise1 status`), then
    `adjustments`: why a score is not the grader's own (an override, a late penalty; marks.py).
    Scores are numbers; every cell goes through csvfile (a student id `=HYPERLINK(...)` stays text)."""
    table = {(grade.student, grade.exercise): grade for grade in grades}
    lines: list[list] = [["student", *exercises, "total", "max_total", "status",
                          *(f"{exercise} status" for exercise in exercises), "adjustments"]]
    for student in students:
        row = [table.get((student, exercise)) for exercise in exercises]
        total = sum(grade.score for grade in row if grade)
        max_total = sum(grade.max_score for grade in row if grade)
        lines.append([student, *(grade.score if grade else "" for grade in row), total, max_total,
                      student_status(row, exercises), *(grade.status if grade else "" for grade in row),
                      (adjustments or {}).get(student, "")])
    return csvfile.csv_text(lines)


def student_status(row: list[Grade | None], exercises: list[str]) -> str:
    """'graded', or what is wrong: 'missing: exercise3; timeout: exercise4; grader error: exercise5'."""
    problems: dict[str, list[str]] = {}
    for exercise, grade in zip(exercises, row):
        label = "not graded yet" if grade is None else "grader error" if grade.status == ERROR \
            else None if grade.status == GRADED else grade.status
        if label:
            problems.setdefault(label, []).append(exercise)
    return "; ".join(f"{label}: {', '.join(names)}" for label, names in problems.items()) or GRADED


def write_atomically(path: Path, text: str) -> None:
    """Write `text` to `path` through a temporary file and a rename: never half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
