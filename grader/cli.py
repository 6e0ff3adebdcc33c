"""The `grade` command: thin commands over the library, errors as one line and an exit code.

Exit codes: 0 grading ran (whatever the score), 1 the score is below --fail-under, 2 bad
usage or an unreadable submission, 3 an internal grader error, 130 interrupted (Ctrl-C). Heavy modules (NumPy,
hypothesis, torch, nbformat) are imported inside the commands, so `grade --help` is instant.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from dataclasses import replace
from pathlib import Path

import click

from grader.errors import BELOW_FAIL_UNDER, GRADED, INTERNAL_ERROR, INTERRUPTED, USAGE_ERROR, GraderError
from grader.layout import keep_hypothesis_files_in_the_cache

FORMATS = ("text", "markdown", "html", "json", "gradescope", "junit")


# Commands defined in other modules: (module, attribute), imported when used or listed by --help, so
# that `grade EXERCISE` imports none of them.
ELSEWHERE = {
    "batch": ("grader.staff.commands", "batch_command"),
    "export": ("grader.staff.commands", "export_command"),
    "similarity": ("grader.staff.commands", "similarity_command"),
    "stats": ("grader.staff.commands", "stats_command"),
    "override": ("grader.staff.lms_commands", "override_command"),
    "notebooks": ("grader.instructor.commands", "notebooks_command"),
    "selftest": ("grader.instructor.commands", "selftest_command"),
    "release": ("grader.instructor.commands", "release_command"),
}


class _GradeGroup(click.Group):
    """`grade exercise3 ...` means `grade check exercise3 ...`; the commands of ELSEWHERE are
    imported when asked for."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        verbose = [arg for arg in args if arg in ("--verbose", "-v")]  # allowed anywhere: `grade exercise3 -v`
        args = [arg for arg in args if arg not in verbose]
        if args and not args[0].startswith("-") and args[0] not in self.commands and args[0] not in ELSEWHERE:
            args = ["check", *args]
        return super().parse_args(ctx, verbose[:1] + args)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *ELSEWHERE})

    def get_command(self, ctx: click.Context, name: str):
        if name not in self.commands and name in ELSEWHERE:
            import importlib

            module, attribute = ELSEWHERE[name]
            self.add_command(getattr(importlib.import_module(module), attribute), name)
        return super().get_command(ctx, name)


class _DeviceOption(click.Option):
    """--device, whose help names the exercises it moves, read from the catalog when help is shown."""

    def get_help_record(self, ctx: click.Context):
        self.help = (f"Where the PyTorch exercises ({_model_exercises()}) run their models: auto picks CUDA when "
                     "present.")
        return super().get_help_record(ctx)


def _model_exercises() -> str:
    """'6-9, 12, 13, 15, 16': the numbers of the exercises whose declarations allow CUDA."""
    from grader import catalog

    numbers = sorted(int(about.id.removeprefix("exercise")) for about in map(catalog.about, catalog.module_names())
                     if about.cuda and about.id.removeprefix("exercise").isdigit())
    runs: list[list[int]] = []
    for number in numbers:
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    return ", ".join(f"{run[0]}-{run[-1]}" if len(run) > 2 else ", ".join(map(str, run)) for run in runs)


def report_options(command):
    """--format, --output, --seed, --secret-file, --fail-under, --device: shared by every command that grades."""
    options = [
        click.option("--format", "format_", type=click.Choice(FORMATS), default="text", show_default=True,
                     help="Report format: text for a terminal, json/gradescope/junit for CI."),
        click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
                     help="Write the report to this file instead of the terminal."),
        click.option("--seed", type=int,
                     help="Practice seed (default 0): the same submission and seed give the same score and "
                          "counterexamples."),
        click.option("--secret-file", type=click.Path(dir_okay=False, path_type=Path),
                     help="Make this a graded run: draw with the secret seed in this file (or in $CNN_GRADER_SECRET), "
                          "hidden checks included; reports show the seed's fingerprint only."),
        click.option("--fail-under", metavar="SCORE",
                     help="Exit with 1 when the score is below SCORE: points (7) or a percentage (70%)."),
        click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True,
                     cls=_DeviceOption, help="Where the PyTorch exercises run their models."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def run_seed(seed: int | None, secret_file: Path | None):
    """The seed a grading command draws with: the staff's secret (a graded run), else the practice seed."""
    from grader import seeds

    secret = seeds.given(secret_file)
    if secret is None:
        return seeds.PRACTICE_SEED if seed is None else seed
    if seed is not None:
        raise GraderError(f"--seed {seed} is a practice seed, and a secret seed is given (--secret-file or "
                          f"${seeds.ENVIRONMENT}): a run draws from one or the other")
    return secret


