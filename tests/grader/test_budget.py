"""Is the whole submission held to one budget of memory, processes and disk (issue 19 §2)?

RLIMIT_AS and RLIMIT_NPROC hold one process or one user. The files of tests/submissions/budget/
go over as a whole: fork_hog.py (eight children of 300 MB each, 2.4 GB against 1 GB) and
disk_filler.py (64 MB files in its folder, /tmp and /dev/shm, and a System V segment left
behind). Each runs through `grade` inside bubblewrap and as an unprivileged user of its own (a
real install from a Python every user can read, tests/layouts.py), with this machine's cgroups
and with the watchdog forced (CNN_GRADER_BUDGET=watchdog); test_budget_batch.py runs them through
`grade batch`. Calls get 60 s here, so that the budget, never a timeout, ends them under any load.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.worker import budget, cgroups, leftovers
from grader.worker.budget import Budget, Guard
from grader.worker.cgroups import Group, candidate_bases
from grader.worker.sandbox import BUBBLEWRAP, detect
from tests.conftest import SUBMISSIONS

# The disk filler's files are looked for machine-wide: its tests run one at a time, in one process.
pytestmark = pytest.mark.xdist_group("budget")

BUDGET = SUBMISSIONS / "budget"
MARKER = "cnn-grader-disk-filler"
SEGMENT_KEY = 0x19C0FFEE
SANDBOXES = [
    pytest.param("auto", marks=pytest.mark.skipif(detect().kind != BUBBLEWRAP, reason="bubblewrap not usable here")),
    pytest.param("none", marks=pytest.mark.skipif(not detect().drops_to_user, reason="the fallback needs root")),
]
ENFORCERS = ["auto", "watchdog"]
# Grades one file with 60 s calls and no time budget to speak of, and prints its result as JSON.
PATIENT = """
import dataclasses, json, sys
from grader import catalog
from grader.grading import grade

load = catalog.load
catalog.load = lambda module: dataclasses.replace(load(module), call_timeout=60.0, time_budget=900.0)
print(json.dumps(grade([sys.argv[1]], submission=sys.argv[2]).exercises[0].to_dict()))
"""


def graded_patiently(path: Path, sandbox: str, enforcer: str) -> dict:
    """`path` graded as exercise 1 in a fresh process: this one's Python inside bubblewrap, a real
    install's (one every user can read) as an unprivileged user of its own."""
    if sandbox == "auto":
        python = sys.executable
    else:
        from tests.layouts import layout

        python = str(layout("venv").python)
    environment = {**os.environ, "CNN_GRADER_SANDBOX": sandbox, "CNN_GRADER_BUDGET": enforcer}
    environment.pop("VIRTUAL_ENV", None)
    ran = subprocess.run([python, "-c", PATIENT, "exercise1", str(path)], env=environment, capture_output=True,
                         text=True, timeout=900, cwd="/", check=False)
    assert ran.returncode == 0, ran.stderr[-3000:]
    return json.loads(ran.stdout)


def outputs(result: dict, prefix: str) -> list[str]:
    return [test["output"] for test in result["tests"] if test["name"].startswith(prefix)]


def left_behind() -> list[str]:
    """The disk filler's files anywhere anyone may write, and its System V segment."""
    files = [str(path) for root in leftovers.LEFTOVER_ROOTS for path in root.glob(f"{MARKER}-*")]
    segments = Path("/proc/sysvipc/shm").read_text().split("\n")[1:]
    return files + [row for row in segments if row.split() and int(row.split()[0]) == SEGMENT_KEY]


@pytest.mark.slow
@pytest.mark.parametrize("enforcer", ENFORCERS)
@pytest.mark.parametrize("sandbox", SANDBOXES)
def test_eight_children_of_300_mb_go_over_the_memory_budget_together(sandbox, enforcer):
    """Are forked children that each stay under RLIMIT_AS stopped together at 1 GB, as conv2d's
    verdict, while correlate2d keeps its points and nothing is a grader error?"""
    result = graded_patiently(BUDGET / "fork_hog.py", sandbox, enforcer)
    conv = outputs(result, "conv2d")
    assert conv and all("its 1 GB memory budget (all its processes together)" in text for text in conv), conv
    by_cgroup = enforcer == "auto" and "memory" in cgroups.cgroup_bases()  # the kernel stops it, or the watchdog
    assert all(("needed more than its" if by_cgroup else "it used ") in text for text in conv), conv
    assert sum(test["score"] for test in result["tests"] if test["name"].startswith("correlate2d")) == 4
    assert all(test["status"] != "error" for test in result["tests"])


