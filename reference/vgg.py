"""Section 15's VGG: blocks of 3x3 'same' convolutions + ReLU, each block ending in a 2x2 max pool.

x: (N, 3, image_size, image_size) -> features (N, C, s, s) with s = image_size // 2 ** len(arch)
-> classifier: Flatten, Linear(C s^2, hidden), ReLU, Dropout, Linear(hidden, hidden), ReLU,
Dropout, Linear(hidden, num_classes) (logits). VGG16: 138,357,544 parameters, of which the
features hold 14,714,688 (exercise 9's base); VGG11: 132,863,336.
`activation` exists so that the grader can build the known wrong variant without ReLU.
"""

from torch import nn

VGG16_ARCH = ((2, 64), (2, 128), (3, 256), (3, 512), (3, 512))
VGG11_ARCH = ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))


def vgg_block(num_convs, in_channels, out_channels, activation=nn.ReLU):
    """num_convs x (Conv2d 3x3, padding 1, ReLU), then MaxPool2d(2, 2): (N, C, H, W) -> (N, F, H//2, W//2)."""
    layers = []
    for _ in range(num_convs):
        layers += [nn.Conv2d(in_channels, out_channels, 3, padding=1), activation()]
        in_channels = out_channels
    layers.append(nn.MaxPool2d(2, 2))
    return nn.Sequential(*layers)


class VGG(nn.Module):
    """VGG from (convs, channels) blocks; logits (N, num_classes)."""

    def __init__(self, arch=VGG16_ARCH, num_classes=1000, image_size=224, hidden=4096, dropout=0.5,
                 activation=nn.ReLU):
        super().__init__()
        blocks, C = [], 3
        for num_convs, out_channels in arch:
            blocks.append(vgg_block(num_convs, C, out_channels, activation))
            C = out_channels
        self.features = nn.Sequential(*blocks)
        s = image_size // 2 ** len(arch)
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(C * s * s, hidden), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(hidden, hidden), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(hidden, num_classes),
        )

    def forward(self, x):
        return self.classifier(self.features(x))
