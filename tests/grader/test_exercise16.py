"""Does exercise 16 (Inception, global pooling, 1x1 savings) tell right from wrong on verified outputs?"""

from tests.conftest import ROOT, SUBMISSIONS, by_name, graded

LECTURE = "Inception 3a: (N, 192, 28, 28) -> (N, 256, 28, 28), 163,696 parameters"


def test_functional_branches_and_adaptive_pooling_get_full_marks():
    """Does an Inception with an nn.ModuleDict and F.max_pool2d, and adaptive global pooling, pass?"""
    result = graded("exercise16", SUBMISSIONS / "accepted" / "exercise16_functional.py")
    assert result.score == result.max_score, [t.output for t in result.tests]


def test_right_shapes_and_a_forged_table_earn_nothing():
    """Does a module of zeros with the right output shape and a forged parameter table score 0?"""
    result = graded("exercise16", SUBMISSIONS / "forged" / "exercise16_meta_table.py")
    assert result.score == 0 and not result.has_errors
    assert "Inception(in_channels=192, c1=64" in by_name(result)[LECTURE].output  # 3a, verified by outputs


def test_concatenating_on_the_batch_axis_is_named_by_behaviour_at_full_size():
    """Does 3a, whose branches' channels differ so that torch.cat(dim=0) fails, get the batch-axis hint because
    every branch gave the reference's shapes, whatever torch's error says?"""
    test = by_name(graded("exercise16", SUBMISSIONS / "exercise16" / "concat_batch_axis.py"))[LECTURE]
    assert test.status == "failed" and test.hint.startswith("The branches are right, but they are not put side")


def test_a_pooling_cut_to_7x7_is_named_by_its_answer_on_maps_padded_to_7x7(tmp_path):
    """A global_avg_pool that averages the top-left 7x7 window fails on a 2x2 map with reshape's error, not
    pooling's: does it get the 7x7 hint because it answers right once the same maps are padded to 7x7?"""
    solution = (ROOT / "solutions" / "exercise16_inception.py").read_text(encoding="utf-8")
    path = tmp_path / "exercise16_inception.py"
    path.write_text(solution + "\n\ndef global_avg_pool(x):\n    N, C = x.shape[:2]\n"
                    "    return x[:, :, :7, :7].reshape(N, C, 49).mean(-1)\n", encoding="utf-8")
    test = by_name(graded("exercise16", path))["global_avg_pool: (N, C, H, W) -> (N, C), square maps"]
    assert test.status == "failed" and "global_avg_pool raised" in test.output
    assert test.hint.startswith("global_avg_pool pools 7x7 windows")
