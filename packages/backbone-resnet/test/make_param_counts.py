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

Four-stage ResNets, also defined here independently (torchvision is not installed next to torch 1.13):
  ImageNet (torchvision.models.resnet18/34/50): conv7x7(3 -> 64, stride 2, pad 3, no bias) + BN + ReLU +
    max-pool 3x3 (stride 2, pad 1); CIFAR (mdistiller/models/cifar/resnetv2.py ResNet18/ResNet50):
    conv3x3(3 -> 64, stride 1, no bias) + BN + ReLU, no max-pool
  four stages of planes 64, 128, 256, 512, strides 1, 2, 2, 2; BasicBlock (expansion 1) [2, 2, 2, 2] for
    resnet18 and [3, 4, 6, 3] for resnet34, Bottleneck (expansion 4: conv1x1 + BN + ReLU, conv3x3(stride) + BN
    + ReLU, conv1x1(-> 4 planes) + BN) [3, 4, 6, 3] for resnet50; shortcut conv1x1(stride) + BN whenever the
    stride is not 1 or the channel count changes; global average pooling, linear 512 * expansion -> classes

Run with the system interpreter that has torch:  /usr/bin/python3 test/make_param_counts.py
"""

import torch.nn as nn

import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ left in packages/testing
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'testing', 'fixtures'))
from kd_fixtures import count_params, write_param_counts  # noqa: E402

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


FOUR_STAGE = {
    'resnet18': ('imagenet', 'basic', [2, 2, 2, 2]),
    'resnet34': ('imagenet', 'basic', [3, 4, 6, 3]),
    'resnet50': ('imagenet', 'bottleneck', [3, 4, 6, 3]),
    'cifar_resnet18': ('cifar', 'basic', [2, 2, 2, 2]),
    'cifar_resnet50': ('cifar', 'bottleneck', [3, 4, 6, 3]),
}

# torchvision's published parameter counts at 1000 classes.
TORCHVISION = {'resnet18': 11689512, 'resnet34': 21797672, 'resnet50': 25557032}


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


class Bottleneck(nn.Module):
    def __init__(self, cin, planes, stride):
        super().__init__()
        cout = 4 * planes
        self.body = nn.Sequential(
            *conv_bn(cin, planes, 1, 1), nn.ReLU(),
            *conv_bn(planes, planes, 3, stride), nn.ReLU(),
            *conv_bn(planes, cout, 1, 1),
        )
        self.shortcut = nn.Sequential(*conv_bn(cin, cout, 1, stride)) if stride != 1 or cin != cout else nn.Identity()

    def forward(self, x):
        return (self.body(x) + self.shortcut(x)).relu()


def build_four_stage(stem, block, blocks, classes, in_channels=3):
    if stem == 'imagenet':
        layers = [*conv_bn(in_channels, 64, 7, 2), nn.ReLU(), nn.MaxPool2d(3, stride=2, padding=1)]
    else:
        layers = [*conv_bn(in_channels, 64, 3, 1), nn.ReLU()]
    cin = 64
    for stage, (n, stride) in enumerate(zip(blocks, (1, 2, 2, 2))):
        planes = 64 * 2 ** stage
        for i in range(n):
            s = stride if i == 0 else 1
            if block == 'basic':
                layers.append(Block(cin, planes, s))
                cin = planes
            else:
                layers.append(Bottleneck(cin, planes, s))
                cin = 4 * planes
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, classes)]
    return nn.Sequential(*layers)


def main():
    counts = {
        name: {str(c): count_params(build(depth, widths, c)) for c in (10, 100)}
        for name, (depth, widths) in VARIANTS.items()
    }
    assert counts['resnet20']['100'] == 278324, counts['resnet20']
    for name, (stem, block, blocks) in FOUR_STAGE.items():
        counts[name] = {str(c): count_params(build_four_stage(stem, block, blocks, c)) for c in (10, 100, 1000)}
    for name, n in TORCHVISION.items():
        assert counts[name]['1000'] == n, (name, counts[name])
    # Shape check: 224x224 ImageNet input -> 7x7 last map; 32x32 CIFAR input -> 4x4 last map.
    import torch
    with torch.no_grad():
        body = build_four_stage('imagenet', 'bottleneck', [3, 4, 6, 3], 1000)[:-3]
        assert body(torch.zeros(1, 3, 224, 224)).shape == (1, 2048, 7, 7)
        body = build_four_stage('cifar', 'basic', [2, 2, 2, 2], 100)[:-3]
        assert body(torch.zeros(1, 3, 32, 32)).shape == (1, 512, 4, 4)
    write_param_counts(__file__, counts, 16, 12, ('10', '100', '1000'))


if __name__ == '__main__':
    main()