@pytest.mark.slow
@pytest.mark.parametrize("sandbox", SANDBOXES)
def test_files_in_the_folder_tmp_and_dev_shm_share_one_disk_budget_and_leave_nothing(sandbox):
    """Do 64 MB files spread over its folder, /tmp and /dev/shm stop near 256 MB in all, and are
    they and its System V segment gone once the worker ends?"""
    assert not left_behind(), "left over from an earlier run"
    result = graded_patiently(BUDGET / "disk_filler.py", sandbox, "auto")
    conv = outputs(result, "conv2d")
    if sandbox == "auto":  # one tmpfs of 256 MB: the kernel says no
        assert all("No space left on device" in text and "its disk budget: 256 MB" in text for text in conv), conv
        assert all(int(text.split("after ")[1].split(" MB")[0]) <= 256 for text in conv)
    else:  # the watchdog sums what its uid owns, twice a second
        assert all("over its 256 MB disk budget" in text for text in conv), conv
    assert sum(test["score"] for test in result["tests"] if test["name"].startswith("correlate2d")) == 4
    assert not left_behind()


def test_the_watchdog_stops_a_process_tree_over_its_process_budget(monkeypatch):
    """Forced to watch (no cgroup), does a Guard stop twelve processes against a budget of 4, and say so?"""
    monkeypatch.setenv("CNN_GRADER_BUDGET", "watchdog")
    cgroups.cgroup_bases.cache_clear()
    forks = "import os, time\nfor _ in range(12):\n    if os.fork() == 0:\n        break\ntime.sleep(60)\n"
    process = subprocess.Popen([sys.executable, "-c", forks], start_new_session=True)
    try:
        guard = Guard(Budget(memory_mb=1024, processes=4, disk_mb=256), uid=None, folder=None, tmpfs=True)
        assert guard.groups == []
        guard.adopt(process.pid)
        verdict = wait_for(guard.over, 30)
        assert verdict.startswith("it ran ") and verdict.endswith("processes and threads, over its budget of 4")
        assert process.wait(timeout=10) == -signal.SIGKILL
        guard.close()
    finally:
        cgroups.cgroup_bases.cache_clear()
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)


def test_the_watchdog_counts_shared_pages_once(monkeypatch):
    """Do four forked children of a 200 MB parent (pages shared, not copied) stay within a 400 MB budget?"""
    monkeypatch.setenv("CNN_GRADER_BUDGET", "watchdog")
    cgroups.cgroup_bases.cache_clear()
    shares = ("import os, time\nheld = b'1' * (200 * 2**20)\nfor _ in range(4):\n"
              "    if os.fork() == 0:\n        break\ntime.sleep(60)\n")
    process = subprocess.Popen([sys.executable, "-c", shares], start_new_session=True)
    try:
        guard = Guard(Budget(memory_mb=400, processes=64, disk_mb=256), uid=None, folder=None, tmpfs=True)
        guard.adopt(process.pid)
        wait_for(lambda: len(guard.members(budget.processes())) >= 5, 30)
        resident = sum(budget.memory_of(pid) for pid in guard.members(budget.processes()))
        assert resident < 400 * 2**20  # 5 x 200 MB by RSS
        time.sleep(3 * budget.TICK)
        assert guard.over() == "" and process.poll() is None
        guard.close()
    finally:
        cgroups.cgroup_bases.cache_clear()
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def wait_for(condition, seconds):
    deadline = time.monotonic() + seconds
    while not (found := condition()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)
    return found


