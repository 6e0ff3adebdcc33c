"""AlexNet whose last layer is written for CIFAR-10: nn.Linear(2048, 10), whatever num_classes says."""

from torch import nn


class AlexNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(3, 96, 11, stride=4, padding=4), nn.ReLU(inplace=True),
            nn.MaxPool2d(3, stride=2, padding=1), nn.BatchNorm2d(96),
            nn.Conv2d(96, 256, 5, padding="same"), nn.ReLU(inplace=True),
            nn.MaxPool2d(3, stride=2, padding=1), nn.BatchNorm2d(256),
            nn.Conv2d(256, 384, 3, padding="same"), nn.ReLU(inplace=True),
            nn.Conv2d(384, 384, 3, padding="same"), nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, 3, padding="same"), nn.ReLU(inplace=True),
            nn.MaxPool2d(3, stride=2, padding=1), nn.BatchNorm2d(256),
        )
        self.fc = nn.Sequential(
            nn.Flatten(),
            nn.Linear(256, 2048), nn.ReLU(inplace=True), nn.Dropout(0.5),
            nn.Linear(2048, 2048), nn.ReLU(inplace=True), nn.Dropout(0.5),
            nn.Linear(2048, 10),
        )

    def forward(self, x):
        return self.fc(self.conv(x))
