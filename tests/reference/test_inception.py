"""Is reference/inception.py section 16's? 3a's shape and count, the GoogLeNet table's output channels
and filter arithmetic (and its erratum), and outputs against PyTorch's functional ops."""

import torch
import torch.nn.functional as F

from grader.reference import inception as ref

THREE_A = (192, 64, 96, 128, 16, 32, 32)
OUTPUT_CHANNELS = [256, 480, 512, 512, 512, 528, 832, 832, 1024]


def test_inception_3a_maps_192_to_256_channels_with_163_696_parameters():
    module = ref.Inception(*THREE_A)
    assert sum(p.numel() for p in module.parameters()) == 163_696
    weights = sum(p.numel() for name, p in module.named_parameters() if name.endswith("weight"))
    assert weights == 163_328  # the table's 159K, in thousands of 1,024 (docs/errata.md)
    with torch.no_grad():
        assert module(torch.randn(1, 192, 28, 28)).shape == (1, 256, 28, 28)


def test_inception_4c_has_509_440_weights_where_the_table_prints_463k():
    """The erratum the exercise shows: 4c's filters give 509,440 weights (497.5K of 1,024), not 463K."""
    row = next(row for row in ref.GOOGLENET_TABLE if row[0] == "4c")
    module = ref.Inception(*row[1:-1])
    assert sum(p.numel() for name, p in module.named_parameters() if name.endswith("weight")) == 509_440
    assert sum(p.numel() for p in module.parameters()) == 510_104


def test_the_table_rows_give_its_output_channels():
    """Does each row, run on a 2x2 input, give the table's output depth, and feed the next row's input?"""
    found = []
    for _, *filters, _ in ref.GOOGLENET_TABLE:
        with torch.no_grad():
            found.append(ref.Inception(*filters)(torch.zeros(1, filters[0], 2, 2)).shape[1])
    assert found == OUTPUT_CHANNELS
    inputs = [row[1] for row in ref.GOOGLENET_TABLE]
    assert inputs[1:] == [256, 480, 512, 512, 512, 528, 832, 832]


def test_5a_costs_51_1_million_multiply_adds_not_the_tables_54m():
    _, i, c1, r3, c3, r5, c5, pp, side = ref.GOOGLENET_TABLE[7]
    macs = sum(ref.conv_macs(a, b, k, side, side) for a, b, k in
               [(i, c1, 1), (i, r3, 1), (r3, c3, 3), (i, r5, 1), (r5, c5, 5), (i, pp, 1)])
    assert macs == 51_079_168


def test_the_branches_are_the_functional_ops_concatenated_on_channels():
    torch.manual_seed(0)
    module = ref.Inception(3, 2, 2, 3, 1, 2, 2)
    x = torch.randn(2, 3, 5, 4)

    def conv(sequential, x):
        return F.relu(F.conv2d(x, sequential[0].weight, sequential[0].bias, padding=sequential[0].padding))

    expected = torch.cat([
        conv(module.branch1, x), conv(module.branch3[1], conv(module.branch3[0], x)),
        conv(module.branch5[1], conv(module.branch5[0], x)),
        conv(module.branch_pool[1], F.max_pool2d(x, 3, stride=1, padding=1)),
    ], dim=1)
    with torch.no_grad():
        assert torch.allclose(module(x), expected) and expected.shape == (2, 9, 5, 4)


def test_global_avg_pool_is_adaptive_average_pooling_to_one_pixel():
    x = torch.randn(2, 5, 3, 7, dtype=torch.float64)
    assert torch.allclose(ref.global_avg_pool(x), F.adaptive_avg_pool2d(x, 1).flatten(1))


def test_conv_params_counts_what_nn_conv2d_holds():
    for args in [(3, 64, 3, True), (512, 512, 3, True), (16, 32, 5, False), (192, 64, 1, True)]:
        with torch.device("meta"):
            conv = torch.nn.Conv2d(*args[:3], bias=args[3])
        assert ref.conv_params(*args) == sum(p.numel() for p in conv.parameters())
    assert ref.conv_params(3, 64, 3) == 1792 and ref.conv_params(512, 512, 3) == 2_359_808


def test_conv_macs_is_the_outputs_times_one_filter_and_the_lectures_numbers():
    """Is it (outputs of a real conv) x (weights of one filter), and 120,422,400 vs 2,408,448 + 10,035,200?"""
    conv = torch.nn.Conv2d(4, 6, 3, padding=1)
    with torch.no_grad():
        outputs = conv(torch.zeros(1, 4, 5, 7)).numel()
    assert ref.conv_macs(4, 6, 3, 5, 7) == outputs * conv.weight[0].numel()
    assert ref.conv_macs(192, 32, 5, 28, 28) == 120_422_400
    assert ref.conv_macs(192, 16, 1, 28, 28) + ref.conv_macs(16, 32, 5, 28, 28) == 2_408_448 + 10_035_200 == 12_443_648
