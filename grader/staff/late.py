"""Late work: a deadline and a policy per exercise (or for all), applied from submission times.

A policy takes `percent_a_day` of the exercise's points off for each day, or part of one, after
the deadline (never below 0), and gives 0 after the cut-off, if there is one. `grade batch
--deadline/--late-penalty/--cutoff` set the policies; they are kept in the gradebook, so a rerun
without those options applies the same ones, and a rerun with them replaces them all.

Submission times come from a manifest (`--manifest`): a CSV with `student` and `submitted_at`
(and optionally `exercise`), or Moodle's grading worksheet as Moodle gives it (`Identifier`,
`Last modified (submission)`). Neither LMS's download holds the times: a Canvas file name only
says whether Canvas found it late. A time without a UTC offset is read in the deadline's offset.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from grader.errors import GraderError
from grader.staff.csvfile import read_table

EVERY = "*"  # the key of the policy for every exercise without its own
DAY = timedelta(days=1)
_MOODLE_TIME = "%A, %d %B %Y, %I:%M %p"  # userdate()'s English strftimedaydatetime: Monday, 3 March 2025, 10:15 AM
MOODLE_ID_PREFIX = "Participant "  # Moodle's string hiddenuser, before the participant id


@dataclass(frozen=True)
class LatePolicy:
    deadline: datetime
    percent_a_day: float = 0.0
    cutoff: datetime | None = None

    def judge(self, submitted_at: datetime | None, max_score: float) -> Lateness:
        """How late `submitted_at` is under this policy, and what that costs (of `max_score` points)."""
        if submitted_at is None or submitted_at <= self.deadline:
            return Lateness()
        days = math.ceil((submitted_at - self.deadline) / DAY)
        if self.cutoff is not None and submitted_at > self.cutoff:
            return Lateness(days=days, after_cutoff=True)
        return Lateness(days=days, penalty=round(self.percent_a_day / 100 * days * max_score, 6))

    def describe(self) -> str:
        text = f"due {format_time(self.deadline)}, {self.percent_a_day:g}% off a day late"
        return text + (f", 0 after {format_time(self.cutoff)}" if self.cutoff else "")


@dataclass(frozen=True)
class Lateness:
    days: int = 0
    penalty: float = 0.0  # points off (before the floor at 0)
    after_cutoff: bool = False

    def apply(self, score: float) -> float:
        return 0.0 if self.after_cutoff else max(0.0, round(score - self.penalty, 6))


# --- Options -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class LateOptions:
    """What `grade batch --deadline/--late-penalty/--cutoff/--manifest` said, each `[EXERCISE=]VALUE`."""

    deadlines: tuple[str, ...] = ()
    penalties: tuple[str, ...] = ()
    cutoffs: tuple[str, ...] = ()
    manifests: tuple[str, ...] = ()

    def parse(self) -> tuple[dict | None, dict]:
        """(the policies, or None to keep the gradebook's; the manifests' submission times), or a
        one-line error for the first bad value."""
        given = self.deadlines or self.penalties or self.cutoffs
        policies = parse_policies(deadlines=self.deadlines, penalties=self.penalties, cutoffs=self.cutoffs) \
            if given else None
        return policies, read_manifests(list(self.manifests), zone=zone_of(list(self.deadlines)))


def parse_policies(*, deadlines: Sequence[str] = (), penalties: Sequence[str] = (), cutoffs: Sequence[str] = ()) -> dict:
    """The policies that `--deadline`, `--late-penalty` and `--cutoff` describe, by exercise id (or EVERY).

    Each value is `VALUE` (every exercise) or `EXERCISE=VALUE`; an exercise's own values win over
    those for every exercise.
    """
    fields: dict[str, dict] = {}
    for option, values, parse in (("--deadline", deadlines, parse_time), ("--late-penalty", penalties, _percent),
                                  ("--cutoff", cutoffs, parse_time)):
        for item in values:
            key, value = _split(option, item)
            fields.setdefault(key, {})[option] = parse(value, option=option)
    common = fields.get(EVERY, {})
    policies = {}
    for key, own in fields.items():
        merged = {**common, **own}
        if "--deadline" not in merged:
            raise GraderError(f"{'--late-penalty' if '--late-penalty' in own else '--cutoff'} for "
                              f"{'every exercise' if key == EVERY else key} needs a --deadline to count from")
        policy = LatePolicy(merged["--deadline"], merged.get("--late-penalty", 0.0), merged.get("--cutoff"))
        if policy.cutoff is not None and policy.cutoff < policy.deadline:
            raise GraderError(f"--cutoff {format_time(policy.cutoff)} comes before --deadline "
                              f"{format_time(policy.deadline)}{'' if key == EVERY else ' for ' + key}")
        policies[key] = policy
    return policies


def _split(option: str, item: str) -> tuple[str, str]:
    name, equals, value = item.partition("=")
    if not equals:
        return EVERY, item
    from grader import catalog

    return catalog.resolve(name.strip()).partition("_")[0], value.strip()


def _percent(text: str, option: str = "") -> float:
    try:
        value = float(text.strip().removesuffix("%"))
    except ValueError:
        value = math.nan
    if not 0 <= value <= 100:
        raise GraderError(f"{option} {text!r} is not a percentage from 0 to 100 (the share of the points off "
                          "per day late, e.g. 10)")
    return value


def parse_time(text: str, option: str = "a time", *, zone: timezone | None = None) -> datetime:
    """An ISO 8601 time (`2025-03-03T23:59+01:00`, `...Z`) as UTC; one without an offset is read in
    `zone`, and refused when there is none."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise GraderError(f"{option} {text!r} is not a time: write it as ISO 8601, e.g. 2025-03-03T23:59+01:00"
                          ) from None
    return _in_utc(value, zone, text, option)


