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

import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from grader.worker.cgroups import SANDBOX_PROCESSES, kill_all, make_groups
from grader.worker.leftovers import LEFTOVER_ROOTS, MAX_FILES, unattached_shm, usage

logger = logging.getLogger(__name__)

TICK = 0.25  # seconds between two looks of the watchdog
DISK_EVERY = 2  # ticks between two sums of the disk (a walk of folders)


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
        self.groups = make_groups(budget.memory_mb, budget.processes)
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
                for member in sorted(members - group.members()):  # each write waits for the kernel (RCU): 5-20 ms
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
            used = sum(memory_of(pid) for pid in members) + (unattached_shm(self.uid) if self.uid is not None else 0)
            if used > self.budget.memory_mb * 2**20:
                verdict = (f"it used {size(used)} of its {size(self.budget.memory_mb * 2**20)} memory budget "
                           "(all its processes together)")
        if not verdict and not self.tmpfs and self._ticks % DISK_EVERY == 0:
            used, files = self.disk_used()
            if used > self.budget.disk_mb * 2**20:
                verdict = (f"it wrote {size(used)} to its folder, /tmp and /dev/shm, over its "
                           f"{size(self.budget.disk_mb * 2**20)} disk budget")
            elif files > MAX_FILES:
                verdict = f"it made more than {MAX_FILES:,} files and folders in its folder, /tmp and /dev/shm"
        if verdict:
            logger.debug("stopping a worker: %s", verdict)
            self.verdict = verdict
            self.kill(members)

    def disk_used(self) -> tuple[int, int]:
        """Bytes and entries in its folder and, as a uid of its own, whatever that uid owns where
        anyone may write."""
        used, files = usage(self.folder, None) if self.folder is not None else (0, 0)
        if self.uid is not None:
            for root in LEFTOVER_ROOTS:
                more_bytes, more_files = usage(root, self.uid)
                used, files = used + more_bytes, files + more_files
        return used, files

    def kill(self, members=()) -> None:
        kill_all(members)
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


