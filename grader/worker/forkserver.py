"""The sandbox's first process: it boots once, then forks one worker per submission, one at a time.

Started as `python -s -S -c <bootstrap> CONFIG_JSON` (view.py), inside bubblewrap as the sandbox's
process 1, it becomes the worker's user (as root: a uid of its own), imports what the
submissions it serves will need (NumPy; torch for the models: `preload`), and waits on its
control socket. It never imports nor runs a submission: each one gets a fresh fork of it
(grader.worker.server.serve), with the two pipes the grader passed for it, so the imports are
paid once per sandbox rather than once per submission, and no submission sees another.

After each worker ends, by itself or on the grader's word, the fork server kills every process
it may signal but itself (with `own_uid`, the uid is the sandbox's alone: that is everything the
submission started, daemons included, in one pass of the kernel), reaps them, deletes what its
user left in the worker's folder, where anyone may write and in System V IPC, and says whether
all of that went as it should (`clean`). The grader sends the next submission only to a clean
fork server; any doubt, and it starts a fresh sandbox.

As process 1 of its own PID namespace, no process of the sandbox can signal it; it is not
dumpable either (no ptrace, no /proc/<pid>/fd or mem of it for its user), and it keeps no
writable folder on its import path. Messages on the control socket (SOCK_SEQPACKET, one JSON
object each):

    fork server -> grader   {"booted": true, "sealed": bool}: whether the kernel's keyrings and message
                            queues are closed to its workers (seal.py)
    grader -> fork server   {"op": "fork", "id": N, "workdir": ..., "output": ...} + 2 descriptors
                            (the request pipe's read end, the reply pipe's write end)
    grader -> fork server   {"op": "end", "id": N}: kill worker N (ignored once it has ended)
    fork server -> grader   {"ended": N, "code": exit status (-signal), or null, "clean": bool}

Closing the control socket ends the fork server and everything in its sandbox.
"""

from __future__ import annotations

import ctypes
import errno
import importlib
import json
import os
import select
import signal
import socket
import sys
import time
import traceback
from pathlib import Path

PR_SET_DUMPABLE, PR_SET_CHILD_SUBREAPER = 4, 36
MAX_MESSAGE = 1 << 16
REAP_SECONDS = 5.0  # after SIGKILL, how long the processes it killed may take to be gone
# Signals the fork server ignores (its children get the defaults back). As process 1 of a PID
# namespace it receives no signal without a handler from inside anyway.
QUIET = ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGTSTP", "SIGTTIN", "SIGTTOU")


def main() -> None:
    config = json.loads(sys.argv[1])
    if config.get("uid") is not None:  # root inside bubblewrap: become the sandbox's own user
        os.setgroups([])
        os.setgid(config["uid"])
        os.setuid(config["uid"])
    sys.path[:] = [entry for entry in sys.path if entry and os.path.isabs(entry)]  # no '' (a writable folder)
    os.chdir("/")
    defaults = {name: signal.getsignal(getattr(signal, name)) for name in QUIET if hasattr(signal, name)}
    for name in defaults:
        signal.signal(getattr(signal, name), signal.SIG_IGN)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)  # outside a PID namespace of its own: daemons come back to it
    for name in config.get("preload", []):
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a library missing here: the submission's own import will say so
            pass
    from grader.worker import leftovers, seal, server

    _import_ops()

    control = socket.socket(fileno=config["control_fd"])
    _send(control, {"booted": True, "sealed": seal.seal()})
    while True:
        message, fds = _receive(control)
        if message is None:
            break
        if message.get("op") != "fork" or len(fds) != 2:
            for fd in fds:
                os.close(fd)
            continue
        number = message.get("id")
        child = os.fork()
        if child == 0:  # the worker: everything of the fork server's own undone, then serve the submission
            control.close()
            for name, handler in defaults.items():
                signal.signal(getattr(signal, name), handler)
            libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)
            libc.prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
            os.setsid()
            own = {"request_fd": fds[0], "reply_fd": fds[1], "uid": config.get("uid"), "workdir": message["workdir"],
                   "output": message["output"]}
            sys.argv[1:] = [json.dumps(own)]  # what a worker started on its own was told, and nothing more
            code = 1
            try:
                server.serve(own)
                code = 0
            except BaseException:  # noqa: BLE001 - said on stderr (the grader's worker-errors.txt before the file runs)
                traceback.print_exc()
            finally:
                os._exit(code)
        for fd in fds:
            os.close(fd)
        exit_code, stay = _wait(control, child, number)
        clean = _clean_up(child, config, message["workdir"], leftovers)
        _send(control, {"ended": number, "code": exit_code, "clean": clean and stay})
        if not stay:
            break
    _clean_up(None, config, None, leftovers)
    os._exit(0)  # no interpreter teardown (torch's takes a good part of a second)


