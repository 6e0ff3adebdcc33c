"""`grade override`, `grade export lms` and `grade batch`'s late-work options: thin click commands."""

from __future__ import annotations

import functools
from pathlib import Path

import click


def late_options(command):
    """--deadline, --late-penalty, --cutoff, --manifest for `grade batch`, gathered into `late`
    (grader.staff.late.LateOptions); each `VALUE` for every exercise or `EXERCISE=VALUE`, repeatable."""
    options = [
        click.option("--deadline", "deadlines", multiple=True, metavar="[EXERCISE=]TIME",
                     help="Due time, ISO 8601 with its UTC offset (2025-03-03T23:59+01:00); kept in the gradebook."),
        click.option("--late-penalty", "penalties", multiple=True, metavar="[EXERCISE=]PERCENT",
                     help="Points off per day (or part of one) late, as a percentage of the exercise's (default 0)."),
        click.option("--cutoff", "cutoffs", multiple=True, metavar="[EXERCISE=]TIME",
                     help="After this time a submission scores 0."),
        click.option("--manifest", "manifests", multiple=True, metavar="[EXERCISE=]FILE",
                     help="Submission times: a CSV with student,submitted_at[,exercise], or Moodle's grading "
                          "worksheet."),
    ]

    def gather(**kwargs):
        from grader.staff.late import LateOptions

        fields = {name: tuple(kwargs.pop(name)) for name in ("deadlines", "penalties", "cutoffs", "manifests")}
        return command(late=LateOptions(**fields), **kwargs)

    functools.update_wrapper(gather, command)
    for option in reversed(options):
        gather = option(gather)
    return gather


def echo_notices(notices: list[str]) -> None:
    for line in notices:
        click.echo(line, err=True)


@click.command("override")
@click.argument("results", type=click.Path(file_okay=False, path_type=Path))
@click.argument("student")
@click.argument("exercise")
@click.option("--points", type=float, help="The score to give, from 0 to the exercise's points.")
@click.option("--reason", default="", help="Why (kept with the override, shown in the student's report).")
@click.option("--clear", is_flag=True, help="Remove the override in force: the grader's score counts again.")
@click.option("--by", "author", default="", help="Who decides (default: your user name).")
@click.option("--history", "show_history", is_flag=True, help="List every override of this grade, and change nothing.")
def override_command(results: Path, student: str, exercise: str, points: float | None, reason: str, clear: bool,
                     author: str, show_history: bool) -> None:
    """Set one grade by hand, with a reason, or --clear it; the gradebook keeps every change.

    RESULTS is a `grade batch --out` folder; STUDENT their id there (an LMS's number) or the name
    the LMS download gave them. gradebook.csv, the reports and the dashboard are rebuilt; a rerun
    of the batch keeps the override.
    """
    from grader.staff.overrides import history, override

    if show_history:
        for entry in history(results, student, exercise):
            made = "cleared" if entry["points"] is None else f"set to {entry['points']:g}/{entry['max_score']:g}"
            click.echo(f"{entry['made_at']} {entry['author']}: {made} (grader: {entry['grader_score']:g}) "
                       f"{entry['reason']}".rstrip())
        return
    mark = override(results, student, exercise, points=points, reason=reason, clear=clear, author=author)
    how = "overridden" if mark.override else "the grader's score again"
    click.echo(f"{mark.student} {mark.exercise}: {mark.final:g}/{mark.max_score:g} ({how}; grader: {mark.raw:g}); "
               f"gradebook.csv, the reports and the dashboard rebuilt in {results}")


@click.command("lms")
@click.argument("results", type=click.Path(file_okay=False, path_type=Path))
@click.option("--format", "format_", type=click.Choice(["canvas", "moodle"]), required=True,
              help="canvas: the gradebook CSV to import; moodle: the offline grading worksheet to upload.")
@click.option("--columns", type=click.Choice(["exercises", "total"]), default="exercises", show_default=True,
              help="One column (Moodle: one worksheet) per exercise, or one total.")
@click.option("--roster", type=click.Path(dir_okay=False, path_type=Path),
              help="Canvas: the gradebook's export; Moodle: a downloaded grading worksheet (ids of students "
                   "graded from folders, SIS ids, sections, assignment ids).")
@click.option("--assignment", "assignments", multiple=True, metavar="EXERCISE=ID",
              help="Canvas assignment id of an exercise's column (or total=ID), e.g. exercise3=4711.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the files (default: RESULTS/lms).")
def export_lms_command(results: Path, format_: str, columns: str, roster: Path | None, assignments: tuple[str, ...],
                       out: Path | None) -> None:
    """The gradebook of RESULTS in Canvas's or Moodle's import format, final scores (late penalties
    and overrides applied), and <format>-notes.csv saying why a score is not the grader's."""
    from grader.staff.lms_export import export_lms

    exported = export_lms(results, format=format_, columns=columns, roster=roster, assignments=assignments, out=out)
    echo_notices(exported.notices)
    click.echo("wrote " + ", ".join(str(path) for path in exported.files))
