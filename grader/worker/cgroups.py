"""A cgroup of its own for each worker: memory (all its processes together) and pids.

Made where the grader can make one: under its own cgroup of a v1 hierarchy (root with a
writable cgroup tree), or on v2 in a delegated subtree (CNN_GRADER_CGROUP) or beside its own
cgroup, which must then have the controllers enabled for its children. budget.py decides
what to do without one; CNN_GRADER_BUDGET=watchdog makes none.
"""

from __future__ import annotations

import functools
import itertools
import logging
import os
import re
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

logger = logging.getLogger(__name__)

SANDBOX_PROCESSES = 4  # bubblewrap's own processes, in the cgroup beside the worker's
_names = itertools.count()


@dataclass(frozen=True)
class Group:
    """One controller's cgroup (memory or pids) of one worker; `version` 1 or 2."""

    controller: str
    path: Path
    version: int
    _counts: list[int] = field(default_factory=list, compare=False, repr=False)  # out_of_memory's open file

    def limit(self, memory_mb: int, processes: int) -> None:
        if self.controller == "pids":
            self._write("pids.max", processes + SANDBOX_PROCESSES)
        elif self.version == 1:
            self._write("memory.limit_in_bytes", memory_mb * 2**20)
            self._write("memory.memsw.limit_in_bytes", memory_mb * 2**20, optional=True)  # no swap on top
        else:
            self._write("memory.max", memory_mb * 2**20)
            self._write("memory.swap.max", 0, optional=True)
            self._write("memory.oom.group", 1, optional=True)  # the kernel stops them all

    def join(self, pid: int) -> None:
        self._write("cgroup.procs", pid)

    def members(self) -> set[int]:
        """The processes in it now (a child forked by a member is one from its start)."""
        try:
            return {int(line) for line in (self.path / "cgroup.procs").read_text().split()}
        except (OSError, ValueError):
            return set()

    def out_of_memory(self) -> int:
        """How many of its processes the kernel stopped for going over (0 for a pids group)."""
        if self.controller != "memory":
            return 0
        name = "memory.oom_control" if self.version == 1 else "memory.events"
        try:
            if not self._counts:  # opened once and read again from the start: asked after every request
                self._counts.append(os.open(self.path / name, os.O_RDONLY | os.O_CLOEXEC))
            found = re.search(rb"^oom_kill (\d+)$", os.pread(self._counts[0], 4096, 0), re.M)
        except OSError:
            return 0
        return int(found[1]) if found else 0

    def kill(self) -> None:
        """SIGKILL everything in it (a daemon that left its session and its tree too)."""
        if self.version == 2 and (self.path / "cgroup.kill").exists():
            self._write("cgroup.kill", 1, optional=True)
            return
        for _ in range(3):
            pids = self.members()
            if not pids:
                return
            kill_all(sorted(pids))

    def remove(self) -> None:
        """rmdir it once its processes are gone (they may take a moment to exit)."""
        while self._counts:
            os.close(self._counts.pop())
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


def make_groups(memory_mb: int, processes: int) -> list[Group]:
    """A fresh memory and a fresh pids cgroup for one worker, limited; [] where none can be made."""
    name = f"cnn-grader-{os.getpid()}-{next(_names)}-{os.urandom(3).hex()}"  # unique across pid namespaces too
    groups = []
    for controller, (base, version) in cgroup_bases().items():
        group = Group(controller, base / name, version)
        try:
            group.path.mkdir()
            group.limit(memory_mb, processes)
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


def kill_all(pids) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
