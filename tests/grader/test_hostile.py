"""Can a hostile or broken submission hurt the grader? Each case is a real file in tests/submissions/hostile."""

import pytest

from tests.conftest import SUBMISSIONS, by_name, graded

HOSTILE = SUBMISSIONS / "hostile"
CONV_CHECKS = ("conv2d: the lecture's examples", "conv2d: matches the reference (no bias)", "conv2d: a batch of images")


def conv_outputs(name):
    result = graded("exercise1", HOSTILE / f"{name}.py")
    tests = by_name(result)
    return result, [tests[check] for check in CONV_CHECKS]


def correlate_points(result):
    return sum(t.score for t in result.tests if t.name.startswith("correlate2d"))


@pytest.mark.parametrize("name, words", [
    ("infinite_loop", "timed out after 2 s"),
    ("memory_hog", "ran out of memory"),
    ("os_exit", "exited with code 0"),
    ("sys_exit", "raised SystemExit"),
    ("crash", "killed by signal SIGSEGV"),
])
def test_a_failing_conv2d_is_reported_and_correlate2d_still_graded(name, words):
    """Does the bad call fail its checks with a clear reason while the good function keeps its points?"""
    result, tests = conv_outputs(name)
    assert correlate_points(result) == 4
    assert all(test.status == "failed" and words in test.output for test in tests), [t.output for t in tests]
    assert not result.has_errors


def test_prints_are_captured_truncated_and_never_parsed():
    """Does a correct solution that prints fake verdicts keep full marks, its prints shown truncated?"""
    result = graded("exercise1", HOSTILE / "prints.py")
    assert result.score == result.max_score
    shown = [t.stdout for t in result.tests if t.stdout]
    assert shown and all(len(text) < 1200 for text in shown)
    assert "PASS 10/10" in shown[0]


@pytest.mark.parametrize("name", ["fake_json", "monkeypatch_numpy", "monkeypatch_grader"])
def test_tampering_from_the_submission_does_not_change_the_verdict(name):
    """Do fake JSON results or patched NumPy/grader modules leave wrong answers graded as wrong?"""
    result = graded("exercise1", HOSTILE / f"{name}.py")
    assert result.score <= 1  # only the output-shape check, which zeros of the right shape pass
    assert by_name(result)["conv2d: matches the reference (no bias)"].status == "failed"


def test_a_syntax_error_is_said_once_with_its_line_and_a_caret():
    """Is the file unreadable, the error shown once as Python shows it, and every check failed?"""
    from grader.render import render
    from grader.results import Report

    result = graded("exercise1", HOSTILE / "syntax_error.py")
    assert result.score == 0 and result.status == "unreadable" and all(t.status == "failed" for t in result.tests)
    assert 'File "syntax_error.py", line 7\n    out[0, 0] = = 1\n                ^\nSyntaxError' in result.problem
    text = render(Report([result]), "text")
    assert text.count("line 7") == 1 and text.count("SyntaxError: invalid syntax") == 1


def test_a_missing_function_fails_only_its_own_checks():
    """Is conv_2d (a typo) reported as conv2d missing, while correlate2d keeps its points?"""
    result = graded("exercise1", HOSTILE / "wrong_names.py")
    assert correlate_points(result) == 4
    assert all("conv2d is not defined" in t.output for t in result.tests if t.name.startswith("conv2d"))


def test_importing_torch_is_refused_before_anything_runs():
    result = graded("exercise1", HOSTILE / "imports_torch.py")
    assert result.score == 0
    assert all("line 3: torch" in test.output for test in result.tests)


def test_a_disguised_scipy_import_is_blocked_at_run_time():
    """Is scipy imported by a computed name still refused, inside the worker?"""
    result = graded("exercise1", HOSTILE / "imports_scipy_hidden.py")
    test = by_name(result)["correlate2d: matches the reference"]
    assert test.status == "failed" and "importing scipy is not allowed" in test.output


def test_an_import_time_error_is_reported_with_its_line():
    result = graded("exercise1", HOSTILE / "import_error.py")
    assert result.score == 0
    assert all("my_kernels.npy" in t.output and "line 4" in t.output for t in result.tests)


@pytest.mark.slow
def test_an_import_that_never_ends_times_out():
    result = graded("exercise1", HOSTILE / "import_loop.py")
    assert result.score == 0
    assert all("importing the file timed out" in t.output for t in result.tests)


def test_a_fork_loop_hits_the_process_limit(monkeypatch):
    """Is a fork loop stopped by the process limit, with a verdict saying so?

    Deterministic under any load: the limit is small (32) and the call timeout long (60 s), so
    the limit is always met first; the file's conv2d reports how many children it got."""
    import dataclasses

    from grader import catalog
    from grader.grading import grade
    from grader.worker.sandbox import detect

    if not detect().limits_processes:
        pytest.skip("a worker running as root: the kernel enforces no process limit")
    load = catalog.load

    def with_room_to_fork(module):
        exercise = load(module)
        return dataclasses.replace(exercise, call_timeout=60.0, limits={**exercise.limits, "processes": 32})

    monkeypatch.setattr(catalog, "load", with_room_to_fork)
    result = grade(["exercise1"], submission=HOSTILE / "fork_loop.py").exercises[0]
    tests = by_name(result)
    correlate = tests["correlate2d: matches the reference"]
    assert correlate.status == "failed" and "hit the process limit (32 processes" in correlate.output, correlate.output
    counted = tests["conv2d: matches the reference (no bias)"].output
    assert "fork refused after" in counted and "timed out" not in counted, counted
    assert int(counted.split("fork refused after ")[1].split()[0]) < 32
    assert not result.has_errors
