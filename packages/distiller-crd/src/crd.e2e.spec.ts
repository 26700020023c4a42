import { describeDistillerE2e } from '@kd/testing';

describeDistillerE2e({
  distiller: { name: 'crd', negatives: 64, kdWeight: 1 },
  size: { trainLimit: 256, epochs: 4 },
  terms: ['ce', 'crd', 'kd'],
  // In the first epoch the banks still hold their random initial rows, which score low against any embedding; once
  // every row holds a real embedding (epoch 2) the negatives score higher against the Z fixed at step 1, so the
  // contrastive term rises once and falls from then on (here 11.5, 14.0, 13.8, 12.7).
  fallsFrom: 1,
  falling: ['crd'],
  checkpointed: { tensors: ['crd::memoryStudent', 'crd::memoryTeacher', 'crd::normalizer'], notExported: 'memory' },
  expectRun: ({ lines, tensors }) => {
    for (let e = 1; e < 4; e++) expect(lines[e]!.loss['ce']).toBeLessThan(lines[e - 1]!.loss['ce']!);
    expect(lines[1]!.metrics['student.top1']).toBeGreaterThan(0.2);
    // 256 training samples × 128 dimensions per bank; an epoch visits every row (8 whole batches of 32), which its update leaves unit length
    const bank = tensors.get('crd::memoryStudent')!;
    expect(bank).toHaveLength(256 * 128);
    const norms = Array.from({ length: 256 }, (_, r) => Math.hypot(...bank.subarray(r * 128, (r + 1) * 128)));
    expect(norms.filter((n) => Math.abs(n - 1) < 1e-5)).toHaveLength(256);
    expect(tensors.get('crd::memoryTeacher')).toHaveLength(256 * 128);
    const z = Array.from(tensors.get('crd::normalizer')!);
    expect(z.every((v) => v > 0 && Number.isFinite(v))).toBe(true);
  },
});
