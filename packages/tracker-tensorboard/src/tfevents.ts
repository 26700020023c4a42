import { maskedCrc32c } from './crc32c.js';

/**
 * Hand-written protobuf encoding of the few messages a scalar event file needs, from tensorflow/core/util/event.proto
 * and tensorflow/core/framework/summary.proto:
 *
 *   Event   { double wall_time = 1; int64 step = 2; oneof what { string file_version = 3; Summary summary = 5; } }
 *   Summary { repeated Value value = 1; }
 *   Value   { string tag = 1; float simple_value = 2; }
 *
 * TensorBoard reads `simple_value` scalars directly (it converts them to its tensor form on load).
 */
class ProtoWriter {
  private readonly parts: Uint8Array[] = [];

  private varint(v: bigint): void {
    const out: number[] = [];
    // int64 fields encode negatives as their 64-bit two's complement (ten bytes).
    let x = BigInt.asUintN(64, v);
    do {
      let b = Number(x & 0x7fn);
      x >>= 7n;
      if (x > 0n) b |= 0x80;
      out.push(b);
    } while (x > 0n);
    this.parts.push(Uint8Array.from(out));
  }

  private key(field: number, wire: number): void {
    this.varint(BigInt((field << 3) | wire));
  }

  double(field: number, v: number): this {
    this.key(field, 1);
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, true);
    this.parts.push(b);
    return this;
  }

  float(field: number, v: number): this {
    this.key(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.parts.push(b);
    return this;
  }

  int64(field: number, v: number): this {
    this.key(field, 0);
    this.varint(BigInt(v));
    return this;
  }

  bytes(field: number, v: Uint8Array): this {
    this.key(field, 2);
    this.varint(BigInt(v.length));
    this.parts.push(v);
    return this;
  }

  string(field: number, v: string): this {
    return this.bytes(field, new TextEncoder().encode(v));
  }

  finish(): Uint8Array {
    return Buffer.concat(this.parts);
  }
}

export interface Scalar {
  readonly tag: string;
  readonly value: number;
}

/** An Event carrying the file version; TensorBoard expects it as the first record of every event file. */
export function fileVersionEvent(wallTime: number): Uint8Array {
  return new ProtoWriter().double(1, wallTime).int64(2, 0).string(3, 'brain.Event:2').finish();
}

/** An Event whose summary holds scalar values, all at one step. */
export function scalarEvent(wallTime: number, step: number, scalars: readonly Scalar[]): Uint8Array {
  const summary = new ProtoWriter();
  for (const s of scalars) summary.bytes(1, new ProtoWriter().string(1, s.tag).float(2, s.value).finish());
  return new ProtoWriter().double(1, wallTime).int64(2, step).bytes(5, summary.finish()).finish();
}

/** TFRecord framing: uint64 length, masked CRC-32C of the length bytes, the data, masked CRC-32C of the data (little-endian). */
export function tfRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + 4 + data.length + 4);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}
