import { readFileSync } from 'node:fs';
import { Rng } from '@kd/core';
import { resizeBilinear } from './bilinear.js';
import { CenterCrop } from './center-crop.js';
import { crop } from './crop.js';
import { flipHorizontal, HorizontalFlip } from './horizontal-flip.js';
import { pad } from './pad.js';
import { RandomCrop } from './random-crop.js';
import { RandomResizedCrop, randomResizedCropBox } from './random-resized-crop.js';
import { Resize } from './resize.js';
import { gray, patterned, rows, scriptedRng } from '../test/helpers.js';

interface Fixture {
  bilinear: { height: number; width: number; channels: number; salt: number; outHeight: number; outWidth: number; expected: number[] }[];
  pad: { height: number; width: number; channels: number; salt: number; padding: number; reflect: number[]; edge: number[] }[];
}
const fixture = JSON.parse(readFileSync(new URL('../test/fixtures/torch-reference.json', import.meta.url), 'utf8')) as Fixture;

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, digits = 6): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  expect(worst).toBeLessThan(10 ** -digits);
}

describe('bilinear resize', () => {
  it('matches PyTorch interpolate(bilinear, align_corners=False, antialias=False)', () => {
    expect(fixture.bilinear.length).toBe(6);
    for (const c of fixture.bilinear) {
      const out = resizeBilinear(patterned(c.height, c.width, c.channels, c.salt), c.outHeight, c.outWidth);
      expect([out.height, out.width, out.channels]).toEqual([c.outHeight, c.outWidth, c.channels]);
      expectClose(out.data, c.expected);
    }
  });

  it('hand-computed: [0, 1] upscaled to 4 columns, [0, 4, 8, 12] downscaled to 2', () => {
    // Source x = (o + 0.5)/2 - 0.5 = -0.25 (clamped to 0), 0.25, 0.75, 1.25 (upper neighbour clamped).
    expect(rows(resizeBilinear(gray([[0, 1]]), 1, 4))).toEqual([[0, 0.25, 0.75, 1]]);
    // Source x = (o + 0.5)·2 - 0.5 = 0.5, 2.5.
    expect(rows(resizeBilinear(gray([[0, 4, 8, 12]]), 1, 2))).toEqual([[2, 10]]);
    // 2×2 → 3×3: centre samples (0.5, 0.5) of [[0, 1], [2, 3]] = 1.5.
    expect(
      resizeBilinear(
        gray([
          [0, 1],
          [2, 3],
        ]),
        3,
        3,
      ).data[4],
    ).toBeCloseTo(1.5, 6);
  });
});

describe('padding and crops', () => {
  it('reflect and edge padding match PyTorch F.pad reflect / replicate; zero padding is black', () => {
    for (const c of fixture.pad) {
      const img = patterned(c.height, c.width, c.channels, c.salt);
      expectClose(pad(img, c.padding, 'reflect').data, c.reflect);
      expectClose(pad(img, c.padding, 'edge').data, c.edge);
    }
    expect(rows(pad(gray([[1, 2]]), 1, 'zero'))).toEqual([
      [0, 0, 0, 0],
      [0, 1, 2, 0],
      [0, 0, 0, 0],
    ]);
    expect(rows(pad(gray([[1, 2, 3]]), 2, 'reflect'))[2]).toEqual([3, 2, 1, 2, 3, 2, 1]);
  });

  it('randomCrop: top then left drawn as randint(0, H-h+1); without rng the centre', () => {
    const img = gray([
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ]);
    const t = new RandomCrop({ padding: 1 });
    // 5×5 padded, 3 positions each way: u=0.9 → top 2, u=0.1 → left 0.
    expect(rows(t.apply(img, scriptedRng([0.9, 0.1])))).toEqual([
      [0, 4, 5],
      [0, 7, 8],
      [0, 0, 0],
    ]);
    expect(rows(t.apply(img, scriptedRng([0.0, 0.99])))).toEqual([
      [0, 0, 0],
      [2, 3, 0],
      [5, 6, 0],
    ]);
    expect(rows(t.apply(img, undefined))).toEqual(rows(img));
    const reflect = new RandomCrop({ padding: 1, paddingMode: 'reflect', size: 2 });
    // Padded row 0 is the reflection of row 1: [5, 4, 5, 6, 5]; 4 positions: u=0 → top 0, u=0.5 → left 2.
    expect(rows(reflect.apply(img, scriptedRng([0, 0.5])))).toEqual([
      [5, 6],
      [2, 3],
    ]);
    expect(() => new RandomCrop({ size: 9 }).apply(img, undefined)).toThrow(/does not fit/);
  });

  it('randomCrop with the real Rng covers every offset and is reproducible', () => {
    const img = patterned(4, 4, 3, 0);
    const t = new RandomCrop({ padding: 2 });
    const seen = new Set<string>();
    const rng = new Rng(5);
    for (let i = 0; i < 400; i++) seen.add(Array.from(t.apply(img, rng).data).join());
    // 5 × 5 offsets of a 4×4 window in the 8×8 padded image.
    expect(seen.size).toBe(25);
    expect(Array.from(t.apply(img, new Rng(9)).data)).toEqual(Array.from(t.apply(img, new Rng(9)).data));
  });

  it('horizontal flip: mirrors per channel; one draw per image, flips when u < p', () => {
    const rgb = { data: Float32Array.from([1, 2, 3, 4, 5, 6]), height: 1, width: 2, channels: 3 };
    expect(Array.from(flipHorizontal(rgb).data)).toEqual([4, 5, 6, 1, 2, 3]);
    const f = new HorizontalFlip();
    const img = gray([[1, 2, 3]]);
    expect(rows(f.apply(img, scriptedRng([0.49])))).toEqual([[3, 2, 1]]);
    expect(rows(f.apply(img, scriptedRng([0.5])))).toEqual([[1, 2, 3]]);
    expect(rows(f.apply(img, undefined))).toEqual([[1, 2, 3]]);
    const never = scriptedRng([0.0]);
    expect(rows(new HorizontalFlip(0).apply(img, never))).toEqual([[1, 2, 3]]);
    expect(never.used).toBe(1);
  });

  it('centerCrop uses Python rounding and zero-pads when larger', () => {
    const img = gray([[0, 1, 2, 3, 4]]);
    // (5-2)/2 = 1.5 rounds to 2 (half to even); (5-4)/2 = 0.5 rounds to 0.
    expect(rows(new CenterCrop([1, 2]).apply(img))).toEqual([[2, 3]]);
    expect(rows(new CenterCrop([1, 4]).apply(img))).toEqual([[0, 1, 2, 3]]);
    // 3×7 out of 1×5: top round(-1) = -1, left round(-1) = -1.
    expect(rows(new CenterCrop([3, 7]).apply(img))).toEqual([
      [0, 0, 0, 0, 0, 0, 0],
      [0, 0, 1, 2, 3, 4, 0],
      [0, 0, 0, 0, 0, 0, 0],
    ]);
    expect(rows(crop(img, 0, 3, 1, 2))).toEqual([[3, 4]]);
  });

  it('resize: shorter side to size, longer truncated; [h, w] exact', () => {
    expect(new Resize(32).outputSize(100, 50)).toEqual([64, 32]);
    expect(new Resize(32).outputSize(50, 75)).toEqual([32, 48]);
    expect(new Resize(32).outputSize(33, 100)).toEqual([32, 96]); // 96.97 truncated
    expect(new Resize([5, 6]).outputSize(33, 100)).toEqual([5, 6]);
    const c = fixture.bilinear[2]!; // 8×8 → 5×5
    expectClose(new Resize(5).apply(patterned(8, 8, 3, c.salt)).data, c.expected);
  });
});

