"""The grader's side of the worker: start it, ask it questions, survive whatever it does.

Every request has a deadline. A worker that hangs is killed; one that exits or crashes is
noticed by its closed pipe; either way the next request starts a fresh one, so one bad call
costs one check, never the whole run.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from grader.worker import protocol
from grader.worker.wire import Outcome
from grader.worker.sandbox import BUBBLEWRAP, Sandbox, gpu_device_nodes

logger = logging.getLogger(__name__)

# What the worker process may use. RLIMIT_AS bounds memory (address space); processes
# counts threads too, and is enforced only for a non-root worker (see sandbox.py).
DEFAULT_LIMITS = {"memory_mb": 1024, "cpu_seconds": 120, "file_mb": 64, "processes": 128}
_BOOTSTRAP = "import sys; sys.path.insert(0, {root!r}); from grader.worker.server import main; main()"
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])


def _needed_paths() -> tuple[Path, ...]:
    """What the worker must see: the interpreter, its installation, its packages, the grader.

    Only the `grader` folder of the source tree, never the tree itself: in a development
    checkout that tree holds solutions/ and tests/.
    """
    executable = Path(sys.executable)
    paths = [executable.parent, executable.resolve().parent, Path(_PACKAGE_ROOT) / "grader"]
    paths += [Path(prefix) for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}]
    paths += [Path(entry) for entry in sys.path if entry and Path(entry).name in ("site-packages", "dist-packages")]
    return tuple(path.resolve() for path in paths)


@dataclass
class WorkerProcess:
    """One sandboxed worker serving one submission; restarted on demand after a failure."""

    source: str
    module: str
    sandbox: Sandbox
    seed: int = 0
    call_timeout: float = 2.0
    start_timeout: float = 10.0
    limits: dict = field(default_factory=lambda: dict(DEFAULT_LIMITS))
    forbidden: tuple[str, ...] = ()
    hide: tuple[Path, ...] = ()
    stdout: list[str] = field(default_factory=list)
    _process: subprocess.Popen | None = None
    _workdir: Path | None = None
    _load: Outcome | None = None
    _request_fd: int | None = None
    _reply_fd: int | None = None
    restarts: int = 0

    def spawn(self) -> None:
        """Start the worker process without waiting for it (it boots while the grader imports)."""
        if self._process is None:
            self._spawn()

    def load(self) -> Outcome:
        """How importing the submission went; restarts a worker that died after a good import.

        A failed import is final: importing again would fail (or hang) again.
        """
        alive = self._process is not None and self._process.poll() is None
        if self._load is not None and (alive or not self._load.ok):
            return self._load
        if self._load is not None:
            self.restarts += 1
            logger.debug("restarting the worker for %s (restart %d) after a timeout or a crash", self.module,
                         self.restarts)
        if not alive:
            self._spawn()
        self._load = self._import_submission()
        return self._load

    def call(self, function: str, *args, timeout: float | None = None, **kwargs) -> Outcome:
        """Call `function(*args, **kwargs)` in the submission."""
        return self.request("call", {"function": function, "args": list(args), "kwargs": kwargs}, timeout=timeout)

    def request(self, op: str, args: object, *, timeout: float | None = None) -> Outcome:
        load = self.load()
        if not load.ok:
            return load
        arrays: list = []
        frame = protocol.pack({"op": op, "args": protocol.encode(args, arrays)}, arrays)
        limit = self.call_timeout if timeout is None else timeout
        started = time.monotonic()
        try:
            protocol.write_frame(self._request_fd, frame, deadline=started + limit)
            header, out_arrays = protocol.read_frame(self._reply_fd, deadline=started + limit)
        except protocol.FrameTimeout:
            logger.debug("killing the worker for %s: no answer to %r within %g s", self.module, op, limit)
            self._kill()
            return Outcome(False, failure="timeout", seconds=limit, error={
                "type": "Timeout", "message": f"timed out after {limit:g} s"})
        except protocol.ProtocolError as problem:
            return self._crashed(problem, time.monotonic() - started)
        return self._outcome(header, out_arrays, time.monotonic() - started)

    def close(self) -> None:
        """Kill the worker (it holds nothing worth a graceful exit) and remove its folder."""
        self._kill()
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    def __enter__(self) -> WorkerProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- internals ---------------------------------------------------------------

    def _spawn(self) -> None:
        self._kill()
        uid = _worker_uid() if self.sandbox.drops_to_user else None
        if self._workdir is None:
            self._workdir = Path(tempfile.mkdtemp(prefix="cnn-grader-"))
            if uid is not None:  # the worker's own; others (root without capabilities) may only pass through
                os.chown(self._workdir, uid, uid)
                os.chmod(self._workdir, 0o711)
        request_read, self._request_fd = os.pipe()
        self._reply_fd, reply_write = os.pipe()
        config = {"request_fd": request_read, "reply_fd": reply_write, "uid": uid,
                  "output": str(self._workdir / "output.txt")}
        argv = [sys.executable, "-s", "-c", _BOOTSTRAP.format(root=_PACKAGE_ROOT), json.dumps(config)]
        errors = open(self._workdir / "worker-errors.txt", "wb")  # noqa: SIM115
        try:
            self._process = subprocess.Popen(
                self.sandbox.wrap(argv, workdir=self._workdir, hide=self.hide, keep=_needed_paths()),
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errors,
                pass_fds=(request_read, reply_write), cwd=self._workdir,
                env=_worker_environment(self._workdir), start_new_session=True,
            )
        except OSError as error:  # reported when the worker's "booted" never comes
            errors.write(f"cannot run the worker: {error}".encode())
        finally:
            errors.close()
            os.close(request_read)
            os.close(reply_write)
        os.set_blocking(self._request_fd, False)
        os.set_blocking(self._reply_fd, False)

    def _import_submission(self) -> Outcome:
        """Send the submission and the limits; the worker applies them, then imports it."""
        submission = self._workdir / f"{self.module}.py"
        submission.write_text(self.source, encoding="utf-8")
        config = {
            "submission": str(submission),
            "module": self.module,
            "seed": self.seed,
            "forbidden": list(self.forbidden),
            "limits": _rlimits(self.limits, processes=self.sandbox.limits_processes),
        }
        deadline = time.monotonic() + self.start_timeout
        try:
            protocol.read_frame(self._reply_fd, deadline=deadline)  # the worker's "booted"
        except protocol.ProtocolError as problem:
            self._kill()
            detail = self._worker_errors() or str(problem)
            return Outcome(False, failure="startup", error={
                "type": "WorkerStartup", "message": f"the grader could not start its worker ({self.sandbox.kind}): {detail}"})
        started = time.monotonic()
        try:
            protocol.write_frame(self._request_fd, protocol.pack({"op": "load", "args": config}, []), deadline)
            header, arrays = protocol.read_frame(self._reply_fd, deadline=deadline)
        except protocol.FrameTimeout:
            logger.debug("killing the worker for %s: no answer to %r within %g s", self.module, op, limit)
            self._kill()
            return Outcome(False, failure="timeout", seconds=self.start_timeout, error={
                "type": "Timeout", "message": f"importing the file timed out after {self.start_timeout:g} s"})
        except protocol.ProtocolError as problem:
            return self._crashed(problem, time.monotonic() - started, starting=True)
        return self._outcome(header, arrays, time.monotonic() - started)

    def _outcome(self, header: dict, arrays: list, seconds: float) -> Outcome:
        stdout = str(header.get("stdout", ""))
        if stdout:
            self.stdout.append(stdout)
        try:
            value = protocol.decode(header.get("value"), arrays)
        except (protocol.ProtocolError, IndexError, TypeError) as problem:
            return self._crashed(problem, seconds)
        error = header.get("error")
        if error is not None and not isinstance(error, dict):
            error = {"type": "Error", "message": str(error)}
        return Outcome(bool(header.get("ok")), value=value, error=error, stdout=stdout, seconds=seconds)

    def _crashed(self, problem: Exception, seconds: float, starting: bool = False) -> Outcome:
        """The worker closed its pipe or sent garbage: say how it ended, then kill it."""
        code = None
        if self._process is not None:
            try:
                code = self._process.wait(timeout=1.0)
            except subprocess.TimeoutExpired:
                pass
        self._kill()
        if isinstance(problem, protocol.PeerClosed):
            if code is not None and self.sandbox.kind == BUBBLEWRAP and 128 < code < 160:
                code = 128 - code  # bubblewrap reports a child's death by signal N as 128 + N
            if code is not None and code < 0:
                message = f"the worker process was killed by signal {_signal_name(-code)}"
            elif code is not None:
                message = f"the worker process exited with code {code} (os._exit or a crash)"
            else:
                message = "the worker process stopped answering"
        else:
            message = f"the worker sent an unreadable reply ({problem})"
        if starting:
            detail = self._worker_errors()
            message = f"while importing the file, {message}" + (f": {detail}" if detail else "")
        return Outcome(False, failure="crash", seconds=seconds, error={"type": "Crash", "message": message})

    def _worker_errors(self) -> str:
        path = self._workdir / "worker-errors.txt" if self._workdir else None
        if path is None or not path.exists():
            return ""
        lines = path.read_text(errors="replace").strip().splitlines()
        return lines[-1][:300] if lines else ""

    def _kill(self) -> None:
        process, self._process = self._process, None
        for fd in (self._request_fd, self._reply_fd):
            if fd is not None:
                os.close(fd)
        self._request_fd = self._reply_fd = None
        if process is None:
            return
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)


def _worker_uid() -> int:
    """An unprivileged uid of this grader process's own (one per concurrent grader, so one
    student's fork loop never eats another's process allowance)."""
    return 100_000 + os.getpid() % 1_000_000


def _rlimits(limits: dict, *, processes: bool) -> dict:
    mib = 2**20
    # CUDA reserves far more address space than it uses: where an exercise may use a GPU and
    # this machine has one, the memory limit bounds the data segment instead.
    memory = "RLIMIT_DATA" if limits.get("cuda") and gpu_device_nodes() else "RLIMIT_AS"
    rlimits = {
        memory: int(limits["memory_mb"]) * mib,
        "RLIMIT_CPU": int(limits["cpu_seconds"]),
        "RLIMIT_FSIZE": int(limits["file_mb"]) * mib,
        "RLIMIT_CORE": 0,
    }
    if processes:  # a non-root user's count includes all their processes: leave room for those
        others = 0 if os.geteuid() == 0 else _processes_of(os.getuid())
        rlimits["RLIMIT_NPROC"] = others + int(limits["processes"])
    return rlimits


def _processes_of(uid: int) -> int:
    """How many tasks (processes and threads) `uid` runs now, as RLIMIT_NPROC counts them."""
    count = 0
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and entry.stat().st_uid == uid:
                count += len(os.listdir(entry / "task"))
        except OSError:
            continue
    return count


def _worker_environment(workdir: Path) -> dict:
    """A small, fixed environment: nothing of the grader's leaks in, threads stay at one."""
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(workdir),
        "TMPDIR": str(workdir),
        "LANG": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
        "MPLBACKEND": "Agg",
    }
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        environment[name] = "1"
    return environment
