"""Where the worker runs, and which protections hold in each of the three modes.

- bubblewrap (`bwrap` installed and able to make namespaces here): the worker sees the
  system's /usr and libraries, the interpreter and its standard library, the worker package
  and the distributions it may import (view.py), and nothing else of the machine: no
  site-packages whole, no course repository, no home folder, no other student. No network,
  its own process namespace (everything in it dies with it), and one private, size-limited
  tmpfs for its folder, /tmp and /dev/shm (the disk budget, budget.py). Started as
  root, the worker drops to an unprivileged user of its own inside (bubblewrap keeps only the
  two capabilities that needs).
- an unprivileged user (root, bubblewrap unusable: many Gradescope images): the worker is
  started as a fresh uid of its own, without groups, in a fresh folder only it can enter, in
  its own session; every process of that uid is killed when it ends. It can neither write
  what the grader writes nor signal the grader; it can read what any user may read, so the
  grader's own files must not be world-readable (Gradescope's setup.sh sees to that).
- resource limits only (not root, no bubblewrap): the worker is the grader's own user.
  Only the import route (view.py) and the limits hold; anything the user can read, write or
  signal, the submission can too.

The resource limits (memory, CPU time, file size, processes) are applied by the worker
itself before it imports anything of the student's, so they hold in every mode; the budgets of
the whole submission (all its processes' memory, their number, its disk) are budget.py's.
"""

from __future__ import annotations

import functools
import os
import shutil
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path

from grader.worker import view

BUBBLEWRAP = "bubblewrap"
UNPRIVILEGED = "an unprivileged user"
LIMITS_ONLY = "resource limits only"
INSTALL_HINT = "install bubblewrap (apt-get install bubblewrap, dnf install bubblewrap)"
# What of /etc a Python process needs: the dynamic linker's cache, users, time zone, certificates.
# Where bubblewrap shows the worker its package and links (view.py): outside /tmp, so that a
# submission walking /tmp meets its own folder only, not every file of torch.
WORKER_LIB = Path("/.cnn-grader-worker")
# Inside bubblewrap, one tmpfs of the disk budget's size is mounted at /dev/shm and /tmp links to
# it, so the worker's folder (WORKER_HOME), /tmp and /dev/shm share one budget.
WORKER_HOME = Path("/tmp/work")
SYSTEM_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives",
                "/etc/passwd", "/etc/group", "/etc/nsswitch.conf", "/etc/localtime", "/etc/ssl")


