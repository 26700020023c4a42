import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@kd/testing';
import { crc32c, maskedCrc32c } from './crc32c.js';
import { EventFileWriter } from './event-file-writer.js';
import { crc32cBitwise, readTfEvents } from './read-tfevents.js';

const fixtures = join(import.meta.dirname, '..', 'test', 'fixtures');

// What fixtures/sample.tfevents holds: awkward values on purpose (a step past 2^32, NaN/∞, a non-ASCII tag, a
// value float32 cannot hold exactly).
const WALL = 1700000000.25;
const SAMPLE: { wallTime: number; step: number; scalars: { tag: string; value: number }[] }[] = [
  {
    wallTime: WALL + 1,
    step: 1,
    scalars: [
      { tag: 'step/lr', value: 0.05 },
      { tag: 'step/loss/ce', value: 2.302585 },
    ],
  },
  { wallTime: WALL + 2, step: 12, scalars: [{ tag: 'epoch/accuracy.top1', value: 0.8125 }] },
  { wallTime: WALL + 3, step: 5_000_000_123, scalars: [{ tag: 'step/loss/τ²·kd', value: -1e-30 }] },
  {
    wallTime: WALL + 4,
    step: 13,
    scalars: [
      { tag: 'nan', value: NaN },
      { tag: 'inf', value: -Infinity },
      { tag: 'big', value: 3.4e38 },
    ],
  },
];

function writeSample(dir: string): string {
  const w = new EventFileWriter(dir, WALL, 'fixture');
  for (const e of SAMPLE) w.scalars(e.wallTime, e.step, e.scalars);
  w.close();
  return w.path;
}

const f32bits = (v: number) => {
  const b = new DataView(new ArrayBuffer(4));
  b.setFloat32(0, v, true);
  return b.getUint32(0, true);
};

describe('tfevents writer', () => {
  const work = tempDir('kd-tfevents-');

  it('computes CRC-32C as published (check value of "123456789" is 0xE3069283) and agrees with a bitwise CRC', () => {
    const check = new TextEncoder().encode('123456789');
    expect(crc32c(check)).toBe(0xe3069283);
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7919) & 0xff);
    for (const n of [0, 1, 3, 8, 255, 1000]) expect(crc32c(bytes.subarray(0, n))).toBe(crc32cBitwise(bytes.subarray(0, n)));
    // Masking as in TensorFlow's crc32c::Mask: rotate right by 15, add 0xa282ead8.
    const c = 0xe3069283;
    expect(maskedCrc32c(check)).toBe((((c >>> 15) | (c << 17)) + 0xa282ead8) >>> 0);
  });

  it('names the file so that TensorBoard picks it up', () => {
    const path = writeSample(join(work, 'name'));
    expect(path.split('/').pop()).toBe(`events.out.tfevents.${Math.floor(WALL)}.fixture`);
  });

  it('writes exactly the bytes a stdlib-only Python reader decoded (fixtures/read_tfevents.py → sample.decoded.json)', () => {
    const path = writeSample(join(work, 'bytes'));
    if (process.env['KD_WRITE_FIXTURES']) copyFileSync(path, join(fixtures, 'sample.tfevents'));
    expect(Buffer.compare(readFileSync(path), readFileSync(join(fixtures, 'sample.tfevents')))).toBe(0);

    const decoded = JSON.parse(readFileSync(join(fixtures, 'sample.decoded.json'), 'utf8')) as {
      crc32c_123456789: number;
      events: { wallTime: number; step: number; fileVersion?: string; values?: { tag: string; bits: number }[] }[];
    };
    expect(decoded.crc32c_123456789).toBe(0xe3069283);
    expect(decoded.events[0]).toEqual({ wallTime: WALL, step: 0, fileVersion: 'brain.Event:2' });
    expect(decoded.events.slice(1)).toEqual(
      SAMPLE.map((e) => ({
        wallTime: e.wallTime,
        step: e.step,
        values: e.scalars.map((s) => expect.objectContaining({ tag: s.tag, bits: f32bits(s.value) })),
      })),
    );
  });

  it('reads back with the test-side reader: every event, float32-rounded values, CRCs checked', () => {
    const events = readTfEvents(writeSample(join(work, 'read')));
    expect(events).toHaveLength(SAMPLE.length + 1);
    expect(events[0]!.fileVersion).toBe('brain.Event:2');
    SAMPLE.forEach((e, i) => {
      expect(events[i + 1]!.step).toBe(e.step);
      expect(events[i + 1]!.wallTime).toBe(e.wallTime);
      expect(events[i + 1]!.values).toEqual(e.scalars.map((s) => ({ tag: s.tag, value: Math.fround(s.value) })));
    });
  });

  it('a flipped byte fails the CRC check of the reader', async () => {
    const { writeFileSync } = await import('node:fs');
    const path = writeSample(join(work, 'flip'));
    const bytes = readFileSync(path);
    bytes[bytes.length - 6] ^= 0x01;
    writeFileSync(path, bytes);
    expect(() => readTfEvents(path)).toThrow(/CRC/);
  });
});
