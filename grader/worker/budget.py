"""One budget for the whole submission: memory (all its processes together), processes, disk.

RLIMIT_AS and RLIMIT_NPROC hold one process and one user: eight forked children of 700 MB each
held 5.5 GB against a 1 GB limit. A `Guard` holds one worker, and everything it starts, to one
`Budget`, with the best this machine offers:

- memory and processes: a cgroup of its own (v1 or v2) where the grader can make one: root
  with a writable cgroup tree, or a delegated v2 subtree (CNN_GRADER_CGROUP names it);
- else a watchdog that finds the submission's processes (every process of its uid; else its
  process tree and session), sums their proportional memory (PSS) and counts their tasks four
  times a second, and stops them all when they go over;
- disk: inside bubblewrap one size-limited tmpfs holds its folder, /tmp and /dev/shm
  (sandbox.py), so the kernel keeps it; as an unprivileged user of its own, the watchdog sums
  what its uid owns in its folder and LEFTOVER_ROOTS, and `remove_leftovers` deletes all of it
  when the worker ends; with resource limits only, its folder alone is counted.

A cgroup's kernel stops only the largest process when memory runs out, so the watchdog also
polls each cgroup's out-of-memory count and then stops the rest. Going over is the verdict of
the call that was running (`Guard.over`), never the grader's end.
CNN_GRADER_BUDGET=watchdog forces the watchdog (tests; a machine whose cgroups misbehave).
"""

from __future__ import annotations

import ctypes
import functools
import itertools
import logging
import os
import re
import shutil
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

# Where a user without groups can write on a usual Linux machine, besides the worker's folder.
LEFTOVER_ROOTS = (Path("/tmp"), Path("/var/tmp"), Path("/dev/shm"), Path("/dev/mqueue"))
TICK = 0.25  # seconds between two looks of the watchdog
DISK_EVERY = 2  # ticks between two sums of the disk (a walk of folders)
MAX_WALK = 200_000  # entries one walk looks at, at most
SANDBOX_PROCESSES = 4  # bubblewrap's own processes, in the cgroup beside the worker's
_names = itertools.count()


@dataclass(frozen=True)
class Budget:
    memory_mb: int
    processes: int
    disk_mb: int

    @classmethod
    def of(cls, limits: dict) -> Budget:
        return cls(int(limits["memory_mb"]), int(limits["processes"]), int(limits["disk_mb"]))


def size(nbytes: float) -> str:
    """'256 MB', '1 GB', '1.04 GB'."""
    if nbytes >= 2**30:
        return f"{nbytes / 2**30:.2f}".rstrip("0").removesuffix(".") + " GB"
    return f"{nbytes / 2**20:.0f} MB"


# -- cgroups -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Group:
    """One controller's cgroup (memory or pids) of one worker; `version` 1 or 2."""

    controller: str
    path: Path
    version: int

    def limit(self, budget: Budget) -> None:
        if self.controller == "pids":
            self._write("pids.max", budget.processes + SANDBOX_PROCESSES)
        elif self.version == 1:
            self._write("memory.limit_in_bytes", budget.memory_mb * 2**20)
            self._write("memory.memsw.limit_in_bytes", budget.memory_mb * 2**20, optional=True)  # no swap on top
        else:
            self._write("memory.max", budget.memory_mb * 2**20)
            self._write("memory.swap.max", 0, optional=True)
            self._write("memory.oom.group", 1, optional=True)  # the kernel stops them all

    def join(self, pid: int) -> None:
        self._write("cgroup.procs", pid)

    def out_of_memory(self) -> int:
        """How many of its processes the kernel stopped for going over (0 for a pids group)."""
        if self.controller != "memory":
            return 0
        name = "memory.oom_control" if self.version == 1 else "memory.events"
        try:
            found = re.search(r"^oom_kill (\d+)$", (self.path / name).read_text(), re.M)
        except OSError:
            return 0
        return int(found[1]) if found else 0

    def kill(self) -> None:
        """SIGKILL everything in it (a daemon that left its session and its tree too)."""
        if self.version == 2 and (self.path / "cgroup.kill").exists():
            self._write("cgroup.kill", 1, optional=True)
            return
        for _ in range(3):
            try:
                pids = [int(line) for line in (self.path / "cgroup.procs").read_text().split()]
            except OSError:
                return
            if not pids:
                return
            _kill_all(pids)

    def remove(self) -> None:
        """rmdir it once its processes are gone (they may take a moment to exit)."""
        for _ in range(40):
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                self.kill()
                time.sleep(0.05)
        logger.debug("could not remove the cgroup %s", self.path)

    def _write(self, name: str, value: int, *, optional: bool = False) -> None:
        try:
            (self.path / name).write_text(str(value))
        except OSError:
            if not optional:
                raise


