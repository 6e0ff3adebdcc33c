"""Does a real Dask cluster, secured with TLS as the README shows, grade a class into the same
gradebook, and refuse to grade where its machine has no sandbox (issue 19 §1)?

The scheduler and the workers are started from the README's command lines, certificates made by
the README's openssl command. A worker in bubblewrap runs in its own scratch folder with the
class's folder hidden (an empty tmpfs over it): it gets each submission's bytes from its task,
or nothing. One is killed in the middle of a batch; the batch still ends with every row. A
worker without bubblewrap (CNN_GRADER_SANDBOX=none, from a real install every user can read:
tests/layouts.py) refuses unless the batch says --unsafe-no-sandbox, and then
tests/submissions/hostile/dask_takeover.py, which finds the scheduler in /proc and tries
`client.run` to rewrite `grader.grading.grade` in every Dask worker, is stopped by TLS.
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
from tests.conftest import ROOT, SUBMISSIONS
from tests.staff.test_batch import copy_class, grades, rows

distributed = pytest.importorskip("distributed")
pytestmark = pytest.mark.xdist_group("distributed")

STUDENTS = {"alice", "bob", "carol", "printer", "missing", "corrupt", "syntax", "wrong_names"}
DASK = Path(sys.executable).parent / "dask"
# The README's command for the cluster's certificate (one self-signed certificate is the CA, the
# scheduler's, the workers' and the client's).
CERTIFICATE = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-subj", "/CN=cnn-grader",
               "-keyout", "cluster.key", "-out", "cluster.pem"]


def start(command, *, cwd, hide=None, environment=None):
    """A process group running `command` in `cwd`; with `hide`, inside bubblewrap with that folder emptied."""
    if hide is not None:
        command = ["bwrap", "--dev-bind", "/", "/", "--tmpfs", str(hide), "--chdir", str(cwd), "--", *command]
    return subprocess.Popen(command, cwd=cwd, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=environment)


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


def scheduler_address(path: Path) -> str:
    """The address in the scheduler's file, '' until the file is whole (it exists before it is written)."""
    try:
        return json.loads(path.read_text())["address"]
    except (OSError, ValueError, KeyError):
        return ""


class Cluster:
    """A TLS scheduler and the workers added to it, all stopped at the end."""

    def __init__(self, folder: Path):
        if shutil.which("openssl") is None:
            pytest.skip("needs openssl to make the cluster's certificate")
        self.folder, self.processes, self.count = folder, [], 0
        certificates = folder / "certificates"
        certificates.mkdir(parents=True, mode=0o700)  # a student's code, as another user, cannot read the key
        subprocess.run(CERTIFICATE, cwd=certificates, check=True, capture_output=True)
        self.pem, self.key = certificates / "cluster.pem", certificates / "cluster.key"
        self.tls = ["--tls-ca-file", str(self.pem), "--tls-cert", str(self.pem), "--tls-key", str(self.key)]
        self.settings = {"DASK_DISTRIBUTED__COMM__TLS__CA_FILE": str(self.pem),
                         "DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT": str(self.pem),
                         "DASK_DISTRIBUTED__COMM__TLS__CLIENT__KEY": str(self.key)}
        scheduler_file = folder / "scheduler.json"
        self.processes.append(start([str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0", "--protocol", "tls",
                                     *self.tls, "--no-dashboard", "--scheduler-file", str(scheduler_file)], cwd=folder))
        wait_for(lambda: scheduler_address(scheduler_file), 60, "the scheduler")
        self.address = scheduler_address(scheduler_file)
        assert self.address.startswith("tls://")

    def add_worker(self, *, python=None, hide=None, sandbox="auto"):
        self.count += 1
        scratch = self.folder / f"worker{self.count}"
        scratch.mkdir()
        command = [str(python), "-m", "dask"] if python else [str(DASK)]
        environment = {**os.environ, "CNN_GRADER_SANDBOX": sandbox}
        environment.pop("VIRTUAL_ENV", None)
        worker = start([*command, "worker", self.address, "--nthreads", "1", "--nworkers", "1", "--no-dashboard",
                        *self.tls, "--local-directory", str(scratch), "--name", f"worker{self.count}"],
                       cwd=scratch, hide=hide, environment=environment)
        self.processes.append(worker)
        with self.client() as client:
            client.wait_for_workers(len(self.workers()), timeout=120)
        return worker

    def remove_worker(self, worker):
        stop(worker)
        with self.client() as client:
            wait_for(lambda: len(client.scheduler_info()["workers"]) == len(self.workers()), 60, "the worker to leave")

    def workers(self):
        return [process for process in self.processes[1:] if process.poll() is None]

    def client(self):
        security = distributed.Security(tls_ca_file=str(self.pem), tls_client_cert=str(self.pem),
                                        tls_client_key=str(self.key), require_encryption=True)
        return distributed.Client(self.address, security=security, timeout="30s")

    def grade_batch(self, submissions, out, *options):
        """`grade batch --scheduler tls://...` as staff run it: TLS files in Dask's own settings."""
        environment = {**os.environ, **self.settings}
        return subprocess.run([sys.executable, "-m", "grader", "batch", str(submissions), "--out", str(out),
                               "--scheduler", self.address, "--exercises", "exercise1", *options],
                              env=environment, capture_output=True, text=True, timeout=900, check=False)

    def close(self):
        for process in self.processes:
            stop(process)


