"""Sandboxes kept warm: the grader's side of the fork server (forkserver.py).

A `Host` is one sandbox (bubblewrap, else a uid of its own, else resource limits only) around a
fork server that has imported what one kind of submission needs, held with all its processes to
one budget (budget.py). A worker (client.WorkerProcess) has it fork a fresh process for each
submission and gives it back when that submission is graded.

`Hosts` keeps the warm hosts of one grading run, which grades one student's files: a student's
NumPy exercises share one sandbox start and one `import numpy`, their PyTorch exercises one
`import torch`, and the hosts start while the grader imports its own. A host takes the next
submission only when the last one left nothing behind: the fork server killed and reaped every
process it started and found none of its files or IPC objects left, and it stayed within its
budget. Otherwise, and always with resource limits only (where the submission has no uid of its
own to find its processes by), the host is closed and the next submission gets a fresh one. So
each submission still has the budget to itself, and its verdicts are its own.

A batch's pool process keeps its hosts from one student to the next (`kept`): a class of 300
imported torch 300 times otherwise, a quarter of the batch's time. A host serves one worker at a
time, so the next student's file reaches it only after every process of the last student is
gone and their files and IPC objects deleted; and it goes on to another student only inside
bubblewrap (its own namespaces: nothing of it is seen from outside, nor shared with another
sandbox) and sealed, its keyrings and message queues closed to the workers (seal.py): the stores
that outlive a process and that the fork server could not empty.
"""

from __future__ import annotations

import atexit
import itertools
import json
import logging
import os
import select
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from grader.worker import view
from grader.worker.budget import Budget, Guard
from grader.worker.leftovers import remove_leftovers, remove_tree
from grader.worker.sandbox import BUBBLEWRAP, UNPRIVILEGED, Sandbox

logger = logging.getLogger(__name__)

# What the submission may use. Each process: RLIMIT_AS bounds its memory (address space),
# RLIMIT_FSIZE its files, RLIMIT_CPU its time. The whole submission (budget.py): memory_mb
# for all its processes together, `processes` processes and threads, disk_mb for its folder,
# /tmp and /dev/shm together. `threads`: the most threads torch computes with in the worker, where
# the grading run has the cores (grading.grade's `cores`): a large model's exercise asks for 2.
DEFAULT_LIMITS = {"memory_mb": 1024, "cpu_seconds": 120, "file_mb": 64, "processes": 128, "disk_mb": 256, "threads": 1}

END_SECONDS = 8.0  # for the fork server to kill, reap and clean up after one worker (forkserver.REAP_SECONDS + room)
EXIT_SECONDS = 2.0  # for a host told to go (its control socket closed) to end


@dataclass(frozen=True)
class HostKey:
    """What a sandbox is made with: what its fork server imports, and the budget of each submission."""

    preload: tuple[str, ...]
    budget: Budget

    @classmethod
    def of(cls, forbidden: tuple[str, ...], limits: dict) -> HostKey:
        """torch is imported ahead unless the exercise forbids it (a NumPy exercise must not find it
        loaded); `limits` over DEFAULT_LIMITS."""
        return cls(() if "torch" in forbidden else ("torch",), Budget.of({**DEFAULT_LIMITS, **limits}))


