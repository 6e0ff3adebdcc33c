"""AlexNet with each BatchNorm straight after its conv's ReLU, before the max pool."""

from torch import nn


class AlexNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 96, 11, stride=4, padding=4), nn.ReLU(), nn.BatchNorm2d(96),
            nn.MaxPool2d(3, 2, padding=1),
            nn.Conv2d(96, 256, 5, padding=2), nn.ReLU(), nn.BatchNorm2d(256),
            nn.MaxPool2d(3, 2, padding=1),
            nn.Conv2d(256, 384, 3, padding=1), nn.ReLU(),
            nn.Conv2d(384, 384, 3, padding=1), nn.ReLU(),
            nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(), nn.BatchNorm2d(256),
            nn.MaxPool2d(3, 2, padding=1),
            nn.Flatten(),
        )
        self.classifier = nn.Sequential(
            nn.Linear(256, 2048), nn.ReLU(), nn.Dropout(0.5),
            nn.Linear(2048, 2048), nn.ReLU(), nn.Dropout(0.5),
            nn.Linear(2048, num_classes),
        )

    def forward(self, x):
        return self.classifier(self.features(x))
