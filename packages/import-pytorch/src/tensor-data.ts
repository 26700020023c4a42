import type { TensorRef, TorchDType } from './pickle-values.js';

export const ELEMENT_BYTES: Readonly<Record<TorchDType, number>> = {
  float32: 4,
  float64: 8,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** A storage's elements as float32 (little-endian bytes, as the checkpoint's `byteorder` was checked to say). */
function storageAsFloat32(bytes: Uint8Array, dtype: TorchDType): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.byteLength / ELEMENT_BYTES[dtype];
  if (dtype === 'float32') {
    if (bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, n);
    // A legacy checkpoint's storages start wherever its pickles end, so they are often unaligned: copy them. Not with
    // `bytes.slice()`: the file is read as a Node Buffer, whose slice is a view of the same memory, not a copy.
    const aligned = new Float32Array(n);
    new Uint8Array(aligned.buffer).set(bytes.subarray(0, 4 * n));
    return aligned;
  }
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    switch (dtype) {
      case 'float64':
        out[i] = view.getFloat64(8 * i, true);
        break;
      case 'float16':
        out[i] = halfToFloat(view.getUint16(2 * i, true));
        break;
      case 'bfloat16':
        u32[0] = view.getUint16(2 * i, true) << 16;
        out[i] = f32[0]!;
        break;
      case 'int64':
        out[i] = Number(view.getBigInt64(8 * i, true));
        break;
      case 'int32':
        out[i] = view.getInt32(4 * i, true);
        break;
      case 'int16':
        out[i] = view.getInt16(2 * i, true);
        break;
      case 'int8':
        out[i] = view.getInt8(i);
        break;
      default:
        out[i] = bytes[i]!; // uint8, bool
    }
  }
  return out;
}

/**
 * A tensor's values in PyTorch's logical (row-major) order as float32, gathered through its strides from its
 * storage's bytes (bounds were checked when the pickle built the view).
 */
export function tensorValues(ref: TensorRef, storageBytes: Uint8Array): Float32Array {
  const src = storageAsFloat32(storageBytes, ref.storage.dtype);
  const { shape, stride, offset } = ref;
  const n = ref.numel;
  const contiguous = shape.every((_, i) => shape[i]! === 1 || stride[i] === shape.slice(i + 1).reduce((a, b) => a * b, 1));
  if (contiguous) return src.slice(offset, offset + n);
  const out = new Float32Array(n);
  const rank = shape.length;
  const index = new Array<number>(rank).fill(0);
  let at = offset;
  for (let i = 0; i < n; i++) {
    out[i] = src[at]!;
    for (let d = rank - 1; d >= 0; d--) {
      if (++index[d]! < shape[d]!) {
        at += stride[d]!;
        break;
      }
      at -= (shape[d]! - 1) * stride[d]!;
      index[d] = 0;
    }
  }
  return out;
}