def make_groups(budget: Budget) -> list[Group]:
    """A fresh memory and pids cgroup for one worker, each limited to `budget`; [] where none can be made."""
    name = f"cnn-grader-{os.getpid()}-{next(_names)}-{os.urandom(3).hex()}"  # unique across pid namespaces too
    groups = []
    for controller, (base, version) in cgroup_bases().items():
        group = Group(controller, base / name, version)
        try:
            group.path.mkdir()
            group.limit(budget)
        except OSError as error:
            logger.debug("no %s cgroup at %s: %s", controller, group.path, error)
            group.remove()
            continue
        groups.append(group)
    return groups


@functools.cache
def cgroup_bases() -> dict[str, tuple[Path, int]]:
    """For memory and pids, the cgroup folder this process may make children in, and its version."""
    if os.environ.get("CNN_GRADER_BUDGET", "auto") == "watchdog":
        return {}
    try:
        mountinfo, own = Path("/proc/self/mountinfo").read_text(), Path("/proc/self/cgroup").read_text()
    except OSError:
        return {}
    bases = {}
    for controller, candidates in candidate_bases(mountinfo, own, os.environ.get("CNN_GRADER_CGROUP")).items():
        usable = [(base, version) for base, version in candidates if _usable(base, controller, version)]
        if usable:
            bases[controller] = usable[0]
    return bases


def candidate_bases(mountinfo: str, own: str, delegated: str | None = None) -> dict[str, list[tuple[Path, int]]]:
    """Where, by /proc/self/mountinfo and /proc/self/cgroup, a child cgroup for memory and for
    pids could be made: under our own v1 cgroup of that controller; on v2, in `delegated` (a
    subtree handed to us), else beside our own cgroup (a v2 cgroup that holds processes, as
    ours does, may have no children with controllers)."""
    mine = {}
    for line in own.splitlines():
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else [""]:
            mine[controller] = path
    candidates: dict[str, list[tuple[Path, int]]] = {"memory": [], "pids": []}
    for line in mountinfo.splitlines():
        fields, _, tail = line.partition(" - ")
        parts, rest = fields.split(), tail.split()
        if len(parts) < 5 or len(rest) < 3 or rest[0] not in ("cgroup", "cgroup2"):
            continue
        mount, root = Path(parts[4].replace("\\040", " ")), parts[3]
        for controller, found in candidates.items():
            if rest[0] == "cgroup" and controller in rest[2].split(",") and controller in mine:
                found.append((_below(mount, root, mine[controller]), 1))
            elif rest[0] == "cgroup2" and "" in mine:
                own_group = _below(mount, root, mine[""])
                if delegated:
                    found.append((Path(delegated), 2))
                elif own_group != mount:
                    found.append((own_group.parent, 2))
    return candidates


def _below(mount: Path, root: str, path: str) -> Path:
    relative = path[len(root):] if root != "/" and path.startswith(root) else path
    return mount / relative.lstrip("/")


def _usable(base: Path, controller: str, version: int) -> bool:
    """Can children with `controller` be made in `base`: writable, the controller delegated (v2)?"""
    try:
        if version == 2 and controller not in (base / "cgroup.subtree_control").read_text().split():
            return False
        if not base.is_dir() or not os.access(base, os.W_OK):
            return False
    except OSError:
        return False
    _sweep(base)
    return True


def _sweep(base: Path) -> None:
    """Remove the empty cgroups that graders killed before their cleanup (SIGKILL) left behind."""
    for entry in base.glob("cnn-grader-*-*-*"):
        owner = entry.name.split("-")[2]
        if owner.isdigit() and not Path(f"/proc/{owner}").exists():
            try:
                entry.rmdir()
            except OSError:
                pass


# -- the watchdog ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Process:
    parent: int
    session: int
    uid: int
    threads: int


def processes() -> dict[int, Process]:
    """Every process of the machine (as this /proc shows them)."""
    table = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/status", "rb") as status:
                fields = dict(line.split(b":", 1) for line in status.read().splitlines() if b":" in line)
            session = int(fields.get(b"NSsid", b"0").split()[0])  # the session as this /proc's namespace sees it
            table[int(entry.name)] = Process(int(fields[b"PPid"]), session, int(fields[b"Uid"].split()[0]),
                                             int(fields[b"Threads"]))
        except (OSError, KeyError, ValueError, IndexError):
            continue
    return table


