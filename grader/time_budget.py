"""How long an exercise's checks may take in all: below both the declarations (grader.exercise)
and the catalog's reading of them without an import (grader.catalog.About), so neither imports
the other for it."""

from __future__ import annotations

BUDGET_CALLS = 10  # an exercise's default time budget, in call timeouts


def budget_seconds(time_budget: float | None, call_timeout: float) -> float:
    """Seconds an exercise's checks may take in all: its declared `time_budget`, else BUDGET_CALLS
    call timeouts (20 s for the NumPy exercises, 50 s for the models: 10-40 times what the
    solution's checks take on a two-core machine)."""
    return time_budget if time_budget is not None else BUDGET_CALLS * call_timeout
