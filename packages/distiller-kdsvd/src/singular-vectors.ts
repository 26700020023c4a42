import * as tf from '@tensorflow/tfjs-core';
import { symmetricEigen, type SymmetricEigen } from './symmetric-eigen.js';

/** Right singular structure of one sample's matrix X [m, n]: the eigen-decomposition of XᵀX. */
export interface RightSingular extends SymmetricEigen {
  /** min(m, n): how many singular vectors a reduced SVD has. */
  readonly rank: number;
}

/** Relative eigenvalue gap below which a pair is treated as degenerate and left out of the backward pass. */
const DEGENERATE_GAP = 1e-12;

function gram(x: Float64Array | Float32Array, offset: number, m: number, n: number): Float64Array {
  const g = new Float64Array(n * n);
  for (let r = 0; r < m; r++) {
    const row = offset + r * n;
    for (let i = 0; i < n; i++) {
      const xi = x[row + i]!;
      if (xi === 0) continue;
      for (let j = i; j < n; j++) g[i * n + j] += xi * x[row + j]!;
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) g[i * n + j] = g[j * n + i]!;
  return g;
}

/**
 * Gives each eigenvector the sign that makes its entry of largest magnitude positive. A singular vector is only
 * defined up to sign (torch.svd returns whatever LAPACK produces), and KDSVD's radial-basis term compares the
 * teacher's vectors of consecutive stages, so a fixed rule is needed for the loss to be a function of the features.
 */
function fixSigns(e: SymmetricEigen): void {
  const { n, vectors } = e;
  for (let j = 0; j < n; j++) {
    let best = 0;
    for (let k = 0; k < n; k++) if (Math.abs(vectors[k * n + j]!) > Math.abs(best)) best = vectors[k * n + j]!;
    if (best < 0) for (let k = 0; k < n; k++) vectors[k * n + j] = -vectors[k * n + j]!;
  }
}

/** Eigen-decompositions of XᵀX for every sample of x [B, m, n], in float64, with the sign rule applied. */
export function rightSingular(data: Float32Array | Float64Array, shape: readonly [number, number, number]): RightSingular[] {
  const [b, m, n] = shape;
  return Array.from({ length: b }, (_, s) => {
    const e = symmetricEigen(gram(data, s * m * n, m, n), n);
    fixSigns(e);
    return { ...e, rank: Math.min(m, n) };
  });
}

/**
 * The top `count` right singular vectors of every sample's matrix, [B, n, count], as a differentiable op.
 *
 * tfjs has no SVD. The right singular vectors of X are the eigenvectors of G = XᵀX, and for a simple eigenvalue λ_j
 * first-order perturbation gives dv_j = Σ_{i≠j} v_i · v_iᵀ dG v_j / (λ_j − λ_i), the sum over a full eigenbasis of G
 * (the null space of a wide X included). With g_j = ∂L/∂v_j this is ∂L/∂G = M, M = Σ_j Σ_{i≠j} (v_iᵀ g_j)/(λ_j − λ_i)
 * v_i v_jᵀ, and G = XᵀX gives ∂L/∂X = X (M + Mᵀ): the same gradient as PyTorch's SVD backward for the V factor. The
 * component of g_j along v_j is dropped, which is also what F.normalize of a unit vector passes back.
 */
export function topRightSingularVectors(x: tf.Tensor3D, count: number): tf.Tensor3D {
  const [b, m, n] = x.shape;
  if (count < 1 || count > Math.min(m, n))
    throw new Error(`kdsvd: cannot take ${count} singular vectors of a ${m}×${n} matrix (at most ${Math.min(m, n)})`);
  const op = tf.customGrad((input: tf.Tensor | tf.GradSaveFunc) => {
    const xData = (input as tf.Tensor).dataSync() as Float32Array;
    const eigen = rightSingular(xData, [b, m, n]);
    const out = new Float32Array(b * n * count);
    eigen.forEach((e, s) => {
      for (let k = 0; k < n; k++) for (let j = 0; j < count; j++) out[s * n * count + k * count + j] = e.vectors[k * n + j]!;
    });
    return {
      value: tf.tensor3d(out, [b, n, count]),
      gradFunc: (dy: tf.Tensor) => {
        const g = dy.dataSync();
        const dx = new Float32Array(b * m * n);
        eigen.forEach((e, s) => {
          const { values: lam, vectors: v } = e;
          const mm = new Float64Array(n * n);
          for (let j = 0; j < count; j++) {
            for (let i = 0; i < n; i++) {
              if (i === j) continue;
              const gap = lam[j]! - lam[i]!;
              if (Math.abs(gap) <= DEGENERATE_GAP * Math.max(Math.abs(lam[j]!), Math.abs(lam[i]!))) continue;
              let dot = 0;
              for (let k = 0; k < n; k++) dot += v[k * n + i]! * g[s * n * count + k * count + j]!;
              if (dot === 0) continue;
              const cij = dot / gap;
              for (let p = 0; p < n; p++) {
                const vp = cij * v[p * n + i]!;
                for (let q = 0; q < n; q++) mm[p * n + q] += vp * v[q * n + j]!;
              }
            }
          }
          const sym = new Float64Array(n * n);
          for (let p = 0; p < n; p++) for (let q = 0; q < n; q++) sym[p * n + q] = mm[p * n + q]! + mm[q * n + p]!;
          const off = s * m * n;
          for (let r = 0; r < m; r++) {
            for (let q = 0; q < n; q++) {
              let acc = 0;
              for (let p = 0; p < n; p++) acc += xData[off + r * n + p]! * sym[p * n + q]!;
              dx[off + r * n + q] = acc;
            }
          }
        });
        return tf.tensor3d(dx, [b, m, n]);
      },
    };
  });
  return op(x) as tf.Tensor3D;
}