def memory_of(pid: int) -> int:
    """Bytes of memory `pid` holds, shared pages divided among their sharers (PSS): forked
    children share their parent's pages, which must not count once per child."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as rollup:
            for line in rollup:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    try:
        with open(f"/proc/{pid}/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


class Guard:
    """Holds one worker and everything it starts to one budget. Made per start of a worker,
    `adopt`ed once it has booted (before anything of the student's runs), `close`d after its
    processes are killed."""

    def __init__(self, budget: Budget, *, uid: int | None, folder: Path | None, tmpfs: bool):
        self.budget = budget
        self.uid = uid  # its processes are that uid's (an unprivileged user of its own)
        self.folder = folder  # its folder on this machine's disk (None: a tmpfs inside bubblewrap)
        self.tmpfs = tmpfs
        self.groups = make_groups(budget)
        self.root: int | None = None
        self.verdict = ""
        self._ticks = 0

    @property
    def controllers(self) -> set[str]:
        return {group.controller for group in self.groups}

    @property
    def needs_table(self) -> bool:
        return self.root is not None and ("memory" not in self.controllers or "pids" not in self.controllers)

    def adopt(self, pid: int) -> None:
        """Put `pid` (the worker, or bubblewrap around it) and what it has started into the
        cgroups, and start watching. Nothing of the student's has run yet, so nothing escapes."""
        self.root = pid
        members = self.members(processes()) | {pid}
        for group in list(self.groups):
            try:
                for member in sorted(members):
                    group.join(member)
            except OSError as error:  # a cgroup we may make but not move into (v2's common-ancestor rule)
                logger.debug("cannot move the worker into %s: %s; the watchdog holds it instead", group.path, error)
                self.groups.remove(group)
                group.remove()
        WATCHDOG.watch(self)

    def members(self, table: dict[int, Process]) -> set[int]:
        """The submission's processes: its uid's; else its tree, and its session (a daemon that
        double-forks leaves the tree, not the session, unless it calls setsid too)."""
        if self.uid is not None:
            return {pid for pid, process in table.items() if process.uid == self.uid}
        if self.root is None:
            return set()
        children: dict[int, list[int]] = {}
        for pid, process in table.items():
            children.setdefault(process.parent, []).append(pid)
        found, todo = set(), [self.root]
        while todo:
            pid = todo.pop()
            if pid not in found:
                found.add(pid)
                todo += children.get(pid, [])
        session = table[self.root].session if self.root in table else None
        return found | {pid for pid, process in table.items() if session and process.session == session}

    def over(self) -> str:
        """'' while within the budget; else what it went over, in one line."""
        if not self.verdict and any(group.out_of_memory() for group in self.groups):
            self.verdict = (f"it needed more than its {size(self.budget.memory_mb * 2**20)} memory budget "
                            "(all its processes together)")
        return self.verdict

    def check(self, table: dict[int, Process]) -> None:
        """One look of the watchdog: stop the submission when it is over its budget."""
        if self.verdict or self.root is None:
            return
        self._ticks += 1
        members = self.members(table) if table else set()
        verdict = self.over()
        if not verdict and "pids" not in self.controllers and table:
            tasks = sum(table[pid].threads for pid in members)
            if tasks > self.budget.processes + SANDBOX_PROCESSES:
                verdict = f"it ran {tasks} processes and threads, over its budget of {self.budget.processes}"
        if not verdict and "memory" not in self.controllers and table:
            used = sum(memory_of(pid) for pid in members) + (_unattached_shm(self.uid) if self.uid is not None else 0)
            if used > self.budget.memory_mb * 2**20:
                verdict = (f"it used {size(used)} of its {size(self.budget.memory_mb * 2**20)} memory budget "
                           "(all its processes together)")
        if not verdict and not self.tmpfs and self._ticks % DISK_EVERY == 0:
            used = self.disk_used()
            if used > self.budget.disk_mb * 2**20:
                verdict = (f"it wrote {size(used)} to its folder, /tmp and /dev/shm, over its "
                           f"{size(self.budget.disk_mb * 2**20)} disk budget")
        if verdict:
            logger.debug("stopping a worker: %s", verdict)
            self.verdict = verdict
            self.kill(members)

    def disk_used(self) -> int:
        """Bytes in its folder and, as a uid of its own, whatever that uid owns where anyone may write."""
        total = _walk_size(self.folder, None) if self.folder is not None else 0
        if self.uid is not None:
            total += sum(_walk_size(root, self.uid) for root in LEFTOVER_ROOTS)
        return total

    def kill(self, members=()) -> None:
        _kill_all(members)
        for group in self.groups:
            group.kill()

    def close(self) -> None:
        """Stop watching; kill what is left in the cgroups and remove them."""
        WATCHDOG.unwatch(self)
        for group in self.groups:
            group.kill()
            group.remove()


class _Watchdog:
    """One thread per grading process looks at every live Guard each TICK (one /proc scan for all)."""

    def __init__(self):
        self._reset()
        os.register_at_fork(after_in_child=self._reset)  # threads do not survive a fork; guards are the parent's

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self._guards: set[Guard] = set()
        self._thread: threading.Thread | None = None

    def watch(self, guard: Guard) -> None:
        with self._lock:
            self._guards.add(guard)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="cnn-grader-budget", daemon=True)
                self._thread.start()

    def unwatch(self, guard: Guard) -> None:
        with self._lock:
            self._guards.discard(guard)

    def _run(self) -> None:
        while True:
            time.sleep(TICK)
            with self._lock:
                guards = list(self._guards)
            table = processes() if any(guard.needs_table for guard in guards) else {}
            for guard in guards:
                try:
                    guard.check(table)
                except Exception as error:  # noqa: BLE001 - one guard's trouble must not end the watch of the others
                    logger.debug("the budget watchdog failed on one worker: %s", error)


