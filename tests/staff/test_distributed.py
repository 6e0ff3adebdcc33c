"""Does a Dask cluster grade the same tasks into the same gradebook as the local pool?"""

import pytest

from grader.staff.batch import batch
from tests.staff.test_batch import copy_class, grades, rows

distributed = pytest.importorskip("distributed")


def test_a_local_dask_cluster_of_two_workers_gives_the_same_gradebook(tmp_path):
    submissions = copy_class(tmp_path / "submissions", {"alice", "bob", "missing", "corrupt", "syntax"})
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        on_cluster = batch(submissions, tmp_path / "dask", exercises=["exercise1"],
                           scheduler=cluster.scheduler_address)
    batch(submissions, tmp_path / "local", exercises=["exercise1"], jobs=2)
    assert on_cluster.graded == 5 and on_cluster.errors == 0
    assert grades(tmp_path / "dask") == grades(tmp_path / "local")
    assert rows(tmp_path / "dask") == rows(tmp_path / "local")


def test_an_unreachable_scheduler_is_a_clear_error(tmp_path):
    from grader.errors import GraderError

    submissions = copy_class(tmp_path / "submissions", {"alice"})
    with pytest.raises(GraderError, match="cannot reach the Dask scheduler"):
        batch(submissions, tmp_path / "out", exercises=["exercise1"], scheduler="tcp://127.0.0.1:9")
