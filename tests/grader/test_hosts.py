"""Do warm sandboxes (grader/worker/hosts.py) keep each submission to itself, as fresh ones did?"""

import pytest

from grader.staff.tasks import Task, run_tasks
from grader.worker.client import WorkerProcess
from grader.worker.hosts import Hosts
from grader.worker.sandbox import detect

NUMPY_ONLY = ("torch",)

LEAVES_TRACES = '''
import os, sys, time

def leave():
    for folder in ("/tmp", "/dev/shm", os.getcwd()):
        try:
            with open(os.path.join(folder, "left-behind"), "w") as marker:
                marker.write("x")
        except OSError:
            pass
    if os.fork() == 0:  # a daemon: out of the worker's session and tree
        os.setsid()
        if os.fork() == 0:
            time.sleep(60)
        os._exit(0)
    os.wait()
    return [pid for pid in os.listdir("/proc") if pid.isdigit()]
'''

LOOKS_AROUND = '''
import os, sys

def look(folders):
    found = [os.path.join(folder, "left-behind") for folder in folders
             if os.path.exists(os.path.join(folder, "left-behind"))]
    return {"files": found, "pids": [pid for pid in os.listdir("/proc") if pid.isdigit()],
            "torch": "torch" in sys.modules}
'''

HOGS_MEMORY = '''
import os, time
import numpy as np

def hog():  # six children of 200 MB, each within its own RLIMIT_AS: 1.2 GB together, over the 1 GB budget
    for _ in range(6):
        if os.fork() == 0:
            hoard = np.ones(25 * 2**20)
            time.sleep(30)
            os._exit(0)
    time.sleep(30)
'''


def worker(source: str, hosts: Hosts, **options) -> WorkerProcess:
    return WorkerProcess(source, "submission", detect(), hosts=hosts, forbidden=NUMPY_ONLY, **options)


def test_the_next_submission_reuses_the_sandbox_and_finds_nothing_of_the_last():
    """Same sandbox, fresh process: no file, no daemon of the previous submission is left?"""
    hosts = Hosts(detect())
    try:
        first = worker(LEAVES_TRACES, hosts)
        left = first.call("leave")
        assert left.ok, left.error
        host, folder = first._host, first._workdir
        first.close()
        second = worker(LOOKS_AROUND, hosts)
        seen = second.call("look", ["/tmp", "/dev/shm", str(folder)])
        assert seen.ok, seen.error
        assert second._host is host and host.workers == 2  # warm: no second sandbox was started
        assert seen.value["files"] == []
        assert not set(seen.value["pids"]) & (set(left.value) - {"1"})  # every process of the first is gone
        second.close()
    finally:
        hosts.close()


def test_a_submission_over_its_budget_leaves_the_next_a_fresh_sandbox():
    hosts = Hosts(detect())
    try:
        hog = worker(HOGS_MEMORY, hosts, call_timeout=20)
        assert hog.load().ok
        host = hog._host
        outcome = hog.call("hog")
        assert not outcome.ok and "memory budget" in outcome.error["message"], outcome
        hog.close()
        after = worker(LOOKS_AROUND, hosts)
        assert after.call("look", []).ok
        assert after._host is not host and not host.alive
        after.close()
    finally:
        hosts.close()


def test_a_numpy_sandbox_never_has_torch_loaded_beside_a_pytorch_one():
    hosts = Hosts(detect())
    try:
        models = WorkerProcess(LOOKS_AROUND, "submission", detect(), hosts=hosts, forbidden=())
        assert models.call("look", []).value["torch"]
        models.close()
        numpy_only = worker(LOOKS_AROUND, hosts)
        assert numpy_only.call("look", []).value["torch"] is False
        numpy_only.close()
    finally:
        hosts.close()


def test_two_students_tasks_are_never_graded_in_one_run():
    tasks = [Task(student, "exercise1_convolution", "f", status="missing", problem="no file") for student in "ab"]
    with pytest.raises(ValueError, match="one student"):
        run_tasks(tasks)


def test_a_workers_pipes_hold_a_megabyte_and_carry_arrays_larger_than_that():
    """Requests and replies go through 1 MB pipes (Linux's 64 KB default made a model's weights
    cross in hundreds of writes); a 24 MB array still crosses whole, both ways."""
    import fcntl

    import numpy as np

    from grader.worker.client import PIPE_BYTES

    hosts = Hosts(detect())
    try:
        echo = worker("def echo(x):\n    return x * 2\n", hosts)
        big = np.arange(3 * 2**20, dtype=np.float64)
        back = echo.call("echo", big, max_reply_bytes=64 * 2**20)
        assert back.ok, back.error
        assert np.array_equal(back.value, big * 2)
        assert fcntl.fcntl(echo._request_fd, fcntl.F_GETPIPE_SZ) == PIPE_BYTES
        assert fcntl.fcntl(echo._reply_fd, fcntl.F_GETPIPE_SZ) == PIPE_BYTES
        echo.close()
    finally:
        hosts.close()
