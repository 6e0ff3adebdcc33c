"""The performance page (docs/performance.md): each bench writes its own sections, in place.

A section is the text between `<!-- bench: NAME -->` and `<!-- /bench: NAME -->`; a bench
replaces its sections whole and leaves the rest of the page (the prose around them, the other
benches' sections) as it is. A section the page does not have yet is added at its end.
"""

from __future__ import annotations

import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

PAGE = Path(__file__).resolve().parents[1] / "docs" / "performance.md"


def write_section(name: str, text: str, page: Path = PAGE) -> None:
    """Put `text` into the page's section `name`, replacing what was there."""
    start, end = f"<!-- bench: {name} -->", f"<!-- /bench: {name} -->"
    block = f"{start}\n{text.strip()}\n{end}"
    old = page.read_text(encoding="utf-8") if page.exists() else "# Performance\n"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    new = pattern.sub(lambda _: block, old) if pattern.search(old) else f"{old.rstrip()}\n\n{block}\n"
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(new, encoding="utf-8")


def machine() -> str:
    """'2 cores, load average 1.9 at the start, `import numpy, hypothesis` 0.21 s, Python 3.11.2, 2026-12-05':
    what a figure was measured on. The import's time (the median of 5) tells how fast the machine was that
    day: a shared one runs the same code 1.5 times slower on some days than on others."""
    load = os.getloadavg()[0]
    return (f"{os.cpu_count()} cores, load average {load:.1f} at the start, `import numpy, hypothesis` "
            f"{_import_seconds():.2f} s, Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}")


def _import_seconds(runs: int = 5) -> float:
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import numpy, hypothesis"], check=True)
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)
