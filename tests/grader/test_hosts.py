"""Do warm sandboxes (grader/worker/hosts.py) keep each submission to itself, as fresh ones did?"""

import errno

import pytest

from grader.staff.tasks import Task, run_tasks
from grader.worker import hosts as hosts_module
from grader.worker.client import WorkerProcess
from grader.worker.hosts import Hosts, close_kept, kept
from grader.worker.sandbox import BUBBLEWRAP, detect
from tests.conftest import ROOT

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

# What outlives a process without being a file or a System V object: a key in the uid's user
# keyring, a POSIX message queue in the IPC namespace. Each call's result: 0 or more, or -errno.
STORES = '''
import ctypes, os

libc = ctypes.CDLL(None, use_errno=True)
rt = ctypes.CDLL("librt.so.1", use_errno=True)
ADD_KEY, REQUEST_KEY = {"x86_64": (248, 249), "aarch64": (217, 218)}[os.uname().machine]


def _result(value):
    return value if value >= 0 else -ctypes.get_errno()


def leave():
    key = _result(libc.syscall(ADD_KEY, b"user", b"cnn-grader-left", b"answers", 7, -4))  # the user keyring
    queue = _result(rt.mq_open(b"/cnn-grader-left", os.O_CREAT | os.O_RDWR, 0o600, None))
    if os.uname().machine == "x86_64":  # the same call by its x32 number
        key = min(key, _result(libc.syscall(0x40000000 | ADD_KEY, b"user", b"cnn-grader-left", b"answers", 7, -4)))
    return {"key": key, "queue": queue}


def look():
    key = _result(libc.syscall(REQUEST_KEY, b"user", b"cnn-grader-left", None, 0))
    queue = _result(rt.mq_open(b"/cnn-grader-left", os.O_RDWR))
    return {"key": key, "queue": queue}
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


needs_bubblewrap = pytest.mark.skipif(detect().kind != BUBBLEWRAP, reason="sandboxes go on to the next student only here")


@needs_bubblewrap
def test_a_sandbox_kept_for_the_next_student_passes_on_no_file_process_key_or_queue():
    """A batch's pool process keeps its sandboxes from one student to the next: does the next find
    nothing of the last, not even in the kernel's keyrings or message queues, which the seal closes?"""
    hosts = kept(detect(), ())
    try:
        first = worker(LEAVES_TRACES + STORES.replace("def leave", "def stash"), hosts)
        left, stashed = first.call("leave"), first.call("stash")
        assert left.ok and stashed.ok, (left.error, stashed.error)
        assert stashed.value == {"key": -errno.EPERM, "queue": -errno.EPERM}
        host, folder = first._host, first._workdir
        first.close()
        assert host.sealed
        second = worker(LOOKS_AROUND + STORES.replace("def look", "def seek"), hosts)
        seen, sought = second.call("look", ["/tmp", "/dev/shm", str(folder)]), second.call("seek")
        assert second._host is host and host.workers == 2
        assert seen.value["files"] == [] and not set(seen.value["pids"]) & (set(left.value) - {"1"})
        assert sought.value["key"] < 0 and sought.value["queue"] < 0
        second.close()
    finally:
        close_kept()
    assert not host.alive and not host.folder.exists() and hosts_module._KEPT == []


@needs_bubblewrap
def test_a_sandbox_that_is_not_sealed_never_serves_another_student(monkeypatch):
    """Where the fork server could not install its seccomp filter, is its sandbox closed after the
    student rather than kept?"""
    # As on a machine whose architecture seal.py does not know: every fork server says "sealed": false.
    monkeypatch.setattr(hosts_module.Host, "sealed", property(lambda host: False, lambda host, said: None), raising=False)
    hosts = kept(detect(), ())
    try:
        first = worker(LOOKS_AROUND, hosts)
        assert first.call("look", []).ok
        host = first._host
        first.close()
        second = worker(LOOKS_AROUND, hosts)
        assert second.call("look", []).ok and second._host is not host and not host.alive
        second.close()
    finally:
        close_kept()


@needs_bubblewrap
def test_a_batch_process_grades_the_next_student_in_the_sandbox_the_last_one_left_clean():
    """run_tasks with keep_hosts, as a batch's pool process calls it: one sandbox start for two
    students, each graded as alone, and none left once the process lets them go?"""
    source = (ROOT / "solutions" / "exercise1_convolution.py").read_bytes()
    tasks = [Task(student, "exercise1_convolution", "f", source=source, name="exercise1_convolution.py")
             for student in ("ada", "bo")]
    try:
        first = run_tasks(tasks[:1], keep_hosts=True)[0]
        [host] = hosts_module._KEPT[0]._idle
        second = run_tasks(tasks[1:], keep_hosts=True)[0]
        assert hosts_module._KEPT[0]._idle == [host] and host.workers == 2
        assert first.status == second.status == "graded" and first.score == second.score == 11
    finally:
        close_kept()
    assert not host.alive


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
