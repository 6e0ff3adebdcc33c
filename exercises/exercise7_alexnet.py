"""Exercise 7: AlexNet in PyTorch (lecture sections 13 and 14).

The lecture's summary table for CIFAR-10 is the specification (x is (N, 3, 32, 32) here,
channels first; Keras has (N, 32, 32, 3)):

    layer (lecture's Keras)                           output (PyTorch)   parameters
    Conv2D(96, (11, 11), strides=4, 'same', relu)     (N, 96, 8, 8)          34,944
    MaxPooling2D((3, 3), strides=2, 'same')           (N, 96, 4, 4)               0
    BatchNormalization()                              (N, 96, 4, 4)          192 + 192
    Conv2D(256, (5, 5), 'same', relu)                 (N, 256, 4, 4)        614,656
    MaxPooling2D((3, 3), strides=2, 'same')           (N, 256, 2, 2)              0
    BatchNormalization()                              (N, 256, 2, 2)         512 + 512
    Conv2D(384, (3, 3), 'same', relu)                 (N, 384, 2, 2)        885,120
    Conv2D(384, (3, 3), 'same', relu)                 (N, 384, 2, 2)      1,327,488
    Conv2D(256, (3, 3), 'same', relu)                 (N, 256, 2, 2)        884,992
    MaxPooling2D((3, 3), strides=2, 'same')           (N, 256, 1, 1)              0
    BatchNormalization()                              (N, 256, 1, 1)         512 + 512
    Flatten()                                         (N, 256)                    0
    Dense(2048, relu), Dropout(0.5)                   (N, 2048)             526,336
    Dense(2048, relu), Dropout(0.5)                   (N, 2048)           4,196,352
    Dense(num_classes, softmax)                       (N, num_classes)       20,490

8,491,594 trainable parameters; the "+ 192" etc. are BatchNorm's running means and variances
(1,216 in all, buffers in PyTorch, "non-trainable params" in Keras): 8,492,810 in total.
(The lecture's code forgets the third MaxPooling2D and BatchNormalization; its table has them.)

'same' padding. For stride 1 it is padding=(K - 1) // 2 (2 for 5x5, 1 for 3x3). For the first
conv (11x11, stride 4) Keras pads 3 pixels before and 4 after (it needs 7 in all to get
ceil(32 / 4) = 8); for the 3x3 / 2 pools it pads 0 before and 1 after. PyTorch's padding= is
the same on both sides, so there is no single spelling. Any choice that gives the table's
shapes is accepted:
  - first conv: nn.Conv2d(3, 96, 11, stride=4, padding=4) (or padding=5), or Keras's own
    choice, nn.ZeroPad2d((3, 4, 3, 4)) before nn.Conv2d(3, 96, 11, stride=4);
  - pools: nn.MaxPool2d(3, stride=2, padding=1), or Keras's own choice,
    nn.MaxPool2d(3, stride=2, ceil_mode=True).
The grader compares your outputs with the reference built the same way as yours.

The model returns logits: leave out the lecture's softmax; nn.CrossEntropyLoss applies it
(Keras: softmax output + categorical_crossentropy). Dropout is active only in training mode
(model.train()); model.eval() turns it off and makes BatchNorm use its running statistics.

Grade your work with `grade exercise7`.
"""

from torch import nn


class AlexNet(nn.Module):
    """The lecture's AlexNet for 32x32 colour images: x (N, 3, 32, 32) -> logits (N, num_classes)."""

    def __init__(self, num_classes=10):
        super().__init__()
        raise NotImplementedError("build the table's layers, e.g. self.features = nn.Sequential(...) for the convs and self.classifier = nn.Sequential(...) for the dense layers")

    def forward(self, x):
        """x: (N, 3, 32, 32) -> logits (N, num_classes)."""
        raise NotImplementedError("run the layers in the table's order and return the logits (no softmax)")
