import { RunEvents } from '@kd/core';
import { attachProgress, fitToWidth } from './progress.js';

function io(interactive: boolean, columns?: number) {
  let err = '';
  return {
    cwd: '.',
    interactive,
    columns,
    out: () => {},
    err: (t: string) => void (err += t),
    get text() {
      return err;
    },
  };
}

async function drive(events: RunEvents) {
  await events.emit('epochStart', { stage: 'train', epoch: 0, epochs: 2, steps: 2 });
  for (const step of [0, 1])
    await events.emit('stepEnd', {
      stage: 'train',
      epoch: 0,
      epochs: 2,
      step,
      steps: 2,
      batchSize: 32,
      lr: 0.1,
      losses: { total: step ? 1 : 3 },
    });
  await events.emit('epochEnd', {
    stage: 'train',
    epoch: 0,
    epochs: 2,
    metrics: { 'student.top1': 0.5 },
    record: { loss: { total: 2 }, time: { seconds: 1.5, imagesPerSecond: 42.6 } },
  });
}

describe('progress', () => {
  it('redraws a bar with running loss, img/s and ETA on a terminal, then prints the epoch line', async () => {
    const events = new RunEvents();
    const out = io(true);
    attachProgress(events, out, '[x] ');
    await drive(events);
    expect(out.text).toContain('[x] train epoch 1/2 ████████████████████████ 100% total 2.0000');
    expect(out.text).toMatch(/\d+ img\/s \| ETA 0:00/);
    expect(out.text).toContain('[x] train epoch 1/2  total 2.0000  student.top1 50.00%  43 img/s  0:02\n');
  });

  it('cuts the redrawn line to the terminal width (a wrapped line would leave a row behind on every redraw)', async () => {
    const events = new RunEvents();
    const out = io(true, 40);
    attachProgress(events, out, '[x] ');
    await drive(events);
    const redraws = out.text.split('\r\x1b[2K').filter((l) => l.includes('█'));
    expect(redraws.length).toBeGreaterThan(0);
    for (const l of redraws) {
      expect([...l]).toHaveLength(39);
      expect(l.startsWith('[x] train epoch 1/2 ████')).toBe(true);
      expect(l.endsWith('…')).toBe(true);
    }
    // The epoch line is printed once and may wrap: it is kept whole.
    expect(out.text).toContain('[x] train epoch 1/2  total 2.0000  student.top1 50.00%  43 img/s  0:02\n');
  });

  it('leaves a line that fits as it is', () => {
    expect(fitToWidth('abc', 10)).toBe('abc');
    expect(fitToWidth('abcdefghij', 10)).toBe('abcdefgh…');
    expect(fitToWidth('abcdefghij', undefined)).toBe('abcdefghij');
  });

  it('prints only one line per epoch when not on a terminal (CI logs)', async () => {
    const events = new RunEvents();
    const out = io(false);
    attachProgress(events, out);
    await drive(events);
    expect(out.text).toBe('train epoch 1/2  total 2.0000  student.top1 50.00%  43 img/s  0:02\n');
  });
});
