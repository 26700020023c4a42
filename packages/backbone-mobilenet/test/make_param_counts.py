#!/usr/bin/python3
"""Writes test/param-counts.json: trainable parameter counts of the reference CIFAR MobileNetV2s.

The network is defined here independently, in PyTorch, from the description of the
RepDistiller / mdistiller CIFAR model zoo (mdistiller/models/cifar/mobilenetv2.py,
`mobilenetv2_T_w(T, W)` and `mobile_half = mobilenetv2_T_w(6, 0.5)`):

  stem: conv3x3(3 -> int(32 W), stride 2, no bias) + BN + ReLU
  seven groups of inverted residual blocks, (expansion t, channels c, repeats n, stride s):
    (1, 16, 1, 1), (T, 24, 2, 1), (T, 32, 3, 2), (T, 64, 4, 2), (T, 96, 3, 1), (T, 160, 3, 2), (T, 320, 1, 1)
    with int(c W) output channels; only the first block of a group has stride s
  inverted residual block (inp -> oup, expanded e = inp t): conv1x1(inp -> e) + BN + ReLU,
    depthwise conv3x3(e, stride) + BN + ReLU, conv1x1(e -> oup) + BN; the input is added when
    the stride is 1 and inp == oup. The 1x1 expansion exists even where t = 1.
  head: conv1x1(-> 1280 (1280 W if W > 1), no bias) + BN + ReLU, average pooling, linear -> classes

MobileNetV1 (ImageNet), also defined here independently:
  stem: conv3x3(3 -> 32, stride 2, pad 1, no bias) + BN + ReLU
  13 depthwise-separable blocks (out channels, stride): (64, 1), (128, 2), (128, 1), (256, 2), (256, 1),
    (512, 2), 5 x (512, 1), (1024, 2), (1024, 1); a block is depthwise conv3x3(stride, pad 1, no bias) + BN +
    ReLU, conv1x1(no bias) + BN + ReLU
  global average pooling, linear 1024 -> classes (4,231,976 parameters at 1000 classes)

Run with the system interpreter that has torch:  /usr/bin/python3 test/make_param_counts.py
"""

import torch
import torch.nn as nn

import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ left in packages/testing
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'testing', 'fixtures'))
from kd_fixtures import count_params, write_param_counts  # noqa: E402

VARIANTS = {
    'mobilenetv2': (6, 1.0),
    'mobilenetv2_half': (6, 0.5),
}

SETTING = [(1, 16, 1, 1), ('T', 24, 2, 1), ('T', 32, 3, 2), ('T', 64, 4, 2), ('T', 96, 3, 1), ('T', 160, 3, 2), ('T', 320, 1, 1)]


class InvRes(nn.Module):
    def __init__(self, cin, cout, stride, t):
        super().__init__()
        e = cin * t
        self.residual = stride == 1 and cin == cout
        self.body = nn.Sequential(
            nn.Conv2d(cin, e, 1, bias=False), nn.BatchNorm2d(e), nn.ReLU(),
            nn.Conv2d(e, e, 3, stride=stride, padding=1, groups=e, bias=False), nn.BatchNorm2d(e), nn.ReLU(),
            nn.Conv2d(e, cout, 1, bias=False), nn.BatchNorm2d(cout),
        )

    def forward(self, x):
        y = self.body(x)
        return x + y if self.residual else y


def build(T, W, classes, in_channels=3):
    cin = int(32 * W)
    layers = [nn.Conv2d(in_channels, cin, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(cin), nn.ReLU()]
    for t, c, n, s in SETTING:
        t = T if t == 'T' else t
        cout = int(c * W)
        for i in range(n):
            layers.append(InvRes(cin, cout, s if i == 0 else 1, t))
            cin = cout
    last = int(1280 * W) if W > 1.0 else 1280
    layers += [nn.Conv2d(cin, last, 1, bias=False), nn.BatchNorm2d(last), nn.ReLU(),
               nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(last, classes)]
    return nn.Sequential(*layers)


V1_SETTING = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + [(512, 1)] * 5 + [(1024, 2), (1024, 1)]


def build_v1(classes, in_channels=3):
    layers = [nn.Conv2d(in_channels, 32, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU()]
    cin = 32
    for cout, s in V1_SETTING:
        layers += [nn.Conv2d(cin, cin, 3, stride=s, padding=1, groups=cin, bias=False), nn.BatchNorm2d(cin), nn.ReLU(),
                   nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]
        cin = cout
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, classes)]
    return nn.Sequential(*layers)


def main():
    counts = {
        name: {str(c): count_params(build(T, W, c)) for c in (10, 100)}
        for name, (T, W) in VARIANTS.items()
    }
    counts['mobilenetv1'] = {str(c): count_params(build_v1(c)) for c in (10, 100, 1000)}
    assert counts['mobilenetv1']['1000'] == 4231976, counts['mobilenetv1']
    with torch.no_grad():
        assert build_v1(1000)[:-3](torch.zeros(1, 3, 224, 224)).shape == (1, 1024, 7, 7)
    # Sanity check of the shapes: 32x32 input -> 1x1 pooled map, 2x2 before pooling.
    with torch.no_grad():
        assert build(6, 0.5, 100)(torch.zeros(2, 3, 32, 32)).shape == (2, 100)
    write_param_counts(__file__, counts, 18, 10, ('10', '100', '1000'))


if __name__ == '__main__':
    main()