@pytest.fixture
def cluster(tmp_path):
    made = Cluster(tmp_path / "cluster")
    try:
        yield made
    finally:
        made.close()


def needs_bubblewrap():
    if shutil.which("bwrap") is None or subprocess.run(["bwrap", "--dev-bind", "/", "/", "true"]).returncode:
        pytest.skip("needs bubblewrap to hide the class folder from the workers")


def test_a_cluster_that_cannot_see_the_submissions_grades_them_with_one_worker_killed(tmp_path, cluster):
    import dask

    needs_bubblewrap()
    (tmp_path / "class").mkdir()
    workers = [cluster.add_worker(hide=tmp_path / "class") for _ in range(2)]
    submissions = copy_class(tmp_path / "class" / "submissions", STUDENTS)
    out = tmp_path / "class" / "dask"

    def kill_a_worker_mid_batch():
        wait_for(lambda: len(grades(out)) >= 1, 600, "the first grade")
        stop(workers[0])

    killer = threading.Thread(target=kill_a_worker_mid_batch, daemon=True)
    killer.start()
    settings = {name.removeprefix("DASK_").lower().replace("__", "."): value for name, value in cluster.settings.items()}
    with dask.config.set(settings):
        on_cluster = batch(submissions, out, exercises=["exercise1"], scheduler=cluster.address)
    killer.join(timeout=1)
    assert workers[0].poll() is not None, "the worker should have been killed during the batch"
    assert on_cluster.graded == len(STUDENTS)

    batch(submissions, tmp_path / "local", exercises=["exercise1"], jobs=2)
    local, remote = rows(tmp_path / "local"), rows(out)
    assert set(remote) == STUDENTS  # every row, whatever happened to the killed worker's tasks
    for student, row in remote.items():  # retried elsewhere (the same grade) or recorded as an error
        assert row == local[student] or row["status"].startswith("error"), (student, row, local[student])
    assert remote["alice"]["total"] == "11"  # graded from the bytes its task carried


def takeover_class(folder: Path) -> Path:
    """The attacker, an untouched stub (0 points unless someone rewrote the grader) and an honest student."""
    folder.mkdir(mode=0o700)
    for student, path in {"takeover": SUBMISSIONS / "hostile" / "dask_takeover.py",
                          "stub": ROOT / "exercises" / "exercise1_convolution.py",
                          "honest": ROOT / "solutions" / "exercise1_convolution.py"}.items():
        (folder / student).mkdir()
        shutil.copy(path, folder / student / "exercise1_convolution.py")
    return folder


def takeover_outcome(out: Path) -> str:
    report = json.loads(results_of(out, "takeover").read_text())
    outputs = [test["output"] for test in report["tests"] if test["name"].startswith("conv2d")]
    return outputs[0].split("dask takeover: ")[1] if "dask takeover: " in outputs[0] else outputs[0]


def grade_is_untouched(cluster) -> bool:
    def untouched():
        import grader.grading

        return grader.grading.grade.__code__.co_filename.endswith(os.path.join("grader", "grading.py"))

    with cluster.client() as client:
        return all(client.run(untouched).values())


