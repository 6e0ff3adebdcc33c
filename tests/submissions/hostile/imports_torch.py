"""Forbidden: uses PyTorch in a NumPy exercise."""
import numpy as np
import torch


def correlate2d(image, kernel):
    t = torch.nn.functional.conv2d(torch.tensor(image, dtype=torch.float64)[None, None],
                                   torch.tensor(kernel, dtype=torch.float64)[None, None])
    return t[0, 0].numpy()


def conv2d(x, w, b=None):
    bias = None if b is None else torch.tensor(b, dtype=torch.float64)
    return torch.nn.functional.conv2d(torch.tensor(x, dtype=torch.float64), torch.tensor(w, dtype=torch.float64),
                                      bias).numpy()
