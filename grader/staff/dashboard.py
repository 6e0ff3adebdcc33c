"""The class dashboard: what a class got right and wrong, read from the gradebook alone.

Per exercise: the distribution of scores, each check's pass rate, the known mistakes ranked by
how many students made them (with the hint and the students' ids, so an instructor sees what
to reteach), the students whose grading hit a timeout, a crash, an unreadable file or a grader
error, and the grading time. `grade stats RESULTS` writes it (`grade batch` too, after every
run); `--format json` gives the same figures. Charts are matplotlib SVG, inline, when the
`dashboard` extra is installed; without it the same counts are tables.
"""

from __future__ import annotations

import io
import json
import re
import statistics
from collections import defaultdict
from pathlib import Path

from grader.errors import GraderError
from grader.results import GRADED, PASSED, ExerciseResult
from grader.staff.collect import StudentFiles
from grader.staff.gradebook import ClassBook, Grade, Gradebook, student_status, write_atomically
from grader.staff.marks import final_grades

TOP_MISTAKES = 3  # per exercise, in the terminal summary after a batch


def class_statistics(results: Path, *, book: ClassBook | None = None) -> dict:
    """The dashboard's figures, as plain JSON data, from `book` (default: the gradebook in `results`,
    read here)."""
    if book is None:
        path = Path(results) / "gradebook.sqlite"
        if not path.is_file():
            raise GraderError(f"no gradebook in {results}: run `grade batch SUBMISSIONS --out {results}` first")
        gradebook = Gradebook(path)
        try:
            book = gradebook.read()
        finally:
            gradebook.close()
    marked = book.marks()  # final scores: late penalties and overrides (marks.py)
    grades = final_grades(book.grades(), marked)
    exercises = sorted({grade.exercise for grade in grades}, key=_exercise_number)
    students = sorted({grade.student for grade in grades})
    totals = {student: 0.0 for student in students}
    max_total = 0.0
    figures = []
    for exercise in exercises:
        own = [grade for grade in grades if grade.exercise == exercise]
        max_score = max(grade.max_score for grade in own)
        max_total += max_score
        for grade in own:
            totals[grade.student] += grade.score
        figures.append(_exercise_figures(exercise, [(grade, book.result(grade.student, exercise)) for grade in own],
                                         max_score))
    flagged = _flagged_pairs(Path(results))
    table = {(grade.student, grade.exercise): grade for grade in grades}
    rows = []
    for student in students:
        row = [table.get((student, exercise)) for exercise in exercises]
        report = Path("students") / StudentFiles(student, None).slug / "report.html"
        rows.append({"student": student, "total": round(totals[student], 4),
                     "scores": {exercise: None if grade is None else grade.score for exercise, grade in zip(exercises, row)},
                     "status": student_status(row, exercises),
                     "report": report.as_posix() if (Path(results) / report).is_file() else "",
                     "similar": _similar(student, flagged),
                     "adjusted": {exercise: marked[student, exercise].note() for exercise in exercises
                                  if (student, exercise) in marked and marked[student, exercise].adjusted}})
    return {
        "students": len(students),
        "max_total": max_total,
        "rows": rows,
        "totals": {"values": [round(totals[student], 4) for student in students],
                   "median": _median(totals.values()), "histogram": _histogram(totals.values(), max_total)},
        "exercises": figures,
        "similarity": flagged,
    }


def _exercise_figures(exercise: str, grades: list[tuple[Grade, ExerciseResult]], max_score: float) -> dict:
    checks: dict[str, dict] = {}
    mistakes: dict[str, dict] = defaultdict(lambda: {"students": set(), "hint": "", "checks": set()})
    problems = []
    for grade, result in grades:
        for test in result.tests:
            counted = checks.setdefault(test.name, {"name": test.name, "max_score": test.max_score,
                                                    "passed": 0, "of": 0})
            counted["of"] += 1
            counted["passed"] += test.status == PASSED
            if len(test.mistakes) == 1:  # a hint offered for several mistakes names none of them for sure
                found = mistakes[test.mistakes[0]]
                found["students"].add(grade.student)
                found["checks"].add(test.name)
                if test.hint:
                    found["hint"] = test.hint
        if grade.status != GRADED or result.has_errors:
            problems.append({"student": grade.student, "status": grade.status, "reason": _reason(result, grade.status)})
        elif any(test.failure for test in result.tests):  # a worker that hung, died, or sent a malformed reply
            problems.append({"student": grade.student, "status": GRADED,
                             "reason": next(test.output for test in result.tests if test.failure)})
    ranked = sorted(mistakes.items(), key=lambda item: (-len(item[1]["students"]), item[0]))
    seconds = [float(result.execution_time) for _, result in grades]
    scores = [grade.score for grade, _ in grades]
    return {
        "exercise": exercise,
        "short": str(_exercise_number(exercise)) if _exercise_number(exercise) else exercise,  # a column's heading
        "title": next((result.title for _, result in grades if result.title), ""),
        "max_score": max_score,
        "students": len(grades),
        "scores": {"values": scores, "median": _median(scores), "full_marks": sum(s >= max_score for s in scores),
                   "histogram": _histogram(scores, max_score)},
        "checks": [{**check, "rate": round(check["passed"] / check["of"], 4) if check["of"] else 0.0}
                   for check in checks.values()],
        "mistakes": [{"id": mistake, "count": len(found["students"]), "students": sorted(found["students"]),
                      "hint": found["hint"], "checks": sorted(found["checks"])} for mistake, found in ranked],
        "problems": sorted(problems, key=lambda problem: problem["student"]),
        "seconds": {"median": _median(seconds), "max": round(max(seconds, default=0.0), 3),
                    "total": round(sum(seconds), 3)},
    }


