"""Is reference/vgg.py the lecture's VGG? Counts from section 15's configurations and section 19's
summary, and outputs against PyTorch's functional ops and exercise 9's VGG16 base."""

import torch
import torch.nn.functional as F
from torch import nn

from grader.reference import models, vgg

# Section 19's summary of VGG16's base: the conv rows' parameters, in order.
VGG16_CONVS = [1792, 36928, 73856, 147584, 295168, 590080, 590080, 1180160, 2359808, 2359808,
               2359808, 2359808, 2359808]


def meta(**kwargs) -> nn.Module:
    with torch.device("meta"):  # shapes without 138M weights
        return vgg.VGG(**kwargs)


def own_counts(model: nn.Module) -> list[int]:
    return [sum(p.numel() for p in m.parameters(recurse=False)) for m in model.modules() if m._parameters]


def test_vgg16_has_the_lecture_counts_layer_by_layer():
    """Does VGG() have 138,357,544 parameters: the base's 13 convs as section 19 prints them, then the FCs?"""
    model = meta()
    assert sum(p.numel() for p in model.parameters()) == 138_357_544
    assert own_counts(model) == VGG16_CONVS + [25088 * 4096 + 4096, 4096 * 4096 + 4096, 4096 * 1000 + 1000]
    assert sum(p.numel() for p in model.features.parameters()) == 14_714_688


def test_vgg11_has_132_863_336_parameters():
    assert sum(p.numel() for p in meta(arch=vgg.VGG11_ARCH).parameters()) == 132_863_336


def test_vgg16_features_are_exercise_9s_base():
    """With the same weights, do VGG16's blocks compute what exercise 9's VGG16 base computes?"""
    torch.manual_seed(0)
    ours, base = vgg.VGG(hidden=8, image_size=32).features, models.vgg16_features()
    base.load_state_dict(dict(zip(base.state_dict(), ours.state_dict().values())))
    x = torch.randn(1, 3, 32, 32)
    with torch.no_grad():
        assert torch.allclose(ours(x), base(x)) and ours(x).shape == (1, 512, 1, 1)


def test_a_block_is_convs_with_relu_then_one_pool():
    """Does vgg_block(2, 3, 4) equal conv, ReLU, conv, ReLU, max pool written with torch.nn.functional?"""
    torch.manual_seed(1)
    block = vgg.vgg_block(2, 3, 4)
    x = torch.randn(2, 3, 9, 7)
    (w1, b1), (w2, b2) = (block[0].weight, block[0].bias), (block[2].weight, block[2].bias)
    expected = F.max_pool2d(F.relu(F.conv2d(F.relu(F.conv2d(x, w1, b1, padding=1)), w2, b2, padding=1)), 2)
    with torch.no_grad():
        assert torch.allclose(block(x), expected) and expected.shape == (2, 4, 4, 3)


def test_the_classifier_takes_c_s_squared_features():
    """Does an odd image size floor-halve per block: 2 blocks on 13x13 give s = 3, 6 * 9 = 54 features?"""
    model = vgg.VGG(arch=((1, 4), (2, 6)), num_classes=3, image_size=13, hidden=10).eval()
    assert model.classifier[1].in_features == 54
    with torch.no_grad():
        assert model(torch.randn(2, 3, 13, 13)).shape == (2, 3)


def test_dropout_drops_in_training_mode_only():
    model = vgg.VGG(arch=((1, 2),), num_classes=2, image_size=4, hidden=64)
    x = torch.randn(3, 3, 4, 4)
    with torch.no_grad():
        assert torch.equal(model.eval()(x), model(x))
        torch.manual_seed(0)
        first = model.train()(x)
        assert not torch.equal(first, model(x))
