"""Errors for people: each message names the file or value and says what to do.

The CLI turns a `GraderError` into one line on stderr and its `exit_code`; anything else
that escapes is a bug in the grader and exits with `INTERNAL_ERROR`.
"""

GRADED = 0
BELOW_FAIL_UNDER = 1
USAGE_ERROR = 2
INTERNAL_ERROR = 3
INTERRUPTED = 130  # Ctrl-C (128 + SIGINT), as shells report it


class GraderError(Exception):
    """A problem a user can fix; the message says how."""

    exit_code = USAGE_ERROR


class UnknownExercise(GraderError):
    """The exercise name matches nothing in the catalog."""


class SubmissionError(GraderError):
    """The submission cannot be read: missing, not a file, not text, not Python."""


class DeclarationError(GraderError):
    """An exercise's declaration contradicts itself (an instructor's typo): raised when it is built."""

    exit_code = INTERNAL_ERROR
