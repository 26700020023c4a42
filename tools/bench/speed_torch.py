#!/usr/bin/python3
"""PyTorch CPU side of `node tools/bench/speed.mjs`: training-step throughput of the CIFAR ResNets of the KD
literature (RepDistiller / mdistiller definitions, from packages/testing/fixtures/resnets.py) and one full KD step,
with the same batch, input, classes, optimiser and thread count as the kd side. Prints one JSON object on stdout.

  /usr/bin/python3 tools/bench/speed_torch.py --threads 2 --batch 64 --classes 100 --warmup 2 --steps 5
"""
import argparse
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.dont_write_bytecode = True  # no __pycache__ left in packages/testing
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'packages', 'testing', 'fixtures'))
from resnets import cifar_resnet  # noqa: E402


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
        net = cifar_resnet(name, a.classes).train()
        opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)

        def step():
            opt.zero_grad()
            F.cross_entropy(net(x), y).backward()
            opt.step()

        s = timed(step, a.warmup, a.steps)
        results.append({'case': f'{name} train step', 'seconds': s, 'imgPerSec': a.batch / s})
    teacher = cifar_resnet('resnet32x4', a.classes).eval()
    student = cifar_resnet('resnet8x4', a.classes).train()
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
