"""The same per-(student, exercise) tasks on a Dask distributed cluster (`pip install .[dask]`).

Dask only carries the tasks and the grades; each Dask worker process runs `run_tasks` on one
student's tasks exactly as a local pool process would, sandboxed workers and all. A task holds the
submission's bytes, so a worker on another machine needs no shared file system, only the
same grader installed (and bubblewrap: each task checks the sandbox of the machine it runs
on, and refuses without one unless the batch was started with --unsafe-no-sandbox). The
grades come back here, and only here is the gradebook written. A task whose Dask worker dies
is retried on another by Dask; if that fails too, its row says so (status error), and the
next run retries it.

A cluster that grades untrusted code should speak TLS with client certificates: whoever can
reach a plain `tcp://` scheduler can run code in every Dask worker (`Client.run`). The
certificate, key and CA come from Dask's own configuration (docs/staff.md, on Dask).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from grader import seeds
from grader.errors import GraderError
from grader.staff.gradebook import Grade
from grader.staff.tasks import Task, error_grade, run_tasks

log = logging.getLogger(__name__)
TLS_SETTINGS = ("DASK_DISTRIBUTED__COMM__TLS__CA_FILE", "DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT",
                "DASK_DISTRIBUTED__COMM__TLS__CLIENT__KEY")


def run_on_cluster(groups: list[list[Task]], scheduler: str, seed: seeds.Seed) -> Iterator[Grade]:
    """Each student's tasks (`groups`, tasks.by_student) as one Dask task; their Grades as they come."""
    try:
        from distributed import Client, Security, as_completed
    except ImportError:
        raise GraderError("--scheduler needs Dask: pip install -c constraints.txt -e \".[dask]\"") from None

    unsafe = bool(groups) and groups[0][0].unsafe_no_sandbox
    if unsafe and not scheduler.startswith("tls://"):  # tried: a student's code found it in /proc and ran client.run
        raise GraderError(f"--unsafe-no-sandbox with {scheduler} would let every student's code reach the scheduler "
                          "and run code in the Dask workers: start the cluster with TLS and pass its tls:// address "
                          "(see docs/staff.md on Dask)")
    security = Security()  # Dask's configuration: DASK_DISTRIBUTED__COMM__TLS__... or distributed.yaml
    # mypy cannot see these attributes: Security sets its __slots__ with setattr, undeclared in distributed
    if scheduler.startswith("tls://") and not (security.tls_client_cert and security.tls_ca_file):  # type: ignore[attr-defined]
        raise GraderError(f"{scheduler} speaks TLS: set {', '.join(TLS_SETTINGS)} to the cluster's CA, certificate "
                          "and key (see docs/staff.md on Dask)")
    try:
        client = Client(scheduler, timeout="5s", security=security)
    except (OSError, TimeoutError) as error:
        raise GraderError(f"cannot reach the Dask scheduler at {scheduler}: {error}") from None
    with client:
        _check_workers(client, unsafe=unsafe)
        futures = {client.submit(run_tasks, group, seed, pure=False): group for group in groups}
        for future in as_completed(futures):
            try:
                grades = future.result()
            except Exception as error:  # the Dask workers running it died (KilledWorker), or Dask failed
                grades = [error_grade(task, f"the Dask cluster could not grade this: {type(error).__name__}: {error}",
                                      seed=seed) for task in futures[future]]
            yield from grades


def _check_workers(client, *, unsafe: bool) -> None:
    """One line before anyone is graded when a Dask worker cannot grade safely (no bubblewrap,
    or a Python its unprivileged workers cannot read); each task checks again where it runs,
    since workers may join later."""
    try:
        answers = client.run(sandbox_refusal, unsafe)
    except Exception as error:  # noqa: BLE001 - a worker coming or going: each task still checks for itself
        log.debug("could not ask the Dask workers about their sandbox: %s", error)
        return
    refusals = {address: refusal for address, refusal in answers.items() if refusal}
    if refusals:
        address, refusal = sorted(refusals.items())[0]
        more = f" (and {len(refusals) - 1} more Dask worker(s))" if len(refusals) > 1 else ""
        raise GraderError(f"the Dask worker at {address}{more} will not grade: {refusal}")


def sandbox_refusal(unsafe: bool) -> str:
    """Run in a Dask worker: why it would refuse a task ('' when it would grade it)."""
    from grader.worker.sandbox import detect, refusal_for_task

    return refusal_for_task(detect(), unsafe=unsafe)
