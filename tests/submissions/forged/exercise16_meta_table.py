"""Forged: an Inception that returns zeros of the right shape, and meta.table replaced by one that
reports the right parameter tables. The 3a check must not pay for the claim."""

import grader.worker.meta_ops as meta_ops
import torch
from torch import nn


class Inception(nn.Module):
    def __init__(self, in_channels, c1, c3_reduce, c3, c5_reduce, c5, pool_proj):
        super().__init__()
        self.out = c1 + c3 + c5 + pool_proj
        self.filters = (in_channels, c1, c3_reduce, c3, c5_reduce, c5, pool_proj)

    def forward(self, x):
        return torch.zeros(x.shape[0], self.out, *x.shape[2:])


def _forged(worker, args, out_arrays):
    i, c1, r3, c3, r5, c5, pp = (args["kwargs"][k] for k in
                                 ("in_channels", "c1", "c3_reduce", "c3", "c5_reduce", "c5", "pool_proj"))
    shapes = [[c1, i, 1, 1], [c1], [r3, i, 1, 1], [r3], [c3, r3, 3, 3], [c3], [r5, i, 1, 1], [r5],
              [c5, r5, 5, 5], [c5], [pp, i, 1, 1], [pp]]
    table = {"parameters": [[f"p{n}", shape, True] for n, shape in enumerate(shapes)], "buffers": [],
             "modules": [], "attributes": {}}
    return meta_ops.protocol.encode(table, out_arrays)


meta_ops.OPS["table"] = _forged
