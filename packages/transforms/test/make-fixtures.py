"""Writes fixtures/torch-reference.json: bilinear resizes and reflect padding computed by PyTorch 1.13
(independent of @kd/transforms). Run with /usr/bin/python3 test/make-fixtures.py from packages/transforms."""
import json
import os

import torch
import torch.nn.functional as F


def image(h, w, c, salt):
    # Deterministic, non-symmetric values in 0..1 (same formula in the spec file).
    return [[[((r * 31 + col * 17 + k * 7 + salt) % 23) / 22.0 for k in range(c)] for col in range(w)] for r in range(h)]


def to_nchw(img):
    return torch.tensor(img, dtype=torch.float64).permute(2, 0, 1).unsqueeze(0)


def flat_hwc(t):
    return t.squeeze(0).permute(1, 2, 0).reshape(-1).tolist()


cases = []
for (h, w, c, oh, ow, salt) in [(5, 7, 3, 3, 4, 0), (3, 4, 1, 7, 5, 1), (8, 8, 3, 5, 5, 2), (6, 9, 2, 6, 13, 3), (4, 4, 3, 32, 32, 4), (37, 23, 3, 10, 16, 5)]:
    img = image(h, w, c, salt)
    out = F.interpolate(to_nchw(img), size=(oh, ow), mode='bilinear', align_corners=False, antialias=False)
    cases.append({'height': h, 'width': w, 'channels': c, 'salt': salt, 'outHeight': oh, 'outWidth': ow, 'expected': flat_hwc(out)})

pads = []
for (h, w, c, p, salt) in [(4, 5, 3, 2, 6), (3, 3, 1, 2, 7), (6, 7, 3, 4, 8)]:
    img = image(h, w, c, salt)
    out = F.pad(to_nchw(img), (p, p, p, p), mode='reflect')
    edge = F.pad(to_nchw(img), (p, p, p, p), mode='replicate')
    pads.append({'height': h, 'width': w, 'channels': c, 'salt': salt, 'padding': p, 'reflect': flat_hwc(out), 'edge': flat_hwc(edge)})

os.makedirs('test/fixtures', exist_ok=True)
with open('test/fixtures/torch-reference.json', 'w') as f:
    json.dump({'torch': torch.__version__, 'bilinear': cases, 'pad': pads}, f)
