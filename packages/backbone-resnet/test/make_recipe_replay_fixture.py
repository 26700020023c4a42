#!/usr/bin/python3
"""Writes test/recipe-replay-fixture.json: three SGD steps of the reference trainers' recipe in PyTorch, for the replay
test (test/recipe-replay.spec.ts) of kd's own training step.

The recipe of mdistiller / RepDistiller on CIFAR-100: torch.optim.SGD over model.parameters() (every parameter
decayed, batch-norm γ/β and biases included) with lr 0.05, momentum 0.9, weight decay 5e-4, no Nesterov; batch norm in
training mode (momentum 0.1, eps 1e-5, the running variance updated with the unbiased batch variance). Losses: CE, and
mdistiller's KD (0.1·CE + 0.9·τ²·KL(softmax(z_T/τ) ‖ softmax(z_S/τ)), τ = 4, KL summed over classes and averaged
over the batch) from a frozen teacher of the same architecture in eval mode; and mdistiller's DKD (resnet8 only): CE +
min(epoch/warmup, 1)·(α·TCKD + β·NCKD) with α 1, β 8, τ 4 and the warm-up finished (factor 1), where TCKD is τ²·KL of
the binary target-vs-rest distributions and NCKD τ²·KL over the non-target classes (the target logit lowered by 1000
before the softmax), both summed over classes and divided by the batch size, as mdistiller's dkd_loss.

Networks: resnet8 (the RepDistiller / mdistiller CIFAR ResNet) and a plain CNN (conv3x3 with bias → BN → ReLU →
max-pool 2, twice; global average pooling; linear). Initial weights and batches come from closed-form formulas (the
same as test/make_forward_fixture.py: value(i) = f(sin(0.7 i + salt(name) + offset)), offset 0 for the student and 50
for the teacher), rounded to float32, and the computation runs in float64.

Recorded (tfjs layouts: conv kernels [kh, kw, in, out], dense [in, out], features NHWC): each step's loss terms; each
step's gradient of every parameter and the final change of every parameter (weights after three steps minus the
initial ones), each as a summary (see `summary`); the final batch-norm running statistics in full. For DKD also the
gradient summaries of the same run in float32 (`float32Gradients`), PyTorch's own single-precision error.

Run with the system interpreter that has torch:  /usr/bin/python3 test/make_recipe_replay_fixture.py
"""
import json
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.dont_write_bytecode = True  # no __pycache__ left in packages/testing
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'testing', 'fixtures'))
from kd_fixtures import formula_fill  # noqa: E402

torch.set_default_dtype(torch.float64)

LR, MOMENTUM, WEIGHT_DECAY = 0.05, 0.9, 5e-4
BATCH, SIZE, CLASSES, STEPS, TAU = 8, 8, 10, 3, 4.0
DKD_ALPHA, DKD_BETA, DKD_WARMUP_FACTOR = 1.0, 8.0, 1.0


def fill(name, shape, fan_in, offset):
    return formula_fill(name, shape, fan_in, offset).float().double()


def batch(step):
    n = BATCH * 3 * SIZE * SIZE
    x = torch.sin(0.1 * torch.arange(n, dtype=torch.float64) + step).reshape(BATCH, 3, SIZE, SIZE).float().double()
    y = torch.tensor([(3 * i + step) % CLASSES for i in range(BATCH)])
    return x, y


class ConvBn(nn.Module):
    def __init__(self, cin, cout, k, stride, bias=False):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, stride, k // 2, bias=bias)
        self.bn = nn.BatchNorm2d(cout, momentum=0.1, eps=1e-5)

    def forward(self, x):
        return self.bn(self.conv(x))


class Block(nn.Module):
    def __init__(self, cin, planes, stride):
        super().__init__()
        self.c1 = ConvBn(cin, planes, 3, stride)
        self.c2 = ConvBn(planes, planes, 3, 1)
        self.down = ConvBn(cin, planes, 1, stride) if stride != 1 or cin != planes else None

    def forward(self, x):
        out = self.c2(F.relu(self.c1(x)))
        return F.relu(out + (self.down(x) if self.down is not None else x))


