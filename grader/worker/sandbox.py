"""Where the worker runs: inside bubblewrap when it works here, else under resource limits only.

bubblewrap gives the worker a read-only view of only what it needs (the system's /usr and
libraries, the Python installation and its packages, the grader package), no network, its
own process namespace, a private /tmp holding only its own folder, and empty folders in
place of the paths it must not see inside those (`solutions/` in site-packages, say).
Nothing else of the machine is there: not the course repository, not the home folder, not
other students' submissions. Started as root, the worker drops to an unprivileged user of
its own inside the sandbox (bubblewrap keeps only the two capabilities that needs), so the
process limit holds: the kernel never counts root's processes against RLIMIT_NPROC.

The resource limits (memory, CPU time, file size, processes) are applied by the worker
itself before it imports anything of the student's, so they hold in both modes; the one
exception is the process limit under root without bubblewrap, and the report says so.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

BUBBLEWRAP = "bubblewrap"
# What of /etc a Python process needs: the dynamic linker's cache, users, time zone, certificates.
SYSTEM_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives",
                "/etc/passwd", "/etc/group", "/etc/nsswitch.conf", "/etc/localtime", "/etc/ssl")
LIMITS_ONLY = "resource limits only"


@dataclass(frozen=True)
class Sandbox:
    kind: str
    reason: str = ""

    @property
    def drops_to_user(self) -> bool:
        """Root in bubblewrap: the worker becomes an unprivileged user of its own."""
        return self.kind == BUBBLEWRAP and os.geteuid() == 0

    @property
    def limits_processes(self) -> bool:
        """The kernel ignores RLIMIT_NPROC for root: only a non-root worker has a process limit."""
        return self.drops_to_user or os.geteuid() != 0

    @property
    def description(self) -> str:
        processes = "" if self.limits_processes else "; no process limit as root"
        if self.kind == BUBBLEWRAP:
            user = ", an unprivileged user" if self.drops_to_user else ""
            return f"bubblewrap (no network, a read-only view of Python and the grader only{user}) + resource limits"
        return f"{LIMITS_ONLY} ({self.reason}{processes})"

    def wrap(self, argv: list[str], *, workdir: Path, hide: tuple[Path, ...] = (),
             keep: tuple[Path, ...] = ()) -> list[str]:
        """The command line that runs `argv` in this sandbox with `workdir` writable.

        `keep`: what the worker needs besides the system (the interpreter, its packages, the
        grader), bound read-only. `hide` comes after, so it wins.
        """
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
        binds = _outermost(path for path in keep if path.exists() and not path.is_relative_to("/usr"))
        for folder in _parents([*binds, workdir]):  # bubblewrap would make them 0700: unreachable after the drop
            command += ["--perms", "0755", "--dir", str(folder)]
        for path in binds:
            command += ["--ro-bind", str(path), str(path)]
        for path in hide:
            if path.is_dir():
                command += ["--tmpfs", str(path)]
            elif path.exists():
                command += ["--ro-bind", "/dev/null", str(path)]
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
    """bubblewrap if it is installed and can make namespaces here; override with CNN_GRADER_SANDBOX."""
    wanted = os.environ.get("CNN_GRADER_SANDBOX", "auto")
    if wanted == "none":
        return Sandbox(LIMITS_ONLY, "CNN_GRADER_SANDBOX=none")
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return Sandbox(LIMITS_ONLY, "bubblewrap is not installed; apt-get install bubblewrap")
    probe = subprocess.run(
        [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-all",
         "--die-with-parent", "true"],
        capture_output=True, text=True, check=False,
    )
    if probe.returncode != 0:
        detail = probe.stderr.strip().splitlines()[-1] if probe.stderr.strip() else f"exit {probe.returncode}"
        return Sandbox(LIMITS_ONLY, f"bubblewrap cannot run here: {detail}")
    return Sandbox(BUBBLEWRAP)
