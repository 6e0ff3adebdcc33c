"""The instructor's commands: thin click wrappers over grader.instructor.{notebooks,selftest,release}.

Only click is imported here; each command imports its library module when it runs, so that
`grade --help` stays instant. Defaults live in the library functions' signatures: an option
that is not given is not passed.
"""

from __future__ import annotations

from pathlib import Path

import click


def _given(**options) -> dict:
    return {name: value for name, value in options.items() if value not in (None, ())}


@click.command("notebooks")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write student/ and solution/ into (default: notebooks/).")
def notebooks_command(out: Path | None) -> int:
    """Render the student and solution notebooks from templates/notebooks/ (run in the repository)."""
    from grader.instructor.notebooks import write_notebooks

    written = write_notebooks(**_given(out=out))
    for path in written.paths:
        click.echo(f"wrote {path}")
    for module in written.skipped:
        click.echo(f"skipped {module}: no template templates/notebooks/{module}.ipynb.j2")
    return 0


@click.command("selftest")
@click.argument("names", nargs=-1, metavar="[EXERCISE]...")
@click.option("--exercise", "-e", "exercises", multiple=True, metavar="EXERCISE",
              help="Test only this exercise (repeatable; the same as naming it as an argument).")
@click.option("--seed", type=int, help="Hypothesis seed for every grading run (default: 0).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Exercises tested at once (default: CPUs, at most 4).")
def selftest_command(names: tuple[str, ...], exercises: tuple[str, ...], seed: int | None, jobs: int | None) -> int:
    """Prove the checks tell right from wrong: solution full marks, stub 0, every known mistake caught.

    `grade selftest exercise3 exercise4` tests those exercises only; with no EXERCISE, all of them.
    """
    from grader.instructor.selftest import run_selftest

    report = run_selftest(**_given(exercises=[*names, *exercises] or None, seed=seed, jobs=jobs))
    click.echo(report.table(), nl=False)
    return 0 if report.ok else 1


@click.command("release")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the student kit; must be empty or absent unless --force.")
@click.option("--force", is_flag=True, help="Replace what is in --out.")
def release_command(out: Path, force: bool) -> int:
    """Write the student kit: no solutions/, checked line by line for leaked solution code."""
    from grader.instructor.release import write_release

    release = write_release(out=out, force=force)
    click.echo(release.summary())
    return 0
