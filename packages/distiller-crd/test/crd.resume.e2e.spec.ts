import { describeDistillerResume } from '@kd/testing';

/**
 * Heads, both memory banks and Z come back from the checkpoint, and the negatives of epoch 2 are drawn from a stream
 * that depends only on (seed, stage, epoch, step).
 */
describeDistillerResume({
  distiller: { name: 'crd', negatives: 32 },
  size: { trainLimit: 256 },
  why: 'heads, banks, Z and optimiser state',
  moduleState: ['crd::memoryStudent', 'crd::memoryTeacher', 'crd::normalizer', 'crd::embedStudent.kernel', 'crd::embedTeacher.bias'],
  expectTensors: (tensors) => expect(Array.from(tensors.get('crd::normalizer')!).every((z) => z > 0)).toBe(true),
});
