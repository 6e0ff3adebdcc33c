"""Does a gradebook written by any earlier version open, migrate and lose nothing?

gradebooks/version1.sqlite was written by the grader before schema versions (main at 54267ff: a
batch of alice, bob and missing on exercise 1); gradebooks/version2.sqlite by the first grader with
versions, holding an override, a cleared one, submission times and a late policy. Each holds
results written before results had a `schema_version` (grader/results.py: version 0).
"""

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from grader.errors import GraderError
from grader.results import ExerciseResult
from grader.staff import schema
from grader.staff.gradebook import Gradebook
from grader.staff.marks import marks

FIXTURES = Path(__file__).parent / "gradebooks"


def copy(name, tmp_path):
    return Path(shutil.copy(FIXTURES / name, tmp_path / "gradebook.sqlite"))


def rows(path, table="grades"):
    with sqlite3.connect(path) as db:
        return sorted(db.execute(f"SELECT * FROM {table}"))


def user_version(path):
    with sqlite3.connect(path) as db:
        return db.execute("PRAGMA user_version").fetchone()[0]


def test_a_version_1_gradebook_is_migrated_to_the_latest_and_keeps_every_grade(tmp_path):
    """The file today's grader writes: does it come out at the latest version with its grades as they were?"""
    path = copy("version1.sqlite", tmp_path)
    before = rows(path)
    assert user_version(path) == 0 and len(before) == 3
    gradebook = Gradebook(path)
    assert [grade.student for grade in gradebook.grades()] == ["alice", "bob", "missing"]
    gradebook.close()
    assert user_version(path) == schema.VERSION == 2
    assert rows(path) == before
    assert rows(path, "overrides") == rows(path, "late_policies") == []


def test_a_version_2_gradebook_opens_with_its_overrides_and_late_policy(tmp_path):
    """Does the latest fixture read back: an override in force, one cleared, a late penalty applied?"""
    path = copy("version2.sqlite", tmp_path)
    gradebook = Gradebook(path)
    table = marks(gradebook.connection)
    gradebook.close()
    assert table["alice", "exercise1"].final == 9 and table["alice", "exercise1"].override.author == "ta1"
    assert table["missing", "exercise1"].override is None and table["missing", "exercise1"].final == 0
    assert table["bob", "exercise1"].late.days == 2 and table["bob", "exercise1"].final == 0  # 2 - 2.2, not below 0
    assert len(rows(path, "overrides")) == 3  # the clearing is a row too: the history stays


def test_a_new_gradebook_starts_at_the_latest_version(tmp_path):
    """A first batch: is the file created with every table and the latest version number?"""
    Gradebook(tmp_path / "gradebook.sqlite").close()
    with sqlite3.connect(tmp_path / "gradebook.sqlite") as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"grades", "students", "submissions", "overrides", "late_policies"} <= tables
    assert user_version(tmp_path / "gradebook.sqlite") == schema.VERSION


def test_a_gradebook_from_a_newer_grader_is_refused_and_left_alone(tmp_path):
    """Version 99: is it one line that says to upgrade, with the file untouched?"""
    path = copy("version2.sqlite", tmp_path)
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 99")
    before = path.read_bytes()
    with pytest.raises(GraderError, match="version 99, newer than this grader's 2: upgrade cnn-grader"):
        Gradebook(path)
    assert path.read_bytes() == before


def test_a_migration_that_fails_leaves_the_file_at_its_version(tmp_path, monkeypatch):
    """A migration dying half-way: is its transaction rolled back, version number and tables both?"""
    path = copy("version1.sqlite", tmp_path)
    monkeypatch.setattr(schema, "MIGRATIONS", (*schema.MIGRATIONS, "CREATE TABLE half (x);\nNOT SQL;"))
    monkeypatch.setattr(schema, "VERSION", len(schema.MIGRATIONS))
    with pytest.raises(sqlite3.OperationalError):
        Gradebook(path)
    assert user_version(path) == 2  # the migrations before it stand, each committed on its own
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT name FROM sqlite_master WHERE name = 'half'").fetchone() is None


def test_every_released_version_has_a_fixture_file():
    """A new migration: is there a file written by the grader before it, so that its test opens a real one?"""
    assert sorted(path.name for path in FIXTURES.glob("*.sqlite")) == [
        f"version{number}.sqlite" for number in range(1, schema.VERSION + 1)]


@pytest.mark.parametrize("name", sorted(path.name for path in FIXTURES.glob("*.sqlite")))
def test_every_fixture_keeps_its_rows_and_its_results_read_through_the_model(name, tmp_path):
    """Every table's rows as they were, and every stored result read as ExerciseResult and written back the
    same, with its schema_version added?"""
    path = copy(name, tmp_path)
    with sqlite3.connect(path) as db:
        tables = [table for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    before = {table: rows(path, table) for table in tables}
    gradebook = Gradebook(path)
    book = gradebook.read()
    gradebook.close()
    assert {table: rows(path, table) for table in tables} == before
    for grade in book.grades():
        text = book.text(grade.student, grade.exercise)
        assert "schema_version" not in json.loads(text)
        written = book.result(grade.student, grade.exercise).to_dict()
        assert written.pop("schema_version") == 1 and json.dumps(written) == text
        assert ExerciseResult.from_json(text).score == grade.score
