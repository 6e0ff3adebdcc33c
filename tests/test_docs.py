"""Do the README and docs/ name only commands and options that `grade` has, and quote no test count?

A page drifts from the code it describes: a renamed option or a removed command should fail here,
naming the page, instead of misleading a reader later. Test counts go stale with every commit, so
no page quotes one (docs/performance.md's figures are written by bench/, not by hand).
"""

import re

import click
import pytest

from grader import catalog
from grader.cli import cli
from grader.errors import UnknownExercise
from tests.conftest import ROOT

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

FENCE = re.compile(r"^(`{3,}|~{3,})[ \t]*(\w*)[^\n]*\n(.*?)^\1[ \t]*$", re.M | re.S)
SPAN = re.compile(r"(`+)(.+?)(?<!`)\1(?!`)", re.S)
GRADE = re.compile(r"^\s*(?:\$\s*)?grade(?![\w/.-])")  # a command line that starts with `grade`
COMMAND_END = re.compile(r"&&|;|\s#")  # what ends a shell command line in a code block
SHELL_BLOCKS = {"", "sh", "bash", "shell", "console", "text"}  # code blocks that may hold `grade` lines
UNIVERSAL = {"--help", "-h", "--verbose", "-v"}  # click's help on every command; the group's --verbose goes anywhere
# "412 passed", "12 tests", "3 skipped"; not `pytest -n 0 tests/...`
TEST_COUNT = re.compile(r"\b\d[\d,]*\s+(?:tests|passed|failed|skipped|xfailed|xpassed|deselected|errors)\b(?!/)", re.I)


def _page_id(page):
    return page.relative_to(ROOT).as_posix()


def snippets(text: str) -> tuple[list[str], list[str]]:
    """(command lines of the page's shell code blocks, its inline code spans). A block line that
    starts with white space and then `[` or `-` continues the command above it."""
    lines: list[str] = []
    for block in FENCE.finditer(text):
        if block[2] not in SHELL_BLOCKS:
            continue
        for line in block[3].splitlines():
            if lines and re.match(r"\s+[\[-]", line):
                lines[-1] += " " + line.strip()
            else:
                lines.append(line)
    spans = [span[2].strip() for span in SPAN.finditer(FENCE.sub("", text))]
    return lines, spans


def _context() -> click.Context:
    return click.Context(cli, info_name="grade")


def _is_exercise(word: str) -> bool:
    """`grade exercise3`, `grade stride`, `grade EXERCISE`: the hidden `check` command."""
    if word == "EXERCISE" or re.fullmatch(r"exercise\d+", word):
        return True
    try:
        catalog.resolve(word)
    except UnknownExercise:
        return False
    return True


def _options(command: click.Command) -> set[str]:
    return {name for param in command.params if isinstance(param, click.Option)
            for name in (*param.opts, *param.secondary_opts)}


def every_option() -> set[str]:
    """Every option of every command of the tree, short ones included."""
    found, ctx, todo = set(UNIVERSAL), _context(), [cli]
    while todo:
        command = todo.pop()
        found |= _options(command)
        if isinstance(command, click.Group):
            todo += [command.get_command(ctx, name) for name in command.list_commands(ctx)]
    return found


def _option_name(token: str) -> str | None:
    """'[--seed' -> '--seed', '--format=json' -> '--format'; None for what is not an option."""
    token = token.strip("[](),")
    if not re.match(r"--?[A-Za-z]", token):
        return None
    return token.split("=", 1)[0]


def check_command_line(words: list[str]) -> str | None:
    """Why `grade <words>` names a command or an option that the tree lacks, or None."""
    ctx, command, path, rest = _context(), cli, ["grade"], list(words)
    while isinstance(command, click.Group):
        while rest and _option_name(rest[0]) in _options(command) | UNIVERSAL:
            rest.pop(0)
        if not rest or rest[0].startswith("-"):
            break
        word = rest.pop(0).strip("[](),")
        found = command.get_command(ctx, word)
        if found is None and command is cli and _is_exercise(word):
            found = command.get_command(ctx, "check")
        if found is None:
            return f"`{' '.join(path)} {word}`: no such command (the tree has {', '.join(command.list_commands(ctx))})"
        command = found
        path.append(word)
    known = _options(command) | UNIVERSAL
    for token in rest:
        option = _option_name(token)
        if option is not None and option not in known:
            return f"`{' '.join(path)}` has no option {option} (it has {', '.join(sorted(known))})"
    return None