@pytest.mark.slow
def test_workers_without_a_sandbox_refuse_and_tls_stops_a_takeover(tmp_path, cluster):
    """Does a batch refuse a Dask worker without bubblewrap (exit 2, one line naming it) unless told
    --unsafe-no-sandbox; told, is the attacker's client.run refused by TLS, grade untouched in every
    worker, the stub 0 and the honest student 11? Inside bubblewrap, does it find no scheduler at all?"""
    from tests.layouts import layout

    submissions = takeover_class(tmp_path / "class")
    outcomes = {}
    if shutil.which("bwrap") and not subprocess.run(["bwrap", "--dev-bind", "/", "/", "true"]).returncode:
        sandboxed = cluster.add_worker(hide=submissions)
        ran = cluster.grade_batch(submissions, tmp_path / "sandboxed")
        assert ran.returncode == 0, ran.stderr[-3000:]
        outcomes["bubblewrap"] = takeover_outcome(tmp_path / "sandboxed")
        assert grade_is_untouched(cluster)
        cluster.remove_worker(sandboxed)
    if os.geteuid() == 0:  # the unprivileged fallback: a real install any user can read
        cluster.add_worker(python=layout("venv").python, sandbox="none")
        refused = cluster.grade_batch(submissions, tmp_path / "refused")
        assert refused.returncode == 2 and not grades(tmp_path / "refused")  # no one graded
        line = refused.stderr.strip().splitlines()[-1]
        assert line.startswith("grade: the Dask worker at tls://127.0.0.1:") and "bubblewrap is unusable" in line, line
        ran = cluster.grade_batch(submissions, tmp_path / "unsafe", "--unsafe-no-sandbox")
        assert ran.returncode == 0, ran.stderr[-3000:]
        outcomes["unprivileged"] = takeover_outcome(tmp_path / "unsafe")
        assert grade_is_untouched(cluster)
    if not outcomes:
        pytest.skip("neither bubblewrap nor root here")
    # What it found: nothing inside bubblewrap; a scheduler that wants a certificate outside it
    # (or, on a loaded machine, an import that timed out first). Never a takeover.
    assert all("took over" not in outcome for outcome in outcomes.values()), outcomes
    assert outcomes.get("bubblewrap", "found no Dask scheduler").startswith(("found no Dask scheduler", "importing"))
    assert outcomes.get("unprivileged", "could not").startswith(("could not take over tls://", "importing")), outcomes
    for out in ("sandboxed", "unsafe"):
        if (tmp_path / out).exists():
            totals = {student: row["total"] for student, row in rows(tmp_path / out).items()}
            assert totals["stub"] == "0" and totals["honest"] == "11" and int(totals["takeover"]) <= 4, totals


def test_a_task_checks_the_sandbox_where_it_runs(monkeypatch):
    """Graded where bubblewrap is unusable, is a task an error row saying why, never a grade,
    unless the batch said --unsafe-no-sandbox (then the one line that says whether the unprivileged
    worker can start here, or the grade)?"""
    from grader.staff.tasks import make_task, run_task
    from grader.worker import sandbox

    monkeypatch.setenv("CNN_GRADER_SANDBOX", "none")
    sandbox.detect.cache_clear()
    try:
        solution = ROOT / "solutions" / "exercise1_convolution.py"
        task = make_task("alice", "exercise1_convolution", 0, path=solution, shown="exercise1_convolution.py")
        refused = run_task(task)
        assert refused.status == "error" and refused.score == 0
        assert refused.result["problem"].startswith("not graded: bubblewrap is unusable on ")
        assert "--unsafe-no-sandbox" in refused.result["problem"]
        told = run_task(make_task("alice", "exercise1_convolution", 0, path=solution, unsafe_no_sandbox=True))
        cannot_start = sandbox.worker_cannot_start(sandbox.detect())
        if cannot_start:
            assert told.status == "error" and told.result["problem"] == f"not graded: {cannot_start}"
        else:
            assert told.status == "graded" and told.score == 11
    finally:
        sandbox.detect.cache_clear()


def test_unsafe_on_a_plain_tcp_cluster_is_refused(tmp_path):
    """--unsafe-no-sandbox with a tcp:// scheduler (the takeover's way in) is one clear error."""
    from grader.errors import GraderError

    submissions = copy_class(tmp_path / "submissions", {"alice"})
    with pytest.raises(GraderError, match="start the cluster with TLS"):
        batch(submissions, tmp_path / "out", exercises=["exercise1"], scheduler="tcp://127.0.0.1:9",
              unsafe_no_sandbox=True)


def test_a_tls_scheduler_without_the_certificate_settings_is_a_clear_error(tmp_path, monkeypatch):
    from grader.errors import GraderError

    for name in ("CA_FILE", "CLIENT__CERT", "CLIENT__KEY"):
        monkeypatch.delenv(f"DASK_DISTRIBUTED__COMM__TLS__{name}", raising=False)
    submissions = copy_class(tmp_path / "submissions", {"alice"})
    with pytest.raises(GraderError, match="DASK_DISTRIBUTED__COMM__TLS__CA_FILE"):
        batch(submissions, tmp_path / "out", exercises=["exercise1"], scheduler="tls://127.0.0.1:9")


def test_an_unreachable_scheduler_is_a_clear_error(tmp_path):
    from grader.errors import GraderError

    submissions = copy_class(tmp_path / "submissions", {"alice"})
    with pytest.raises(GraderError, match="cannot reach the Dask scheduler"):
        batch(submissions, tmp_path / "out", exercises=["exercise1"], scheduler="tcp://127.0.0.1:9")


def results_of(out: Path, student: str) -> Path:
    """A student's results.json in RESULTS, in RESULTS/<student>/ or (since issue 19 §4) RESULTS/students/<student>/."""
    return next(folder / "results.json" for folder in (out / "students" / student, out / student)
                if (folder / "results.json").exists())
