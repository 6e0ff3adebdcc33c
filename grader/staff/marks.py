"""A grade as the course gives it: the grader's score, less any late penalty, unless a person set it.

`marks(db)` reads the gradebook's tables into one `Mark` per (student, exercise): the grade, and
what beside it makes the final score (`Adjustments`, which a batch reads once). The CSV, the
reports, the dashboard and the LMS exports all show `final`, and say when it is not simply the
grader's score (`adjusted`, `note`). An override is the final score as it stands: no late penalty
is taken from it (an accepted excuse is a common reason for one).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, replace
from datetime import datetime

from grader.results import ERROR
from grader.staff.late import Lateness, load, policy_for


@dataclass(frozen=True)
class Override:
    id: int
    points: float
    reason: str
    author: str
    made_at: str
    grader_score: float
    max_score: float
    digest: str


@dataclass(frozen=True)
class Mark:
    student: str
    exercise: str
    status: str
    raw: float  # the grader's own score
    max_score: float
    final: float
    file: str = ""  # the file graded, named as in the download
    submitted_at: str | None = None
    late: Lateness = Lateness()
    late_unknown: bool = False  # the LMS marked it late, and no time says by how much
    override: Override | None = None
    changed_since_override: bool = False  # the submission is not the one the override was made for

    @property
    def adjusted(self) -> bool:
        return self.override is not None or self.late.days > 0

    @property
    def gradable(self) -> bool:
        """Is there a score to hand to the LMS? A grader error has none until a rerun or an override."""
        return self.status != ERROR or self.override is not None

    def note(self) -> str:
        """One line on why `final` is not the grader's score: '' when it is."""
        parts = []
        if self.override is not None:
            parts.append(f"overridden by {self.override.author} on {self.override.made_at[:10]}: "
                         f"{self.override.reason} (grader: {self.raw:g}/{self.max_score:g})")
            if self.changed_since_override:
                parts.append("the submission changed since the override")
        if self.late.days:
            cost = "0 after the cut-off" if self.late.after_cutoff else f"-{self.late.penalty:g}"
            parts.append(f"{self.late.days} day{'s' if self.late.days > 1 else ''} late: {cost}"
                         f"{'' if self.override else f' (raw {self.raw:g})'}")
        elif self.late_unknown:
            parts.append("marked late by the LMS; no submission time")
        return "; ".join(parts)

    def to_dict(self) -> dict:
        return {"student": self.student, "exercise": self.exercise, "status": self.status, "raw": self.raw,
                "max_score": self.max_score, "final": self.final, "file": self.file, "submitted_at": self.submitted_at,
                "late_days": self.late.days, "late_penalty": self.late.penalty, "after_cutoff": self.late.after_cutoff,
                "late_unknown": self.late_unknown, "note": self.note(),
                "override": None if self.override is None else {
                    "points": self.override.points, "reason": self.override.reason, "author": self.override.author,
                    "made_at": self.override.made_at, "grader_score": self.override.grader_score,
                    "submission_changed": self.changed_since_override}}


def marks(db: sqlite3.Connection) -> dict[tuple[str, str], Mark]:
    """Every grade's Mark, by (student, exercise)."""
    adjustments = Adjustments.read(db)
    rows = db.execute("SELECT student, exercise, status, score, max_score FROM grades ORDER BY student, exercise")
    return {(row[0], row[1]): adjustments.mark(*row) for row in rows}


@dataclass(frozen=True)
class Adjustments:
    """What the gradebook holds beside the grades that makes a final score: the late policies, the
    overrides in force, and each graded file's submission (file, digest, time, the LMS's late flag).
    Read once, it marks any grade (`mark`), also one recorded after the reading (a batch's)."""

    policies: dict
    overrides: dict[tuple[str, str], Override]
    submissions: dict[tuple[str, str], tuple[str, str, str | None, int]]

    @classmethod
    def read(cls, db: sqlite3.Connection) -> Adjustments:
        submissions = {(student, exercise): rest for student, exercise, *rest in db.execute(
            "SELECT student, exercise, file, digest, submitted_at, late_flag FROM submissions")}
        return cls(load(db), current_overrides(db), submissions)

    def mark(self, student: str, exercise: str, status: str, score: float, max_score: float) -> Mark:
        file, digest, submitted_at, late_flag = self.submissions.get((student, exercise), ("", None, None, 0))
        policy = policy_for(self.policies, exercise)
        late = Lateness()
        if policy is not None and submitted_at:
            late = policy.judge(datetime.fromisoformat(submitted_at.replace("Z", "+00:00")), max_score)
        override = self.overrides.get((student, exercise))
        final = override.points if override is not None else late.apply(score)
        return Mark(student, exercise, status, score, max_score, final, file or "", submitted_at, late,
                    late_unknown=bool(late_flag) and not submitted_at, override=override,
                    changed_since_override=override is not None and digest is not None and digest != override.digest)


def current_overrides(db: sqlite3.Connection) -> dict[tuple[str, str], Override]:
    """The override in force for each grade: the latest entry, unless that entry cleared it."""
    latest = {}
    for row in db.execute("SELECT id, student, exercise, points, reason, author, made_at, grader_score, max_score, "
                          "digest FROM overrides ORDER BY id"):
        latest[row[1], row[2]] = row
    return {key: Override(row[0], *row[3:]) for key, row in latest.items() if row[3] is not None}


def final_grades(grades: list, table: dict[tuple[str, str], Mark]) -> list:
    """`grades` (gradebook.Grade) with each score replaced by its Mark's final score."""
    return [replace(grade, score=table[grade.student, grade.exercise].final)
            if (grade.student, grade.exercise) in table else grade for grade in grades]


def adjustments(table: dict[tuple[str, str], Mark], students: list[str]) -> dict[str, str]:
    """student -> 'exercise3: overridden by ...; exercise1: 2 days late: -2.2 (raw 11)', for the CSV."""
    notes: dict[str, list[str]] = {}
    for (student, exercise), mark in sorted(table.items()):
        if student in students and mark.note():
            notes.setdefault(student, []).append(f"{exercise}: {mark.note()}")
    return {student: "; ".join(lines) for student, lines in notes.items()}


def with_marks(data: dict, own: dict[str, Mark]) -> str:
    """A student's results.json (`data`: the report's JSON object) with `final_score` and each
    exercise's mark (raw, late, override)."""
    data = dict(data)
    data["final_score"] = round(sum(mark.final for mark in own.values()), 6)
    data["marks"] = {exercise: mark.to_dict() for exercise, mark in own.items()}
    return json.dumps(data, indent=2, allow_nan=False) + "\n"


def kept_overrides(table: dict[tuple[str, str], Mark], *, listed: int = 10) -> list[str]:
    """Lines for the end of a batch: each override in force whose submission changed since, then
    the others (the first `listed` of them, and how many more)."""
    kept = sorted((mark for mark in table.values() if mark.override is not None),
                  key=lambda mark: (not mark.changed_since_override, mark.student, mark.exercise))
    lines = [f"override kept: {mark.student} {mark.exercise} = {mark.final:g} (grader: {mark.raw:g})"
             f"{', but the submission changed since: review it' if mark.changed_since_override else ''}"
             for mark in kept]
    shown = sum(mark.changed_since_override for mark in kept) + listed
    return lines[:shown] + ([f"... and {len(lines) - shown} more override(s) kept"] if len(lines) > shown else [])