WATCHDOG = _Watchdog()


# -- what an unprivileged user of its own leaves behind -----------------------------------------------

def remove_leftovers(uid: int) -> None:
    """Delete what `uid` owns where anyone may write (LEFTOVER_ROOTS), and its System V shared
    memory, queues and semaphores: after its processes are killed, so nothing races this."""
    for root in LEFTOVER_ROOTS:
        for path in _owned(root, uid):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
    for kind, remove in (("shm", "shmctl"), ("msg", "msgctl"), ("sem", "semctl")):
        for ident, _, _ in _ipc_objects(kind, uid):
            try:
                args = (ident, 0, 0, None) if kind == "sem" else (ident, 0, None)  # IPC_RMID is 0
                getattr(_libc(), remove)(*args)
            except (OSError, AttributeError):
                pass


def _owned(root: Path, uid: int):
    """The outermost entries under `root` that `uid` owns, looking only inside folders anyone
    may write to (where `uid`, a user without groups, can have made something)."""
    todo, seen = [root], 0
    while todo and seen < MAX_WALK:
        folder = todo.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            seen += 1
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if info.st_uid == uid:
                yield Path(entry.path)
            elif entry.is_dir(follow_symlinks=False) and info.st_mode & 0o002:
                todo.append(entry.path)


def _walk_size(root: Path, uid: int | None) -> int:
    """Bytes of disk that `uid`'s entries under `root` take (every entry's, for uid None)."""
    total, seen = 0, 0
    todo = [root] if uid is None else list(_owned(root, uid))
    while todo and seen < MAX_WALK:
        path = todo.pop()
        seen += 1
        try:
            info = os.lstat(path)
        except OSError:
            continue
        total += info.st_blocks * 512
        if os.path.isdir(path) and not os.path.islink(path):
            try:
                todo += [entry.path for entry in os.scandir(path)]
            except OSError:
                continue
    return total


def _ipc_objects(kind: str, uid: int) -> list[tuple[int, int, int]]:
    """(id, bytes, attached processes) of `uid`'s System V objects of `kind` (shm, msg, sem)."""
    try:
        header, *rows = Path(f"/proc/sysvipc/{kind}").read_text().splitlines()
    except OSError:
        return []
    names = header.split()
    found = []
    for row in rows:
        values = dict(zip(names, row.split()))
        try:
            if int(values["uid"]) == uid:
                ident = int(values.get("shmid") or values.get("msqid") or values["semid"])
                found.append((ident, int(values.get("rss", 0)), int(values.get("nattch", 0))))
        except (KeyError, ValueError):
            continue
    return found


def _unattached_shm(uid: int) -> int:
    """Memory in `uid`'s System V segments that no process has attached (so no PSS counts it)."""
    return sum(rss for _, rss, attached in _ipc_objects("shm", uid) if not attached)


@functools.cache
def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _kill_all(pids) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
