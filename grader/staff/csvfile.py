"""CSV files that staff open in a spreadsheet: every cell is safe to open.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to Excel,
LibreOffice and Google Sheets (`=HYPERLINK(...)`, `+1+cmd|calc!A0`, `@SUM(1,1)`). As OWASP
recommends (CSV injection), such a text cell is written with a leading single quote, which the
spreadsheet shows as text; numbers the grader computes are written as numbers, so a late penalty
of -0.5 stays a number. Every CSV the grader writes goes through `csv_text`; the CSV files staff
hand it (a roster, a manifest) are read by `read_table`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

from grader.errors import GraderError

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """`value` as a CSV cell: a number as itself (`143.5`), text that a spreadsheet would run as a
    formula behind a single quote, anything else as its text."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return format(value, ".12g")
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_text(rows: Iterable[Iterable]) -> str:
    """The rows as CSV text, every cell through `safe_cell`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return out.getvalue()


def read_table(path: Path, what: str, empty: str = "") -> tuple[list[str], list[list[str]]]:
    """The header (its cells stripped) and the other rows of the CSV file `path`, saved by a
    spreadsheet or not (a byte-order mark is skipped). GraderError, calling the file `what`, when
    it cannot be read or is empty (`empty`: what it should hold)."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise GraderError(f"cannot read {what}: {error}") from None
    if not rows:
        raise GraderError(f"{what} is empty{empty}")
    return [cell.strip() for cell in rows[0]], rows[1:]
