"""The tests that share a machine-wide resource (the disk filler's files, a graded class) rely on
`--dist loadgroup` keeping an xdist_group on one worker: a pytest-xdist that stops grouping
fails here, by name, rather than as a flaky test elsewhere."""
import pytest

pytestmark = pytest.mark.xdist_group("grouping")


def test_a_grouped_test_carries_its_group_under_loadgroup(request):
    if not getattr(request.config.option, "loadgroup", False):  # set in each xdist worker
        pytest.skip("not run by pytest-xdist with --dist loadgroup")
    assert request.node.nodeid.endswith("@grouping"), request.node.nodeid
