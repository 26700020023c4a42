import { tensorValues } from './tensor-data.js';
import { StorageRef, TensorRef } from './pickle-values.js';

/** A contiguous float32 tensor of `numel` elements from element `offset` of a 4-element storage. */
const ref = (numel: number, offset = 0): TensorRef => new TensorRef(new StorageRef('0', 'float32', 4), offset, [numel], [1]);

describe('tensorValues', () => {
  const values = [1.5, -2.25, 3e-3, 1024];

  it.each([0, 1, 2, 3])(
    'reads float32 storage bytes that start %i byte(s) into a Node Buffer (a legacy checkpoint read from disk)',
    (shift) => {
      // The whole file is one Buffer; a storage is a view into it at whatever offset the pickles before it left.
      const file = Buffer.alloc(8 + shift + 4 * values.length, 0x7f);
      values.forEach((v, i) => file.writeFloatLE(v, 8 + shift + 4 * i));
      const storage = file.subarray(8 + shift, 8 + shift + 4 * values.length);
      expect(Array.from(tensorValues(ref(4), storage))).toEqual(values.map((v) => Math.fround(v)));
      expect(Array.from(tensorValues(ref(2, 2), storage))).toEqual(values.slice(2).map((v) => Math.fround(v)));
    },
  );
});