def problems_in(text: str) -> list[str]:
    """Every command line and option the text names in code that `grade` does not have."""
    lines, spans = snippets(text)
    problems = []
    for snippet in lines + spans:
        for part in COMMAND_END.split(snippet):
            start = GRADE.match(part)
            if start:
                problem = check_command_line(part[start.end():].split())
                if problem:
                    problems.append(f"`{snippet}`: {problem}")
    options = every_option()
    for span in spans:
        option = _option_name(span.split()[0]) if span.startswith("-") else None
        if option is not None and option not in options:
            problems.append(f"`{span}`: no command of `grade` has the option {option}")
    return problems


def test_the_check_names_a_wrong_command_and_a_wrong_option():
    """Would a page that names `grade regrade` or `grade batch --workers` fail, saying which?"""
    text = "Run `grade regrade RESULTS`, then\n\n```\ngrade batch SUBMISSIONS --out R\n      [--workers 4]\n```\n" \
           "and `--colour`; `grade exercise3 -o r.txt -v`, `grade export lms --format canvas`, `grade stride`.\n"
    problems = "\n".join(problems_in(text))
    assert len(problems.splitlines()) == 3, problems
    for expected in ("`grade regrade`: no such command", "`grade batch` has no option --workers",
                     "no command of `grade` has the option --colour"):
        assert expected in problems


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_every_command_and_option_a_page_names_exists(page):
    problems = problems_in(page.read_text(encoding="utf-8"))
    assert not problems, f"{_page_id(page)} names what `grade` does not have:\n" + "\n".join(problems)


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_no_page_quotes_a_test_count(page):
    """Counts of tests are stale the next commit: a page says what the tests check, not how many."""
    counts = [found[0] for found in TEST_COUNT.finditer(page.read_text(encoding="utf-8"))]
    assert not counts, f"{_page_id(page)} quotes test counts: {counts}"


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_every_link_to_a_page_of_the_repository_resolves(page):
    """A moved page leaves no dead link behind (links within a page and to the web apart)."""
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8"))
    dead = [target for target in targets if "://" not in target and not (page.parent / target).exists()]
    assert not dead, f"{_page_id(page)} links to missing files: {dead}"


def _numbers(listed: str) -> set[int]:
    """'6-9, 12, 13, 15 and 16' -> {6, 7, 8, 9, 12, 13, 15, 16}."""
    numbers = set()
    for low, high in re.findall(r"(\d+)(?:-(\d+))?", listed):
        numbers |= set(range(int(low), int(high or low) + 1))
    return numbers


@pytest.mark.parametrize("page", [ROOT / "README.md", ROOT / "docs" / "students.md"], ids=_page_id)
def test_the_numpy_and_pytorch_exercises_are_those_the_declarations_say(page):
    """Are the exercises a page calls PyTorch exactly those whose declarations allow CUDA, and the
    NumPy ones the rest (as `grade all --help` says of --device)?"""
    text = " ".join(page.read_text(encoding="utf-8").split())
    numpy = re.search(r"Exercises ([\d\-, and]+?) are NumPy", text)
    torch = re.search(r"[;.] ([\d\-, and]+?) are PyTorch", text)
    assert numpy and torch, f"{_page_id(page)} no longer says which exercises are NumPy and which PyTorch"
    about = [catalog.about(module) for module in catalog.module_names()]
    cuda = {int(entry.id.removeprefix("exercise")) for entry in about if entry.cuda}
    assert _numbers(torch[1]) == cuda, f"{_page_id(page)}: the PyTorch exercises are {sorted(cuda)}"
    assert _numbers(numpy[1]) == {int(entry.id.removeprefix("exercise")) for entry in about} - cuda, _page_id(page)