class Host:
    """One sandboxed fork server, started at once (it boots while the grader goes on)."""

    def __init__(self, key: HostKey, sandbox: Sandbox, hide: tuple[Path, ...] = ()):
        self.key, self.sandbox = key, sandbox
        self.uid = worker_uid() if sandbox.drops_to_user else None
        self.folder = Path(tempfile.mkdtemp(prefix="cnn-grader-"))
        self.clean = True  # the last worker left nothing behind
        self.sealed = False  # the fork server said so when it booted (seal.py)
        self.workers = 0
        self._ended: dict[int, tuple[int | None, bool]] = {}
        self._held = False
        lib, home = self.folder / "lib", self.folder / "work"
        view.prepare(lib)
        self.home = sandbox.home(home)
        if sandbox.kind != BUBBLEWRAP:  # inside bubblewrap each worker makes its folder in the tmpfs
            home.mkdir(mode=0o700)
        if self.uid is not None:  # the sandbox's own; root inside bubblewrap has no capability to read it, only to pass
            self.folder.chmod(0o711)
            if home.exists():
                os.chown(home, self.uid, self.uid)
        self.control, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        dropped_here = self.uid is not None and sandbox.kind == UNPRIVILEGED
        config = {"control_fd": theirs.fileno(), "uid": None if dropped_here else self.uid,
                  "preload": list(key.preload), "own_uid": sandbox.kind == BUBBLEWRAP or self.uid is not None}
        argv = [str(view.interpreter()), "-s", "-S", "-c", view.bootstrap(sandbox.worker_lib(lib)), json.dumps(config)]
        user = self.uid if dropped_here else None  # None: Popen's default, the grader's own user
        self.guard = Guard(key.budget, uid=self.uid if sandbox.kind == UNPRIVILEGED else None,
                           folder=None if sandbox.kind == BUBBLEWRAP else home, tmpfs=sandbox.kind == BUBBLEWRAP)
        errors = open(self.folder / "worker-errors.txt", "wb")  # noqa: SIM115
        self.process: subprocess.Popen | None = None
        try:
            self.process = subprocess.Popen(
                sandbox.wrap(argv, workdir=home, lib=lib, hide=hide, disk_mb=key.budget.disk_mb),
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errors, pass_fds=(theirs.fileno(),),
                cwd=home if home.exists() else self.folder, env=worker_environment(self.home),
                start_new_session=True, user=user, group=user, extra_groups=[] if dropped_here else None,
            )
        except (OSError, subprocess.SubprocessError) as error:  # said when the worker's "booted" never comes
            errors.write(f"cannot run the worker: {error}".encode())
        finally:
            errors.close()
            theirs.close()

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def reusable(self) -> bool:
        """May the next submission be forked here: alive, its last worker gone without a trace, within budget?"""
        return self.alive and self.clean and not self.guard.over() and self.sandbox.kind in (BUBBLEWRAP, UNPRIVILEGED)

    def fork(self, request_read: int, reply_write: int) -> tuple[int, Path]:
        """A fresh worker reading requests from `request_read` and replying on `reply_write`:
        its number and its folder (as it sees it)."""
        self.workers += 1
        number = self.workers
        workdir = self.home if self.sandbox.kind == BUBBLEWRAP else self.home / str(number)
        message = {"op": "fork", "id": number, "workdir": str(workdir), "output": str(workdir / "output.txt")}
        try:
            socket.send_fds(self.control, [json.dumps(message).encode()], [request_read, reply_write], socket.MSG_DONTWAIT)
        except OSError as error:  # a host that is gone: its worker's "booted" never comes
            logger.debug("the fork server is gone: %s", error)
        return number, workdir

    def hold(self) -> None:
        """Once it has booted, hold it and whatever it started to the budget (nothing of a student's
        has run). Not before: bubblewrap forks before the grader could move it into the cgroups, and
        each move waits for the kernel (5-20 ms), so one move of them all, once, is what holds."""
        if not self._held and self.process is not None and self.alive:
            self._held = True
            self.guard.adopt(self.process.pid)

    def ended(self, number: int, timeout: float = 0.0) -> tuple[int | None, bool] | None:
        """(exit status, clean) of worker `number` once the fork server says it ended; None before,
        or if it does not say so within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while number not in self._ended:
            try:  # asked before every request: one recv, where settimeout took two fcntl more
                data = self.control.recv(1 << 16, socket.MSG_DONTWAIT)
            except BlockingIOError:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not select.select([self.control], [], [], remaining)[0]:
                    return None
                continue
            except OSError:
                data = b""
            if not data:  # the fork server is gone
                self._ended.setdefault(number, (None, False))
                break
            try:
                message = json.loads(data)
                if "ended" in message:
                    self._ended[int(message["ended"])] = (message.get("code"), message.get("clean") is True)
                elif "booted" in message:
                    self.sealed = message.get("sealed") is True
            except (ValueError, TypeError):  # not what the fork server sends: start afresh
                self._ended.setdefault(number, (None, False))
        return self._ended[number]

    def end(self, number: int) -> None:
        """Kill worker `number` and everything it started; afterwards `clean` says whether it left
        nothing behind."""
        if self.ended(number) is None:
            try:
                self.control.send(json.dumps({"op": "end", "id": number}).encode(), socket.MSG_DONTWAIT)
            except OSError:
                pass
        code_and_clean = self.ended(number, END_SECONDS)
        self.clean = code_and_clean is not None and code_and_clean[1]
        if self.uid is not None and self.sandbox.kind == UNPRIVILEGED:  # its files in /tmp, /dev/shm, ...
            remove_leftovers(self.uid)
        if not self.clean:
            logger.debug("the sandbox of a worker was not left clean: it is closed")

    def errors(self) -> str:
        """The last line the sandbox wrote on stderr, before any worker's output went to its file."""
        path = self.folder / "worker-errors.txt"
        if not path.exists():
            return ""
        lines = path.read_text(errors="replace").strip().splitlines()
        return lines[-1][:300] if lines else ""

    def close(self, *, now: bool = False) -> None:
        """End the sandbox and wait until it has: the fork server, told to go, kills everything
        in it; what does not end in time is killed from here. Then its folder is removed. `now`:
        killed at once (a sandbox that ran nothing, which may still be importing torch)."""
        self.control.close()
        process, self.process = self.process, None
        ended = False
        if process is not None:
            if now:
                _kill_session(process)
            try:
                _wait(process, EXIT_SECONDS)
                ended = True
            except subprocess.TimeoutExpired:
                _kill_session(process)
        # Whatever left the session (a daemon) still has the sandbox's uid. In bubblewrap, nothing
        # outlives the PID namespace's process 1: once bubblewrap has ended by itself, a look at
        # /proc (under 1 ms) spares the fork of this large process (8-27 ms) that kills them all.
        if self.uid is not None and not (ended and self.sandbox.kind == BUBBLEWRAP and self.uid not in _uids_running()):
            kill_everything_of(self.uid)
        self.guard.close()  # and whatever left both is still in its cgroups
        if process is not None:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
        if self.uid is not None and self.sandbox.kind == UNPRIVILEGED:
            remove_leftovers(self.uid)
        remove_tree(self.folder)  # what the submission made in it may be 100,000 folders deep


