#!/usr/bin/python3
"""PyTorch CPU side of `node tools/bench/speed.mjs`: training-step throughput of the CIFAR ResNets of the KD
literature (RepDistiller / mdistiller definitions) and one full KD step, with the same batch, input, classes,
optimiser and thread count as the kd side. Prints one JSON object on stdout.

  /usr/bin/python3 tools/bench/speed_torch.py --threads 2 --batch 64 --classes 100 --warmup 2 --steps 5
"""
import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class BasicBlock(nn.Module):
    def __init__(self, cin, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.down = None
        if stride != 1 or cin != planes:
            self.down = nn.Sequential(nn.Conv2d(cin, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + (self.down(x) if self.down is not None else x))


class CifarResNet(nn.Module):
    def __init__(self, depth, widths, classes):
        super().__init__()
        n = (depth - 2) // 6
        self.stem = nn.Sequential(nn.Conv2d(3, widths[0], 3, 1, 1, bias=False), nn.BatchNorm2d(widths[0]), nn.ReLU())
        layers, cin = [], widths[0]
        for stage in (1, 2, 3):
            for b in range(n):
                layers.append(BasicBlock(cin, widths[stage], 2 if stage > 1 and b == 0 else 1))
                cin = widths[stage]
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        h = self.layers(self.stem(x))
        return self.fc(F.adaptive_avg_pool2d(h, 1).flatten(1))


VARIANTS = {
    'resnet20': (20, [16, 16, 32, 64]),
    'resnet8x4': (8, [32, 64, 128, 256]),
    'resnet32x4': (32, [32, 64, 128, 256]),
}


def build(name, classes):
    depth, widths = VARIANTS[name]
    return CifarResNet(depth, widths, classes)


def timed(step, warmup, steps):
    for _ in range(warmup):
        step()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - t0) / steps


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--batch', type=int, default=64)
    ap.add_argument('--classes', type=int, default=100)
    ap.add_argument('--warmup', type=int, default=2)
    ap.add_argument('--steps', type=int, default=5)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    x = torch.randn(a.batch, 3, 32, 32)
    y = torch.arange(a.batch) % a.classes
    results = []
    for name in ('resnet20', 'resnet8x4'):
        net = build(name, a.classes).train()
        opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)

        def step():
            opt.zero_grad()
            F.cross_entropy(net(x), y).backward()
            opt.step()

        s = timed(step, a.warmup, a.steps)
        results.append({'case': f'{name} train step', 'seconds': s, 'imgPerSec': a.batch / s})
    teacher = build('resnet32x4', a.classes).eval()
    student = build('resnet8x4', a.classes).train()
    opt = torch.optim.SGD(student.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
    tau = 4.0

    def kd_step():
        with torch.no_grad():
            t = teacher(x)
        opt.zero_grad()
        s = student(x)
        kd = F.kl_div(F.log_softmax(s / tau, 1), F.softmax(t / tau, 1), reduction='batchmean') * tau * tau
        (0.1 * F.cross_entropy(s, y) + 0.9 * kd).backward()
        opt.step()

    s = timed(kd_step, a.warmup, a.steps)
    results.append({'case': 'KD step resnet32x4 -> resnet8x4', 'seconds': s, 'imgPerSec': a.batch / s})
    print(json.dumps({'torch': torch.__version__, 'threads': torch.get_num_threads(), 'results': results}))


if __name__ == '__main__':
    main()
