"""AlexNet with named layers and functional pooling (padding=4, padding=1), ending in Keras's softmax."""

import torch
import torch.nn.functional as F
from torch import nn


class AlexNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 96, 11, stride=4, padding=4)
        self.bn1 = nn.BatchNorm2d(96)
        self.conv2 = nn.Conv2d(96, 256, 5, padding=2)
        self.bn2 = nn.BatchNorm2d(256)
        self.conv3 = nn.Conv2d(256, 384, 3, padding=1)
        self.conv4 = nn.Conv2d(384, 384, 3, padding=1)
        self.conv5 = nn.Conv2d(384, 256, 3, padding=1)
        self.bn3 = nn.BatchNorm2d(256)
        self.fc1 = nn.Linear(256, 2048)
        self.fc2 = nn.Linear(2048, 2048)
        self.fc3 = nn.Linear(2048, num_classes)

    def forward(self, x):
        x = self.bn1(F.max_pool2d(F.relu(self.conv1(x)), 3, 2, padding=1))
        x = self.bn2(F.max_pool2d(F.relu(self.conv2(x)), 3, 2, padding=1))
        x = F.relu(self.conv3(x))
        x = F.relu(self.conv4(x))
        x = self.bn3(F.max_pool2d(F.relu(self.conv5(x)), 3, 2, padding=1))
        x = torch.flatten(x, 1)
        x = F.dropout(F.relu(self.fc1(x)), 0.5, self.training)
        x = F.dropout(F.relu(self.fc2(x)), 0.5, self.training)
        return F.softmax(self.fc3(x), dim=1)
