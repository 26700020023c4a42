"""Writes JPEGs that jpeg-js cannot encode (greyscale, CMYK) and PIL's decoding of them, the reference that
torchvision's ImageFolder loader (PIL `Image.open(f).convert('RGB')`) would feed a network.

Run with the system Python (Pillow 9.4): /usr/bin/python3 test/make-fixtures.py
"""
import json
import os

from PIL import Image

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'fixtures')
os.makedirs(here, exist_ok=True)
w, h = 12, 10
out = {}

gray = Image.new('L', (w, h))
gray.putdata([(40 + 3 * x + 5 * y) % 256 for y in range(h) for x in range(w)])
cmyk = Image.new('CMYK', (w, h))
cmyk.putdata([((10 * x) % 200, (12 * y) % 200, 30 + 2 * x, 20 + 3 * y) for y in range(h) for x in range(w)])

for name, img in [('gray.jpg', gray), ('cmyk.jpg', cmyk)]:
    path = os.path.join(here, name)
    img.save(path, quality=95)
    with Image.open(path) as f:
        mode = f.mode
        rgb = f.convert('RGB')
    out[name] = {'mode': mode, 'width': w, 'height': h, 'rgb': [v for px in rgb.getdata() for v in px]}

with open(os.path.join(here, 'pil-decoded.json'), 'w') as f:
    json.dump(out, f)
print({k: v['mode'] for k, v in out.items()})