@dataclass(frozen=True)
class Sandbox:
    kind: str
    reason: str = ""

    @property
    def drops_to_user(self) -> bool:
        """Started as root, the worker always becomes an unprivileged user of its own."""
        return self.kind != LIMITS_ONLY and os.geteuid() == 0

    @property
    def limits_processes(self) -> bool:
        """The kernel ignores RLIMIT_NPROC for root only, and the worker is never root."""
        return self.drops_to_user or os.geteuid() != 0

    @property
    def description(self) -> str:
        if self.kind == BUBBLEWRAP:
            user = ", an unprivileged user" if self.drops_to_user else ""
            return f"bubblewrap (no network, a read-only view of Python and the worker only{user}) + resource limits"
        if self.kind == UNPRIVILEGED:
            return f"{UNPRIVILEGED} of its own + resource limits, no bubblewrap ({self.reason})"
        return f"{LIMITS_ONLY} ({self.reason})"

    def worker_lib(self, lib: Path) -> Path:
        """Where the worker finds `lib` (its package and links): WORKER_LIB inside bubblewrap."""
        return WORKER_LIB if self.kind == BUBBLEWRAP else lib

    def home(self, folder: Path) -> Path:
        """The worker's own folder: `folder` on this machine's disk, or WORKER_HOME, in the
        tmpfs, inside bubblewrap (the worker makes it, as itself)."""
        return WORKER_HOME if self.kind == BUBBLEWRAP else folder

    def wrap(self, argv: list[str], *, workdir: Path | None = None, lib: Path | None = None,
             hide: tuple[Path, ...] = (), disk_mb: int = 256) -> list[str]:
        """The command line that runs `argv` in this sandbox: `lib` (the worker's package and
        links, view.py) read-only at `worker_lib(lib)`, `hide` never visible, and `disk_mb` of
        tmpfs for its folder, /tmp and /dev/shm together. `workdir` is the worker's folder
        outside bubblewrap (the only mode that uses it: inside, the folder is in the tmpfs)."""
        if self.kind != BUBBLEWRAP:
            return argv
        command = [shutil.which("bwrap") or "bwrap", "--ro-bind", "/usr", "/usr"]
        for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
            if os.path.islink(top):
                command += ["--symlink", os.readlink(top), top]
            elif os.path.isdir(top):
                command += ["--ro-bind", top, top]
        for name in SYSTEM_FILES:
            command += ["--ro-bind-try", name, name]
        # One tmpfs for the disk budget, /tmp a link to it (relative: bubblewrap resolves it in the new root).
        command += ["--dev", "/dev", "--proc", "/proc", "--size", str(disk_mb * 2**20), "--perms", "1777",
                    "--tmpfs", "/dev/shm", "--symlink", "dev/shm", "/tmp"]
        for node in gpu_device_nodes():  # --dev hides them; CUDA in the worker needs them (--device cuda)
            command += ["--dev-bind-try", node, node]
        broad = _outermost(path for path in view.python_folders() if path.exists() and not _under(path, [Path("/usr")]))
        narrow = [entry for entry in view.allowed_entries() if entry.exists()]
        for folder in _parents([*broad, *narrow]):  # bubblewrap would make them 0700: unreachable after the drop
            if _under(folder, [Path("/usr")]):
                continue  # already there, read-only
            command += ["--perms", "0755", "--dir", str(folder)]
        for path in broad:
            command += ["--ro-bind", str(path), str(path)]
        # Then take back what a broad bind showed too much of: every site-packages whole, the
        # course's own packages, the solutions. What the worker may use is bound again after.
        seen = [Path("/usr"), *broad]
        masked: list[Path] = []
        for path in [*view.site_folders(), *view.project_folders(), *hide]:
            if path.exists() and _under(path, seen) and not _under(path, masked):
                masked.append(path)
                command += ["--tmpfs", str(path)] if path.is_dir() else ["--ro-bind", "/dev/null", str(path)]
        for path in narrow:
            if _under(path, masked) or not _under(path, seen):
                command += ["--ro-bind", str(path), str(path)]
        if lib is not None:
            command += ["--ro-bind", str(lib), str(WORKER_LIB)]
        # The root and /dev are tmpfs that bubblewrap makes, of no size limit and, in a user
        # namespace, owned by the worker: read-only, so its tmpfs is the only place it can write.
        # The command is the PID namespace's process 1 (the fork server): nothing inside can signal it,
        # orphans come back to it, and when it ends, everything in the sandbox ends with it.
        command += ["--remount-ro", "/dev", "--remount-ro", "/", "--chdir", "/tmp", "--die-with-parent", "--new-session",
                    "--as-pid-1"]
        if self.drops_to_user:  # no user namespace: the worker's setuid must reach a real, unprivileged uid
            command += ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
                        "--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
        else:
            command += ["--unshare-all", "--cap-drop", "ALL"]
        return command + argv


def gpu_device_nodes() -> list[str]:
    """/dev/nvidia0, /dev/nvidiactl, /dev/nvidia-uvm, ...: none on a machine without an NVIDIA GPU."""
    import glob

    return sorted(glob.glob("/dev/nvidia*"))


def _under(path: Path, folders) -> bool:
    return any(path.is_relative_to(folder) for folder in folders)


def _parents(paths) -> list[Path]:
    """Every folder above `paths`, outermost first, except / itself."""
    folders = {parent for path in paths for parent in path.parents if parent != Path("/")}
    return sorted(folders, key=lambda folder: len(folder.parts))


def _outermost(paths) -> list[Path]:
    """The paths not inside another one of them (binding a folder binds what it holds)."""
    ordered = sorted(set(paths), key=lambda path: len(path.parts))
    kept: list[Path] = []
    for path in ordered:
        if not any(path.is_relative_to(parent) for parent in kept):
            kept.append(path)
    return kept


@functools.cache
def detect() -> Sandbox:
    """bubblewrap if it is installed and can make namespaces here; else, as root, an
    unprivileged user; else the resource limits only. CNN_GRADER_SANDBOX=none forces the
    fallback (for tests, and for machines where the probe passes but bubblewrap fails later)."""
    fallback = UNPRIVILEGED if os.geteuid() == 0 else LIMITS_ONLY
    if os.environ.get("CNN_GRADER_SANDBOX", "auto") == "none":
        return Sandbox(fallback, "CNN_GRADER_SANDBOX=none")
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return Sandbox(fallback, "bubblewrap is not installed")
    probe = subprocess.run(  # with a sized tmpfs (--size: bubblewrap 0.6 or newer), as every worker has
        [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--size", str(2**20), "--perms", "1777",
         "--tmpfs", "/dev/shm", "--unshare-all", "--die-with-parent", "--as-pid-1", "true"],
        capture_output=True, text=True, check=False,
    )
    if probe.returncode != 0:
        detail = probe.stderr.strip().splitlines()[-1] if probe.stderr.strip() else f"exit {probe.returncode}"
        if "--size" in detail or "--perms" in detail:
            detail += " (bubblewrap 0.6 or newer is needed)"
        return Sandbox(fallback, f"bubblewrap cannot run here: {detail}")
    return Sandbox(BUBBLEWRAP)


