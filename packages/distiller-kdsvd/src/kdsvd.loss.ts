import * as tf from '@tensorflow/tfjs-core';
import { crossEntropy, weightedSum, type CeLossResult, type StagePairLossInputs } from '@kd/core';
import type { KdsvdOptions } from './kdsvd.options.js';
import { rightSingular, topRightSingularVectors } from './singular-vectors.js';

/** The options the loss reads (all of them required: the schema supplies the defaults). */
export type KdsvdLossOptions = Pick<KdsvdOptions, 'beta' | 'ceWeight' | 'k' | 'extraCandidates' | 'vectorsOver'>;
export type VectorsOver = KdsvdOptions['vectorsOver'];

/**
 * The matrix whose right singular vectors KDSVD compares, [B, rows, columns], from an NHWC feature: "width" is the
 * reference's NCHW `view(B, C·H, W)` (rows are (channel, row) pairs), "channels" is [B, H·W, C].
 */
export function featureMatrix(feature: tf.Tensor4D, vectorsOver: VectorsOver): tf.Tensor3D {
  const [b, h, w, c] = feature.shape;
  return tf.tidy(() =>
    vectorsOver === 'width' ? tf.reshape(tf.transpose(feature, [0, 3, 1, 2]), [b, c * h, w]) : tf.reshape(feature, [b, h * w, c]),
  );
}

/** The columns of a feature matrix: what a singular vector's length is. */
export function vectorLength(shape: readonly number[], vectorsOver: VectorsOver): number {
  return vectorsOver === 'width' ? shape[2]! : shape[3]!;
}

/** How many singular vectors a feature has (min of the matrix's rows and columns), shape NHWC. */
export function singularCount(shape: readonly number[], vectorsOver: VectorsOver): number {
  const [, h, w, c] = shape as [number, number, number, number];
  return vectorsOver === 'width' ? Math.min(c * h, w) : Math.min(h * w, c);
}

interface TeacherVectors {
  /** [B, n, k]: the top-k right singular vectors, each scaled by its normalised singular value. */
  readonly vectors: tf.Tensor3D;
  /** [B, 1, k]: the normalised top-k singular values s_t. */
  readonly scale: tf.Tensor3D;
}

/** The teacher's side of a stage, a constant: computed from the data, outside any gradient. */
function teacherVectors(feature: tf.Tensor4D, o: KdsvdLossOptions): TeacherVectors {
  return tf.tidy(() => {
    const x = featureMatrix(feature, o.vectorsOver);
    const [b, , n] = x.shape;
    const eigen = rightSingular(x.dataSync() as Float32Array, x.shape);
    const vectors = new Float32Array(b * n * o.k);
    const scale = new Float32Array(b * o.k);
    eigen.forEach((e, s) => {
      const sigma = Array.from({ length: o.k }, (_, j) => Math.sqrt(Math.max(e.values[j]!, 0)));
      const norm = Math.max(Math.hypot(...sigma), 1e-12);
      for (let j = 0; j < o.k; j++) {
        scale[s * o.k + j] = sigma[j]! / norm;
        for (let p = 0; p < n; p++) vectors[s * n * o.k + p * o.k + j] = (e.vectors[p * n + j]! * sigma[j]!) / norm;
      }
    });
    return { vectors: tf.tensor3d(vectors, [b, n, o.k]), scale: tf.tensor3d(scale, [b, 1, o.k]) };
  });
}

/**
 * The student's side of a stage: of its top k + extraCandidates right singular vectors, for each teacher vector the
 * one with the largest |cosine| to it, times the sign of that cosine, then scaled by the teacher's s_t. The choice
 * and the sign are constants of the step (as in the reference, where they come from torch.where on the data).
 */
