"""Does `grade all` in several processes give the report one process gives, with the same order and verdicts?"""

from grader import catalog
from grader.grade_all import grade_all, split
from grader.grading import grade
from tests.conftest import ROOT

NUMPY_PAIR = ["exercise3_stride", "exercise4_pooling"]


def test_the_groups_cover_every_exercise_once_and_spread_the_models():
    modules = catalog.module_names()
    groups = split(modules, 2)
    assert sorted(module for group in groups for module in group) == sorted(modules)
    assert all(group == sorted(group, key=modules.index) for group in groups)
    heavy = [sum(catalog.about(module).call_timeout >= 5 for module in group) for group in groups]
    assert max(heavy) - min(heavy) <= 1  # the PyTorch exercises overlap instead of queueing in one process
    assert split(modules, 1) == [modules]


def test_two_processes_give_the_same_report_as_one():
    together = grade_all(NUMPY_PAIR, jobs=2, submission=ROOT / "solutions")
    alone = grade(NUMPY_PAIR, submission=ROOT / "solutions")
    assert [result.exercise for result in together.exercises] == ["exercise3", "exercise4"]
    for mine, theirs in zip(together.exercises, alone.exercises):
        assert [(t.name, t.score, t.status) for t in mine.tests] == [(t.name, t.score, t.status) for t in theirs.tests]
    assert together.score == together.max_score == 20


def test_a_missing_file_alone_in_its_process_is_reported_missing_not_raised(tmp_path):
    report = grade_all(NUMPY_PAIR, jobs=2, submission=tmp_path)
    assert [result.status for result in report.exercises] == ["missing", "missing"]
    assert not report.gradable


def test_files_in_subfolders_are_found_as_grade_batch_finds_them(tmp_path):
    """A submission holding hw2/code/exercise3_stride.py: graded, not missing (Gradescope's zips)?"""
    nested = tmp_path / "hw2" / "code"
    nested.mkdir(parents=True)
    for module in NUMPY_PAIR:
        (nested / f"{module}.py").write_text((ROOT / "solutions" / f"{module}.py").read_text())
    report = grade_all(NUMPY_PAIR, jobs=1, submission=tmp_path)
    assert report.score == report.max_score == 20
    assert report.exercises[0].submission.endswith("hw2/code/exercise3_stride.py")


def test_a_large_models_worker_gets_two_threads_only_where_the_run_has_the_cores(monkeypatch):
    """AlexNet asks for two threads: `grade EXERCISE` (its machine's cores) gives them, a run of
    one core (a batch's process, the default) does not, and `grade all` shares the cores out."""
    from grader import grading

    given = []
    monkeypatch.setattr(grading, "_grade_closing", lambda job, *rest: given.append(job.worker.threads))
    monkeypatch.setattr(grading, "Report", list)
    for cores in (1, 8):
        grade(["exercise7", "exercise6"], submission=ROOT / "solutions", cores=cores)
    assert given == [1, 1, 2, 1]
    monkeypatch.setattr(grading, "free_cores", lambda: 4)
    monkeypatch.setattr(grading, "grade", lambda modules, **options: given.append(options["cores"]))
    grade_all(["exercise7_alexnet", "exercise6_lenet"], jobs=1, submission=ROOT / "solutions")
    assert given[-1] == 4