class Resnet8(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = ConvBn(3, 16, 3, 1)
        self.stages = nn.ModuleList([Block(16, 16, 1), Block(16, 32, 2), Block(32, 64, 2)])
        self.fc = nn.Linear(64, CLASSES)

    def forward(self, x):
        h = F.relu(self.stem(x))
        for s in self.stages:
            h = s(h)
        return self.fc(h.mean(dim=(2, 3)))

    def named(self):
        """kd's stateVariables() name of each ConvBn and of the classifier."""
        out = {'stem_': self.stem}
        for i, b in enumerate(self.stages):
            p = f'stage{i + 1}_block1_'
            out[p + '1_'] = b.c1
            out[p + '2_'] = b.c2
            if b.down is not None:
                out[p + 'down_'] = b.down
        return out


class PlainCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.s1 = ConvBn(3, 8, 3, 1, bias=True)
        self.s2 = ConvBn(8, 16, 3, 1, bias=True)
        self.fc = nn.Linear(16, CLASSES)

    def forward(self, x):
        h = F.max_pool2d(F.relu(self.s1(x)), 2)
        h = F.max_pool2d(F.relu(self.s2(h)), 2)
        return self.fc(h.mean(dim=(2, 3)))

    def named(self):
        return {'stage1_': self.s1, 'stage2_': self.s2}


def params_of(model):
    """(kd name, parameter or buffer, layout) of every state tensor."""
    out = []
    for prefix, cb in model.named().items():
        out.append((f'{prefix}conv/kernel', cb.conv.weight, 'conv'))
        if cb.conv.bias is not None:
            out.append((f'{prefix}conv/bias', cb.conv.bias, 'vec'))
        out.append((f'{prefix}bn/gamma', cb.bn.weight, 'vec'))
        out.append((f'{prefix}bn/beta', cb.bn.bias, 'vec'))
        out.append((f'{prefix}bn/moving_mean', cb.bn.running_mean, 'vec'))
        out.append((f'{prefix}bn/moving_variance', cb.bn.running_var, 'vec'))
    out.append(('classifier/kernel', model.fc.weight, 'dense'))
    out.append(('classifier/bias', model.fc.bias, 'vec'))
    return out


def tf_layout(t, layout):
    if layout == 'conv':
        return t.permute(2, 3, 1, 0).contiguous()
    if layout == 'dense':
        return t.t().contiguous()
    return t


def load(model, offset):
    with torch.no_grad():
        for name, t, layout in params_of(model):
            shape = tuple(t.shape)
            fan_in = math.prod(shape[1:]) if layout != 'vec' else 1
            t.copy_(fill(name, shape, fan_in, offset))


def summary(t):
    """Flat values in tfjs layout → [Σv, Σv², Σ v·sin(1.3 i), Σ v·cos(0.37 i), v_0 … v_15]: the test compares these."""
    v = t.flatten()
    i = torch.arange(v.numel(), dtype=torch.float64)
    head = v[:16].tolist()
    return [v.sum().item(), (v * v).sum().item(), (v * torch.sin(1.3 * i)).sum().item(), (v * torch.cos(0.37 * i)).sum().item()] + head


def dkd_terms(zs, zt, y):
    """TCKD and NCKD of mdistiller's dkd_loss (each with τ², unweighted), written from its formulas."""
    gt = F.one_hot(y, CLASSES).to(zs.dtype)
    ps, pt = F.softmax(zs / TAU, 1), F.softmax(zt / TAU, 1)
    binary = lambda p: torch.stack([(p * gt).sum(1), (p * (1 - gt)).sum(1)], 1)
    bs, bt = binary(ps), binary(pt)
    tckd = (bt * (torch.log(bt) - torch.log(bs))).sum() * TAU ** 2 / y.shape[0]
    ls_other = F.log_softmax(zs / TAU - 1000.0 * gt, 1)
    pt_other = F.softmax(zt / TAU - 1000.0 * gt, 1)
    # xlogy: the target's teacher share underflows to 0 and contributes 0, as kl_div does
    nckd = (torch.xlogy(pt_other, pt_other) - pt_other * ls_other).sum() * TAU ** 2 / y.shape[0]
    return tckd, nckd


def run(make, loss, dtype=torch.float64):
    """`dtype` float32 repeats the run in PyTorch's single precision: how well float32 itself can know each number."""
    torch.set_default_dtype(dtype)
    torch.manual_seed(0)
    student = make()
    load(student, 0)
    teacher = make()
    load(teacher, 50)
    teacher.eval()
    initial = {n: tf_layout(t.detach().clone(), l) for n, t, l in params_of(student)}
    opt = torch.optim.SGD(student.parameters(), lr=LR, momentum=MOMENTUM, weight_decay=WEIGHT_DECAY, nesterov=False)
    student.train()
    steps = []
    for step in range(STEPS):
        x, y = batch(step)
        x = x.to(dtype)
        logits = student(x)
        ce = F.cross_entropy(logits, y)
        if loss == 'ce':
            total, terms = ce, {'ce': ce.item()}
        elif loss == 'dkd':
            with torch.no_grad():
                zt = teacher(x)
            tckd, nckd = dkd_terms(logits, zt, y)
            total = ce + DKD_WARMUP_FACTOR * (DKD_ALPHA * tckd + DKD_BETA * nckd)
            terms = {'ce': ce.item(), 'tckd': tckd.item(), 'nckd': nckd.item()}
        else:
            with torch.no_grad():
                zt = teacher(x)
            kd = F.kl_div(F.log_softmax(logits / TAU, 1), F.softmax(zt / TAU, 1), reduction='none').sum(1).mean() * TAU * TAU
            total = 0.1 * ce + 0.9 * kd
            terms = {'ce': ce.item(), 'kd': kd.item()}
        opt.zero_grad()
        total.backward()
        grads = {n: summary(tf_layout(t.grad, l)) for n, t, l in params_of(student) if isinstance(t, nn.Parameter)}
        opt.step()
        steps.append({'losses': {'total': total.item(), **terms}, 'gradients': grads})
    final = {}
    running = {}
    for n, t, l in params_of(student):
        if isinstance(t, nn.Parameter):
            final[n] = summary(tf_layout(t.detach(), l) - initial[n])
        else:
            running[n] = t.tolist()
    torch.set_default_dtype(torch.float64)
    return {'steps': steps, 'change': final, 'running': running}


def main():
    fixture = {
        'recipe': {'lr': LR, 'momentum': MOMENTUM, 'weightDecay': WEIGHT_DECAY, 'batch': BATCH, 'size': SIZE, 'classes': CLASSES,
                   'steps': STEPS, 'temperature': TAU, 'ceWeight': 0.1, 'kdWeight': 0.9,
                   'dkd': {'alpha': DKD_ALPHA, 'beta': DKD_BETA, 'temperature': TAU, 'ceWeight': 1.0, 'warmupFactor': DKD_WARMUP_FACTOR}},
        'cases': {},
    }
    for net, make in (('resnet8', Resnet8), ('plain', PlainCnn)):
        for loss in ('ce', 'kd'):
            fixture['cases'][f'{net}/{loss}'] = run(make, loss)
    fixture['cases']['resnet8/dkd'] = run(Resnet8, 'dkd')
    # DKD's larger gradients make step 3's stem-kernel gradient sum cancel ~60-fold: PyTorch's own float32 run misses it
    # by 1.7e-4, so the test holds kd to 2× PyTorch's float32 error where that exceeds 1e-4.
    single = run(Resnet8, 'dkd', torch.float32)
    fixture['cases']['resnet8/dkd']['float32Gradients'] = [s['gradients'] for s in single['steps']]
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'recipe-replay-fixture.json')
    with open(out, 'w') as f:
        json.dump(fixture, f)
        f.write('\n')
    for k, v in fixture['cases'].items():
        print(k, [round(s['losses']['total'], 6) for s in v['steps']])


if __name__ == '__main__':
    main()
