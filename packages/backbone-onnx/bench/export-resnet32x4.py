#!/usr/bin/python3
"""Exports a random-initialised CIFAR resnet32x4 (RepDistiller / mdistiller models/cifar/resnet.py: 3x3 stem of 32
channels, three stages of five BasicBlocks with 64, 128, 256 channels, strides 1, 2, 2, 1x1 projection shortcuts
where the shape changes, global average pooling, 100 classes; defined in packages/testing/fixtures/resnets.py) to
ONNX for tools/bench/onnx-speed.mjs. The weights are random: the benchmark measures speed, not accuracy. The file
(about 30 MB) is written where the benchmark asks and is not committed.

Usage: /usr/bin/python3 export-resnet32x4.py <out.onnx>
"""
import os
import sys

import torch

sys.dont_write_bytecode = True  # no __pycache__ left in packages/testing
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'testing', 'fixtures'))
from resnets import cifar_resnet  # noqa: E402


def main():
    torch.manual_seed(0)
    model = cifar_resnet('resnet32x4', 100).eval()
    torch.onnx.export(model, torch.zeros(1, 3, 32, 32), sys.argv[1], opset_version=13, input_names=['input'],
                      output_names=['logits'], dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}})


if __name__ == '__main__':
    main()
