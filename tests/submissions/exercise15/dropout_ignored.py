"""Known mistake: the dropout argument is accepted and ignored (nn.Dropout() drops with its default 0.5)."""

from torch import nn

VGG16_ARCH = ((2, 64), (2, 128), (3, 256), (3, 512), (3, 512))
VGG11_ARCH = ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))


def vgg_block(num_convs, in_channels, out_channels):
    """num_convs x (Conv2d 3x3, padding 1, ReLU), then MaxPool2d(2, 2), as an nn.Sequential.

    (N, in_channels, H, W) -> (N, out_channels, H // 2, W // 2)
    """
    layers = []
    for _ in range(num_convs):
        layers += [nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1), nn.ReLU()]
        in_channels = out_channels
    layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
    return nn.Sequential(*layers)


class VGG(nn.Module):
    """VGG for (N, 3, image_size, image_size) images -> logits (N, num_classes).

    arch: (convs, channels) per block. features: the blocks; classifier: Flatten,
    Linear(C * s * s, hidden), ReLU, Dropout, Linear(hidden, hidden), ReLU, Dropout,
    Linear(hidden, num_classes), where C is the last block's channels and
    s = image_size // 2 ** len(arch) (each block halves the size).
    """

    def __init__(self, arch=VGG16_ARCH, num_classes=1000, image_size=224, hidden=4096, dropout=0.5):
        super().__init__()
        blocks, channels = [], 3
        for num_convs, out_channels in arch:
            blocks.append(vgg_block(num_convs, channels, out_channels))
            channels = out_channels
        self.features = nn.Sequential(*blocks)
        side = image_size // 2 ** len(arch)
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(channels * side * side, hidden), nn.ReLU(), nn.Dropout(),
            nn.Linear(hidden, hidden), nn.ReLU(), nn.Dropout(),
            nn.Linear(hidden, num_classes),
        )

    def forward(self, x):
        """x: (N, 3, image_size, image_size) -> logits (N, num_classes)."""
        return self.classifier(self.features(x))
