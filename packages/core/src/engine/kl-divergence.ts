import * as tf from '@tensorflow/tfjs-core';

/** Where the small-KL form is used: S > −0.5, i.e. KL < ln 2. */
const SMALL_KL_SUM = -0.5;

/** Forward value of {@link klDivergence}, plus what its gradient needs. */
function klForward(aS: tf.Tensor2D, aT: tf.Tensor2D): tf.Tensor[] {
  return tf.tidy(() => {
    const logPs = tf.logSoftmax(aS);
    const logPt = tf.logSoftmax(aT);
    const ps = tf.exp(logPs);
    const pt = tf.exp(logPt);
    // 0·log 0 = 0: a masked (p = 0) entry contributes nothing even if its log-probability were not finite.
    const direct = tf.sum(tf.where(tf.greater(pt, 0), tf.mul(pt, tf.sub(logPt, logPs)), tf.zerosLike(pt)), 1);

    const d = tf.sub(aT, aS);
    const r = tf.sub(d, tf.sum(tf.mul(pt, d), 1, true));
    const nearTerm = tf.mul(ps, tf.expm1(tf.minimum(r, 1)));
    const farTerm = tf.sub(tf.exp(tf.minimum(tf.add(logPs, r), 30)), ps);
    const sum = tf.sum(tf.where(tf.lessEqual(r, 1), nearTerm, farTerm), 1);
    const small = tf.neg(tf.log1p(tf.maximum(sum, SMALL_KL_SUM)));
    const kl = tf.where(tf.greater(sum, SMALL_KL_SUM), small, direct);
    return [kl, ps, pt, logPs, logPt];
  });
}

/**
 * Per-sample KL(softmax(aT) ‖ softmax(aS)) over the class axis, for logits already divided by τ (or log-probabilities,
 * which are valid logits): a `[batch]` tensor. Shared by the logit distillers (KD, DKD, AEKT) so they agree to the bit.
 *
 * the direct form Σ p_T (log p_T − log p_S) has an absolute float32 error of ~ε·|log p|, a large relative error when
 * KL is small. With d = aT − aS and m = Σ p_T d, the identity Σ_i p_S,i e^{d_i − m} = e^{−KL} gives
 * KL = −log1p(S), S = Σ_i p_S,i · expm1(d_i − m), whose error shrinks with KL; each term is p_S·expm1(r) for r ≤ 1
 * and exp(log p_S + r) − p_S above (nothing overflows). It is used where S > −0.5 (KL < ln 2), the direct form
 * elsewhere.
 *
 * Gradient (analytic): ∂KL/∂aS = p_S − p_T, ∂KL/∂aT = p_T ∘ (log p_T − log p_S − KL).
 */
export const klDivergence = tf.customGrad(((aS: tf.Tensor2D, aT: tf.Tensor2D, save: tf.GradSaveFunc) => {
  const [kl, ps, pt, logPs, logPt] = klForward(aS, aT) as [tf.Tensor1D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
  save([ps, pt, logPs, logPt, kl]);
  return {
    value: kl,
    gradFunc: (dy: tf.Tensor1D, saved: tf.Tensor[]) => {
      const [ps_, pt_, logPs_, logPt_, kl_] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
      const dyc = tf.expandDims(dy, 1);
      const gS = tf.mul(dyc, tf.sub(ps_, pt_));
      const logRatio = tf.sub(tf.sub(logPt_, logPs_), tf.expandDims(kl_, 1));
      const gT = tf.mul(dyc, tf.where(tf.greater(pt_, 0), tf.mul(pt_, logRatio), tf.zerosLike(pt_)));
      return [gS, gT];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (aS: tf.Tensor2D, aT: tf.Tensor2D) => tf.Tensor1D;
