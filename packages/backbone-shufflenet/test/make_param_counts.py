#!/usr/bin/python3
"""Writes test/param-counts.json: trainable parameter counts of the reference CIFAR ShuffleNets.

The networks are defined here independently, in PyTorch, from the description of the
RepDistiller / mdistiller CIFAR model zoo (mdistiller/models/cifar/ShuffleNetv1.py `ShuffleV1`,
ShuffleNetv2.py `ShuffleV2` = net_size 1):

ShuffleNetV1 (stage widths 240, 480, 960; 4, 8, 4 units; 3 groups):
  stem: conv1x1(3 -> 24, no bias) + BN + ReLU
  unit (cin -> cout, stride; mid = cout // 4; the first unit of a stage has cout = width - cin and stride 2):
    grouped conv1x1(cin -> mid, groups 1 if cin == 24 else 3) + BN + ReLU, channel shuffle,
    depthwise conv3x3(mid, stride) + BN + ReLU, grouped conv1x1(mid -> cout, groups 3) + BN;
    stride 2: concatenated with AvgPool2d(3, 2, padding 1) of the input; stride 1: added to the input; ReLU
  head: average pooling, linear 960 -> classes

ShuffleNetV2 (stage widths 116, 232, 464; 3, 7, 3 units after a down-sampling unit; head 1024):
  stem: conv1x1(3 -> 24, no bias) + BN + ReLU
  down unit (cin -> cout, mid = cout // 2): left: depthwise conv3x3(cin, stride 2) + BN, conv1x1(cin -> mid) + BN + ReLU;
    right: conv1x1(cin -> mid) + BN + ReLU, depthwise conv3x3(mid, stride 2) + BN, conv1x1(mid -> mid) + BN + ReLU;
    concatenated, channel shuffle (2 groups)
  basic unit (c): split in halves; the second half goes through conv1x1 + BN + ReLU, depthwise conv3x3 + BN,
    conv1x1 + BN + ReLU; concatenated after the first half, channel shuffle (2 groups)
  head: conv1x1(464 -> 1024, no bias) + BN + ReLU, average pooling, linear 1024 -> classes

Run with the system interpreter that has torch:  /usr/bin/python3 test/make_param_counts.py
"""

import torch
import torch.nn as nn

import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ left in packages/testing
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'testing', 'fixtures'))
from kd_fixtures import count_params, write_param_counts  # noqa: E402
import torch.nn.functional as F


def shuffle(x, g):
    n, c, h, w = x.shape
    return x.view(n, g, c // g, h, w).transpose(1, 2).reshape(n, c, h, w)


def cbn(cin, cout, k=1, stride=1, groups=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout))


class V1Unit(nn.Module):
    def __init__(self, cin, cout, stride, groups):
        super().__init__()
        mid = cout // 4
        self.g1 = 1 if cin == 24 else groups
        self.stride = stride
        self.a = cbn(cin, mid, groups=self.g1)
        self.b = cbn(mid, mid, 3, stride, groups=mid)
        self.c = cbn(mid, cout, groups=groups)

    def forward(self, x):
        y = shuffle(F.relu(self.a(x)), self.g1)
        y = self.c(F.relu(self.b(y)))
        if self.stride == 2:
            return F.relu(torch.cat([y, F.avg_pool2d(x, 3, 2, 1)], 1))
        return F.relu(y + x)


def shufflev1(classes, in_channels=3, widths=(240, 480, 960), units=(4, 8, 4), groups=3):
    layers = [cbn(in_channels, 24), nn.ReLU()]
    cin = 24
    for width, n in zip(widths, units):
        for i in range(n):
            layers.append(V1Unit(cin, width - cin if i == 0 else width, 2 if i == 0 else 1, groups))
            cin = width
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, classes)]
    return nn.Sequential(*layers)


class V2Down(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        mid = cout // 2
        self.left = nn.Sequential(cbn(cin, cin, 3, 2, groups=cin), cbn(cin, mid), nn.ReLU())
        self.right = nn.Sequential(cbn(cin, mid), nn.ReLU(), cbn(mid, mid, 3, 2, groups=mid), cbn(mid, mid), nn.ReLU())

    def forward(self, x):
        return shuffle(torch.cat([self.left(x), self.right(x)], 1), 2)


class V2Basic(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.half = c // 2
        h = c - self.half
        self.branch = nn.Sequential(cbn(h, h), nn.ReLU(), cbn(h, h, 3, 1, groups=h), cbn(h, h), nn.ReLU())

    def forward(self, x):
        return shuffle(torch.cat([x[:, :self.half], self.branch(x[:, self.half:])], 1), 2)


def shufflev2(classes, in_channels=3, widths=(116, 232, 464), units=(3, 7, 3), last=1024):
    layers = [cbn(in_channels, 24), nn.ReLU()]
    cin = 24
    for width, n in zip(widths, units):
        layers.append(V2Down(cin, width))
        layers += [V2Basic(width) for _ in range(n)]
        cin = width
    layers += [cbn(cin, last), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(last, classes)]
    return nn.Sequential(*layers)


VARIANTS = {'shufflenetv1': shufflev1, 'shufflenetv2': shufflev2}


def main():
    counts = {name: {str(c): count_params(build(c)) for c in (10, 100)} for name, build in VARIANTS.items()}
    with torch.no_grad():
        for build in VARIANTS.values():
            assert build(100).eval()(torch.zeros(2, 3, 32, 32)).shape == (2, 100)
    write_param_counts(__file__, counts, 14, 10)


if __name__ == '__main__':
    main()
