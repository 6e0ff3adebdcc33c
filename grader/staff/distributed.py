"""The same per-(student, exercise) tasks on a Dask distributed cluster (`pip install .[dask]`).

Dask only carries the tasks and the grades; each Dask worker process runs `run_task`
exactly as a local pool process would, sandboxed workers and all. The grades come back
here, and only here is the gradebook written.
"""

from __future__ import annotations

from collections.abc import Iterator

from grader.errors import GraderError
from grader.staff.gradebook import Grade
from grader.staff.tasks import Task, run_task


def run_on_cluster(tasks: list[Task], scheduler: str, seed: int) -> Iterator[Grade]:
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise GraderError("--scheduler needs Dask: pip install -c constraints.txt -e \".[dask]\"") from None

    try:
        client = Client(scheduler, timeout="5s")
    except (OSError, TimeoutError) as error:
        raise GraderError(f"cannot reach the Dask scheduler at {scheduler}: {error}") from None
    with client:
        futures = client.map(run_task, tasks, seed=seed, pure=False)
        for future in as_completed(futures):
            yield future.result()
