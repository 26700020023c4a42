#!/usr/bin/python3
"""Writes test/param-counts.json: trainable parameter counts of the reference CIFAR Wide ResNets.

The networks are defined here independently, in PyTorch, from the description of the
RepDistiller / mdistiller CIFAR model zoo (mdistiller/models/cifar/wrn.py, dropout 0):

  widths [16, 16k, 32k, 64k] for widen factor k; n = (depth - 4) / 6 blocks per group
  stem: conv3x3(3 -> 16, no bias), nothing else
  three groups of n pre-activation blocks, strides 1, 2, 2 (first block of each group)
  block: BN + ReLU of the input, conv3x3(stride, no bias), BN + ReLU, conv3x3(no bias),
    plus the shortcut: the raw input where input and output widths agree, otherwise a
    1x1 conv(stride, no bias) of the pre-activated input
  final BN + ReLU, global average pooling, linear 64k -> classes (with bias)

Run with the system interpreter that has torch:  /usr/bin/python3 test/make_param_counts.py
"""

import torch
import torch.nn as nn

import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ left in packages/testing
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'testing', 'fixtures'))
from kd_fixtures import count_params, write_param_counts  # noqa: E402

PRESETS = {
    'wrn_16_1': (16, 1),
    'wrn_16_2': (16, 2),
    'wrn_40_1': (40, 1),
    'wrn_40_2': (40, 2),
}


class PreActBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.pre = nn.Sequential(nn.BatchNorm2d(cin), nn.ReLU())
        self.body = nn.Sequential(
            nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False),
            nn.BatchNorm2d(cout),
            nn.ReLU(),
            nn.Conv2d(cout, cout, 3, stride=1, padding=1, bias=False),
        )
        self.project = None if cin == cout and stride == 1 else nn.Conv2d(cin, cout, 1, stride=stride, bias=False)

    def forward(self, x):
        a = self.pre(x)
        return self.body(a) + (x if self.project is None else self.project(a))


def build(depth, widen, classes, in_channels=3):
    assert (depth - 4) % 6 == 0
    n = (depth - 4) // 6
    widths = [16, 16 * widen, 32 * widen, 64 * widen]
    layers = [nn.Conv2d(in_channels, widths[0], 3, padding=1, bias=False)]
    cin = widths[0]
    for width, stride in zip(widths[1:], (1, 2, 2)):
        for i in range(n):
            layers.append(PreActBlock(cin, width, stride if i == 0 else 1))
            cin = width
    layers += [nn.BatchNorm2d(cin), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, classes)]
    return nn.Sequential(*layers)


def main():
    counts = {
        name: {str(c): count_params(build(depth, widen, c)) for c in (10, 100)}
        for name, (depth, widen) in PRESETS.items()
    }
    # Sanity: a forward pass of a 32x32 image gives the logits.
    assert build(16, 1, 10)(torch.zeros(2, 3, 32, 32)).shape == (2, 10)
    write_param_counts(__file__, counts, 12, 10)


if __name__ == '__main__':
    main()
