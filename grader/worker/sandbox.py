"""Where the worker runs, and which protections hold in each of the three modes.

- bubblewrap (`bwrap` installed and able to make namespaces here): the worker sees the
  system's /usr and libraries, the interpreter and its standard library, the worker package
  and the distributions it may import (view.py), and nothing else of the machine: no
  site-packages whole, no course repository, no home folder, no other student. No network,
  its own process namespace (everything in it dies with it), a private /tmp. Started as
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
itself before it imports anything of the student's, so they hold in every mode.
"""

from __future__ import annotations

import functools
import os
import shutil
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

    def wrap(self, argv: list[str], *, workdir: Path, lib: Path | None = None, hide: tuple[Path, ...] = ()) -> list[str]:
        """The command line that runs `argv` in this sandbox: `workdir` writable, `lib` (the
        worker's package and links, view.py) read-only at `worker_lib(lib)`, `hide` never visible."""
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
        command += ["--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
        for node in gpu_device_nodes():  # --dev hides them; CUDA in the worker needs them (--device cuda)
            command += ["--dev-bind-try", node, node]
        broad = _outermost(path for path in view.python_folders() if path.exists() and not _under(path, [Path("/usr")]))
        narrow = [entry for entry in view.allowed_entries() if entry.exists()]
        for folder in _parents([*broad, *narrow, workdir]):  # bubblewrap would make them 0700: unreachable after the drop
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
        command += ["--bind", str(workdir), str(workdir), "--chdir", str(workdir), "--die-with-parent", "--new-session"]
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
    probe = subprocess.run(
        [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-all",
         "--die-with-parent", "true"],
        capture_output=True, text=True, check=False,
    )
    if probe.returncode != 0:
        detail = probe.stderr.strip().splitlines()[-1] if probe.stderr.strip() else f"exit {probe.returncode}"
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


def refusal_for_batch(sandbox: Sandbox) -> str:
    """Why `grade batch` will not run many students' code here ('' when it may)."""
    if sandbox.kind == BUBBLEWRAP:
        return ""
    return (f"grade batch runs many students' code on this machine and needs bubblewrap, which is unusable here "
            f"({sandbox.reason}): {INSTALL_HINT}, or pass --unsafe-no-sandbox to run it as {sandbox.kind}")