def warning(sandbox: Sandbox) -> str:
    """One line for a person starting a grade without bubblewrap ('' with it)."""
    if sandbox.kind == BUBBLEWRAP:
        return ""
    if sandbox.kind == UNPRIVILEGED:
        exposed = [str(folder) for folder in view.project_folders() if readable_by_others(folder)]
        risk = "the submission runs as an unprivileged user of its own and can read what every user can"
        if exposed:
            more = f" and {len(exposed) - 1} more" if len(exposed) > 1 else ""
            risk += f", here {exposed[0]}{more} (chmod -R o-rwx)"
    else:
        risk = "the submission runs as you and can read, write and signal whatever you can"
    return f"warning: grading without bubblewrap ({sandbox.reason}): {risk}; {INSTALL_HINT}"


def readable_by_others(path: Path) -> bool:
    """Could a user with no group of ours read `path`: every folder above passable, it readable?"""
    try:
        if not all(folder.stat().st_mode & 0o001 for folder in Path(path).resolve().parents):
            return False
        return bool(Path(path).resolve().stat().st_mode & 0o004)
    except OSError:
        return False


def worker_cannot_start(sandbox: Sandbox) -> str:
    """Why no worker can start in `sandbox` here, in one line ('' when it can): checked once,
    before anyone is graded, instead of every check of every student failing alike.

    As an unprivileged user without bubblewrap, the worker must read the interpreter, its
    standard library and the allowed packages by their own paths: a Python installed in root's
    home folder (pyenv's default, /root mode 0700) is out of its reach. Inside bubblewrap the
    folders above them are made passable, so only this mode is checked."""
    if sandbox.kind != UNPRIVILEGED or not sandbox.drops_to_user:
        return ""
    import sysconfig

    needed = [view.interpreter(), Path(sysconfig.get_paths()["stdlib"]), *view.allowed_entries()]
    for path in needed:
        blocker = _hidden_from_others(path)
        if blocker is not None:
            mode = f"{stat.S_IMODE(blocker.stat().st_mode):04o}"
            shown = f"{blocker} (mode {mode})" + ("" if blocker == path else f", which holds {path},")
            return (f"the worker runs as an unprivileged user here ({sandbox.reason}) and cannot read Python: {shown} "
                    f"is closed to other users; install Python and the grader where every user can read them "
                    f"(a virtual environment made from /usr/bin/python3, say), or {INSTALL_HINT}")
    return ""


def _hidden_from_others(path: Path) -> Path | None:
    """The outermost folder above `path` that others cannot pass, or `path` if they cannot read
    it (a folder: list and enter it); None when a user with no group of ours can read it."""
    path = Path(os.path.realpath(path))
    try:
        for folder in reversed(path.parents):
            if not folder.stat().st_mode & 0o001:
                return folder
        wanted = 0o005 if path.is_dir() else 0o004
        return None if path.stat().st_mode & wanted == wanted else path
    except OSError:
        return path


def refusal_for_task(sandbox: Sandbox, *, unsafe: bool) -> str:
    """Why one grading task (a pool process's, a Dask worker's) will not run a submission on
    this machine ('' when it may): each task checks where it runs, since the machine that
    planned the batch is not the machine that grades it."""
    if sandbox.kind != BUBBLEWRAP and not unsafe:
        import socket

        return (f"bubblewrap is unusable on {socket.gethostname()} ({sandbox.reason}) and the batch was not "
                f"started with --unsafe-no-sandbox: {INSTALL_HINT} on every machine that grades")
    return worker_cannot_start(sandbox)


def refusal_for_batch(sandbox: Sandbox) -> str:
    """Why `grade batch` will not run many students' code here ('' when it may)."""
    if sandbox.kind == BUBBLEWRAP:
        return ""
    return (f"grade batch runs many students' code on this machine and needs bubblewrap, which is unusable here "
            f"({sandbox.reason}): {INSTALL_HINT}, or pass --unsafe-no-sandbox to run it as {sandbox.kind}")
