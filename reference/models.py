"""Sections 12-19: the lecture's LeNet-5, AlexNet, a ResNet block, VGG16's base and a transfer head.

The lecture builds these in Keras, channels last; here they are PyTorch modules, x: (N, C, H, W).
Every model returns logits: the loss applies the softmax (nn.CrossEntropyLoss, the lecture's
Dense(num_classes, activation='softmax') + categorical_crossentropy) or the sigmoid
(nn.BCEWithLogitsLoss, the lecture's Dense(1, activation='sigmoid') + binary_crossentropy).

Keras's padding='same' with stride 4 and an 11x11 kernel pads 3 pixels before and 4 after
(total (out - 1) * stride + K - H = 7), and 'same' max pooling 3x3 / 2 pads 0 before and 1
after; PyTorch's padding= is symmetric. The defaults below are Keras's exact choice; the
grader also accepts the symmetric spellings that give the same shapes (see AlexNet).
tests/reference/ checks every parameter count and output shape against the lecture's tables.
"""

import math

import torch
from torch import nn


class LeNet5(nn.Module):
    """Section 14's CIFAR-10 LeNet-5: 83,126 parameters for 10 classes.

    x: (N, 3, 32, 32) -> conv 6@5x5 'same' (N, 6, 32, 32) -> avg pool (N, 6, 16, 16)
    -> conv 16@5x5 'valid' (N, 16, 12, 12) -> avg pool (N, 16, 6, 6) -> flatten (N, 576)
    -> dense 120 -> dense 84 -> dense num_classes (logits); tanh after every hidden layer.
    `activation` and `pool` exist so the grader can build the known wrong variants.
    """

    def __init__(self, num_classes=10, activation=nn.Tanh, pool=nn.AvgPool2d):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 6, kernel_size=5, padding=2), activation(), pool(2, 2),
            nn.Conv2d(6, 16, kernel_size=5), activation(), pool(2, 2),
            nn.Flatten(),
        )
        self.classifier = nn.Sequential(
            nn.Linear(16 * 6 * 6, 120), activation(),
            nn.Linear(120, 84), activation(),
            nn.Linear(84, num_classes),
        )

    def forward(self, x):
        return self.classifier(self.features(x))


def same_max_pool(before=0, after=1):
    """MaxPool 3x3, stride 2, padded with -inf `before` and `after` on each spatial axis.

    (0, 1) is Keras's 'same' (= nn.MaxPool2d(3, 2, ceil_mode=True) on these sizes);
    (1, 1) is nn.MaxPool2d(3, 2, padding=1). Both halve 8 -> 4 -> 2 -> 1.
    """
    if before == after:
        return nn.MaxPool2d(3, 2, padding=before)
    return nn.Sequential(nn.ConstantPad2d((before, after, before, after), float("-inf")), nn.MaxPool2d(3, 2))


def same_conv(c_in, c_out, kernel, stride, before, after):
    """A conv padded `before` and `after` on each spatial axis: inside the conv when symmetric."""
    if before == after:
        return nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=before)
    return nn.Sequential(nn.ZeroPad2d((before, after, before, after)), nn.Conv2d(c_in, c_out, kernel, stride=stride))


