import { beforeAll, describe, expect, it } from 'vitest';
import { expectExactResume } from './exact-resume.js';
import { sourceRuntime } from './repo.js';
import { tempDir } from './temp-dir.js';
import { TEACHER_BACKBONE, tinyConfig, type TinyRunSize } from './tiny-config.js';
import { writeConfig } from './write-config.js';

/** What a distiller's resume spec states: its options and the state of its own it must find in the checkpoint. */
export interface DistillerResumeCase {
  /** The config's `distiller` section (`{ name, ...options }`). */
  readonly distiller: Readonly<Record<string, unknown>>;
  /** Names of the method's own checkpointed tensors; none: it has no module, so only the student and its optimiser are saved. */
  readonly moduleState?: readonly string[];
  /** The run's size; by default 2 epochs, 128 training and 64 test images, seed 5. */
  readonly size?: TinyRunSize;
  /** Further checks of the (bit-identical) final tensors. */
  readonly expectTensors?: (tensors: Map<string, Float32Array>) => void;
  /** Why this case's resume is worth checking, as the `it` says it. */
  readonly why?: string;
}

const DEFAULT_SIZE: TinyRunSize = { trainLimit: 128, testLimit: 64, epochs: 2, seed: 5 };

/**
 * The resume spec of a distiller: a tiny cnn teacher is trained, then `expectExactResume` runs the distillation once
 * straight through and once stopped after epoch 1 and resumed, and asserts the final checkpoints agree bit for bit.
 * Here the checkpoint must also hold the student's weights, its batch-norm statistics, the optimiser's slots and the
 * method's own tensors (or nothing else, for a method without a module), so agreement cannot come from a part that
 * was never saved.
 */
export function describeDistillerResume(c: DistillerResumeCase): void {
  const name = String(c.distiller['name']);
  const size = { ...DEFAULT_SIZE, ...c.size };
  describe(`${name}: interrupted and resumed run`, () => {
    const work = tempDir(`kd-${name}-resume-`);

    beforeAll(async () => {
      const teacher = tinyConfig('teacher', { student: { backbone: TEACHER_BACKBONE } }, { ...size, epochs: 1 });
      await sourceRuntime().run(writeConfig(work, 'teacher.json', teacher));
    }, 120_000);

    it(`ends bit-identical to a straight run${c.why ? `: ${c.why}` : ''}`, async () => {
      const { tensors } = await expectExactResume({
        work,
        config: (dir) => tinyConfig(dir, { teacher: { backbone: TEACHER_BACKBONE, weights: 'teacher' }, distiller: c.distiller }, size),
      });
      const names = [...tensors.keys()];
      expect(names.some((n) => n.startsWith('student::'))).toBe(true);
      expect(names.some((n) => n.startsWith('optimizer::'))).toBe(true);
      expect(names.some((n) => /moving|running/i.test(n))).toBe(true);
      if (c.moduleState?.length) for (const n of c.moduleState) expect(names, n).toContain(n);
      else expect(names.filter((n) => !n.startsWith('student::') && !n.startsWith('optimizer::'))).toEqual([]);
      c.expectTensors?.(tensors);
    }, 300_000);
  });
}
