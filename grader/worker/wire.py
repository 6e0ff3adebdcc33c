"""The types that cross between the grader and its worker, as the grader sees them.

`protocol` turns frames into these; the grader's checks, comparisons and reports use them.
Both sides may import this module: it needs nothing but the standard library.
"""

from __future__ import annotations

from dataclasses import dataclass


class Opaque:
    """A returned value that is neither an array nor plain data: only its description crosses."""

    def __init__(self, type_name: str, text: str):
        self.type_name = type_name
        self.text = text

    def __repr__(self) -> str:
        return self.text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Opaque) and (self.type_name, self.text) == (other.type_name, other.text)


@dataclass
class Outcome:
    """What one request to the worker gave: a value, the submission's exception, or a dead worker.

    `failure` is "timeout" or "crash" when the worker itself stopped answering, "malformed" when
    it answered with something that is not a reply to this request (a frame the submission
    forged, say), "too_large" when its reply was far larger than the question called for,
    "budget" when the exercise's time budget ran out, "startup" when it never started (the
    grader's problem, not the student's); `error` holds the details.
    """

    ok: bool
    value: object = None
    error: dict | None = None
    failure: str | None = None
    stdout: str = ""
    seconds: float = 0.0

    @property
    def not_implemented(self) -> bool:
        return self.error is not None and self.error.get("type") == "NotImplementedError"

    def describe_error(self) -> str:
        """One line: 'IndexError: index 3 is out of bounds (line 12: out[i] = ...)'."""
        if self.error is None:
            return ""
        text = f"{self.error['type']}: {self.error['message']}".rstrip(": ")
        if self.error.get("line"):
            text += f" (line {self.error['line']}: {self.error.get('source', '')})"
        return text


@dataclass(frozen=True)
class Sent:
    """A request written to the worker (`WorkerProcess.send`), its answer not read yet; or, with
    `outcome`, one whose answer was known without asking (its worker could not start or be written to)."""

    op: str = ""
    id: int = 0
    start: int = 0  # which start of the worker it went to
    at: float = 0.0  # when it was written (time.monotonic())
    size: int = 0  # its bytes
    outcome: Outcome | None = None