def test_cgroup_v2_files_are_written_and_read_as_the_kernel_names_them(tmp_path):
    """The v2 code path on a stand-in folder: memory.max, swap off, one OOM kill read from memory.events."""
    for name in ("memory.max", "memory.swap.max", "memory.oom.group", "memory.events", "pids.max", "cgroup.procs"):
        (tmp_path / name).write_text("")
    memory, pids = Group("memory", tmp_path, 2), Group("pids", tmp_path, 2)
    memory.limit(memory_mb=1024, processes=128)
    pids.limit(memory_mb=1024, processes=128)
    assert (tmp_path / "memory.max").read_text() == str(2**30) and (tmp_path / "memory.swap.max").read_text() == "0"
    assert (tmp_path / "memory.oom.group").read_text() == "1" and (tmp_path / "pids.max").read_text() == "132"
    (tmp_path / "memory.events").write_text("low 0\nhigh 0\nmax 7\noom 1\noom_kill 1\n")
    assert memory.out_of_memory() == 1 and pids.out_of_memory() == 0
    (tmp_path / "memory.events").write_text("low 0\nhigh 0\nmax 9\noom 2\noom_kill 2\n")
    assert memory.out_of_memory() == 2  # the file is kept open, and read again from its start


def test_where_a_cgroup_can_be_made_on_v1_v2_and_a_delegated_subtree():
    """From mountinfo and /proc/self/cgroup: v1 under our own group, v2 beside it or in the delegated subtree."""
    v1 = ("30 25 0:26 / /sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory\n"
          "31 25 0:27 / /sys/fs/cgroup/pids rw,nosuid - cgroup cgroup rw,pids\n")
    assert candidate_bases(v1, "4:memory:/grading/a\n8:pids:/\n") == {
        "memory": [(Path("/sys/fs/cgroup/memory/grading/a"), 1)], "pids": [(Path("/sys/fs/cgroup/pids"), 1)]}
    v2 = "29 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n"
    own = "0::/user.slice/user-1000.slice/session-3.scope\n"
    assert candidate_bases(v2, own)["memory"] == [(Path("/sys/fs/cgroup/user.slice/user-1000.slice"), 2)]
    assert candidate_bases(v2, own, "/sys/fs/cgroup/grading")["pids"] == [(Path("/sys/fs/cgroup/grading"), 2)]
    assert candidate_bases(v2, "0::/\n") == {"memory": [], "pids": []}  # a container's own root: the watchdog


def test_a_worker_leaves_no_cgroup_behind():
    """After grading, are this process's cgroups gone (the kernel keeps an empty one forever otherwise)?"""
    from grader.grading import grade

    grade(["exercise1"], submission=SUBMISSIONS.parents[1] / "solutions")
    for base, _ in cgroups.cgroup_bases().values():
        assert not list(base.glob(f"cnn-grader-{os.getpid()}-*"))


@pytest.mark.slow
@pytest.mark.parametrize("sandbox", SANDBOXES)
def test_grade_batch_gives_each_its_verdict_and_goes_on(sandbox):
    """In `grade batch` (2 s calls, two at once), do the hog and the filler lose conv2d's points
    to their budgets (or to the timeout, on a loaded machine), the honest student keep full marks,
    and nothing of theirs stay behind?"""
    import shutil
    import sqlite3

    from tests.layouts import layout, scratch

    venv = layout("venv")
    submissions = scratch() / f"budget-class-{sandbox}"
    for student, path in {"hog": BUDGET / "fork_hog.py", "filler": BUDGET / "disk_filler.py",
                          "honest": SUBMISSIONS.parents[1] / "solutions" / "exercise1_convolution.py"}.items():
        (submissions / student).mkdir(parents=True, mode=0o700)
        shutil.copy(path, submissions / student / "exercise1_convolution.py")
    submissions.chmod(0o700)
    out = scratch() / f"budget-results-{sandbox}"
    unsafe = ["--unsafe-no-sandbox"] if sandbox == "none" else []
    ran = venv.run("batch", str(submissions), "--out", str(out), "--exercises", "exercise1", "--jobs", "2", *unsafe,
                   sandbox=sandbox)
    assert ran.returncode == 0, ran.stderr[-3000:]
    with sqlite3.connect(out / "gradebook.sqlite") as book:
        rows = {student: (status, score) for student, status, score in
                book.execute("SELECT student, status, score FROM grades")}
    assert rows == {"hog": ("graded", 4), "filler": ("graded", 4), "honest": ("graded", 11)}
    for student, budget_words in (("hog", "1 GB memory budget"), ("filler", "disk budget")):
        report = json.loads(results_of(out, student).read_text())
        conv = outputs({"tests": report["tests"]}, "conv2d")
        assert all(budget_words in text or "timed out" in text for text in conv), conv  # which first: the load's
    assert not left_behind()