describe('randomResizedCrop', () => {
  it('accepted draw: area and ratio arithmetic by hand', () => {
    // 100×100: area 10,000 · (0.08 + 0.5·0.92) = 5,400; log-ratio midpoint → aspect 1; w = h = round(73.48) = 73.
    // top = floor(0.25·28) = 7, left = floor(0.999·28) = 27.
    expect(randomResizedCropBox(100, 100, scriptedRng([0.5, 0.5, 0.25, 0.999]))).toEqual({ top: 7, left: 27, height: 73, width: 73 });
    // aspect = exp(log(3/4)) = 0.75 at u=0; area 10,000 · 0.08 = 800: w = round(24.49) = 24, h = round(32.66) = 33.
    expect(randomResizedCropBox(100, 100, scriptedRng([0, 0, 0, 0]))).toEqual({ top: 0, left: 0, height: 33, width: 24 });
  });

  it('rejected draws consume two uniforms each; after 10 the centre fallback with the ratio clamped', () => {
    // u≈1: area ≈ 10,000, aspect ≈ 4/3 → w = 115 > 100, rejected every time.
    const script = scriptedRng(new Array(20).fill(0.9999999));
    expect(randomResizedCropBox(100, 100, script)).toEqual({ top: 0, left: 0, height: 100, width: 100 });
    expect(script.used).toBe(20);
    // Tall 100×20 image, ratio 0.2 < 3/4: w = 20, h = round(20/0.75) = round(26.67) = 27, top = floor(73/2) = 36.
    expect(randomResizedCropBox(100, 20, undefined)).toEqual({ top: 36, left: 0, height: 27, width: 20 });
    // Wide 10×40: h = 10, w = round(10·4/3) = 13, left = floor(27/2) = 13.
    expect(randomResizedCropBox(10, 40, undefined)).toEqual({ top: 0, left: 13, height: 10, width: 13 });
    expect(randomResizedCropBox(10, 40, new Rng(1), [0.08, 1], [0.75, 4 / 3], 0)).toEqual({ top: 0, left: 13, height: 10, width: 13 });
  });

  it('boxes from the real Rng stay within scale and ratio bounds (up to rounding)', () => {
    const rng = new Rng(3);
    for (let i = 0; i < 500; i++) {
      const b = randomResizedCropBox(64, 48, rng);
      expect(b.top + b.height).toBeLessThanOrEqual(64);
      expect(b.left + b.width).toBeLessThanOrEqual(48);
      expect((b.height * b.width) / (64 * 48)).toBeGreaterThan(0.05);
    }
  });

  it('apply = crop of the box, bilinearly resized (the resize checked against PyTorch above)', () => {
    const img = patterned(20, 16, 3, 1);
    const t = new RandomResizedCrop({ size: [8, 6] });
    const out = t.apply(img, new Rng(11));
    const box = randomResizedCropBox(20, 16, new Rng(11));
    const expected = resizeBilinear(crop(img, box.top, box.left, box.height, box.width), 8, 6);
    expect([out.height, out.width, out.channels]).toEqual([8, 6, 3]);
    expect(Array.from(out.data)).toEqual(Array.from(expected.data));
  });
});
