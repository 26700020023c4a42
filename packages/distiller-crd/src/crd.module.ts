import * as tf from '@tensorflow/tfjs-core';
import { createVariable, VariableModule, type NamedVariable, type Rng } from '@kd/core';
import { contrastScores, estimateNormalizer, l2Normalize, nceLoss, updatedMemory } from './crd.loss.js';

/** Module name: the engine checkpoints it as `crd::embedStudent.kernel`, `crd::memoryStudent`, … */
export const CRD_MODULE_NAME = 'crd';

export interface CrdGeometry {
  /** Widths of the student's and the teacher's pooled embeddings. */
  readonly studentDim: number;
  readonly teacherDim: number;
  readonly featureDim: number;
  /** Rows of each memory bank: the training split's size. */
  readonly trainSize: number;
}

export interface CrdStepOptions {
  readonly nceTemperature: number;
  readonly momentum: number;
}

/**
 * CRD's own state: the two embedding heads (trainable) and ContrastMemory's buffers (not trainable) — the student
 * bank, the teacher bank and the two normalisation constants Z (−1 until the first step sets them). All of it is in
 * `stateVariables()`, so a checkpoint holds the banks and Z, and a resumed run scores against the same memory.
 */
export class CrdModule extends VariableModule {
  readonly name = CRD_MODULE_NAME;
  readonly studentKernel: tf.Variable;
  readonly studentBias: tf.Variable;
  readonly teacherKernel: tf.Variable;
  readonly teacherBias: tf.Variable;
  /** Memory of student embeddings [N, d]: what the teacher embedding is contrasted against. */
  readonly memoryStudent: tf.Variable;
  /** Memory of teacher embeddings [N, d]: what the student embedding is contrasted against. */
  readonly memoryTeacher: tf.Variable;
  /** [Z_student, Z_teacher]: the normalisers of the student-anchored and teacher-anchored scores. */
  readonly normalizer: tf.Variable;
  /** Z read back once it is set: it never changes afterwards, so steps need not read the variable again. */
  private knownNormalizer?: [number, number];

  /**
   * Heads as torch.nn.Linear's defaults (U(±1/√fan_in) weight and bias); banks uniform in ±1/√(d/3) as
   * ContrastMemory's `torch.rand(N, d)·2·stdv − stdv`, which gives rows of about unit length. All from `rng`.
   */
  constructor(
    readonly geometry: CrdGeometry,
    rng: Rng,
  ) {
    super();
    const { studentDim, teacherDim, featureDim: d, trainSize: n } = geometry;
    this.studentKernel = createVariable([studentDim, d], { type: 'torchDefault' }, rng);
    this.studentBias = createVariable([d], { type: 'torchDefaultBias', fanIn: studentDim }, rng);
    this.teacherKernel = createVariable([teacherDim, d], { type: 'torchDefault' }, rng);
    this.teacherBias = createVariable([d], { type: 'torchDefaultBias', fanIn: teacherDim }, rng);
    const stdv = 1 / Math.sqrt(d / 3);
    const bank = () => {
      const values = new Float32Array(n * d);
      for (let i = 0; i < values.length; i++) values[i] = rng.next() * 2 * stdv - stdv;
      return tf.tidy(() => tf.variable(tf.tensor2d(values, [n, d]), false));
    };
    this.memoryStudent = bank();
    this.memoryTeacher = bank();
    this.normalizer = tf.tidy(() => tf.variable(tf.tensor1d([-1, -1]), false));
  }

  /** Embed: linear then L2 normalisation, [B, D] → [B, d]. */
  embedStudent(f: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => l2Normalize(tf.add(tf.matMul(f, this.studentKernel as tf.Tensor2D), this.studentBias) as tf.Tensor2D));
  }

  embedTeacher(f: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => l2Normalize(tf.add(tf.matMul(f, this.teacherKernel as tf.Tensor2D), this.teacherBias) as tf.Tensor2D));
  }

  /**
   * One CRD step on pooled embeddings: the contrastive loss against the banks as they are, Z set on the first step,
   * then the banks' rows of this batch moved toward the new embeddings. The reference updates its buffers in place
   * during the forward pass; here the assignments run inside the trainer's gradient tape. That is sound because the
   * tape keeps its own copies of the tensors its backward pass reads, so the gradient sees the banks the loss saw (the
   * fixture test checks the gradients against PyTorch with the update made in the same step), and the new values
   * have no path to the loss. `index` are the samples' rows (0 ≤ i < N); `contrast` the B·(K+1) rows scored, row by row, the
   * positive first.
   */
  step(
    studentEmbedding: tf.Tensor2D,
    teacherEmbedding: tf.Tensor2D,
    index: Int32Array,
    contrast: Int32Array,
    o: CrdStepOptions,
  ): tf.Scalar {
    const n = this.geometry.trainSize;
    if (index.length !== studentEmbedding.shape[0])
      throw new Error(`crd: ${index.length} sample indices for a batch of ${studentEmbedding.shape[0]}`);
    const z = this.knownNormalizer ?? this.readNormalizer();
    return tf.tidy(() => {
      const vs = this.embedStudent(studentEmbedding);
      const vt = this.embedTeacher(teacherEmbedding);
      const memoryTeacher = this.memoryTeacher as tf.Tensor2D;
      const memoryStudent = this.memoryStudent as tf.Tensor2D;
      const ps = contrastScores(memoryTeacher, vs, contrast, o.nceTemperature);
      const pt = contrastScores(memoryStudent, vt, contrast, o.nceTemperature);
      let zs: tf.Scalar | number;
      let zt: tf.Scalar | number;
      if (z) [zs, zt] = z;
      else {
        zs = estimateNormalizer(ps, n);
        zt = estimateNormalizer(pt, n);
        this.normalizer.assign(tf.stack([zs, zt]));
      }
      const loss = tf.add(nceLoss(tf.div(ps, zs) as tf.Tensor2D, n), nceLoss(tf.div(pt, zt) as tf.Tensor2D, n)) as tf.Scalar;
      this.memoryStudent.assign(updatedMemory(memoryStudent, vs, index, o.momentum));
      this.memoryTeacher.assign(updatedMemory(memoryTeacher, vt, index, o.momentum));
      return loss;
    });
  }

  private readNormalizer(): [number, number] | undefined {
    const [zs, zt] = this.normalizer.dataSync();
    if (zs! < 0 || zt! < 0) return undefined;
    this.knownNormalizer = [zs!, zt!];
    return this.knownNormalizer;
  }

  trainableVariables(): tf.Variable[] {
    return [this.studentKernel, this.studentBias, this.teacherKernel, this.teacherBias];
  }

  stateVariables(): readonly NamedVariable[] {
    return [
      { name: 'embedStudent.kernel', variable: this.studentKernel },
      { name: 'embedStudent.bias', variable: this.studentBias },
      { name: 'embedTeacher.kernel', variable: this.teacherKernel },
      { name: 'embedTeacher.bias', variable: this.teacherBias },
      { name: 'memoryStudent', variable: this.memoryStudent },
      { name: 'memoryTeacher', variable: this.memoryTeacher },
      { name: 'normalizer', variable: this.normalizer },
    ];
  }
}
