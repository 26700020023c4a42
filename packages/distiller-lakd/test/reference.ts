/**
 * Float64 reference computations for the LAKD tests, written from the formulas in the README on plain arrays
 * (NHWC `number[][][][]`), independent of the package's tensor code: the tests compare what a training step logs
 * with these.
 */
export type Map4 = number[][][][];

export interface NdamRef {
  readonly avgWeight: number;
  readonly maxWeight: number;
  readonly kernel: number;
  readonly stride?: number;
}

const shape = (f: Map4) => [f.length, f[0]!.length, f[0]![0]!.length, f[0]![0]![0]!.length] as const;

/** Average pooling with a window of the size ratio, stride = window (what pooling the larger map down means). */
export function avgPoolTo(f: Map4, h: number, w: number): Map4 {
  const [b, H, W, c] = shape(f);
  const kh = H / h;
  const kw = W / w;
  return Array.from({ length: b }, (_, n) =>
    Array.from({ length: h }, (_, i) =>
      Array.from({ length: w }, (_, j) =>
        Array.from({ length: c }, (_, k) => {
          let s = 0;
          for (let di = 0; di < kh; di++) for (let dj = 0; dj < kw; dj++) s += f[n]![i * kh + di]![j * kw + dj]![k]!;
          return s / (kh * kw);
        }),
      ),
    ),
  );
}

/**
 * Per sample: Σ_c|F| → a·AvgPool_k + b·MaxPool_k (stride s, zero padding ⌊(k − 1)/2⌋ counted in the average) → divided
 * by its L2 norm; cells in row-major order.
 */
export function ndamMapRef(f: Map4, s: NdamRef): number[][] {
  const [b, H, W, c] = shape(f);
  const stride = s.stride ?? 1;
  const p = Math.floor((s.kernel - 1) / 2);
  return Array.from({ length: b }, (_, n) => {
    const a = (i: number, j: number) => {
      if (i < 0 || j < 0 || i >= H || j >= W) return 0;
      let t = 0;
      for (let k = 0; k < c; k++) t += Math.abs(f[n]![i]![j]![k]!);
      return t;
    };
    const map: number[] = [];
    for (let i = 0; i < H / stride; i++)
      for (let j = 0; j < W / stride; j++) {
        let sum = 0;
        let max = 0;
        for (let di = 0; di < s.kernel; di++)
          for (let dj = 0; dj < s.kernel; dj++) {
            const v = a(i * stride - p + di, j * stride - p + dj);
            sum += v;
            max = Math.max(max, v);
          }
        map.push(s.avgWeight * (sum / (s.kernel * s.kernel)) + s.maxWeight * max);
      }
    const norm = Math.max(Math.sqrt(map.reduce((t, v) => t + v * v, 0)), 1e-12);
    return map.map((v) => v / norm);
  });
}

/** L_att: (N(F_S) − N(F_T))² summed over positions (`sum`) or averaged (`mean`), then averaged over the batch. */
export function attentionRef(fs: Map4, ft: Map4, s: NdamRef, reduction: 'mean' | 'sum'): number {
  const ms = ndamMapRef(fs, s);
  const mt = ndamMapRef(ft, s);
  let t = 0;
  let n = 0;
  ms.forEach((row, b) => row.forEach((v, i) => ((t += (v - mt[b]![i]!) ** 2), n++)));
  return reduction === 'sum' ? t / ms.length : t / n;
}

/**
 * Mean over elements of (F_S − F_T)², each position weighted by the teacher's NDAM map rescaled to mean 1 per sample
 * when `weights` is given (windowed maps only).
 */
export function featureLossRef(fs: Map4, ft: Map4, weights?: NdamRef): number {
  const [b, H, W, c] = shape(ft);
  const w = weights ? ndamMapRef(ft, weights).map((row) => row.map((v) => v / (row.reduce((t, x) => t + x, 0) / row.length))) : undefined;
  // a strided map's cell weighs every position of its s×s block
  const st = weights?.stride ?? 1;
  const cell = (i: number, j: number) => Math.floor(i / st) * (W / st) + Math.floor(j / st);
  let t = 0;
  for (let n = 0; n < b; n++)
    for (let i = 0; i < H; i++)
      for (let j = 0; j < W; j++)
        for (let k = 0; k < c; k++) t += (fs[n]![i]![j]![k]! - ft[n]![i]![j]![k]!) ** 2 * (w ? w[n]![cell(i, j)]! : 1);
  return t / (b * H * W * c);
}

/** 1×1 convolution (kernel [1, 1, in, out], no bias) then batch norm in training mode (batch mean, biased variance). */
export function connectorRef(f: Map4, kernel: number[][][][], gamma: number[], beta: number[], epsilon = 1e-5): Map4 {
  const [b, H, W, c] = shape(f);
  const out = kernel[0]![0]![0]!.length;
  const z: Map4 = f.map((img) =>
    img.map((row) => row.map((px) => Array.from({ length: out }, (_, o) => px.reduce((t, v, k) => t + v * kernel[0]![0]![k]![o]!, 0)))),
  );
  const count = b * H * W;
  const mean = Array.from({ length: out }, (_, o) => z.flat(2).reduce((t, px) => t + px[o]!, 0) / count);
  const variance = Array.from({ length: out }, (_, o) => z.flat(2).reduce((t, px) => t + (px[o]! - mean[o]!) ** 2, 0) / count);
  void c;
  return z.map((img) =>
    img.map((row) => row.map((px) => px.map((v, o) => gamma[o]! * ((v - mean[o]!) / Math.sqrt(variance[o]! + epsilon)) + beta[o]!))),
  );
}

const logSoftmax = (row: readonly number[]) => {
  const m = Math.max(...row);
  const lse = m + Math.log(row.reduce((t, v) => t + Math.exp(v - m), 0));
  return row.map((v) => v - lse);
};

/** Mean cross-entropy with integer labels. */
export function crossEntropyRef(logits: number[][], labels: readonly number[]): number {
  return -logits.reduce((t, row, b) => t + logSoftmax(row)[labels[b]!]!, 0) / logits.length;
}

/** τ² · mean_b KL(softmax(z_T/τ) ‖ softmax(z_S/τ)). */
export function kdRef(student: number[][], teacher: number[][], tau: number): number {
  let t = 0;
  student.forEach((row, b) => {
    const ls = logSoftmax(row.map((v) => v / tau));
    const lt = logSoftmax(teacher[b]!.map((v) => v / tau));
    lt.forEach((l, i) => (t += Math.exp(l) * (l - ls[i]!)));
  });
  return (tau * tau * t) / student.length;
}

/** |got − want| / |want|. */
export const rel = (got: number, want: number): number => Math.abs(got - want) / Math.abs(want);
