"""Does a rerun regrade exactly the exercises whose grading code changed, and run tasks from bytes alone?"""

import shutil

import pytest

from grader import catalog
from grader.staff.tasks import Task, dependencies, grader_fingerprint, make_task, run_task, run_tasks
from tests.conftest import ROOT

MODULES = catalog.module_names()
NUMPY = {module for module in MODULES if catalog.about(module).call_timeout < 5}
TORCH = set(MODULES) - NUMPY
MODELS = {"exercise6_lenet", "exercise7_alexnet", "exercise8_residual", "exercise9_transfer"}  # reference/models.py


@pytest.fixture
def tree(tmp_path):
    """A copy of the grader's source tree (grader/ and reference/) to edit."""
    for folder in ("grader", "reference"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def regraded(tree, edit) -> set[str]:
    """The exercises whose grades a rerun would redo after `edit(tree)`: their fingerprint changed."""
    fingerprint = grader_fingerprint.__wrapped__  # uncached: the tree changes under it
    before = {module: fingerprint(module, 0, tree) for module in MODULES}
    edit(tree)
    return {module for module in MODULES if fingerprint(module, 0, tree) != before[module]}


def append(relative: str, text: str = "\n# an edit\n"):
    return lambda tree: (tree / relative).open("a").write(text)


@pytest.mark.parametrize("relative, expected", [
    ("grader/catalog/exercise2_padding.py", {"exercise2_padding"}),  # its own declaration only
    ("reference/stride.py", {"exercise3_stride", "exercise17_backprop"}),  # the keys that import it
    ("grader/checks.py", set(MODULES)),  # the engine
    ("grader/worker/server.py", set(MODULES)),  # started by a command line, never imported
])
def test_an_edit_regrades_exactly_the_exercises_that_load_the_file(tree, relative, expected):
    assert regraded(tree, append(relative)) == expected


@pytest.mark.parametrize("relative", ["reference/models.py",
                                      "grader/worker/torch_ops.py",  # named only as "torch.<op>" strings
                                      "grader/models/behaviour.py"])  # reached by grader.authoring's first-use names
def test_an_edit_to_model_code_regrades_model_exercises_only(tree, relative):
    """Exercises 6-9 use both; another PyTorch exercise may or may not; a NumPy exercise never does."""
    redone = regraded(tree, append(relative))
    assert MODELS & set(MODULES) <= redone <= TORCH


@pytest.mark.parametrize("relative", ["grader/cli.py", "grader/render.py", "grader/staff/export.py",
                                      "grader/instructor/notebooks.py", "grader/stubs.py"])
def test_an_edit_to_reports_or_tools_regrades_nothing(tree, relative):
    assert regraded(tree, append(relative)) == set()


def test_a_data_file_a_declaration_names_counts_for_that_exercise_only(tree):
    """Data beside a declaration, named in its code ("exercise4_data.npz"): is an edit to it a regrade of 4 alone?"""
    (tree / "grader/catalog/exercise4_data.npz").write_bytes(b"first")
    append("grader/catalog/exercise4_pooling.py", '\nDATA = "exercise4_data.npz"\n')(tree)
    assert regraded(tree, lambda tree: (tree / "grader/catalog/exercise4_data.npz").write_bytes(b"second")) \
        == {"exercise4_pooling"}


def test_exercise3_no_longer_depends_on_exercise2s_declaration():
    files = {path.relative_to(ROOT).as_posix() for path in dependencies("exercise3_stride")}
    assert "grader/catalog/exercise3_stride.py" in files and "grader/catalog/exercise2_padding.py" not in files


def test_a_task_carries_the_files_bytes_and_grades_without_its_path(tmp_path):
    """Moved away after planning, as on another machine: is the file still graded from the task?"""
    path = tmp_path / "alice" / "exercise3_stride.py"
    path.parent.mkdir()
    shutil.copy(ROOT / "solutions" / "exercise3_stride.py", path)
    task = make_task("alice", "exercise3_stride", 0, path=path, shown="alice/exercise3_stride.py")
    shutil.rmtree(path.parent)
    assert not any(isinstance(value, str) and str(tmp_path) in value for value in vars(task).values())
    grade = run_task(task)
    assert (grade.status, grade.score, grade.max_score) == ("graded", 10, 10)
    assert grade.result["submission"] == "alice/exercise3_stride.py"


def test_a_missing_file_is_a_task_without_bytes():
    task = make_task("bob", "exercise3_stride", 0, path=None, status="missing", problem="no exercise3_stride.py")
    assert isinstance(task, Task) and task.source is None
    grade = run_task(task)
    assert grade.status == "missing" and grade.score == 0


def test_an_exercises_garbage_is_collected_inside_its_turn():
    """A reference cycle made while grading one exercise (a failed check's exception, its frames and
    the arrays they hold) is gone before the exercise's turn ends (the batch's malloc_trim), not
    whenever Python's collector gets round to it."""
    import contextlib
    import gc
    import weakref

    from grader.staff.tasks import _collected

    class Node:
        pass

    held, dead = [], []

    @contextlib.contextmanager
    def turn(modules):
        yield modules[0]
        dead.append(held[0]() is None)

    gc.disable()  # only the grader's own collection may take it
    try:
        with _collected(turn, ["exercise1_convolution"]) as module:
            assert module == "exercise1_convolution"
            node = Node()
            node.me = node
            held.append(weakref.ref(node))
            del node
        assert dead == [True]
    finally:
        gc.enable()
        gc.unfreeze()


def test_exercises_graded_in_the_order_the_turn_picks_come_back_in_the_order_given():
    """A batch's turn may grade a student's exercises in another order than theirs (the first one
    free); the grades come back in the tasks' order, each as it is graded alone."""
    import contextlib

    modules = ["exercise1_convolution", "exercise4_pooling", "exercise5_flatten"]
    tasks = [make_task("s", module, 0, path=ROOT / "solutions" / f"{module}.py") for module in modules]
    picked = []

    @contextlib.contextmanager
    def last_first(left):
        picked.append(left[-1])
        yield left[-1]

    grades = run_tasks(tasks, turn=last_first)
    assert picked == modules[::-1]
    assert [grade.exercise for grade in grades] == ["exercise1", "exercise4", "exercise5"]
    assert [(grade.score, grade.max_score) for grade in grades] == [
        (alone.score, alone.max_score) for alone in map(run_task, tasks)]
