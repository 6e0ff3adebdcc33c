"""Exercise 15: VGG, a deep network built from blocks (lecture section 15).

VGG (Simonyan & Zisserman, 2014) uses only small filters: 3x3 convolutions with stride 1 and
padding 1 (the size is kept), a ReLU after each, and a 2x2 max pool (stride 2) that halves the
size at the end of each block. A configuration is a list of blocks, (convs, channels) each:

    VGG16 (configuration D): ((2, 64), (2, 128), (3, 256), (3, 512), (3, 512))
    VGG11 (configuration A): ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))

then FC-4096, FC-4096, FC-1000 (with Dropout 0.5 after each hidden FC layer). VGG16 at 224x224:

    layer                          output (PyTorch)       parameters
    block 1: conv 64, conv 64      (N, 64, 224, 224)      1,792 + 36,928
             max pool              (N, 64, 112, 112)
    block 2: conv 128 x 2          (N, 128, 56, 56)       73,856 + 147,584
    block 3: conv 256 x 3          (N, 256, 28, 28)       295,168 + 2 x 590,080
    block 4: conv 512 x 3          (N, 512, 14, 14)       1,180,160 + 2 x 2,359,808
    block 5: conv 512 x 3          (N, 512, 7, 7)         3 x 2,359,808
    features total                                        14,714,688 (exercise 9's base)
    Flatten                        (N, 25088)
    Linear(25088, 4096)            (N, 4096)              102,764,544
    Linear(4096, 4096)             (N, 4096)              16,781,312
    Linear(4096, 1000)             (N, 1000)              4,097,000
    total                                                 138,357,544   (VGG11: 132,863,336)

The model returns logits (no softmax: nn.CrossEntropyLoss applies it). `features` and
`classifier` must be attributes of the model (any nn.Module: the grader reads their parameters).
Dropout must drop in training mode only: nn.Dropout does that, F.dropout needs
training=self.training.

Grade your work with `grade exercise15`.
"""

from torch import nn

VGG16_ARCH = ((2, 64), (2, 128), (3, 256), (3, 512), (3, 512))
VGG11_ARCH = ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))


def vgg_block(num_convs, in_channels, out_channels):
    """num_convs x (Conv2d 3x3, padding 1, ReLU), then MaxPool2d(2, 2), as an nn.Sequential.

    (N, in_channels, H, W) -> (N, out_channels, H // 2, W // 2)
    """
    # BEGIN SOLUTION: a list of layers: for each conv nn.Conv2d(channels_in, out_channels, 3, padding=1) and nn.ReLU() (the first conv takes in_channels, the others out_channels); one nn.MaxPool2d(2, 2) after the loop; return nn.Sequential(*layers)
    layers = []
    for _ in range(num_convs):
        layers += [nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1), nn.ReLU()]
        in_channels = out_channels
    layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
    return nn.Sequential(*layers)
    # END SOLUTION


class VGG(nn.Module):
    """VGG for (N, 3, image_size, image_size) images -> logits (N, num_classes).

    arch: (convs, channels) per block. features: the blocks; classifier: Flatten,
    Linear(C * s * s, hidden), ReLU, Dropout, Linear(hidden, hidden), ReLU, Dropout,
    Linear(hidden, num_classes), where C is the last block's channels and
    s = image_size // 2 ** len(arch) (each block halves the size).
    """

    def __init__(self, arch=VGG16_ARCH, num_classes=1000, image_size=224, hidden=4096, dropout=0.5):
        super().__init__()
        # BEGIN SOLUTION: self.features = nn.Sequential of one vgg_block per (num_convs, channels) in arch (the first takes 3 channels); self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(C * s * s, hidden), nn.ReLU(), nn.Dropout(dropout), ..., nn.Linear(hidden, num_classes))
        blocks, channels = [], 3
        for num_convs, out_channels in arch:
            blocks.append(vgg_block(num_convs, channels, out_channels))
            channels = out_channels
        self.features = nn.Sequential(*blocks)
        side = image_size // 2 ** len(arch)
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(channels * side * side, hidden), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(hidden, hidden), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(hidden, num_classes),
        )
        # END SOLUTION

    def forward(self, x):
        """x: (N, 3, image_size, image_size) -> logits (N, num_classes)."""
        # BEGIN SOLUTION: the classifier applied to the features (no softmax: return logits)
        return self.classifier(self.features(x))
        # END SOLUTION