class _OnlyLoaded:
    """Refuses every library that is not imported yet (the standard library aside). A finder of
    sys.meta_path needs only find_spec; importlib.abc, for its base class, cost each sandbox's boot
    about 5 ms."""

    def __init__(self):
        self.loaded = {name.partition(".")[0] for name in sys.modules} | set(sys.stdlib_module_names)

    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] not in self.loaded:
            raise ImportError(f"{name} is not preloaded")
        return None


def _import_ops() -> None:
    """Import the worker's op modules (grader.worker.op_families) that need no library not
    already imported (torch_ops where torch is), so that each worker finds them loaded; a NumPy
    sandbox never imports torch this way."""
    from grader.worker.op_families import FAMILIES

    guard = _OnlyLoaded()
    sys.meta_path.insert(0, guard)
    try:
        for module_name in sorted(FAMILIES.values()):
            before = set(sys.modules)
            try:
                importlib.import_module(module_name)
            except ImportError:
                for name in set(sys.modules) - before:
                    del sys.modules[name]
    finally:
        sys.meta_path.remove(guard)


def _wait(control: socket.socket, child: int, number) -> tuple[int | None, bool]:
    """Until worker `child` ends or the grader says "end": its exit status (None if killed
    here), and whether the grader is still there."""
    try:
        watch = os.pidfd_open(child)
    except (AttributeError, OSError):  # an old kernel: look twenty times a second
        watch = None
    try:
        while True:
            ready = select.select([control] + ([watch] if watch is not None else []), [], [],
                                  None if watch is not None else 0.05)[0]
            done, status = os.waitpid(child, os.WNOHANG)
            if done:
                return os.waitstatus_to_exitcode(status), True
            if control in ready:
                message, fds = _receive(control)
                for fd in fds:
                    os.close(fd)
                if message is None:
                    return None, False
                if message.get("op") == "end" and message.get("id") == number:
                    return None, True
    finally:
        if watch is not None:
            os.close(watch)


def _clean_up(child: int | None, config: dict, workdir: str | None, leftovers) -> bool:
    """Kill and reap everything but this process; delete what the worker's user left. True when
    nothing is left."""
    if config.get("own_uid"):
        try:
            os.kill(-1, signal.SIGKILL)  # every process of this uid but this one, in one pass of the kernel
        except ProcessLookupError:
            pass
    elif child is not None:
        try:
            os.killpg(child, signal.SIGKILL)  # the worker's session: all that can be reached without a uid of its own
        except (ProcessLookupError, PermissionError):
            pass
    reaped = _reap_all(time.monotonic() + REAP_SECONDS)
    if not config.get("own_uid"):
        return False  # processes may have left the worker's session: start afresh
    if workdir:
        leftovers.remove_tree(Path(workdir))
    leftovers.remove_leftovers(os.getuid())
    left = any(True for root in leftovers.LEFTOVER_ROOTS for _ in leftovers.owned(root, os.getuid()))
    left = left or any(leftovers.ipc_objects(kind, os.getuid()) for kind in ("shm", "msg", "sem"))
    return reaped and not left and not (workdir and os.path.lexists(workdir))


def _reap_all(deadline: float) -> bool:
    """Wait for every child (orphans come back to this process) until none is left: True, or
    the deadline passes: False. A killed worker is gone within a millisecond or two: look
    again after 0.1 ms, then twice as long each time, up to 5 ms."""
    pause = 0.0001
    while True:
        try:
            done, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return True
        if not done:
            if time.monotonic() > deadline:
                return False
            time.sleep(pause)
            pause = min(2 * pause, 0.005)


def _send(control: socket.socket, message: dict) -> None:
    try:
        control.send(json.dumps(message).encode())
    except OSError:
        pass


def _receive(control: socket.socket) -> tuple[dict | None, list[int]]:
    """The next message and the descriptors it carries; (None, []) when the grader has gone."""
    try:
        data, fds, _, _ = socket.recv_fds(control, MAX_MESSAGE, 2)
    except OSError as error:
        if error.errno == errno.EINTR:
            return _receive(control)
        return None, []
    if not data:
        return None, list(fds)
    try:
        message = json.loads(data)
    except ValueError:
        return {}, list(fds)
    return (message if isinstance(message, dict) else {}), list(fds)
