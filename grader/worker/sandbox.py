"""Where the worker runs: inside bubblewrap when it works here, else under resource limits only.

bubblewrap gives the worker a read-only view of the machine, no network, its own process
namespace, a private /tmp holding only its own folder, and empty folders in place of the
paths it must not see (`solutions/`, other students' submissions). The resource limits
(memory, CPU time, file size) are applied by the worker itself before it imports anything
of the student's, so they hold in both modes.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

BUBBLEWRAP = "bubblewrap"
LIMITS_ONLY = "resource limits only"


@dataclass(frozen=True)
class Sandbox:
    kind: str
    reason: str = ""

    @property
    def description(self) -> str:
        if self.kind == BUBBLEWRAP:
            return "bubblewrap (no network, read-only file system, solutions hidden) + resource limits"
        return f"{LIMITS_ONLY} ({self.reason})"

    def wrap(self, argv: list[str], *, workdir: Path, hide: tuple[Path, ...] = ()) -> list[str]:
        """The command line that runs `argv` in this sandbox with `workdir` writable."""
        if self.kind != BUBBLEWRAP:
            return argv
        command = [
            shutil.which("bwrap") or "bwrap",
            "--ro-bind", "/", "/",
            "--dev", "/dev",
            "--proc", "/proc",
            "--tmpfs", "/tmp",
        ]
        for path in hide:
            if path.is_dir():
                command += ["--tmpfs", str(path)]
            elif path.exists():
                command += ["--ro-bind", "/dev/null", str(path)]
        command += [
            "--bind", str(workdir), str(workdir),
            "--chdir", str(workdir),
            "--unshare-all",
            "--die-with-parent",
            "--new-session",
            "--cap-drop", "ALL",
            *argv,
        ]
        return command


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
