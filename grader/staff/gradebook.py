"""The gradebook: one SQLite row per (student, exercise), written in its own transaction.

A batch run writes each grade as soon as it exists, so a run killed at any moment (SIGKILL
included) has lost only the grades in flight; the rerun grades those and nothing else,
because each row remembers the fingerprint (submission content + grader) it was made from.
The CSV and the per-student files are derived from the rows, always whole, never appended.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from grader.results import CRASHED, ERROR, GRADED, MISSING, TIMEOUT, UNREADABLE
from grader.staff import csvfile
from grader.staff.schema import migrate

SCHEMA = """
CREATE TABLE IF NOT EXISTS grades (
    student     TEXT NOT NULL,
    exercise    TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status      TEXT NOT NULL,   -- graded | missing | unreadable | timeout | crashed | error
    score       REAL NOT NULL,
    max_score   REAL NOT NULL,
    result      TEXT NOT NULL,   -- the exercise's --format json object
    graded_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    PRIMARY KEY (student, exercise)
);
"""

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
    result: dict

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

    def fingerprints(self) -> dict[tuple[str, str], str]:
        """(student, exercise) -> fingerprint of every final grade."""
        rows = self._db.execute("SELECT student, exercise, fingerprint FROM grades WHERE status != ?", (ERROR,))
        return {(student, exercise): fingerprint for student, exercise, fingerprint in rows}

    def record(self, grade: Grade) -> None:
        """Write one grade, atomically: it is in the gradebook whole, or not at all."""
        with self._db:  # one transaction: committed on success, rolled back on any error
            self._db.execute(
                "INSERT OR REPLACE INTO grades (student, exercise, fingerprint, status, score, max_score, result) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (grade.student, grade.exercise, grade.fingerprint, grade.status, grade.score, grade.max_score,
                 json.dumps(grade.result, allow_nan=False)),
            )

    def grades(self, students: list[str] | None = None, *, results: bool = True) -> list[Grade]:
        """The grades of `students` (default: everyone's); without `results`, each Grade's result is
        {} (the scores alone: a class's results take far more memory than its scores)."""
        rows = self._db.execute(
            f"SELECT student, exercise, fingerprint, status, score, max_score, {'result' if results else 'NULL'} "
            "FROM grades ORDER BY student, exercise")
        wanted = None if students is None else set(students)
        return [Grade(*row[:6], result=json.loads(row[6]) if results else {}) for row in rows
                if wanted is None or row[0] in wanted]

    def results_of(self, student: str) -> list[tuple[str, float, float, str]]:
        """(exercise, score, max_score, the result as stored: JSON text) of each of `student`'s grades."""
        return list(self._db.execute("SELECT exercise, score, max_score, result FROM grades WHERE student = ? "
                                     "ORDER BY exercise", (student,)))


def csv_text(grades: list[Grade], students: list[str], exercises: list[str], *,
             adjustments: dict[str, str] | None = None) -> str:
    """One row per student: student, one column per exercise, total, max_total, status (what is
    not simply graded, by exercise), then each exercise's own status (`exercise1 status`), then
    `adjustments`: why a score is not the grader's own (an override, a late penalty; marks.py).
    Scores are numbers; every cell goes through csvfile (a student id `=HYPERLINK(...)` stays text)."""
    table = {(grade.student, grade.exercise): grade for grade in grades}
    lines = [["student", *exercises, "total", "max_total", "status", *(f"{exercise} status" for exercise in exercises),
              "adjustments"]]
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
