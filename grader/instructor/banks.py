"""The student kit's answer banks: what each exercise's answer key says on the cases the kit runs.

`grade release` records one bank per exercise (grader.bank), each in a fresh process so that
the declaration is imported, and its lecture examples computed, under the recorder:

1. every visible property check draws its cases at the kit's seed (its fixed examples and
   `max_examples` drawn inputs, simplest first: `PropertyCheck.cases`);
2. every check runs on its cases (an example check on its examples) against the solution and
   against each known mistake's file, so that the answer key's answers on the right path and
   on the usual wrong ones are recorded;
3. every named mistake of a check's functions is reproduced on each case (and each probe's
   transformed input and expected answer computed), so the kit still names the mistake.

The files run here are the course's own (the solution, tests/submissions/<exercise>/), trusted:
they are served in this process through the worker's wire encoding (InProcessWorker), which is
what makes recording a whole exercise take seconds. Hidden checks are never recorded.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from grader.errors import GraderError

_NAMES = itertools.count()


@dataclass
class BankSummary:
    module: str
    cases: int
    answers: int
    bytes: int
    seconds: float


def write_banks(modules: list[str], *, root: Path, out: Path, seed: int = 0, jobs: int = 2) -> list[BankSummary]:
    """One bank per exercise in `out` (<module>.bank), each recorded in a process of its own."""
    from concurrent.futures import ThreadPoolExecutor

    out.mkdir(parents=True, exist_ok=True)

    def one(module: str) -> BankSummary:
        command = [sys.executable, "-m", "grader.instructor.banks", module, str(seed), str(root.resolve()),
                   str((out / module).resolve())]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
            raise GraderError(f"recording the answer bank of {module} failed: {last}")
        return BankSummary(**json.loads(done.stdout.strip().splitlines()[-1]))

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(one, modules))


def record_bank(module: str, *, seed: int, root: Path, out: Path) -> BankSummary:
    """Record `module`'s bank into `out` + .bank (run in a fresh process: see write_banks)."""
    from grader import catalog
    from grader.bank import Bank, recording
    from grader.checks import ExampleCheck, PropertyCheck, Session

    started = time.perf_counter()
    bank = Bank(exercise=module.partition("_")[0])
    with recording(bank):
        exercise = catalog.load(module)
        visible = [check for check in exercise.checks if not check.hidden]
        for check in visible:
            if isinstance(check, PropertyCheck):
                bank.cases[check.name] = check.cases(seed)
        files = [root / "solutions" / f"{module}.py",
                 *sorted((root / "tests" / "submissions" / exercise.id).glob("*.py"))]
        for path in files:
            worker = InProcessWorker(path, module)
            session = Session(worker, exercise, seed=seed, defined=frozenset(worker.names))
            for check in visible:
                for case in _cases(check, bank):
                    _quietly(lambda: check.prop(session, case))
        for check in visible:
            mistakes = [mistake for mistake in exercise.mistakes if mistake.function in check.functions]
            for case in _cases(check, bank):
                inputs = case if isinstance(case, dict) else getattr(case, "inputs", None)
                if isinstance(inputs, dict):
                    for mistake in mistakes:
                        _reproduce(mistake, inputs)
    bank.meta = {"seed": seed, "exercise": exercise.id, "hidden_points": exercise.hidden_points,
                 "check_cases": {name: len(cases) for name, cases in bank.cases.items()},
                 "property_checks": [check.name for check in visible if isinstance(check, PropertyCheck)],
                 "example_checks": [check.name for check in visible if isinstance(check, ExampleCheck)]}
    path = out.with_name(out.name + catalog.BANK_SUFFIX)
    bank.save(path)
    return BankSummary(module, sum(len(cases) for cases in bank.cases.values()), len(bank.answers),
                       path.stat().st_size, round(time.perf_counter() - started, 2))


def _cases(check, bank) -> list:
    return bank.cases.get(check.name, ()) or list(getattr(check, "examples", ()))


def _reproduce(mistake, inputs: dict) -> None:
    if mistake.reproduce is not None:
        _quietly(lambda: mistake.reproduce(*inputs.values()))
    probe = mistake.probe
    if probe is not None:  # its transform may ask the key too ("pad x yourself")
        changed = _quietly(lambda: probe.transform(dict(inputs)))
        if isinstance(changed, dict) and probe.expected is not None:
            _quietly(lambda: probe.expected(**changed))


def _quietly(action):
    """`action()`, whatever it raises: a wrong file fails checks, that is what it is for."""
    from grader.checks import Stop

    try:
        return action()
    except (Exception, Stop):
        return None


class InProcessWorker:
    """A trusted file (the solution, a mistake's file) answering as the worker would, in this process.

    Requests and replies go through the wire encoding (grader.worker.protocol), so that what the
    checks see is what a real worker's reply gives; only the process, the sandbox and the limits
    are missing, which is why only the course's own files are ever run so.
    """

    def __init__(self, path: Path, module: str):
        from grader.worker import server
        from grader.worker.hosts import DEFAULT_LIMITS

        spec = importlib.util.spec_from_file_location(f"_cnn_grader_recorded_{next(_NAMES)}_{module}", path)
        assert spec is not None  # `path` is a .py file
        loaded = importlib.util.module_from_spec(spec)
        # run from its text, not imported: no bytecode cache beside a mistake file or the solution
        exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), vars(loaded))
        self.worker = server.Worker.__new__(server.Worker)
        self.worker.module = loaded
        self.names = sorted(name for name, value in vars(loaded).items() if callable(value))
        self.stdout: list[str] = []
        self.limits = dict(DEFAULT_LIMITS)
        self.call_timeout = 2.0
        self.restarts = 0

    def send(self, op: str, args, *, timeout=None, ahead=False):
        """The request answered now (None ahead: a call is made in its turn); `receive` hands the answer over."""
        from grader.worker.wire import Sent

        return None if ahead else Sent(op, outcome=self.request(op, args))

    def receive(self, sent, *, timeout=None, max_reply_bytes=None, keep_output=True):
        return sent.outcome

    def request(self, op: str, args, *, timeout=None, max_reply_bytes=None):
        from grader.worker import protocol, server
        from grader.worker.wire import Outcome

        arrays: list = []
        header, arrays = protocol.unpack(protocol.pack({"args": protocol.encode(args, arrays)}, arrays)[8:])
        handler = server.op_handler(op)
        out: list = []
        try:
            value = handler(self.worker, protocol.decode(header["args"], arrays), out)
        except Exception as error:  # the file's own failure, as the worker would report it
            return Outcome(False, error={"type": type(error).__name__, "message": str(error)[:500]})
        reply, out = protocol.unpack(protocol.pack({"value": value}, out)[8:])
        return Outcome(True, value=protocol.decode(reply["value"], out))


def main(argv: list[str]) -> None:
    module, seed, root, out = argv
    summary = record_bank(module, seed=int(seed), root=Path(root), out=Path(out))
    print(json.dumps(summary.__dict__))


if __name__ == "__main__":
    main(sys.argv[1:])