@pytest.mark.slow
@pytest.mark.parametrize("sandbox", SANDBOXES)
def test_folders_nested_past_rmtree_and_thousands_of_files_are_removed_without_a_grader_error(sandbox):
    """Does a chain of 1,500 nested folders (shutil.rmtree raises RecursionError on it) in its
    folder and /tmp, and 12,000 files, leave nothing behind and no grader error, correlate2d graded?"""
    from tests.layouts import layout

    left_before = set(Path("/tmp").glob("cnn-grader-deep-folders-*"))  # by an earlier run: not this one's
    ran = layout("venv").run("exercise1", "-s", str(BUDGET / "deep_folders.py"), "--format", "json", sandbox=sandbox)
    assert ran.returncode == 0, ran.stderr[-3000:]
    result = json.loads(ran.stdout)
    assert all(test["status"] != "error" for test in result["tests"])
    assert sum(test["score"] for test in result["tests"] if test["name"].startswith("correlate2d")) == 4
    assert set(Path("/tmp").glob("cnn-grader-deep-folders-*")) <= left_before


@pytest.mark.slow
def test_a_tree_too_deep_for_rmtree_is_removed(tmp_path):
    """remove_tree on 1,200 nested folders, one of them mode 000, and files beside them."""
    from grader.worker.leftovers import remove_tree, usage

    folder = os.open(tmp_path, os.O_RDONLY)
    for depth in range(1200):
        os.mkdir("d", dir_fd=folder)
        with open(os.open("f", os.O_WRONLY | os.O_CREAT, dir_fd=folder), "w") as file:
            file.write("x")
        inner = os.open("d", os.O_RDONLY, dir_fd=folder)
        if depth == 600:
            os.chmod(inner, 0)
        os.close(folder)
        folder = inner
    os.close(folder)
    assert usage(tmp_path, None)[1] == 2401  # the folder itself, 1,200 folders, 1,200 files
    with pytest.raises(RecursionError):
        import shutil

        shutil.rmtree(tmp_path / "d", ignore_errors=True)
    remove_tree(tmp_path)
    assert not tmp_path.exists()


@pytest.mark.parametrize("user", ["root", "nobody"])
def test_inside_bubblewrap_nothing_but_its_tmpfs_is_writable(user):
    """As root (the worker drops to a uid of its own) and as a user without privileges (bubblewrap
    in a user namespace, where the worker owns bubblewrap's root and /dev), can it write anywhere
    but its folder, /tmp and /dev/shm?"""
    from tests.layouts import layout, scratch

    if detect().kind != BUBBLEWRAP:
        pytest.skip("bubblewrap not usable here")
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to run the grader as nobody")
    venv = layout("venv")
    home = scratch() / f"home-{user}"  # a home and a working folder any user may write in, like /tmp, of this run's
    home.mkdir(exist_ok=True)
    home.chmod(0o1777)
    as_user = ["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups"] if user == "nobody" else []
    environment = {**os.environ, "HOME": str(home), "CNN_GRADER_SANDBOX": "auto"}
    environment.pop("VIRTUAL_ENV", None)
    ran = subprocess.run([*as_user, str(venv.grade), "exercise1", "-s", str(BUDGET / "writes_everywhere.py"),
                          "--format", "json"], env=environment, cwd=home, capture_output=True, text=True, timeout=300)
    assert ran.returncode == 0, ran.stderr[-2000:]
    conv = outputs(json.loads(ran.stdout), "conv2d")
    assert conv and all("writable outside its budget: []" in text for text in conv), conv


def results_of(out: Path, student: str) -> Path:
    """A student's results.json in RESULTS, in RESULTS/<student>/ or (since issue 19 §4) RESULTS/students/<student>/."""
    return next(folder / "results.json" for folder in (out / "students" / student, out / student)
                if (folder / "results.json").exists())
