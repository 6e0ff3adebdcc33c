"""Regenerate docs/images/dashboard.png: a small class graded for real, then photographed.

Sixteen students: for exercise 1 the files of tests/submissions/similarity/ (ten independent
solutions and six copies, some disguised), for exercises 3 and 4 the solution or one of the
exercise's known-mistake files each, by a fixed pattern; one student's exercise 4 has a syntax
error and one has no exercise 3. `grade batch` grades them (a couple of minutes), `grade
similarity` compares exercise 1 (the others have only the solution and copies of it with one bug
each, which any copy detector flags), and Chromium takes the picture at 1280 px.

    python docs/images/dashboard_class.py            # writes docs/images/dashboard.png
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STUDENTS = {  # id: the folder of tests/submissions/similarity/ with their exercise 1
    "ana.lima": "comprehension", "ben.okafor": "fft", "cleo.martin": "im2col", "dev.patel": "twin_a",
    "eli.cohen": "twin_b", "fay.kim": "paster", "gus.ortiz": "wrapped", "hana.sato": "padded",
    "ivo.novak": "dead_code", "jo.schmidt": "loops", "kai.tanaka": "matrix_rows", "lea.rossi": "per_pixel_einsum",
    "max.dubois": "shifted_sums", "nia.adeyemi": "strided", "oli.berg": "while_loops", "pia.costa": "windows_tensordot",
}


def make_class(folder: Path) -> None:
    for number, (student, style) in enumerate(STUDENTS.items()):
        own = folder / student
        shutil.copytree(ROOT / "tests" / "submissions" / "similarity" / style, own)
        for exercise, module, offset in (("exercise3", "exercise3_stride", 0), ("exercise4", "exercise4_pooling", 7)):
            choices = [ROOT / "solutions" / f"{module}.py"] * 3 + sorted((ROOT / "tests" / "submissions" / exercise).glob("*.py"))
            if (student, exercise) == ("max.dubois", "exercise3"):
                continue  # handed nothing in
            text = choices[(number * 5 + offset) % len(choices)].read_text()
            if (student, exercise) == ("oli.berg", "exercise4"):
                text += "\n\ndef helper(:\n    pass\n"  # a syntax error
            (own / f"{module}.py").write_text(text)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="dashboard-class-") as scratch:
        scratch = Path(scratch)
        make_class(scratch / "class")
        grade = [sys.executable, "-m", "grader"]
        subprocess.run([*grade, "batch", str(scratch / "class"), "--out", str(scratch / "results"),
                        "--exercises", "exercise1,exercise3,exercise4"], cwd=ROOT, check=True)
        subprocess.run([*grade, "similarity", str(scratch / "class"), "--out", str(scratch / "results"),
                        "--exercises", "exercise1"], cwd=ROOT, check=True)
        with tempfile.TemporaryDirectory() as profile:
            subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                            f"--user-data-dir={profile}", "--window-size=1280,1450",
                            f"--screenshot={ROOT / 'docs' / 'images' / 'dashboard.png'}",
                            (scratch / "results" / "dashboard.html").as_uri()], check=True, capture_output=True)
    print(f"wrote {ROOT / 'docs' / 'images' / 'dashboard.png'}")


if __name__ == "__main__":
    main()
