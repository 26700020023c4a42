#!/usr/bin/python3
"""Exports a random-initialised CIFAR resnet32x4 (RepDistiller / mdistiller models/cifar/resnet.py: 3x3 stem of 32
channels, three stages of five BasicBlocks with 64, 128, 256 channels, strides 1, 2, 2, 1x1 projection shortcuts
where the shape changes, global average pooling, 100 classes) to ONNX for tools/bench/onnx-speed.mjs. The weights are
random: the benchmark measures speed, not accuracy. The file (about 30 MB) is written where the benchmark asks and
is not committed.

Usage: /usr/bin/python3 export-resnet32x4.py <out.onnx>
"""
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(y + (x if self.downsample is None else self.downsample(x)))


class ResNet32x4(nn.Module):
    def __init__(self, classes=100):
        super().__init__()
        widths, n = [32, 64, 128, 256], 5
        self.conv1 = nn.Conv2d(3, widths[0], 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        cin, layers = widths[0], []
        for s in range(3):
            for b in range(n):
                layers.append(BasicBlock(cin, widths[s + 1], 2 if (s > 0 and b == 0) else 1))
                cin = widths[s + 1]
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        h = self.layers(F.relu(self.bn1(self.conv1(x))))
        return self.fc(h.mean(dim=(2, 3)))


def main():
    torch.manual_seed(0)
    model = ResNet32x4().eval()
    torch.onnx.export(model, torch.zeros(1, 3, 32, 32), sys.argv[1], opset_version=13, input_names=['input'],
                      output_names=['logits'], dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}})


if __name__ == '__main__':
    main()