@click.group(cls=_GradeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="cnn-grader", prog_name="grade")
@click.option("--verbose", "-v", is_flag=True,
              help="Show what the grader decides as it goes (worker restarts, model mappings) on stderr.")
def cli(verbose: bool) -> None:
    """Grade the CNN exercises: `grade EXERCISE [--submission PATH]`.

    EXERCISE is exercise1 ... or its topic (convolution, padding, ...); `grade list`
    shows them all. By default the file graded is exercises/<module>.py under the current
    folder.
    """
    if verbose or os.environ.get("CNN_GRADER_DEBUG"):
        show_log()


def show_log() -> None:
    """The grader's `logging` at DEBUG on stderr (`--verbose`, or CNN_GRADER_DEBUG=1), never in reports."""
    import logging

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("grade: %(name)s: %(message)s"))
    logger = logging.getLogger("grader")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)


@cli.command("check", hidden=True)
@click.argument("exercise")
@click.option("--submission", "-s", metavar="PATH",
              help="The .py or .ipynb file to grade, or a folder holding it (default: exercises/<module>.py).")
@report_options
def check_command(exercise: str, submission: str | None, format_: str, output: Path | None, seed: int | None,
                  secret_file: Path | None, fail_under: str | None, device: str) -> int:
    """Grade one exercise."""
    from grader.grading import free_cores, grade

    run = run_seed(seed, secret_file)
    _warn_without_sandbox()
    template = _template_ahead(format_)
    report = grade([exercise], submission=submission, seed=run, device=device, cores=free_cores())
    template.join()
    return emit(report, format_, output, fail_under)


@cli.command("all")
@click.option("--submission", "-s", metavar="FOLDER",
              help="The folder holding the exercise files, at any depth (default: exercises/).")
@click.option("--jobs", "-j", type=click.IntRange(min=1),
              help="Exercises graded at once, each group in its own process (default: the cores, at most 4).")
@report_options
def all_command(submission: str | None, jobs: int | None, format_: str, output: Path | None, seed: int | None,
                secret_file: Path | None, fail_under: str | None, device: str) -> int:
    """Grade every exercise: one report, one total."""
    from grader import catalog
    from grader.grade_all import grade_all
    from grader.results import MISSING

    run = run_seed(seed, secret_file)
    _warn_without_sandbox()
    report = grade_all(catalog.module_names(), jobs=jobs, submission=submission, seed=run, device=device)
    if format_ == "text" and output is None and all(result.status == MISSING for result in report.exercises):
        raise GraderError(f"no exercise file in {submission} or any folder below it: pass the folder that holds "
                          "exercise1_convolution.py and the others")
    return emit(report, format_, output, fail_under)


def _template_ahead(format_: str) -> threading.Thread:
    """A thread that gets the report's template ready (Jinja2 imported, the template read from the
    cache: 30-40 ms) while the grader waits for its worker, rather than after the checks."""
    def ready() -> None:
        from grader.render import prepare

        prepare(format_)

    thread = threading.Thread(target=ready, name="report template", daemon=True)
    thread.start()
    return thread


def _warn_without_sandbox() -> None:
    """No silent fallback: one line on stderr when the submission will not run in bubblewrap."""
    from grader.worker.sandbox import detect, warning

    line = warning(detect())
    if line:
        click.echo(line, err=True)


@cli.command("list")
def list_command() -> None:
    """List the exercises with their points and what the student writes."""
    from grader import catalog

    for about in map(catalog.about, catalog.module_names()):
        if about.points is None:  # a declaration that does not state its points: only loading it tells
            exercise = catalog.load(about.module)
            hidden = sum(check.points for check in exercise.checks if check.hidden)
            about = replace(about, points=exercise.max_score - hidden, hidden_points=hidden)
        points = f"{about.points:g} points" + (f" (+{about.hidden_points:g} hidden)" if about.hidden_points else "")
        click.echo(f"{about.id:<11} {about.topic:<12} {points:<22} {f'{about.budget:g} s budget':<14} "
                   f"{about.title} (section {about.section})")
        click.echo(f"{'':<11} {about.summary}")


