"""A right VGG that sizes its classifier with a dummy forward pass in __init__ (a common pattern): the
meta-device build must cope with it."""

import torch
import torch.nn.functional as F
from torch import nn

VGG16_ARCH = ((2, 64), (2, 128), (3, 256), (3, 512), (3, 512))
VGG11_ARCH = ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))


def vgg_block(num_convs, in_channels, out_channels):
    convs = [nn.Conv2d(in_channels if i == 0 else out_channels, out_channels, 3, 1, 1) for i in range(num_convs)]
    return nn.Sequential(*[layer for conv in convs for layer in (conv, nn.ReLU(inplace=True))], nn.MaxPool2d(2))


class Head(nn.Module):
    def __init__(self, features, hidden, num_classes, p):
        super().__init__()
        self.fc1, self.fc2, self.out, self.p = nn.Linear(features, hidden), nn.Linear(hidden, hidden), \
            nn.Linear(hidden, num_classes), p

    def forward(self, x):
        x = F.dropout(F.relu(self.fc1(torch.flatten(x, 1))), self.p, training=self.training)
        x = F.dropout(F.relu(self.fc2(x)), self.p, training=self.training)
        return self.out(x)


class VGG(nn.Module):
    def __init__(self, arch=VGG16_ARCH, num_classes=1000, image_size=224, hidden=4096, dropout=0.5):
        super().__init__()
        channels = [3] + [c for _, c in arch]
        self.features = nn.ModuleList(vgg_block(n, channels[i], channels[i + 1]) for i, (n, _) in enumerate(arch))
        with torch.no_grad():
            x = torch.zeros(1, 3, image_size, image_size)
            for block in self.features:
                x = block(x)
        self.classifier = Head(x.numel(), hidden, num_classes, dropout)

    def forward(self, x):
        for block in self.features:
            x = block(x)
        return self.classifier(x)