class AlexNet(nn.Module):
    """Section 14's CIFAR-10 AlexNet: 8,491,594 trainable parameters + 1,216 BatchNorm statistics.

    x: (N, 3, 32, 32) -> conv 96@11x11/4 'same' (N, 96, 8, 8) -> max pool (N, 96, 4, 4) -> BN
    -> conv 256@5x5 (N, 256, 4, 4) -> max pool (N, 256, 2, 2) -> BN
    -> conv 384, 384, 256 @3x3 (N, 256, 2, 2) -> max pool (N, 256, 1, 1) -> BN -> flatten (N, 256)
    -> dense 2048, dropout 0.5, dense 2048, dropout 0.5 -> dense num_classes (logits); ReLU after
    every conv and hidden dense layer. `conv1_padding` (before, after) and `pool_padding` pick
    among the PyTorch spellings of 'same' that give the table's shapes.
    """

    def __init__(self, num_classes=10, conv1_padding=(3, 4), pool_padding=(0, 1)):
        super().__init__()
        self.features = nn.Sequential(
            same_conv(3, 96, 11, 4, *conv1_padding), nn.ReLU(),
            same_max_pool(*pool_padding), nn.BatchNorm2d(96),
            nn.Conv2d(96, 256, kernel_size=5, padding=2), nn.ReLU(),
            same_max_pool(*pool_padding), nn.BatchNorm2d(256),
            nn.Conv2d(256, 384, kernel_size=3, padding=1), nn.ReLU(),
            nn.Conv2d(384, 384, kernel_size=3, padding=1), nn.ReLU(),
            nn.Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(),
            same_max_pool(*pool_padding), nn.BatchNorm2d(256),
            nn.Flatten(),
        )
        self.classifier = nn.Sequential(
            nn.Linear(256, 2048), nn.ReLU(), nn.Dropout(0.5),
            nn.Linear(2048, 2048), nn.ReLU(), nn.Dropout(0.5),
            nn.Linear(2048, num_classes),
        )

    def forward(self, x):
        return self.classifier(self.features(x))


class ResidualBlock(nn.Module):
    """Section 17's residual block: out = ReLU(F(x) + shortcut(x)).

    F = conv 3x3 (stride, padding 1, no bias) -> BN -> ReLU -> conv 3x3 (padding 1, no bias) -> BN.
    shortcut = identity when the shape is kept, else conv 1x1 (stride, no bias) -> BN.
    x: (N, in_channels, H, W) -> (N, out_channels, (H - 1) // stride + 1, (W - 1) // stride + 1)
    64 -> 64: 73,984 parameters; 64 -> 128, stride 2: 230,144.
    """

    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.shortcut = nn.Identity()
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
                                          nn.BatchNorm2d(out_channels))

    def residual(self, x):
        return self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))

    def forward(self, x):
        return torch.relu(self.residual(x) + self.shortcut(x))


VGG16_LAYERS = (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M")


def vgg16_features():
    """Keras's VGG16(include_top=False) with random weights (nothing is downloaded).

    13 convs 3x3 'same' + ReLU, 5 max pools 2x2: (N, 3, 200, 200) -> (N, 512, 6, 6);
    14,714,688 parameters.
    """
    layers, channels = [], 3
    for width in VGG16_LAYERS:
        if width == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            layers += [nn.Conv2d(channels, width, 3, padding=1), nn.ReLU()]
            channels = width
    return nn.Sequential(*layers)


def freeze(module):
    """Section 19's vgg_base.trainable = False: no parameter of `module` trains any more."""
    for parameter in module.parameters():
        parameter.requires_grad_(False)
    return module


class TransferModel(nn.Module):
    """A frozen base, then Flatten -> Dense hidden + ReLU -> Dense num_outputs (logits).

    On VGG16's base at 200x200 (feature_shape (512, 6, 6)) the head has 4,719,105 parameters.
    The base stays in eval mode (BatchNorm statistics fixed, Dropout off) even in train().
    """

    def __init__(self, base, feature_shape, hidden=256, num_outputs=1):
        super().__init__()
        self.base = freeze(base).eval()
        self.head = nn.Sequential(
            nn.Flatten(), nn.Linear(math.prod(feature_shape), hidden), nn.ReLU(), nn.Linear(hidden, num_outputs),
        )

    def train(self, mode=True):
        super().train(mode)
        self.base.eval()
        return self

    def forward(self, x):
        return self.head(self.base(x))


def trainable_parameters(model):
    """What the optimizer should get: the parameters that still train (the head's)."""
    return [parameter for parameter in model.parameters() if parameter.requires_grad]