def _in_utc(value: datetime, zone: timezone | None, text: str, option: str) -> datetime:
    if value.tzinfo is None:
        if zone is None:
            raise GraderError(f"{option} {text!r} has no time zone: add its UTC offset, e.g. {text}+01:00 or {text}Z")
        value = value.replace(tzinfo=zone)
    return value.astimezone(timezone.utc)


def format_time(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def zone_of(deadlines: list[str]) -> timezone | None:
    """The UTC offset that times without one are read in: the deadline's (the one for every
    exercise if given, else the first), or None."""
    ordered = sorted(deadlines, key=lambda item: "=" in item)
    if not ordered:
        return None
    text = ordered[0].partition("=")[2] if "=" in ordered[0] else ordered[0]
    return _offset(text)


def _offset(text: str) -> timezone | None:
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    offset = value.utcoffset()
    return None if offset is None else timezone(offset)


# --- The gradebook's copy ------------------------------------------------------------------------

def store(db: sqlite3.Connection, policies: dict) -> None:
    """Replace every stored policy with `policies`, in one transaction."""
    with db:
        db.execute("DELETE FROM late_policies")
        db.executemany("INSERT INTO late_policies (exercise, deadline, percent_a_day, cutoff) VALUES (?, ?, ?, ?)",
                       [(key, format_time(policy.deadline), policy.percent_a_day,
                         format_time(policy.cutoff) if policy.cutoff else None) for key, policy in policies.items()])


def load(db: sqlite3.Connection) -> dict:
    rows = db.execute("SELECT exercise, deadline, percent_a_day, cutoff FROM late_policies ORDER BY exercise")
    return {key: LatePolicy(_stored(deadline), percent, _stored(cutoff) if cutoff else None)
            for key, deadline, percent, cutoff in rows}


def _stored(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def policy_for(policies: dict, exercise: str) -> LatePolicy | None:
    return policies.get(exercise) or policies.get(EVERY)


# --- Manifests -----------------------------------------------------------------------------------

def read_manifests(items: list[str], *, zone: timezone | None) -> dict[tuple[str, str], datetime]:
    """(student, exercise id or EVERY) -> submission time, from every `[EXERCISE=]FILE` given."""
    times: dict[tuple[str, str], datetime] = {}
    for item in items:
        key, value = (EVERY, item) if "=" not in item or Path(item).exists() else _split("--manifest", item)
        times.update(read_manifest(Path(value), exercise=key, zone=zone))
    return times


def read_manifest(path: Path, *, exercise: str = EVERY, zone: timezone | None = None) -> dict:
    """One manifest's times, by (student, exercise); see the module's docstring for the two formats."""
    header, rows = read_table(path, f"the manifest {path}", ": it needs a header with student,submitted_at")
    if "Identifier" in header and "Last modified (submission)" in header:
        student_column, time_column, exercise_column = (header.index("Identifier"),
                                                        header.index("Last modified (submission)"), None)
    elif "student" in header and "submitted_at" in header:
        student_column, time_column = header.index("student"), header.index("submitted_at")
        exercise_column = header.index("exercise") if "exercise" in header else None
    else:
        raise GraderError(f"the manifest {path} has neither student,submitted_at[,exercise] columns nor Moodle's "
                          f"Identifier and 'Last modified (submission)' (its header: {', '.join(header)[:200]})")
    times = {}
    for line, row in enumerate(rows, 2):
        if len(row) <= max(student_column, time_column) or not row[student_column].strip():
            continue
        text = row[time_column].strip()
        if text in ("", "-"):  # Moodle writes '-' for no submission
            continue
        student = row[student_column].strip().removeprefix(MOODLE_ID_PREFIX).strip()
        key = exercise
        if exercise_column is not None and len(row) > exercise_column and row[exercise_column].strip():
            from grader import catalog

            key = catalog.resolve(row[exercise_column].strip()).partition("_")[0]
        times[student, key] = _manifest_time(text, zone, f"{path}:{line}")
    return times


def _manifest_time(text: str, zone: timezone | None, where: str) -> datetime:
    try:
        value = datetime.strptime(text, _MOODLE_TIME)
    except ValueError:
        try:
            value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            raise GraderError(f"{where}: {text!r} is not a time (ISO 8601, e.g. 2025-03-03T23:59+01:00, or Moodle's "
                              "'Monday, 3 March 2025, 10:15 AM')") from None
    if value.tzinfo is None and zone is None:
        raise GraderError(f"{where}: {text!r} has no time zone; pass --deadline with a UTC offset (e.g. "
                          "2025-03-03T23:59+01:00): times without one are read in the deadline's offset")
    return _in_utc(value, zone, text, where)
