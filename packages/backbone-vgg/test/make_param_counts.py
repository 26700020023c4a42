#!/usr/bin/python3
"""Writes test/param-counts.json: trainable parameter counts of the reference CIFAR VGGs (batch norm).

The networks are defined here independently, in PyTorch, from the description of the
RepDistiller / mdistiller CIFAR model zoo (mdistiller/models/cifar/vgg.py, the *_bn models):

  five blocks with widths 64, 128, 256, 512, 512 and 1/1/1/1/1 (vgg8), 1/1/2/2/2 (vgg11),
    2/2/2/2/2 (vgg13), 2/2/3/3/3 (vgg16), 2/2/4/4/4 (vgg19) convolutions
  each convolution: conv3x3(padding 1, with bias) + BN, a ReLU between convolutions and after
    every block; 2x2 max pooling after blocks 0, 1 and 2 (for a 32x32 input)
  global average pooling, linear 512 -> classes (with bias)

Run with the system interpreter that has torch:  /usr/bin/python3 test/make_param_counts.py
"""

import torch
import torch.nn as nn

import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ left in packages/testing
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'testing', 'fixtures'))
from kd_fixtures import count_params, write_param_counts  # noqa: E402

CONVS = {
    'vgg8': [1, 1, 1, 1, 1],
    'vgg11': [1, 1, 2, 2, 2],
    'vgg13': [2, 2, 2, 2, 2],
    'vgg16': [2, 2, 3, 3, 3],
    'vgg19': [2, 2, 4, 4, 4],
}
WIDTHS = [64, 128, 256, 512, 512]


def build(variant, classes, in_channels=3):
    layers = []
    cin = in_channels
    for k, (convs, width) in enumerate(zip(CONVS[variant], WIDTHS)):
        for _ in range(convs):
            layers += [nn.Conv2d(cin, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU()]
            cin = width
        if k < 3:
            layers.append(nn.MaxPool2d(2))
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, classes)]
    return nn.Sequential(*layers)


def main():
    counts = {name: {str(c): count_params(build(name, c)) for c in (10, 100)} for name in CONVS}
    # Sanity: a forward pass of a 32x32 image gives the logits.
    assert build('vgg8', 10)(torch.zeros(2, 3, 32, 32)).shape == (2, 10)
    write_param_counts(__file__, counts, 12, 12)


if __name__ == '__main__':
    main()
