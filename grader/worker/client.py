"""The grader's side of the worker: start it, ask it questions, survive whatever it does.

Every request has a deadline. A worker that hangs is killed; one that exits or crashes is
noticed by its closed pipe; either way the next request starts a fresh one, so one bad call
costs one check, never the whole run.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from grader.worker import protocol, view
from grader.worker.budget import Budget, Guard
from grader.worker.leftovers import remove_leftovers, remove_tree
from grader.worker.sandbox import BUBBLEWRAP, UNPRIVILEGED, Sandbox, gpu_device_nodes
from grader.worker.wire import Outcome

logger = logging.getLogger(__name__)

# What the submission may use. Each process: RLIMIT_AS bounds its memory (address space),
# RLIMIT_FSIZE its files, RLIMIT_CPU its time. The whole submission (budget.py): memory_mb
# for all its processes together, `processes` processes and threads, disk_mb for its folder,
# /tmp and /dev/shm together.
DEFAULT_LIMITS = {"memory_mb": 1024, "cpu_seconds": 120, "file_mb": 64, "processes": 128, "disk_mb": 256}


@dataclass
class WorkerProcess:
    """One sandboxed worker serving one submission; restarted on demand after a failure."""

    source: str
    module: str
    sandbox: Sandbox
    seed: int = 0  # reseeds the worker's own random numbers: a practice seed, or one derived from a secret (seeds.py)
    call_timeout: float = 2.0
    start_timeout: float = 10.0
    limits: dict = field(default_factory=lambda: dict(DEFAULT_LIMITS))
    forbidden: tuple[str, ...] = ()
    hide: tuple[Path, ...] = ()
    stdout: list[str] = field(default_factory=list)
    _process: subprocess.Popen | None = None
    _folder: Path | None = None
    _workdir: Path | None = None  # its folder as the worker sees it
    _guard: Guard | None = None
    _uid: int | None = None
    _load: Outcome | None = None
    _request_fd: int | None = None
    _reply_fd: int | None = None
    _request_id: int = 0
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

    def call(self, function: str, *args, timeout: float | None = None, max_reply_bytes: int | None = None,
             **kwargs) -> Outcome:
        """Call `function(*args, **kwargs)` in the submission."""
        return self.request("call", {"function": function, "args": list(args), "kwargs": kwargs}, timeout=timeout,
                            max_reply_bytes=max_reply_bytes)

    def request(self, op: str, args: object, *, timeout: float | None = None,
                max_reply_bytes: int | None = None) -> Outcome:
        """Ask the worker `op`; a reply longer than `max_reply_bytes` is refused unread."""
        load = self.load()
        if not load.ok:
            return load
        arrays: list = []
        self._request_id += 1
        frame = protocol.pack({"op": op, "args": protocol.encode(args, arrays), "id": self._request_id}, arrays)
        limit = self.call_timeout if timeout is None else timeout
        started = time.monotonic()
        try:
            protocol.write_frame(self._request_fd, frame, deadline=started + limit)
            reply = protocol.read_reply(self._reply_fd, request_id=self._request_id, deadline=started + limit,
                                        max_bytes=max_reply_bytes or protocol.MAX_FRAME_BYTES)
        except protocol.FrameTimeout:
            if self._over_budget():
                return self._crashed(protocol.PeerClosed("over budget"), limit)
            logger.debug("killing the worker for %s: no answer to %r within %g s", self.module, op, limit)
            self._kill()
            return Outcome(False, failure="timeout", seconds=limit, error={
                "type": "Timeout", "message": f"timed out after {limit:g} s"})
        except protocol.ProtocolError as problem:
            return self._crashed(problem, time.monotonic() - started)
        if self._over_budget():  # it answered, but a child of its went over: the call's verdict all the same
            return self._crashed(protocol.PeerClosed("over budget"), time.monotonic() - started)
        return self._outcome(reply, time.monotonic() - started)

    def close(self) -> None:
        """Kill the worker (it holds nothing worth a graceful exit) and remove its folder."""
        self._kill()
        self._remove_folder()

    def __enter__(self) -> WorkerProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- internals ---------------------------------------------------------------

    def _spawn(self) -> None:
        """A fresh folder, a fresh uid (as root), then the worker: `python -s -S` with only
        its own package and the allowed distributions on its path (view.py)."""
        self._kill()
        self._remove_folder()
        self._uid = _worker_uid() if self.sandbox.drops_to_user else None
        self._folder = Path(tempfile.mkdtemp(prefix="cnn-grader-"))
        lib, folder = self._folder / "lib", self._folder / "work"
        view.prepare(lib)
        self._workdir = self.sandbox.home(folder)
        if self.sandbox.kind != BUBBLEWRAP:  # inside bubblewrap the worker makes its folder in its tmpfs
            folder.mkdir(mode=0o700)
        if self._uid is not None:  # the worker's own; root inside bubblewrap has no capability to read it, only to pass
            self._folder.chmod(0o711)
            if folder.exists():
                os.chown(folder, self._uid, self._uid)
        request_read, self._request_fd = os.pipe()
        self._reply_fd, reply_write = os.pipe()
        dropped_here = self._uid is not None and self.sandbox.kind == UNPRIVILEGED
        config = {"request_fd": request_read, "reply_fd": reply_write, "uid": None if dropped_here else self._uid,
                  "workdir": str(self._workdir), "output": str(self._workdir / "output.txt")}
        argv = [str(view.interpreter()), "-s", "-S", "-c", view.bootstrap(self.sandbox.worker_lib(lib)), json.dumps(config)]
        user = {"user": self._uid, "group": self._uid, "extra_groups": []} if dropped_here else {}
        errors = open(self._folder / "worker-errors.txt", "wb")  # noqa: SIM115
        try:
            self._process = subprocess.Popen(
                self.sandbox.wrap(argv, workdir=folder, lib=lib, hide=self.hide, disk_mb=int(self.limits["disk_mb"])),
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errors,
                pass_fds=(request_read, reply_write), cwd=folder if folder.exists() else self._folder,
                env=_worker_environment(self._workdir), start_new_session=True, **user,
            )
        except (OSError, subprocess.SubprocessError) as error:  # reported when the worker's "booted" never comes
            errors.write(f"cannot run the worker: {error}".encode())
        finally:
            errors.close()
            os.close(request_read)
            os.close(reply_write)
        os.set_blocking(self._request_fd, False)
        os.set_blocking(self._reply_fd, False)

    def _remove_folder(self) -> None:
        if self._folder is not None:  # what the submission made in it may be 100,000 folders deep
            remove_tree(self._folder)
            self._folder = self._workdir = None

    def _import_submission(self) -> Outcome:
        """Send the submission and the limits; the worker applies them, writes the file into its
        own folder (as itself, for its eyes only) and imports it."""
        config = {
            "submission": str(self._workdir / f"{self.module}.py"),
            "source": self.source,
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
            if self.sandbox.kind == UNPRIVILEGED and "Permission denied" in detail:
                detail += " (as an unprivileged user the worker must read Python and its packages: install them where every user can)"
            return Outcome(False, failure="startup", error={
                "type": "WorkerStartup", "message": f"the grader could not start its worker ({self.sandbox.kind}): {detail}"})
        self._hold_to_budget()
        started = time.monotonic()
        self._request_id += 1
        try:
            protocol.write_frame(self._request_fd, protocol.pack({"op": "load", "args": config,
                                                                  "id": self._request_id}, []), deadline)
            reply = protocol.read_reply(self._reply_fd, request_id=self._request_id, deadline=deadline)
        except protocol.FrameTimeout:
            logger.debug("killing the worker for %s: importing took longer than %g s", self.module, self.start_timeout)
            self._kill()
            return Outcome(False, failure="timeout", seconds=self.start_timeout, error={
                "type": "Timeout", "message": f"importing the file timed out after {self.start_timeout:g} s"})
        except protocol.ProtocolError as problem:
            return self._crashed(problem, time.monotonic() - started, starting=True)
        return self._outcome(reply, time.monotonic() - started)

    def _hold_to_budget(self) -> None:
        """The whole submission's budget (budget.py) on the worker and what it started: now,
        after it booted and before it imports the file, when nothing of the student's has run."""
        self._guard = Guard(Budget.of(self.limits), uid=self._uid if self.sandbox.kind == UNPRIVILEGED else None,
                            folder=None if self.sandbox.kind == BUBBLEWRAP else self._workdir,
                            tmpfs=self.sandbox.kind == BUBBLEWRAP)
        self._guard.adopt(self._process.pid)

    def _over_budget(self) -> str:
        return self._guard.over() if self._guard is not None else ""

    def _outcome(self, reply: protocol.Reply, seconds: float) -> Outcome:
        if reply.stdout:
            self.stdout.append(reply.stdout)
        error = reply.error
        if error and "[Errno 28]" in str(error.get("message")):  # ENOSPC: its disk budget is full
            error = {**error, "message": f"{error['message']} (its disk budget: {self.limits['disk_mb']} MB for its "
                                         "folder, /tmp and /dev/shm together)"}
        return Outcome(reply.ok, value=reply.value, error=error, stdout=reply.stdout, seconds=seconds)

    def _crashed(self, problem: Exception, seconds: float, starting: bool = False) -> Outcome:
        """The worker closed its pipe, sent garbage or far too much: say so, then kill it."""
        verdict = self._over_budget()
        if verdict:  # whatever it did then, going over the budget is what happened
            self._kill()
            return Outcome(False, failure="crash", seconds=seconds, error={"type": "Budget", "message": verdict})
        if isinstance(problem, protocol.ReplyTooLarge):
            if not problem.drained:  # the rest of the reply is still in the pipe: the worker goes with it
                self._kill()
            return Outcome(False, failure="too_large", seconds=seconds, error={
                "type": "OutputTooLarge", "message": f"output too large ({problem})"})
        if not isinstance(problem, protocol.PeerClosed):  # a forged frame, say: its worker may forge again
            self._kill()
            return Outcome(False, failure="malformed", seconds=seconds, error={
                "type": "MalformedReply", "message": f"the worker's reply was malformed ({problem})"})
        code = None
        if self._process is not None:
            try:
                code = self._process.wait(timeout=1.0)
            except subprocess.TimeoutExpired:
                pass
        verdict = self._over_budget()  # the kernel's out-of-memory kill is counted by now
        self._kill()
        if verdict:
            return Outcome(False, failure="crash", seconds=seconds, error={"type": "Budget", "message": verdict})
        if code is not None and self.sandbox.kind == BUBBLEWRAP and 128 < code < 160:
            code = 128 - code  # bubblewrap reports a child's death by signal N as 128 + N
        if code is not None and code < 0:
            message = f"the worker process was killed by signal {_signal_name(-code)}"
        elif code is not None:
            message = f"the worker process exited with code {code} (os._exit or a crash)"
        else:
            message = "the worker process stopped answering"
        if starting:
            detail = self._worker_errors()
            message = f"while importing the file, {message}" + (f": {detail}" if detail else "")
        return Outcome(False, failure="crash", seconds=seconds, error={"type": "Crash", "message": message})

    def _worker_errors(self) -> str:
        path = self._folder / "worker-errors.txt" if self._folder else None
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
        guard, self._guard = self._guard, None
        if process is None:
            if guard is not None:
                guard.close()
            return
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if self._uid is not None:  # whatever left the session (a daemon) still has the worker's uid
            _kill_everything_of(self._uid)
        if guard is not None:  # and whatever left both is still in its cgroups
            guard.close()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
        if self._uid is not None and self.sandbox.kind == UNPRIVILEGED:  # its files in /tmp, /dev/shm, ...
            remove_leftovers(self._uid)


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)


_spawned = itertools.count()


def _worker_uid() -> int:
    """A uid no process runs as now, in 20000-59999 (inside a container's usual 65536-id map):
    one per worker, so that killing its processes kills no one else's."""
    taken = _uids_running()
    start = os.getpid() * 64
    for offset in range(40_000):
        uid = 20_000 + (start + next(_spawned) + offset) % 40_000
        if uid not in taken:
            return uid
    raise OSError("no free uid for the worker in 20000-59999")


def _uids_running() -> set[int]:
    uids = set()
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit():
                uids.add(entry.stat().st_uid)
        except OSError:
            continue
    return uids


def _kill_everything_of(uid: int) -> None:
    """SIGKILL every process of `uid`: a child that becomes `uid` and calls kill(-1) reaches
    them all in one pass of the kernel (a fork racing it is refused), and nothing else."""
    child = os.fork()
    if child == 0:  # pragma: no cover (the child)
        try:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            os.kill(-1, signal.SIGKILL)
        finally:
            os._exit(0)
    os.waitpid(child, 0)


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
