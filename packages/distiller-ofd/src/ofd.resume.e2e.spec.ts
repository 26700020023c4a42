import { describeDistillerResume } from '@kd/testing';

describeDistillerResume({
  distiller: { name: 'ofd' },
  size: { seed: 7 },
  why: 'the connectors and their optimiser slots included',
  moduleState: ['connector::stage1/kernel', 'connector::stage2/beta'],
  expectTensors: (tensors) => expect([...tensors.keys()].some((n) => n.startsWith('optimizer::') && n.includes('connector'))).toBe(true),
});
