/**
 * erfc(x) for the margin's normal CDF (Numerical Recipes' Chebyshev fit, fractional error below 1.2e-7 everywhere):
 * JavaScript has no erf, and the margin only needs float32 precision.
 */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851638 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Φ(x), the standard normal CDF. */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/**
 * OFD's margin of one channel whose pre-activation is taken to be N(β, γ²) (the batch norm's output): the mean of
 * its negative part, E[x | x < 0] = β − |γ|·φ(β/|γ|)/Φ(−β/|γ|), where P(x < 0) = Φ(−β/|γ|) > 0.001; otherwise
 * (almost never negative) −3|γ|. Teacher responses below the margin carry no information the ReLU lets through, so
 * the student is only asked to stay below it.
 */
export function channelMargin(gamma: number, beta: number): number {
  const s = Math.abs(gamma);
  const m = beta;
  const pNeg = normalCdf(-m / s);
  if (pNeg > 0.001) return (-s * Math.exp(-((m / s) ** 2) / 2)) / Math.sqrt(2 * Math.PI) / pNeg + m;
  return -3 * s;
}

/** {@link channelMargin} of every channel. */
export function margins(gamma: Float32Array, beta: Float32Array): Float32Array {
  return Float32Array.from(gamma, (g, i) => channelMargin(g, beta[i]!));
}
