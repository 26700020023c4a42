import { describeDistillerResume } from '@kd/testing';

describeDistillerResume({
  distiller: { name: 'vid' },
  size: { seed: 7 },
  why: 'the regressors, the variances and their optimiser slots included',
  moduleState: ['vid::stage1/conv1', 'vid::stage2/alpha'],
  expectTensors: (tensors) => expect([...tensors.keys()].some((n) => n.startsWith('optimizer::') && n.includes('alpha'))).toBe(true),
});
