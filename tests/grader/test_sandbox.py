"""Does the sandbox hide the solutions and the network, and say which protection ran?"""

import shutil
import sys
from pathlib import Path

import pytest

from grader.grading import grade
from grader.worker.sandbox import BUBBLEWRAP, LIMITS_ONLY, Sandbox, detect
from tests.conftest import SUBMISSIONS

SNOOP = SUBMISSIONS / "hostile" / "reads_solutions.py"


def conv2d_output(sandbox):
    result = grade(["exercise1"], submission=SNOOP, sandbox=sandbox).exercises[0]
    return result, next(t for t in result.tests if t.name == "conv2d: matches the reference (no bias)").output


@pytest.mark.skipif(shutil.which("bwrap") is None or detect().kind != BUBBLEWRAP, reason="bubblewrap not usable here")
def test_bubblewrap_hides_the_solutions_and_the_network():
    """Inside bubblewrap, does the snooping submission find neither solutions/ nor the network?"""
    result, output = conv2d_output(detect())
    assert "no network" in output, output
    assert "bubblewrap" in result.sandbox


def test_without_bubblewrap_the_report_says_so():
    """With resource limits only, does the report name the weaker sandbox and the reason?"""
    result, output = conv2d_output(Sandbox(LIMITS_ONLY, "CNN_GRADER_SANDBOX=none"))
    assert result.sandbox.startswith("resource limits only (CNN_GRADER_SANDBOX=none")
    # The same file, unsandboxed, reads the solutions next to the virtual environment: the
    # reason bubblewrap matters.
    if not (Path(sys.prefix).parent / "solutions" / "exercise1_convolution.py").is_file():
        pytest.skip("the virtual environment is not beside solutions/, so there is nothing to read")
    assert "read the solution" in output, output


class _BrokenSandbox(Sandbox):
    def wrap(self, argv, **_):
        return [argv[0], "-c", "import sys; print('sandbox refused', file=sys.stderr); sys.exit(1)"]


def test_a_worker_that_cannot_start_is_a_grader_error_not_a_zero():
    """If the sandbox cannot start the worker, is every check `error` (exit 3), with the reason?"""
    result = grade(["exercise1"], submission=SNOOP.parents[1] / "exercise1" / "flipped_kernel.py",
                   sandbox=_BrokenSandbox("broken")).exercises[0]
    assert result.has_errors
    assert all(t.status == "error" and "sandbox refused" in t.output for t in result.tests)
