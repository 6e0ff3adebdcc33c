"""The lecture's worked-example arrays that more than one exercise uses (section 5).

The 5x5 image and the X filter of "Padding Effect 1", and the feature map they give with
padding 1: exercise 2 pads the image, exercise 3 strides over the same padded image.
"""

import numpy as np

IMAGE = np.array([[2, 1, 0, 1, 2],
                  [1, 2, 1, 2, 1],
                  [0, 1, 2, 1, 0],
                  [1, 2, 1, 2, 1],
                  [2, 1, 0, 1, 2]])
X_KERNEL = np.array([[1, 0, 1],
                     [0, 1, 0],
                     [1, 0, 1]])
PADDED_FEATURE_MAP = np.array([[4, 3, 4, 3, 4],
                               [3, 6, 5, 6, 3],
                               [4, 5, 10, 5, 4],
                               [3, 6, 5, 6, 3],
                               [4, 3, 4, 3, 4]])
