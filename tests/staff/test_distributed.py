"""Does a real Dask cluster, whose workers cannot see the submissions, grade a class into the same gradebook?

The scheduler and the workers are started from their command lines, as on real machines.
Each worker runs in its own scratch folder inside bubblewrap, with the class's folder
hidden (an empty tmpfs over it): it gets each submission's bytes from its task, or nothing.
One worker is killed in the middle of the batch; the batch still ends with every row.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from grader.staff.batch import batch
from tests.staff.test_batch import copy_class, grades, rows

distributed = pytest.importorskip("distributed")
pytestmark = pytest.mark.xdist_group("distributed")

STUDENTS = {"alice", "bob", "carol", "printer", "missing", "corrupt", "syntax", "wrong_names"}
DASK = Path(sys.executable).parent / "dask"


def start(command, *, cwd, hide=None):
    """A process group running `command` in `cwd`; with `hide`, inside bubblewrap with that folder emptied."""
    if hide is not None:
        command = ["bwrap", "--dev-bind", "/", "/", "--tmpfs", str(hide), "--chdir", str(cwd), "--", *command]
    return subprocess.Popen(command, cwd=cwd, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def stop(process):
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def wait_for(condition, seconds, what):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


@pytest.fixture
def cluster(tmp_path):
    """A scheduler and two workers, each worker in bubblewrap with tmp_path/class hidden."""
    if shutil.which("bwrap") is None or subprocess.run(["bwrap", "--dev-bind", "/", "/", "true"]).returncode:
        pytest.skip("needs bubblewrap to hide the class folder from the workers")
    (tmp_path / "class").mkdir()
    scheduler_file = tmp_path / "cluster" / "scheduler.json"
    scheduler_file.parent.mkdir()
    processes = [start([str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                        "--scheduler-file", str(scheduler_file)], cwd=scheduler_file.parent)]
    try:
        wait_for(scheduler_file.exists, 60, "the scheduler")
        address = json.loads(scheduler_file.read_text())["address"]
        for index in (1, 2):
            scratch = tmp_path / "cluster" / f"worker{index}"
            scratch.mkdir()
            processes.append(start([str(DASK), "worker", address, "--nthreads", "1", "--nworkers", "1",
                                    "--no-dashboard", "--local-directory", str(scratch), "--name", f"worker{index}"],
                                   cwd=scratch, hide=tmp_path / "class"))
        with distributed.Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=120)
        yield address, processes[1:]
    finally:
        for process in processes:
            stop(process)


def test_a_cluster_that_cannot_see_the_submissions_grades_them_with_one_worker_killed(tmp_path, cluster):
    address, workers = cluster
    submissions = copy_class(tmp_path / "class" / "submissions", STUDENTS)
    out = tmp_path / "class" / "dask"

    def kill_a_worker_mid_batch():
        wait_for(lambda: len(grades(out)) >= 1, 600, "the first grade")
        stop(workers[0])

    killer = threading.Thread(target=kill_a_worker_mid_batch, daemon=True)
    killer.start()
    on_cluster = batch(submissions, out, exercises=["exercise1"], scheduler=address)
    killer.join(timeout=1)
    assert workers[0].poll() is not None, "the worker should have been killed during the batch"
    assert on_cluster.graded == len(STUDENTS)

    batch(submissions, tmp_path / "local", exercises=["exercise1"], jobs=2)
    local, remote = rows(tmp_path / "local"), rows(out)
    assert set(remote) == STUDENTS  # every row, whatever happened to the killed worker's tasks
    for student, row in remote.items():  # retried elsewhere (the same grade) or recorded as an error
        assert row == local[student] or row["status"].startswith("error"), (student, row, local[student])
    assert remote["alice"]["total"] == "11"  # graded from the bytes its task carried


def test_an_unreachable_scheduler_is_a_clear_error(tmp_path):
    from grader.errors import GraderError

    submissions = copy_class(tmp_path / "submissions", {"alice"})
    with pytest.raises(GraderError, match="cannot reach the Dask scheduler"):
        batch(submissions, tmp_path / "out", exercises=["exercise1"], scheduler="tcp://127.0.0.1:9")
