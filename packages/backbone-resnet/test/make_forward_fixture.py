#!/usr/bin/python3
"""Writes test/forward-fixture.json: reference outputs of CIFAR ResNets in PyTorch (eval mode) for weights and
inputs given by a closed-form formula, so that the TypeScript test can rebuild both without a weight file.

Every tensor is named as the kd network's stateVariables() names it (e.g. `stage2_block1_down_conv/kernel`) and
filled, in PyTorch layout (conv [out, in, kh, kw], linear [out, in]), by  value(i) = f(sin(0.7 i + salt)), with
salt = (sum of the name's character codes) mod 97 and f per kind (see `fill`). The input is
x[n, c, h, w] = sin(0.1 i) for i its flat NCHW index. The forward pass follows the RepDistiller / mdistiller CIFAR
ResNet: conv3x3(pad 1)+BN+ReLU stem, BasicBlocks with a 1x1 conv + BN shortcut where the shape changes, ReLU after
the residual add (pre-activation feature = the sum before it), global average pooling, linear classifier.

Run with the system interpreter that has torch:  /usr/bin/python3 test/make_forward_fixture.py
"""
import json
import math
import os
import sys

import torch
import torch.nn.functional as F

sys.dont_write_bytecode = True  # no __pycache__ left in packages/testing
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'testing', 'fixtures'))
from kd_fixtures import formula_fill  # noqa: E402

CASES = [
    # variant, depth, widths, input (N, C, H, W), classes
    ('resnet8', 8, [16, 16, 32, 64], (2, 3, 32, 32), 10),
    ('resnet8x4', 8, [32, 64, 128, 256], (1, 3, 16, 16), 10),
]

# Four-stage ResNets (torchvision v1.5 / resnetv2.py): variant, stem, block, blocks per stage, input, classes.
# Odd ImageNet-stem input sizes exercise PyTorch's symmetric padding of the strided 7x7 conv, max-pool and 3x3 convs.
FOUR_STAGE_CASES = [
    ('resnet18', 'imagenet', 'basic', [2, 2, 2, 2], (1, 3, 67, 67), 12),
    ('resnet50', 'imagenet', 'bottleneck', [3, 4, 6, 3], (1, 3, 64, 64), 12),
    ('cifar_resnet18', 'cifar', 'basic', [2, 2, 2, 2], (1, 3, 16, 16), 10),
]


def fill(name, shape, fan_in=1):
    return formula_fill(name, shape, fan_in).float()


def conv_bn(x, name, cout, k, stride):
    cin = x.shape[1]
    w = fill(f'{name}conv/kernel', (cout, cin, k, k), cin * k * k)
    y = F.conv2d(x, w, stride=stride, padding=k // 2)
    p = lambda v: fill(f'{name}bn/{v}', (cout,))
    return F.batch_norm(y, p('moving_mean'), p('moving_variance'), p('gamma'), p('beta'), training=False, eps=1e-5)


def residual(h, out, p, cout, stride):
    """Adds the shortcut (1x1 conv + BN where the shape changes) and returns the block's output and pre-activation."""
    short = conv_bn(h, f'{p}down_', cout, 1, stride) if stride != 1 or h.shape[1] != cout else h
    return F.relu(out + short), out + short


def forward(depth, widths, x, classes):
    feats = {}
    h = F.relu(conv_bn(x, 'stem_', widths[0], 3, 1))
    feats['stem'] = h
    for stage in (1, 2, 3):
        planes = widths[stage]
        for b in range(1, (depth - 2) // 6 + 1):
            stride = 2 if stage > 1 and b == 1 else 1
            p = f'stage{stage}_block{b}_'
            out = conv_bn(F.relu(conv_bn(h, f'{p}1_', planes, 3, stride)), f'{p}2_', planes, 3, 1)
            h, pre = residual(h, out, p, planes, stride)
        feats[f'stage{stage}_preact'] = pre
        feats[f'stage{stage}'] = h
    emb = h.mean(dim=(2, 3))
    w = fill('classifier/kernel', (classes, emb.shape[1]), emb.shape[1])
    logits = F.linear(emb, w, fill('classifier/bias', (classes,)))
    return feats, emb, logits


def forward_four_stage(stem, block, blocks, x, classes):
    feats = {}
    if stem == 'imagenet':
        h = F.relu(conv_bn(x, 'stem_', 64, 7, 2))
        feats['stem'] = h
        h = F.max_pool2d(h, 3, stride=2, padding=1)
    else:
        h = F.relu(conv_bn(x, 'stem_', 64, 3, 1))
        feats['stem'] = h
    expansion = 4 if block == 'bottleneck' else 1
    for stage in (1, 2, 3, 4):
        planes = 64 * 2 ** (stage - 1)
        for b in range(1, blocks[stage - 1] + 1):
            stride = 2 if stage > 1 and b == 1 else 1
            p = f'stage{stage}_block{b}_'
            if block == 'basic':
                out = F.relu(conv_bn(h, f'{p}1_', planes, 3, stride))
                out = conv_bn(out, f'{p}2_', planes, 3, 1)
            else:  # v1.5: the stride sits on the 3x3 conv
                out = F.relu(conv_bn(h, f'{p}1_', planes, 1, 1))
                out = F.relu(conv_bn(out, f'{p}2_', planes, 3, stride))
                out = conv_bn(out, f'{p}3_', planes * expansion, 1, 1)
            h, pre = residual(h, out, p, planes * expansion, stride)
        feats[f'stage{stage}_preact'] = pre
        feats[f'stage{stage}'] = h
    emb = h.mean(dim=(2, 3))
    w = fill('classifier/kernel', (classes, emb.shape[1]), emb.shape[1])
    return feats, emb, F.linear(emb, w, fill('classifier/bias', (classes,)))


def record(shape, classes, feats, emb, logits):
    return {
        'input': list(shape),
        'classes': classes,
        'logits': logits.tolist(),
        'embedding': emb.tolist(),
        # NHWC shape, sum and sum of squares of each feature map
        'features': {
            k: {'shape': [v.shape[0], v.shape[2], v.shape[3], v.shape[1]], 'sum': v.sum().item(), 'sumsq': (v * v).sum().item()}
            for k, v in feats.items()
        },
    }


def formula_input(shape):
    return torch.sin(0.1 * torch.arange(math.prod(shape), dtype=torch.float64)).reshape(shape).float()


def main():
    fixture = {}
    with torch.no_grad():
        for variant, depth, widths, shape, classes in CASES:
            fixture[variant] = record(shape, classes, *forward(depth, widths, formula_input(shape), classes))
        for variant, stem, block, blocks, shape, classes in FOUR_STAGE_CASES:
            fixture[variant] = record(shape, classes, *forward_four_stage(stem, block, blocks, formula_input(shape), classes))
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'forward-fixture.json')
    with open(out, 'w') as f:
        json.dump(fixture, f, indent=1)
        f.write('\n')
    for variant, v in fixture.items():
        print(variant, [round(z, 4) for z in v['logits'][0]])


if __name__ == '__main__':
    main()
