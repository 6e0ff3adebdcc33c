"""`grade batch` and `grade export`: thin click commands (click only, imported at start-up)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from grader.errors import GRADED, INTERNAL_ERROR, GraderError
from grader.seeds import ENVIRONMENT as SECRET_VARIABLE
from grader.seeds import SECRET_FILE
from grader.staff.lms_commands import echo_notices, export_lms_command, late_options
from grader.staff.similarity import DEFAULT_THRESHOLD  # light: copydetect is imported on use


@click.command("batch")
@click.argument("submissions", type=click.Path(path_type=Path))
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder (outside SUBMISSIONS) for gradebook.sqlite, gradebook.csv, the secret seed and "
                   "students/<id>/ with each student's results.json and report.html.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Submissions graded in parallel (default: the number of cores).")
@click.option("--exercises", metavar="LIST", help="Comma-separated exercises to grade, e.g. exercise1,exercise3 (default: all).")
@click.option("--secret-file", type=click.Path(dir_okay=False, path_type=Path),
              help=f"Draw with the secret seed in this file (default: ${SECRET_VARIABLE}, else RESULTS/{SECRET_FILE}, "
                   "made on the first run).")
@click.option("--seed", "public_seed", type=int, hidden=True,
              help="Refused: a graded run takes no seed on its command line (see --secret-file).")
@click.option("--scheduler", metavar="ADDRESS", help="Run on a Dask distributed cluster, e.g. tcp://10.0.0.5:8786.")
@click.option("--unsafe-no-sandbox", is_flag=True,
              help="Grade even where bubblewrap cannot run (docs/untrusted-code.md says what is lost).")
@click.option("--similarity", "with_similarity", is_flag=True,
              help="Afterwards, compare the students' code (as `grade similarity` does) into the same folder.")
@late_options
def batch_command(submissions: Path, out: Path, jobs: int | None, exercises: str | None, secret_file: Path | None,
                  public_seed: int | None, scheduler: str | None, unsafe_no_sandbox: bool,
                  with_similarity: bool, late) -> int:
    """Grade a class: SUBMISSIONS holds one folder or .zip per student, named by student id, or is
    a Canvas or Moodle download (.zip) as it comes.

    Reruns grade only what is new or changed; a run killed at any moment, or stopped with
    Ctrl-C, loses nothing. The inputs are drawn with a secret seed, never the students' practice one.
    """
    from grader import seeds
    from grader.staff.batch import batch, refuse_nested

    _refuse_public_seed(public_seed)
    refuse_nested(submissions, out)
    if scheduler is None:  # a cluster's machines each need bubblewrap; this one runs no student code
        _check_sandbox(submissions, out, unsafe=unsafe_no_sandbox)

    names = _exercise_list(exercises)
    summary = batch(submissions, out, jobs=jobs, exercises=names, secret=seeds.given(secret_file),
                    scheduler=scheduler, unsafe_no_sandbox=unsafe_no_sandbox, progress=_progress(sys.stderr.isatty()),
                    late=late)
    echo_notices(summary.notices)
    for name in summary.skipped_entries:
        click.echo(f"skipped {name}: not a folder or a .zip", err=True)
    click.echo(f"{summary.students} students: {summary.graded} grades made, {summary.unchanged} unchanged "
               f"({summary.seconds:.1f} s); gradebook in {out}")
    if with_similarity:
        _similarity(submissions, out, names, DEFAULT_THRESHOLD)
    _mistakes_summary(out, summary.mistakes)
    if summary.errors:
        click.echo(f"{summary.errors} grade(s) hit a grader error; rerun to retry them", err=True)
        return INTERNAL_ERROR
    return GRADED


def _refuse_public_seed(seed: int | None) -> None:
    """A graded run takes no seed on its command line, which every process can read in /proc."""
    if seed is not None:
        raise GraderError(f"a graded run draws with a secret seed, never one on the command line (every process can "
                          f"read it in /proc/*/cmdline): pass --secret-file FILE, or the secret in ${SECRET_VARIABLE}")


def _check_sandbox(submissions: Path, out: Path, *, unsafe: bool) -> None:
    """No silent fallback: without bubblewrap, refuse unless told; told, say what is exposed."""
    from grader.worker.sandbox import (UNPRIVILEGED, detect, readable_by_others, refusal_for_batch, warning,
                                       worker_cannot_start)

    sandbox = detect()
    refusal = refusal_for_batch(sandbox)
    if not refusal:
        return
    if not unsafe:
        raise GraderError(refusal)
    if worker_cannot_start(sandbox):  # one line now, not an error row per check of every student
        raise GraderError(worker_cannot_start(sandbox))
    click.echo(warning(sandbox), err=True)
    if sandbox.kind == UNPRIVILEGED:  # the students' workers are other users: keep them out of what we write
        out.mkdir(parents=True, exist_ok=True)
        out.chmod(out.stat().st_mode & ~0o007)
        if readable_by_others(submissions):
            click.echo(f"warning: {submissions} is readable by every user, so by each student's code: "
                       f"chmod -R o-rwx {submissions}", err=True)
@click.command("similarity")
@click.argument("submissions", type=click.Path(path_type=Path))
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for similarity.csv (every pair that shares code) and similarity.html (the flagged pairs).")
@click.option("--exercises", metavar="LIST",
              help="Comma-separated exercises to compare, e.g. exercise1,exercise3 (default: all).")
@click.option("--threshold", type=float, default=DEFAULT_THRESHOLD, show_default=True,
              help="Flag a pair when this share (0-1) of either file's code stands in the other.")
@click.option("--course", type=click.Path(file_okay=False, path_type=Path),
              help="The course repository whose solutions/ to compare with (default: the installed course).")
def similarity_command(submissions: Path, out: Path, exercises: str | None, threshold: float,
                       course: Path | None) -> None:
    """Find copied work: each pair of students, and each student against reference/ and solutions/.

    SUBMISSIONS is laid out as for `grade batch`. Nothing is run; no score changes.
    """
    _similarity(submissions, out, _exercise_list(exercises), threshold, course)


def _similarity(submissions: Path, out: Path, exercises: list[str] | None, threshold: float,
                course: Path | None = None) -> None:
    from grader.staff.similarity import similarity

    report = similarity(submissions, out, exercises=exercises, threshold=threshold, root=course)
    click.echo(report.course_line, err=report.course is None)
    skipped = f", {len(report.unreadable)} not compared" if report.unreadable else ""
    click.echo(f"{report.files} files of {report.students} students compared{skipped}: {len(report.flagged)} pair(s) "
               f"at or above {threshold:.0%}; see {out / 'similarity.html'}")


@click.command("stats")
@click.argument("results", type=click.Path(file_okay=False, path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the dashboard (default: RESULTS/dashboard.html).")
@click.option("--format", "format_", type=click.Choice(["html", "json"]), default="html", show_default=True,
              help="html writes the dashboard; json prints the same figures.")
def stats_command(results: Path, out: Path | None, format_: str) -> None:
    """The class dashboard from a batch's gradebook: scores, pass rates, the most common mistakes."""
    from grader.staff.dashboard import class_statistics, write_dashboard

    if format_ == "json":
        click.echo(json.dumps(class_statistics(results), indent=1))
    else:
        click.echo(f"wrote {write_dashboard(results, out)}")


