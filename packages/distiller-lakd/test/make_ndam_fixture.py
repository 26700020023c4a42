"""Independent NDAM reference values for distiller-lakd's tests, computed with PyTorch 1.13.

Run from the repository root:  /usr/bin/python3 packages/distiller-lakd/test/make_ndam_fixture.py
Writes packages/distiller-lakd/test/fixtures/ndam.json. Features are drawn here and stored (NHWC) so the TypeScript test
feeds the same numbers; the maps and losses follow methods.md §5.2 step 3–4 written in PyTorch's NCHW idiom.
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

out = os.path.join(os.path.dirname(__file__), 'fixtures', 'ndam.json')
with open(out, 'w') as fh:
    json.dump({'torch': torch.__version__, 'cases': cases}, fh)
print(f'wrote {out}')