function studentVectors(feature: tf.Tensor4D, teacher: TeacherVectors, o: KdsvdLossOptions): tf.Tensor3D {
  return tf.tidy(() => {
    const x = featureMatrix(feature, o.vectorsOver);
    const candidates = Math.min(o.k + o.extraCandidates, x.shape[1], x.shape[2]);
    const v = topRightSingularVectors(x, candidates);
    const cos = tf.matMul(v, teacher.vectors, true, false).dataSync();
    const [b] = x.shape;
    const mask = new Float32Array(b * candidates * o.k);
    for (let s = 0; s < b; s++) {
      for (let j = 0; j < o.k; j++) {
        let best = -1;
        for (let r = 0; r < candidates; r++) best = Math.max(best, Math.abs(cos[s * candidates * o.k + r * o.k + j]!));
        for (let r = 0; r < candidates; r++) {
          const c = cos[s * candidates * o.k + r * o.k + j]!;
          if (Math.abs(c) === best) mask[s * candidates * o.k + r * o.k + j] = Math.sign(c);
        }
      }
    }
    return tf.mul(tf.matMul(v, tf.tensor3d(mask, [b, candidates, o.k])), teacher.scale) as tf.Tensor3D;
  });
}

/** exp(−(v^i_p − v^{i−1}_q)² / 8) for every pair of entries of consecutive stages' vectors: [B, n_i, n_{i−1}, k]. */
export function radialBasis(current: tf.Tensor3D, previous: tf.Tensor3D): tf.Tensor4D {
  return tf.tidy(() => tf.exp(tf.div(tf.neg(tf.square(tf.sub(tf.expandDims(current, 2), tf.expandDims(previous, 1)))), 8)) as tf.Tensor4D);
}

/** NHWC features of the stages, in order (at least two). */
export type KdsvdLossInputs = StagePairLossInputs;

/** `kdsvd`: Σ over consecutive stage pairs of Σ (rbf_S − rbf_T)² / B; `perPair`: its terms (stages 1–2, 2–3, …). */
export type KdsvdLossResult = CeLossResult<'kdsvd'> & { readonly perPair: readonly tf.Scalar[] };

/** total = ceWeight·CE + β·kdsvd. The teacher's features only enter as data (no gradient). */
export function kdsvdLossTerms(inputs: KdsvdLossInputs, options: KdsvdLossOptions): KdsvdLossResult {
  const { studentFeatures: fs, teacherFeatures: ft } = inputs;
  if (fs.length !== ft.length || fs.length < 2)
    throw new Error(`kdsvd loss: expected as many student as teacher features (≥ 2), got ${fs.length} and ${ft.length}`);
  fs.forEach((s, i) => {
    const t = ft[i]!;
    if (
      s.rank !== 4 ||
      t.rank !== 4 ||
      s.shape[0] !== t.shape[0] ||
      vectorLength(s.shape, options.vectorsOver) !== vectorLength(t.shape, options.vectorsOver)
    )
      throw new Error(
        `kdsvd loss: stage ${i}: student ${JSON.stringify(s.shape)} and teacher ${JSON.stringify(t.shape)} features need one batch size and one ${options.vectorsOver === 'width' ? 'width' : 'channel count'}`,
      );
    if (options.k > Math.min(singularCount(s.shape, options.vectorsOver), singularCount(t.shape, options.vectorsOver)))
      throw new Error(`kdsvd loss: stage ${i} has fewer than k = ${options.k} singular vectors`);
  });
  return tf.tidy(() => {
    const batch = fs[0]!.shape[0];
    const perPair: tf.Scalar[] = [];
    let previous: { s: tf.Tensor3D; t: tf.Tensor3D } | undefined;
    fs.forEach((f, i) => {
      const teacher = teacherVectors(ft[i]!, options);
      const s = studentVectors(f, teacher, options);
      if (previous) {
        const diff = tf.sub(radialBasis(s, previous.s), radialBasis(teacher.vectors, previous.t));
        perPair.push(tf.div(tf.sum(tf.square(diff)), batch) as tf.Scalar);
      }
      previous = { s, t: teacher.vectors };
    });
    const kdsvd = tf.addN(perPair) as tf.Scalar;
    const ce = crossEntropy(inputs.studentLogits, inputs.labels);
    const total = weightedSum([
      [ce, options.ceWeight],
      [kdsvd, options.beta],
    ]);
    return { total, ce, kdsvd, perPair };
  });
}
