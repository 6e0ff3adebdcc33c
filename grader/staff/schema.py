"""The gradebook's schema, versioned: `PRAGMA user_version` says which migrations a file has had.

Each migration is frozen SQL: once released it never changes, because gradebooks written with it
exist. Opening a gradebook applies the missing ones in order, each in its own transaction with its
version number, so a file is always at exactly one version, even if the process dies mid-way.

Versions:
1. `grades`: one row per (student, exercise). Files written before versions existed hold exactly
   this table and `user_version` 0; migration 1 creates the table only where it is missing.
2. The staff workflow (issue 23): `students` (who a student is in the LMS), `submissions` (which
   file was graded for each grade, when it was submitted, its content digest), `overrides` (every
   score a person set or cleared, never deleted) and `late_policies` (deadlines, per exercise or
   `*` for all).
"""

from __future__ import annotations

import sqlite3

from grader.errors import GraderError

MIGRATIONS: tuple[str, ...] = (
    # 1: the grades table, as the grader wrote it before versions existed.
    """
    CREATE TABLE IF NOT EXISTS grades (
        student     TEXT NOT NULL,
        exercise    TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        status      TEXT NOT NULL,
        score       REAL NOT NULL,
        max_score   REAL NOT NULL,
        result      TEXT NOT NULL,
        graded_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
        PRIMARY KEY (student, exercise)
    );
    """,
    # 2: students from the LMS, submitted files, overrides with their history, late policies.
    """
    CREATE TABLE students (
        student TEXT PRIMARY KEY,
        name    TEXT NOT NULL DEFAULT '',
        lms     TEXT NOT NULL DEFAULT '',   -- canvas | moodle | '' (a folder or zip per student)
        lms_id  TEXT NOT NULL DEFAULT ''    -- Canvas user id, Moodle participant id
    );
    CREATE TABLE submissions (
        student      TEXT NOT NULL,
        exercise     TEXT NOT NULL,
        file         TEXT NOT NULL,         -- the file graded, named as in the download
        digest       TEXT NOT NULL,         -- sha256 of its content: did it change since an override?
        submitted_at TEXT,                  -- ISO 8601 UTC, from the manifest; NULL when unknown
        late_flag    INTEGER NOT NULL DEFAULT 0,  -- the LMS itself marked it late (Canvas's _LATE_)
        PRIMARY KEY (student, exercise)
    );
    CREATE TABLE overrides (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        student      TEXT NOT NULL,
        exercise     TEXT NOT NULL,
        points       REAL,                  -- NULL: this entry clears the override before it
        reason       TEXT NOT NULL,
        author       TEXT NOT NULL,
        made_at      TEXT NOT NULL,
        grader_score REAL NOT NULL,         -- the grader's own score at that moment
        max_score    REAL NOT NULL,
        digest       TEXT NOT NULL          -- the submission it was made for
    );
    CREATE INDEX overrides_by_grade ON overrides (student, exercise, id);
    CREATE TABLE late_policies (
        exercise      TEXT PRIMARY KEY,     -- an exercise id, or '*' for every exercise
        deadline      TEXT NOT NULL,        -- ISO 8601 UTC
        percent_a_day REAL NOT NULL,        -- of the exercise's points, per day or part of one
        cutoff        TEXT                  -- after it a submission scores 0; NULL: none
    );
    """,
)
VERSION = len(MIGRATIONS)


class GradebookVersionError(GraderError):
    """The gradebook was written by a newer grader."""


def version(db: sqlite3.Connection) -> int:
    return db.execute("PRAGMA user_version").fetchone()[0]


def migrate(db: sqlite3.Connection, path: object = "the gradebook") -> int:
    """Bring `db` to VERSION, one transaction per migration; return the version it had."""
    found = version(db)
    if found > VERSION:
        raise GradebookVersionError(f"{path} is gradebook version {found}, newer than this grader's {VERSION}: "
                                    "upgrade cnn-grader to read it")
    start = found
    while found < VERSION:
        found = _apply(db, found)
    return start


def _apply(db: sqlite3.Connection, found: int) -> int:
    """Apply the migration after `found` unless another process did it first; return the new version."""
    db.commit()
    db.execute("BEGIN IMMEDIATE")  # one writer: two processes opening an old file migrate it once
    try:
        now = version(db)
        if now == found:
            for statement in _statements(MIGRATIONS[found]):
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {found + 1}")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return version(db)


def _statements(script: str) -> list[str]:
    """The statements of a migration, split where SQLite says one is complete (not at a `;` in a comment)."""
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    return statements
