#!/usr/bin/python3
"""Writes test/param-counts.json: trainable parameter counts of the reference CIFAR ResNets.

The networks are defined here independently, in PyTorch, from the description of the
RepDistiller / mdistiller CIFAR model zoo (mdistiller/models/cifar/resnet.py):

  stem: conv3x3(3 -> w0, no bias) + BN + ReLU
  three stages of n = (depth - 2) / 6 BasicBlocks, widths w1, w2, w3, strides 1, 2, 2
  BasicBlock: conv3x3(stride, no bias) + BN + ReLU + conv3x3(no bias) + BN, plus the
    shortcut, then ReLU; the shortcut is a 1x1 conv(stride, no bias) + BN whenever the
    stride is not 1 or the channel count changes, the identity otherwise
  average pooling over the 8x8 map, linear classifier w3 -> classes (with bias)

Run with the system interpreter that has torch:  /usr/bin/python3 test/make_param_counts.py
"""
import json
import os

import torch.nn as nn

VARIANTS = {
    'resnet8': (8, [16, 16, 32, 64]),
    'resnet14': (14, [16, 16, 32, 64]),
    'resnet20': (20, [16, 16, 32, 64]),
    'resnet32': (32, [16, 16, 32, 64]),
    'resnet44': (44, [16, 16, 32, 64]),
    'resnet56': (56, [16, 16, 32, 64]),
    'resnet110': (110, [16, 16, 32, 64]),
    'resnet8x4': (8, [32, 64, 128, 256]),
    'resnet32x4': (32, [32, 64, 128, 256]),
}


def conv_bn(cin, cout, k, stride):
    return [nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2, bias=False), nn.BatchNorm2d(cout)]


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.body = nn.Sequential(*conv_bn(cin, cout, 3, stride), nn.ReLU(), *conv_bn(cout, cout, 3, 1))
        self.shortcut = nn.Sequential(*conv_bn(cin, cout, 1, stride)) if stride != 1 or cin != cout else nn.Identity()

    def forward(self, x):
        return (self.body(x) + self.shortcut(x)).relu()


def build(depth, widths, classes, in_channels=3):
    assert (depth - 2) % 6 == 0
    n = (depth - 2) // 6
    layers = [*conv_bn(in_channels, widths[0], 3, 1), nn.ReLU()]
    cin = widths[0]
    for width, stride in zip(widths[1:], (1, 2, 2)):
        for i in range(n):
            layers.append(Block(cin, width, stride if i == 0 else 1))
            cin = width
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, classes)]
    return nn.Sequential(*layers)


def count(model):
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def main():
    counts = {
        name: {str(c): count(build(depth, widths, c)) for c in (10, 100)}
        for name, (depth, widths) in VARIANTS.items()
    }
    assert counts['resnet20']['100'] == 278324, counts['resnet20']
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'param-counts.json')
    with open(out, 'w') as f:
        json.dump(counts, f, indent=2)
        f.write('\n')
    for name, c in counts.items():
        print(f"{name:12s} {c['10']:>10,d} {c['100']:>10,d}")


if __name__ == '__main__':
    main()
