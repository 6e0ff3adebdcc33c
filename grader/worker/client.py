"""The grader's side of the worker: start it, ask it questions, survive whatever it does.

Every request has a deadline. A worker that hangs is killed; one that exits or crashes is
noticed by its closed pipe; either way the next request starts a fresh one, so one bad call
costs one check, never the whole run. Each worker is a fresh fork of a sandboxed fork server
(hosts.py), which a grading run may keep warm for the same student's next submission.

A request may be written behind one not yet answered (`send(ahead=True)`), for the worker to
start on as soon as it answers that one; answers are read in the order sent, each with its own
deadline from when the worker could start on it.
"""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

from grader.worker import protocol
from grader.worker.hosts import DEFAULT_LIMITS, Host, HostKey, Hosts
from grader.worker.sandbox import UNPRIVILEGED, Sandbox, gpu_device_nodes
from grader.worker.wire import Outcome, Sent

logger = logging.getLogger(__name__)


# Room left in the request pipe beside the requests written ahead: the kernel fills it page by page.
AHEAD_SLACK = 2 * 4096


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
    threads: int = 1  # torch's threads in the worker: the exercise's limits, up to the cores of the run (grading.grade)
    hide: tuple[Path, ...] = ()
    hosts: Hosts | None = None  # the grading run's warm sandboxes; None: one of its own, closed with it
    stdout: list[str] = field(default_factory=list)
    _host: Host | None = None  # the sandbox whose fork server runs this worker
    _number: int | None = None  # the worker's number there
    _workdir: Path | None = None  # its folder as the worker sees it
    _own_hosts: bool = False
    _host_errors: str = ""  # what the last sandbox said on stderr, kept once the worker is gone
    _load: Outcome | None = None
    _request_fd: int | None = None
    _reply_fd: int | None = None
    _request_id: int = 0
    _starts: int = 0  # workers started so far: a request sent to an earlier one has no answer to come
    _unanswered: list[Sent] = field(default_factory=list)  # in the order sent: the order of their answers
    _answered_at: float = 0.0  # when the last answer was read: the worker starts on the next request then
    _pipe_bytes: int = 65536  # what the request pipe holds
    restarts: int = 0

    def __post_init__(self):
        if self.hosts is None:
            self.hosts, self._own_hosts = Hosts(self.sandbox, self.hide), True

    @property
    def _hosts(self) -> Hosts:
        """`hosts`, which __post_init__ always sets."""
        assert self.hosts is not None
        return self.hosts

    def load(self) -> Outcome:
        """How importing the submission went; restarts a worker that died after a good import.

        A failed import is final: importing again would fail (or hang) again.
        """
        alive = self._host is not None and self._number is not None and self._host.ended(self._number) is None
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
        sent = self.send(op, args, timeout=timeout)
        assert sent is not None  # only a request sent ahead may be refused
        return self.receive(sent, timeout=timeout, max_reply_bytes=max_reply_bytes)

    def send(self, op: str, args: object, *, timeout: float | None = None, ahead: bool = False) -> Sent | None:
        """Write the request `op` without waiting for its answer (`receive` reads it).

        `ahead`: behind a request not yet answered, for the worker to start on as soon as it is
        done with that one; only where both fit the request pipe together, so that writing never
        waits on the worker. None where it is not sent so.
        """
        if ahead:
            if not self._unanswered or self._request_fd is None:
                return None
        else:
            load = self.load()
            if not load.ok:
                return Sent(outcome=load)
        assert self._request_fd is not None  # a loaded worker's pipe
        arrays: list = []
        frame = protocol.frame_parts({"op": op, "args": protocol.encode(args, arrays), "id": self._request_id + 1},
                                     arrays)
        size = protocol.frame_size(frame)
        if ahead and sum(sent.size for sent in self._unanswered) + size + AHEAD_SLACK > self._pipe_bytes:
            return None
        self._request_id += 1
        limit = self.call_timeout if timeout is None else timeout
        started = time.monotonic()
        try:
            protocol.write_frame(self._request_fd, frame, deadline=started + limit)
        except protocol.ProtocolError as problem:
            if not ahead:
                return Sent(outcome=self._failed(problem, op, limit, started))
            if isinstance(problem, protocol.FrameTimeout):  # never, as it fits; part of it may be in the pipe
                self._kill()
            return None  # a worker that is gone: the answer before it says so
        sent = Sent(op, self._request_id, self._starts, started, size)
        self._unanswered.append(sent)
        return sent

    def receive(self, sent: Sent, *, timeout: float | None = None, max_reply_bytes: int | None = None,
                keep_output: bool = True) -> Outcome:
        """The answer to `sent`, the oldest request not yet answered. The worker has `timeout` from
        when it could start on it (its sending, or the answer before it); `keep_output`: what
        the call printed joins `stdout`."""
        if sent.outcome is not None:
            return sent.outcome
        if sent.start != self._starts or sent not in self._unanswered:  # its worker was killed since
            return Outcome(False, failure="crash", error={"type": "Crash", "message": "the worker process stopped answering"})
        assert self._unanswered[0] is sent and self._reply_fd is not None, "answers are read in the order sent"
        self._unanswered.pop(0)
        limit = self.call_timeout if timeout is None else timeout
        started = max(sent.at, self._answered_at)
        try:
            reply = protocol.read_reply(self._reply_fd, request_id=sent.id, deadline=started + limit,
                                        max_bytes=max_reply_bytes or protocol.MAX_FRAME_BYTES)
        except protocol.ProtocolError as problem:
            self._answered_at = time.monotonic()
            return self._failed(problem, sent.op, limit, started)
        self._answered_at = time.monotonic()
        if self._over_budget():  # it answered, but a child of its went over: the call's verdict all the same
            return self._crashed(protocol.PeerClosed("over budget"), self._answered_at - started)
        return self._outcome(reply, self._answered_at - started, keep_output)

    def close(self) -> None:
        """Kill the worker (it holds nothing worth a graceful exit); its sandbox goes back to the
        grading run's warm ones if it is left clean, else it is closed."""
        self._kill()
        if self._own_hosts:
            self._hosts.close()

    def __enter__(self) -> WorkerProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- internals ---------------------------------------------------------------

    def _key(self) -> HostKey:
        return HostKey.of(self.forbidden, self.limits)

    def _spawn(self) -> None:
        """A fresh worker, forked in a sandbox of this kind: a warm one, or one started now."""
        self._kill()
        self._host = self._hosts.take(self._key())
        self._starts += 1
        request_read, self._request_fd = os.pipe()
        self._reply_fd, reply_write = os.pipe()
        self._pipe_bytes = _widen(self._request_fd)
        _widen(self._reply_fd)
        try:
            self._number, self._workdir = self._host.fork(request_read, reply_write)
        finally:
            os.close(request_read)
            os.close(reply_write)
        os.set_blocking(self._request_fd, False)
        os.set_blocking(self._reply_fd, False)

    def _import_submission(self) -> Outcome:
        """Send the submission and the limits; the worker applies them, writes the file into its
        own folder (as itself, for its eyes only) and imports it."""
        assert self._host is not None and self._workdir is not None  # load() has just spawned the worker
        assert self._request_fd is not None and self._reply_fd is not None
        config = {
            "submission": str(self._workdir / f"{self.module}.py"),
            "source": self.source,
            "module": self.module,
            "seed": self.seed,
            "forbidden": list(self.forbidden),
            "limits": _rlimits(self.limits, processes=self.sandbox.limits_processes),
            "threads": self.threads,
        }
        deadline = time.monotonic() + self.start_timeout
        try:
            protocol.read_frame(self._reply_fd, deadline=deadline)  # the worker's "booted"
        except protocol.ProtocolError as problem:
            detail = self._host.errors() or str(problem)
            self._kill()
            if self.sandbox.kind == UNPRIVILEGED and "Permission denied" in detail:
                detail += (" (as an unprivileged user the worker must read Python and its packages: install them where"
                           " every user can)")
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
        """The whole submission's budget (budget.py) on the sandbox and what it started: now,
        after it booted and before it imports the file, when nothing of the student's has run."""
        assert self._host is not None  # the worker has booted in it
        self._host.hold()

    def _over_budget(self) -> str:
        return self._host.guard.over() if self._host is not None else ""

    def _failed(self, problem: protocol.ProtocolError, op: str, limit: float, started: float) -> Outcome:
        """A request that got no answer: `limit` seconds passed (a hang), or the worker crashed or forged one."""
        if not isinstance(problem, protocol.FrameTimeout):
            return self._crashed(problem, time.monotonic() - started)
        if self._over_budget():
            return self._crashed(protocol.PeerClosed("over budget"), limit)
        logger.debug("killing the worker for %s: no answer to %r within %g s", self.module, op, limit)
        self._kill()
        return Outcome(False, failure="timeout", seconds=limit, error={
            "type": "Timeout", "message": f"timed out after {limit:g} s"})

    def _outcome(self, reply: protocol.Reply, seconds: float, keep_output: bool = True) -> Outcome:
        if reply.stdout and keep_output:
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
        ended = self._host.ended(self._number, timeout=1.0) if self._host is not None and self._number is not None else None
        code = ended[0] if ended is not None else None
        verdict = self._over_budget()  # the kernel's out-of-memory kill is counted by now
        self._kill()
        if verdict:
            return Outcome(False, failure="crash", seconds=seconds, error={"type": "Budget", "message": verdict})
        if code is not None and code < 0:
            message = f"the worker process was killed by signal {_signal_name(-code)}"
        elif code is not None:
            message = f"the worker process exited with code {code} (os._exit or a crash)"
        else:
            message = "the worker process stopped answering"
        if starting:
            detail = self._host_errors
            message = f"while importing the file, {message}" + (f": {detail}" if detail else "")
        return Outcome(False, failure="crash", seconds=seconds, error={"type": "Crash", "message": message})

    def _kill(self) -> None:
        """End the worker and everything it started; its sandbox goes back to the warm ones, or is
        closed if anything of it is left."""
        for fd in (self._request_fd, self._reply_fd):
            if fd is not None:
                os.close(fd)
        self._request_fd = self._reply_fd = None
        self._unanswered.clear()
        host, number, self._host, self._number = self._host, self._number, None, None
        if host is None:
            return
        self._host_errors = host.errors()
        if number is not None:
            host.end(number)
        self._hosts.give_back(host)


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)


PIPE_BYTES = 1 << 20  # Linux's most for a user (/proc/sys/fs/pipe-max-size); its default is 64 KB


def _widen(fd: int) -> int:
    """A pipe of PIPE_BYTES: a model's weights (34 MB for AlexNet) cross in 34 writes and reads,
    not 530, each a switch between the grader and its worker. Where Linux refuses (the user's
    pipes are over /proc/sys/fs/pipe-user-pages-soft), the pipe keeps its size. Returns its size."""
    try:
        return fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except OSError:
        try:
            return fcntl.fcntl(fd, fcntl.F_GETPIPE_SZ)
        except OSError:
            return 4096  # a page: the least a pipe holds


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
