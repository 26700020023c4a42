import { isInputError } from '@kd/core';
import { CIFAR_FORMATS } from './cifar.format.js';
import { concatCifar, encodeCifarBatch, parseCifarBatch, parseLabelNames } from './cifar-reader.js';
import { batchFile, record } from '../test/cifar-files.js';

const C10 = CIFAR_FORMATS.cifar10;
const C100 = CIFAR_FORMATS.cifar100;

function inputError(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(isInputError(e)).toBe(true);
    return (e as Error).message;
  }
  throw new Error('expected a KdInputError');
}

describe('parseCifarBatch', () => {
  it('CIFAR-10: label byte, then R/G/B planes converted to HWC (values by the record formula)', () => {
    const buf = new Uint8Array([...record('cifar10', 0, [7]), ...record('cifar10', 5, [2])]);
    const s = parseCifarBatch(buf, 'b.bin', C10);
    expect([s.count, s.height, s.width, s.channels]).toEqual([2, 32, 32, 3]);
    expect(Array.from(s.labels)).toEqual([7, 2]);
    // Image 0, row 1, col 2 → p = 34: R = 34 + 24·7 = 202, G = 102, B = 221.
    const at = (img: number, r: number, c: number) =>
      Array.from(s.pixels.subarray(img * 3072 + (r * 32 + c) * 3, img * 3072 + (r * 32 + c) * 3 + 3));
    expect(at(0, 1, 2)).toEqual([202, 102, 221]);
    // Image 1 (i = 5, class 2), row 31, col 31 → p = 1023: R = min(255, (1028 % 256) + 48) = 52, G = 3069 % 256 = 253, B = 0.
    expect(at(1, 31, 31)).toEqual([52, 253, 0]);
  });

  it('CIFAR-100: coarse then fine label; fine by default, coarse selectable', () => {
    const buf = new Uint8Array([...record('cifar100', 0, [19, 99]), ...record('cifar100', 1, [3, 42])]);
    expect(Array.from(parseCifarBatch(buf, 't.bin', C100).labels)).toEqual([99, 42]);
    expect(Array.from(parseCifarBatch(buf, 't.bin', C100, 'coarse').labels)).toEqual([19, 3]);
    // p = 0 of image 1: R = 1, G = 0, B = 255.
    expect(Array.from(parseCifarBatch(buf, 't.bin', C100).pixels.subarray(3072, 3075))).toEqual([1, 0, 255]);
  });

  it('encodeCifarBatch is the inverse; concatCifar keeps order', () => {
    const a = parseCifarBatch(batchFile('cifar100', 3), 'a', C100);
    const b = parseCifarBatch(batchFile('cifar100', 2, 3), 'b', C100);
    const both = concatCifar([a, b]);
    expect(both.count).toBe(5);
    expect(Array.from(both.labels)).toEqual([0, 7, 14, 21, 28]);
    const coarse = [0, 1, 2, 3, 4];
    const encoded = encodeCifarBatch(
      C100,
      both.pixels,
      Array.from(both.labels, (l, i) => [coarse[i]!, l]),
    );
    expect(Buffer.from(encoded).equals(Buffer.from(batchFile('cifar100', 5)))).toBe(true);
  });

  it('truncated file: names the file, the record and its byte offset', () => {
    const buf = batchFile('cifar10', 3).subarray(0, 2 * 3073 + 100);
    const m = inputError(() => parseCifarBatch(buf, '/d/data_batch_1.bin', C10));
    expect(m).toContain('/d/data_batch_1.bin');
    expect(m).toContain('record 2 at byte offset 6146');
    expect(m).toContain('truncated to 100 bytes');
    expect(m).toContain('records of 3073 bytes');
  });

  it('record size of the other variant: says so', () => {
    expect(inputError(() => parseCifarBatch(batchFile('cifar100', 5), 'x.bin', C10))).toMatch(
      /fits cifar100 records of 3074 bytes: wrong "variant"/,
    );
    expect(inputError(() => parseCifarBatch(batchFile('cifar10', 5), 'y.bin', C100))).toMatch(/fits cifar10 records/);
    expect(inputError(() => parseCifarBatch(new Uint8Array(0), 'e.bin', C10))).toMatch(/e.bin: empty file/);
  });

  it('label out of range: names the record index and byte offset, and the allowed range', () => {
    const buf = new Uint8Array([...record('cifar10', 0, [1]), ...record('cifar10', 1, [10])]);
    expect(inputError(() => parseCifarBatch(buf, 'b.bin', C10))).toBe(
      'b.bin: record 1 (byte offset 3073) has label 10, expected 0..9 for cifar10',
    );
    const bad100 = new Uint8Array([...record('cifar100', 0, [1, 100])]);
    expect(inputError(() => parseCifarBatch(bad100, 't.bin', C100))).toBe(
      't.bin: record 0 (byte offset 1) has fine label 100, expected 0..99 for cifar100',
    );
    const badCoarse = new Uint8Array([...record('cifar100', 0, [20, 5])]);
    expect(inputError(() => parseCifarBatch(badCoarse, 't.bin', C100))).toBe(
      't.bin: record 0 (byte offset 0) has coarse label 20, expected 0..19',
    );
  });
});

describe('parseLabelNames', () => {
  it('one name a line, blank lines ignored, count checked', () => {
    expect(parseLabelNames('a\r\nb\n\n', 'm.txt', 2)).toEqual(['a', 'b']);
    expect(inputError(() => parseLabelNames('a\nb\n', 'm.txt', 10))).toBe('m.txt: 2 class names, expected 10 (one a line)');
  });
});
