"""Independent NDAM reference values for distiller-lakd's tests, computed with PyTorch 1.13.

Run from the repository root:  /usr/bin/python3 packages/distiller-lakd/test/make_ndam_fixture.py
Writes packages/distiller-lakd/test/fixtures/ndam.json. Features are drawn here and stored (NHWC) so the TypeScript test
feeds the same numbers; the maps and losses follow the package README ("What it computes") in PyTorch's NCHW idiom.

`cases`: stride-1 windows (maps, L_att with the mean reduction, the weighted feature loss).
`pooled`: the pooling options — strided windows and global pooling — with float64 autograd gradients of the weighted
feature loss and (windows only) of L_att with the sum reduction, both with respect to the student feature.
"""
import json
import os

import torch
import torch.nn.functional as F

torch.manual_seed(0)


def ndam(f, a, b, k):
    amap = f.abs().sum(dim=1, keepdim=True)
    p = k // 2
    avg = F.avg_pool2d(amap, k, stride=1, padding=p)  # count_include_pad=True (PyTorch default)
    mx = F.max_pool2d(amap, k, stride=1, padding=p)
    w = (a * avg + b * mx).flatten(1)
    return F.normalize(w, p=2, dim=1)


cases = []
for (n, c_s, c_t, h, w, a, b, k) in [(2, 3, 5, 6, 6, 0.5, 0.5, 3), (3, 4, 4, 5, 7, 0.3, 0.9, 3), (2, 2, 6, 4, 4, 1.0, 0.0, 1), (1, 3, 2, 7, 5, 0.25, 0.75, 5)]:
    fs = torch.randn(n, c_s, h, w, dtype=torch.float64)
    ft = torch.randn(n, c_t, h, w, dtype=torch.float64)
    ms, mt = ndam(fs, a, b, k), ndam(ft, a, b, k)
    att = (ms - mt).pow(2).mean()
    # Weight reading: teacher map rescaled to mean 1 over positions, broadcast over channels of the feature MSE.
    g = torch.randn(n, c_t, h, w, dtype=torch.float64)  # a student feature already mapped to the teacher's channels
    wt = (mt / mt.mean(dim=1, keepdim=True)).view(n, 1, h, w)
    weighted = (wt * (ft - g).pow(2)).mean()
    nhwc = lambda t: t.permute(0, 2, 3, 1).tolist()
    cases.append({
        'settings': {'avgWeight': a, 'maxWeight': b, 'kernel': k},
        'student': nhwc(fs), 'teacher': nhwc(ft), 'mapped': nhwc(g),
        'studentMap': ms.tolist(), 'teacherMap': mt.tolist(),
        'attentionLoss': att.item(), 'weightedFeatureLoss': weighted.item(),
    })



def coarse(f, a, b, k, stride):
    """a·AvgPool + b·MaxPool of Σ_c|F|: k×k windows at `stride`, zero padding ⌊(k − 1)/2⌋; or global (k = 'global')."""
    amap = f.abs().sum(dim=1, keepdim=True)
    if k == 'global':
        return a * amap.mean(dim=(2, 3), keepdim=True) + b * amap.amax(dim=(2, 3), keepdim=True)
    p = (k - 1) // 2
    return a * F.avg_pool2d(amap, k, stride=stride, padding=p) + b * F.max_pool2d(amap, k, stride=stride, padding=p)


def weights(ft, a, b, k, stride):
    """The teacher map rescaled to mean 1 (per sample over cells; over the batch when global), one weight per position."""
    w = coarse(ft, a, b, k, stride)
    if k == 'global':
        return w / w.mean()
    w = w / w.mean(dim=(2, 3), keepdim=True)
    return w.repeat_interleave(stride, dim=2).repeat_interleave(stride, dim=3)


pooled = []
gen = torch.Generator().manual_seed(1)
for (n, c, h, w, a, b, k, stride) in [(2, 3, 8, 6, 0.5, 0.5, 3, 2), (3, 4, 8, 8, 0.3, 0.9, 2, 2), (2, 5, 9, 6, 0.6, 0.2, 3, 3),
                                      (2, 2, 8, 4, 1.0, 0.0, 5, 4), (3, 4, 5, 7, 0.5, 0.5, 'global', 1), (4, 3, 6, 6, 0.2, 0.7, 'global', 1)]:
    draw = lambda: torch.randn(n, c, h, w, dtype=torch.float64, generator=gen).float().double()
    fs = draw().requires_grad_(True)
    ft = draw()
    wt = weights(ft, a, b, k, stride)
    weighted = (wt * (fs - ft).pow(2)).mean()
    (g_weighted,) = torch.autograd.grad(weighted, fs)
    nhwc = lambda t: t.detach().permute(0, 2, 3, 1).tolist()
    entry = {
        'settings': {'avgWeight': a, 'maxWeight': b, 'kernel': k, 'stride': stride},
        'student': nhwc(fs), 'teacher': nhwc(ft),
        'teacherCoarse': coarse(ft, a, b, k, stride)[:, 0].tolist(),
        'weights': nhwc(wt.expand(n, 1, h, w)),
        'weightedFeatureLoss': weighted.item(), 'weightedFeatureGrad': nhwc(g_weighted),
    }
    if k != 'global':
        ms = F.normalize(coarse(fs, a, b, k, stride).flatten(1), p=2, dim=1)
        mt = F.normalize(coarse(ft, a, b, k, stride).flatten(1), p=2, dim=1)
        att = (ms - mt).pow(2).sum(dim=1).mean()
        (g_att,) = torch.autograd.grad(att, fs)
        entry.update({'attentionSum': att.item(), 'attentionSumGrad': nhwc(g_att)})
    pooled.append(entry)

out = os.path.join(os.path.dirname(__file__), 'fixtures', 'ndam.json')
with open(out, 'w') as fh:
    json.dump({'torch': torch.__version__, 'cases': cases, 'pooled': pooled}, fh)
print(f'wrote {out}')