def _reason(result: ExerciseResult, status: str) -> str:
    """Why a grade is not a plain one, in one line: the exercise's problem (a syntax error, a
    missing file) or the first check's message."""
    outputs = [test.output for test in result.tests if test.output]
    text = result.problem or (outputs[0] if outputs else "")
    return one_line(text)[:300] or status


def one_line(text: str) -> str:
    """A message in one line: its first line, and where that line only introduces what follows
    ("your file has a syntax error:"), the last line and where it happened.

    'your file has a syntax error: SyntaxError: invalid syntax (line 7)'
    """
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    if not lines:
        return ""
    if not lines[0].endswith(":") or len(lines) == 1:
        return lines[0]
    where = next((found[0] for line in lines[1:-1] if (found := re.search(r"(cell \S+, )?line \d+", line))), "")
    return f"{lines[0]} {lines[-1]}" + (f" ({where})" if where else "")


def _histogram(values, top: float) -> list[dict]:
    """Counts per whole point from 0 to `top` (a bin [k, k+1), the last one closed), each labelled
    with the values it holds ("143" or "143-143.5": a half point is never shown as a whole one)."""
    bins = max(1, int(round(top)))
    held: list[list[float]] = [[] for _ in range(bins + 1)]
    for value in values:
        held[min(bins, max(0, int(value)))].append(value)
    return [{"points": points, "count": len(found), "label": _label(points, found)} for points, found in enumerate(held)]


def _label(points: int, values: list[float]) -> str:
    low, high = (min(values), max(values)) if values else (points, points)
    return f"{low:g}" if low == high else f"{low:g}-{high:g}"


def _median(values) -> float:
    values = list(values)
    return round(statistics.median(values), 4) if values else 0.0


def _exercise_number(exercise: str) -> int:
    """exercise1 before exercise2 before exercise10."""
    digits = "".join(character for character in exercise if character.isdigit())
    return int(digits) if digits else 0


def _flagged_pairs(results: Path) -> list[dict]:
    """The pairs `grade similarity` flagged into the same folder, if it ran: most similar first,
    then by exercise number."""
    path = results / "similarity.json"
    if not path.is_file():
        return []
    try:
        pairs = [pair for pair in json.loads(path.read_text(encoding="utf-8")).get("flagged", [])
                 if isinstance(pair, dict) and {"exercise", "student_a", "student_b", "anchor"} <= set(pair)]
        return sorted(pairs, key=lambda pair: (-_share(pair), _exercise_number(pair["exercise"]),
                                               pair["student_a"], pair["student_b"]))
    except (OSError, ValueError, AttributeError, TypeError):
        return []


def _share(pair: dict) -> float:
    return max(float(pair.get("similarity_a", 0)), float(pair.get("similarity_b", 0)))


def _similar(student: str, flagged: list[dict]) -> list[dict]:
    """The student's flagged pairs, each named by its exercise and the other side, most similar first."""
    return [{"exercise": pair["exercise"], "other": pair["student_b"] if pair["student_a"] == student else pair["student_a"],
             "similarity": round(_share(pair), 4), "anchor": pair["anchor"]}
            for pair in flagged if student in (pair["student_a"], pair["student_b"])]


# --- Output ---------------------------------------------------------------------------------------

def write_dashboard(results: Path, out: Path | None = None, *, figures: dict | None = None) -> Path:
    """Write the dashboard (default RESULTS/dashboard.html) of `figures` (default: class_statistics of
    `results`); return its path."""
    from grader.render import environment

    figures = class_statistics(results) if figures is None else figures
    charts = _charts(figures)
    out = Path(results) / "dashboard.html" if out is None else Path(out)
    html = environment().get_template("dashboard.html.j2").render(figures=figures, charts=charts)
    write_atomically(out, html)
    return out


def top_mistakes(figures: dict, count: int = TOP_MISTAKES) -> list[str]:
    """'exercise1: flipped_kernel (12 students), ...' for the terminal after a batch."""
    lines = []
    for exercise in figures["exercises"]:
        if exercise["mistakes"]:
            named = ", ".join(f"{m['id']} ({m['count']} student{'' if m['count'] == 1 else 's'})"
                              for m in exercise["mistakes"][:count])
            lines.append(f"{exercise['exercise']}: {named}")
    return lines


def _charts(figures: dict) -> dict:
    """Inline SVG histograms by name ("total", "exercise1", ...); empty without matplotlib."""
    try:
        import matplotlib
    except ImportError:
        return {}
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    charts = {"total": _histogram_svg(plt, figures["totals"]["histogram"], "total points")}
    for exercise in figures["exercises"]:
        charts[exercise["exercise"]] = _histogram_svg(plt, exercise["scores"]["histogram"], "points")
    return charts


def _histogram_svg(plt, histogram: list[dict], label: str) -> str:
    with plt.rc_context({"svg.hashsalt": "cnn-grader", "svg.fonttype": "path", "font.size": 9}):
        figure, axes = plt.subplots(figsize=(4.2, 1.9), dpi=96)
        axes.bar([item["points"] for item in histogram], [item["count"] for item in histogram],
                 width=0.8, color="#0969da", edgecolor="#1f2328", linewidth=0.5)
        axes.set_xlabel(label)
        axes.set_ylabel("students")
        axes.yaxis.get_major_locator().set_params(integer=True)
        axes.spines[["top", "right"]].set_visible(False)
        figure.tight_layout()
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
        plt.close(figure)
    text = buffer.getvalue()
    text = re.sub(r"\s*<metadata>.*?</metadata>", "", text, flags=re.S)  # RDF about the file, not the chart
    return text[text.index("<svg"):]  # drop the XML prologue: the SVG sits inside HTML
