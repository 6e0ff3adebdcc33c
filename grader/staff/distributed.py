"""The same per-(student, exercise) tasks on a Dask distributed cluster (`pip install .[dask]`).

Dask only carries the tasks and the grades; each Dask worker process runs `run_task`
exactly as a local pool process would, sandboxed workers and all. A task holds the
submission's bytes, so a worker on another machine needs no shared file system, only the
same grader installed (and bubblewrap). The grades come back here, and only here is the
gradebook written. A task whose Dask worker dies is retried on another by Dask; if that
fails too, its row says so (status error), and the next run retries it.
"""

from __future__ import annotations

from collections.abc import Iterator

from grader.errors import GraderError
from grader.staff.gradebook import Grade
from grader.staff.tasks import Task, error_grade, run_task


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
        futures = {client.submit(run_task, task, seed, pure=False): task for task in tasks}
        for future in as_completed(futures):
            try:
                yield future.result()
            except Exception as error:  # the Dask workers running it died (KilledWorker), or Dask failed
                yield error_grade(futures[future], f"the Dask cluster could not grade this: "
                                                   f"{type(error).__name__}: {error}", seed=seed)