@cli.command("stubs")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if exercises/ differs from what generation gives.")
def stubs_command(check: bool) -> int:
    """Regenerate the student stubs in exercises/ from solutions/ (run in the repository)."""
    from grader.stubs import write_stubs

    solutions, exercises = Path("solutions"), Path("exercises")
    if not solutions.is_dir() or not exercises.is_dir():
        raise GraderError("run `grade stubs` in the repository: it needs solutions/ and exercises/ here")
    changed = write_stubs(solutions, exercises, check=check)
    for path in changed:
        click.echo(f"{'differs' if check else 'wrote'}: {path}")
    if not changed:
        click.echo("exercises/ is up to date with solutions/")
    return BELOW_FAIL_UNDER if check and changed else GRADED


def emit(report, format_: str, output: Path | None, fail_under: str | None) -> int:
    """Print or write the report; return the exit code it calls for."""
    from grader.render import render

    threshold = _threshold(fail_under, report.max_score)
    text = render(report, format_, color=output is None and format_ == "text" and sys.stdout.isatty())
    if output is None:
        click.echo(text, nl=False)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output} ({report.score:g}/{report.max_score:g})", err=True)
    if report.has_errors:
        return INTERNAL_ERROR
    if not report.gradable:  # every file missing or unreadable: the report says why, once per exercise
        return USAGE_ERROR
    if threshold is not None and report.score < threshold:
        return BELOW_FAIL_UNDER
    return GRADED


def _threshold(fail_under: str | None, max_score: float) -> float | None:
    if fail_under is None:
        return None
    text = fail_under.strip()
    try:
        return float(text[:-1]) / 100 * max_score if text.endswith("%") else float(text)
    except ValueError:
        raise GraderError(f"--fail-under {fail_under!r} is not a number of points (7) or a percentage (70%)") from None


def main(argv: list[str] | None = None) -> None:
    """Entry point of `grade` and `python -m grader`."""
    keep_hypothesis_files_in_the_cache()
    try:
        code = cli.main(args=argv, prog_name="grade", standalone_mode=False)
    except click.exceptions.Exit as done:
        code = done.exit_code
    except click.UsageError as error:
        command = error.ctx.command_path.replace("grade check", "grade EXERCISE") if error.ctx else "grade"
        click.echo(f"grade: {error.format_message()} (`{command} --help` lists the options)", err=True)
        code = USAGE_ERROR
    except click.ClickException as error:
        click.echo(f"grade: {error.format_message()}", err=True)
        code = USAGE_ERROR
    except click.Abort as abort:  # click turns Ctrl-C into Abort
        interrupted = isinstance(abort.__cause__ or abort.__context__, KeyboardInterrupt)
        click.echo(f"grade: {'interrupted' if interrupted else 'aborted'}", err=True)
        code = INTERRUPTED if interrupted else USAGE_ERROR
    except GraderError as error:
        click.echo(f"grade: {error}", err=True)
        code = error.exit_code
    except KeyboardInterrupt:
        click.echo("grade: interrupted", err=True)
        code = INTERRUPTED
    except Exception as error:  # a bug in the grader: one line, the traceback only on request
        if os.environ.get("CNN_GRADER_DEBUG"):
            raise
        click.echo(f"grade: internal error: {type(error).__name__}: {error} "
                   "(a bug in the grader; CNN_GRADER_DEBUG=1 shows the traceback)", err=True)
        code = INTERNAL_ERROR
    sys.exit(code or 0)


def run() -> None:
    """The `grade` program: `main`, then out at once. The interpreter's teardown (freeing NumPy's,
    hypothesis's and the grader's objects one by one: 50 ms of `grade exercise1`'s 0.55 s) is
    skipped; what a normal exit would still do is done first: the atexit handlers (logging's
    flush, multiprocessing's children, temporary folders) and flushing stdout and stderr. While a
    thread that is not a daemon runs, the exit is the normal one, which waits for it."""
    try:
        main()
    except SystemExit as done:
        code = done.code
    run_exit_functions = getattr(atexit, "_run_exitfuncs", None)
    if not isinstance(code, int) or run_exit_functions is None or any(
            not thread.daemon for thread in threading.enumerate() if thread is not threading.main_thread()):
        sys.exit(code)
    run_exit_functions()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe, a full disk: Python's own exit says 120
            code = code or 120
    os._exit(code)
