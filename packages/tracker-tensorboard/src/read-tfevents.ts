/**
 * A reader of scalar event files, written apart from the writer so that tests check one against the other: bit-by-bit
 * CRC-32C (the writer uses a table), a generic protobuf wire-format walker, and field numbers from event.proto /
 * summary.proto. Also handy to load a run's scalars without TensorBoard.
 */
import { readFileSync } from 'node:fs';

export interface ReadValue {
  readonly tag: string;
  readonly value: number;
}
export interface ReadEvent {
  readonly wallTime: number;
  readonly step: number;
  readonly fileVersion?: string;
  readonly values?: ReadValue[];
}

export function crc32cBitwise(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

const masked = (d: Uint8Array) => {
  const c = crc32cBitwise(d);
  return (((c >>> 15) | (c << 17)) + 0xa282ead8) >>> 0;
};

function* fields(buf: Uint8Array): Generator<[number, number, bigint | Uint8Array]> {
  let i = 0;
  const varint = (): bigint => {
    let shift = 0n;
    let r = 0n;
    for (;;) {
      const b = buf[i++]!;
      r |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if (!(b & 0x80)) return r;
    }
  };
  while (i < buf.length) {
    const key = Number(varint());
    const [field, wire] = [key >> 3, key & 7];
    if (wire === 0) yield [field, wire, varint()];
    else if (wire === 1 || wire === 5) {
      const n = wire === 1 ? 8 : 4;
      yield [field, wire, buf.subarray(i, i + n)];
      i += n;
    } else if (wire === 2) {
      const n = Number(varint());
      yield [field, wire, buf.subarray(i, i + n)];
      i += n;
    } else throw new Error(`wire type ${wire}`);
  }
}

const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

function decodeEvent(buf: Uint8Array): ReadEvent {
  const e: { wallTime: number; step: number; fileVersion?: string; values?: ReadValue[] } = { wallTime: NaN, step: 0 };
  for (const [f, w, v] of fields(buf)) {
    if (f === 1 && w === 1) e.wallTime = view(v as Uint8Array).getFloat64(0, true);
    else if (f === 2 && w === 0) e.step = Number(BigInt.asIntN(64, v as bigint));
    else if (f === 3 && w === 2) e.fileVersion = new TextDecoder().decode(v as Uint8Array);
    else if (f === 5 && w === 2) {
      e.values = [];
      for (const [vf, vw, vv] of fields(v as Uint8Array)) {
        if (vf !== 1 || vw !== 2) throw new Error(`Summary field ${vf}`);
        let tag = '';
        let value = NaN;
        for (const [xf, xw, x] of fields(vv as Uint8Array)) {
          if (xf === 1 && xw === 2) tag = new TextDecoder().decode(x as Uint8Array);
          else if (xf === 2 && xw === 5) value = view(x as Uint8Array).getFloat32(0, true);
          else throw new Error(`Value field ${xf}`);
        }
        e.values.push({ tag, value });
      }
    } else throw new Error(`Event field ${f}`);
  }
  return e;
}

/** Every event of a tfevents file; throws on a bad CRC, a truncated record or an unknown field. */
export function readTfEvents(path: string): ReadEvent[] {
  const data = new Uint8Array(readFileSync(path));
  const out: ReadEvent[] = [];
  let i = 0;
  while (i < data.length) {
    const header = data.subarray(i, i + 8);
    const length = Number(view(header).getBigUint64(0, true));
    if (view(data.subarray(i + 8, i + 12)).getUint32(0, true) !== masked(header)) throw new Error(`length CRC at ${i}`);
    const payload = data.subarray(i + 12, i + 12 + length);
    if (payload.length !== length || i + 16 + length > data.length) throw new Error(`truncated record at ${i}`);
    if (view(data.subarray(i + 12 + length, i + 16 + length)).getUint32(0, true) !== masked(payload)) throw new Error(`data CRC at ${i}`);
    out.push(decodeEvent(payload));
    i += 16 + length;
  }
  return out;
}