class Hosts:
    """The warm hosts of one grading run (one student's files): `warm` starts one ahead, `take`
    gives an idle one or a fresh one, `give_back` keeps it for the next submission if it may.
    `students`: kept for one student after another (`kept`), so a host is kept only where it may
    serve another student."""

    def __init__(self, sandbox: Sandbox, hide: tuple[Path, ...] = (), *, students: bool = False):
        self.sandbox, self.hide, self.students = sandbox, tuple(hide), students
        self._idle: list[Host] = []

    def warm(self, key: HostKey) -> None:
        if not any(host.key == key for host in self._idle):
            self._idle.append(Host(key, self.sandbox, self.hide))

    def take(self, key: HostKey) -> Host:
        for host in self._idle:
            if host.key == key:
                self._idle.remove(host)
                if host.alive:
                    return host
                host.close()
                break
        return Host(key, self.sandbox, self.hide)

    def give_back(self, host: Host) -> None:
        if host.reusable and (not self.students or (host.sealed and host.sandbox.kind == BUBBLEWRAP)):
            self._idle.append(host)
        else:
            host.close()

    def close(self, *, now: bool = False) -> None:
        hosts, self._idle = self._idle, []
        for host in hosts:  # all told to go first: they end together
            host.control.close()
        for host in hosts:
            host.close(now=now)


# A batch's pool process: the hosts it keeps from one student to the next (`kept`)
_KEPT: list[Hosts] = []


def kept(sandbox: Sandbox, hide: tuple[Path, ...]) -> Hosts:
    """This process's hosts for one student after another, made as `Hosts(sandbox, hide)` would
    be: the same from one call to the next, until `close_kept`."""
    if _KEPT and (_KEPT[0].sandbox, _KEPT[0].hide) != (sandbox, tuple(hide)):
        close_kept()
    if not _KEPT:
        atexit.unregister(close_kept)
        atexit.register(close_kept)
        _KEPT.append(Hosts(sandbox, hide, students=True))
    return _KEPT[0]


def close_kept() -> None:
    """End the hosts kept from one student to the next, and wait until they have."""
    while _KEPT:
        _KEPT.pop().close()


# `grade EXERCISE`'s hosts, started before the grader imports its command line (grader/launch.py)
_EARLY: list[Hosts] = []


def start_early(sandbox: Sandbox, hide: tuple[Path, ...], key: HostKey) -> None:
    """Start the host `key` now, for the grading to come to take (`take_early`); whatever
    ends the program first ends it too, and waits for it (atexit)."""
    atexit.unregister(close_early)  # registered once, however often started
    atexit.register(close_early)
    hosts = Hosts(sandbox, hide)
    _EARLY.append(hosts)
    hosts.warm(key)


def take_early(sandbox: Sandbox, hide: tuple[Path, ...]) -> Hosts | None:
    """The hosts started early, if they are made as `Hosts(sandbox, hide)` would be; else None
    (those are closed)."""
    if not _EARLY:
        return None
    hosts = _EARLY.pop()
    if hosts.sandbox == sandbox and hosts.hide == tuple(hide):
        return hosts
    hosts.close(now=True)
    return None


def close_early() -> None:
    """End the hosts started early that grading did not take: at once, as nothing ran in them."""
    while _EARLY:
        _EARLY.pop().close(now=True)


_spawned = itertools.count()


def worker_uid() -> int:
    """A uid no process runs as now, in 20000-59999 (inside a container's usual 65536-id map):
    one per sandbox, so that killing its processes kills no one else's."""
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


def kill_everything_of(uid: int) -> None:
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


def _kill_session(process: subprocess.Popen) -> None:
    """SIGKILL bubblewrap (its sandbox dies with it) or the fork server, with its session."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _wait(process: subprocess.Popen, timeout: float) -> None:
    """process.wait(timeout), woken by the kernel as it ends (a pidfd), where Popen.wait polls
    with growing sleeps (up to 50 ms) and found a sandbox gone a few dozen milliseconds late."""
    try:
        ended = os.pidfd_open(process.pid)
    except (AttributeError, OSError):  # not Linux 5.3 or newer
        process.wait(timeout=timeout)
        return
    try:
        select.select([ended], [], [], timeout)
    finally:
        os.close(ended)
    process.wait(timeout=0)


def worker_environment(workdir: Path) -> dict:
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
    # A worker given more threads (server._use_threads) leaves them asleep between its calls rather
    # than spinning on the core the grader works on beside it.
    environment["OMP_WAIT_POLICY"] = "PASSIVE"
    return environment
