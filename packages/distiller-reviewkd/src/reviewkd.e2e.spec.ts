import { describeDistillerE2e } from '@kd/testing';

describeDistillerE2e(
  {
    distiller: { name: 'reviewkd', warmupEpochs: 1 },
    size: { trainLimit: 256 },
    terms: ['ce', 'reviewkd'],
    falling: ['reviewkd'],
    // two cnn stages and the pooled embedding: three ABF modules, the deepest without attention
    checkpointed: { tensors: ['reviewkd::abf0.attention', 'reviewkd::abf1.attention', 'reviewkd::abf2.conv2'], notExported: 'abf' },
    expectRun: ({ lines, tensors }) => {
      expect(tensors.has('reviewkd::abf2.attention')).toBe(false);
      expect(lines[1]!.metrics['student.top1']).toBeGreaterThan(0.2);
    },
  },
  ({ teacher, run }) => {
    it('refuses a teacher with fewer stages than the student, naming the config value', async () => {
      const student = { backbone: { name: 'cnn', channels: [4, 8, 8] } };
      await expect(run('reviewkd-bad', { teacher, student, distiller: { name: 'reviewkd' } })).rejects.toThrow(
        '/teacher/backbone: ReviewKD pairs every student stage with a teacher stage',
      );
    });
  },
);