def _mistakes_summary(out: Path, lines: list[str]) -> None:
    """The dashboard is current (batch wrote it); name the most common mistakes per exercise."""
    if lines:
        click.echo("most common mistakes:\n" + "\n".join(f"  {line}" for line in lines))
    click.echo(f"class dashboard: {out / 'dashboard.html'}")


def _exercise_list(exercises: str | None) -> list[str] | None:
    return [name.strip() for name in exercises.split(",") if name.strip()] if exercises else None


def _progress(terminal: bool):
    """A bar redrawn in place on a terminal; one plain line per grade elsewhere (CI logs)."""
    def show(count: int, total: int, grade) -> None:
        line = f"{grade.student} {grade.exercise}: {grade.score:g}/{grade.max_score:g} {grade.status}"
        if terminal:
            filled = int(30 * count / total)
            click.echo(f"\r[{'#' * filled}{'.' * (30 - filled)}] {count}/{total} {line[:40]:<40}", err=True,
                       nl=count == total)
        else:
            click.echo(f"[{count}/{total}] {line}", err=True)

    return show


@click.group("export")
def export_command() -> None:
    """Files that let a grading service run this grader."""


@export_command.command("gradescope")
@click.option("--out", default="autograder.zip", show_default=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the zip to upload as Gradescope's autograder.")
@click.option("--secret-file", type=click.Path(dir_okay=False, path_type=Path),
              help=f"The secret seed the autograder draws with, e.g. RESULTS/{SECRET_FILE} to draw as `grade batch` "
                   f"did (default: ${SECRET_VARIABLE}, else a new secret).")
@click.option("--seed", "public_seed", type=int, hidden=True,
              help="Refused: a graded run takes no seed on its command line (see --secret-file).")
def export_gradescope(out: Path, secret_file: Path | None, public_seed: int | None) -> None:
    """Gradescope's autograder.zip: setup.sh, run_autograder, the grader and a secret seed (never solutions/)."""
    from grader import seeds
    from grader.staff.export import gradescope_zip

    _refuse_public_seed(public_seed)
    names, secret = gradescope_zip(out, secret=seeds.given(secret_file))
    click.echo(f"wrote {out} ({len(names)} files, seed {secret}); upload it as the assignment's autograder")


@export_command.command("github")
@click.option("--out", default=".github/workflows/grade.yml", show_default=True,
              type=click.Path(dir_okay=False, path_type=Path), help="Where to write the workflow.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Practice seed the workflow uses (public: it runs in the student's own repository).")
@click.option("--fail-under", metavar="SCORE", help="Fail the workflow below this score (points or a percentage).")
def export_github(out: Path, seed: int, fail_under: str | None) -> None:
    """A GitHub Actions (or Classroom) workflow that grades every push and shows the report."""
    from grader.staff.export import github_workflow

    github_workflow(out, seed=seed, fail_under=fail_under)
    click.echo(f"wrote {out}; commit it in the student template repository")


@export_command.command("report")
@click.argument("report", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "format_", type=click.Choice(["text", "markdown", "html", "gradescope", "junit"]),
              required=True, help="The format to render the saved report in.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write it to this file instead of the terminal.")
def export_report(report: Path, format_: str, output: Path | None) -> None:
    """Render REPORT (saved with `--format json`) in another format, without grading again."""
    from grader.staff.export import report_from_json
    from grader.staff.gradebook import write_atomically

    text = report_from_json(report, format_)
    if output is None:
        click.echo(text, nl=False)
    else:
        write_atomically(output, text)


export_command.add_command(export_lms_command)
