import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { KdInputError, saveNetwork, type Network } from '@kd/core';
import { readPyTorchStateDict, type PyTorchStateDict, type ReadOptions } from './checkpoint-reader.js';
import { SUPPORTED, zooFamily, type ModuleRef } from './name-maps.js';
import type { TensorRef } from './pickle-values.js';

export type ImportOptions = ReadOptions;

/** What an import read and assigned. */
export interface ImportReport {
  readonly file: string;
  readonly format: 'zip' | 'legacy';
  readonly wrapperKey: string | undefined;
  /** The PyTorch definition whose names were mapped (e.g. "mdistiller resnet32x4"). */
  readonly family: string;
  /** kd variables assigned, and the values they hold. */
  readonly variables: number;
  readonly values: number;
  /** PyTorch entries read but not needed: `num_batches_tracked` counters. */
  readonly ignored: readonly string[];
  readonly notes: readonly string[];
  readonly seconds: number;
}

/** How one kd variable is filled: which PyTorch tensor, and which layout conversion. */
interface Target {
  readonly kdName: string;
  readonly variable: tf.Variable;
  readonly key: string;
  readonly kind: 'conv' | 'depthwise' | 'dense' | 'vector';
  readonly group?: number;
}

const SUFFIX: Readonly<Record<string, string>> = {
  kernel: 'weight',
  depthwise_kernel: 'weight',
  bias: 'bias',
  gamma: 'weight',
  beta: 'bias',
  moving_mean: 'running_mean',
  moving_variance: 'running_var',
};

/** Shape of the PyTorch tensor a kd variable of shape `shape` takes (`groups` kd convolutions share one). */
function expectedShape(t: Target, groups: number): number[] {
  const s = t.variable.shape;
  if (t.kind === 'conv') return [s[3]! * groups, s[2]!, s[0]!, s[1]!]; // HWIO ← OIHW
  if (t.kind === 'depthwise') return [s[2]! * s[3]!, 1, s[0]!, s[1]!]; // [kh, kw, C, M] ← [C·M, 1, kh, kw]
  if (t.kind === 'dense') return [s[1]!, s[0]!]; // [in, out] ← [out, in]
  return [...s];
}

/** PyTorch's values (row-major in `src` shape) in kd's layout. */
function convert(t: Target, src: Float32Array): Float32Array {
  const s = t.variable.shape;
  if (t.kind === 'vector') return src;
  const out = new Float32Array(s.reduce((a, b) => a * b, 1));
  if (t.kind === 'dense') {
    const [fin, fout] = s as [number, number];
    for (let o = 0; o < fout; o++) for (let i = 0; i < fin; i++) out[i * fout + o] = src[o * fin + i]!;
    return out;
  }
  if (t.kind === 'depthwise') {
    const [kh, kw, c, m] = s as [number, number, number, number];
    for (let ch = 0; ch < c; ch++)
      for (let k = 0; k < m; k++)
        for (let y = 0; y < kh; y++)
          for (let x = 0; x < kw; x++) out[((y * kw + x) * c + ch) * m + k] = src[((ch * m + k) * kh + y) * kw + x]!;
    return out;
  }
  const [kh, kw, cin, cout] = s as [number, number, number, number];
  const first = ((t.group ?? 1) - 1) * cout;
  for (let o = 0; o < cout; o++)
    for (let i = 0; i < cin; i++)
      for (let y = 0; y < kh; y++) {
        const from = (((first + o) * cin + i) * kh + y) * kw;
        for (let x = 0; x < kw; x++) out[((y * kw + x) * cin + i) * cout + o] = src[from + x]!;
      }
  return out;
}

/** Pairs every kd variable with a PyTorch tensor; any name or shape left over on either side is an error listing them all. */
function plan(
  sd: PyTorchStateDict,
  network: Network,
): { family: string; targets: Target[]; groups: Map<string, number>; ignored: string[] } {
  const family = zooFamily(network.spec);
  const what = `${network.spec.name} ${JSON.stringify(network.spec.options)}`;
  if (!family) throw new KdInputError(`${sd.file}: kd has no PyTorch name map for the backbone ${what}; supported:`, [...SUPPORTED]);
  const targets: Target[] = [];
  const unmapped: string[] = [];
  for (const { name, variable } of network.stateVariables()) {
    const slash = name.lastIndexOf('/');
    const layer = name.slice(0, slash);
    const suffix = name.slice(slash + 1);
    const ref: ModuleRef | undefined = family.map(layer);
    const param = SUFFIX[suffix];
    if (!ref || !param) {
      unmapped.push(name);
      continue;
    }
    const kind = suffix === 'depthwise_kernel' ? 'depthwise' : suffix === 'kernel' ? (variable.rank === 4 ? 'conv' : 'dense') : 'vector';
    targets.push({ kdName: name, variable, key: `${ref.module}.${param}`, kind, ...(ref.group ? { group: ref.group } : {}) });
  }
  if (unmapped.length)
    throw new KdInputError(`${sd.file}: kd variables the ${family.name} map does not cover (a bug in the map):`, unmapped);

  const groups = new Map<string, number>();
  for (const t of targets) groups.set(t.key, (groups.get(t.key) ?? 0) + 1);
  const missing = targets.filter((t) => !sd.tensors.has(t.key)).map((t) => `${t.key} (for kd ${t.kdName})`);
  const taken = new Set(targets.map((t) => t.key));
  const ignored = [...sd.tensors.keys()].filter((k) => k.endsWith('.num_batches_tracked'));
  const extra = [...sd.tensors.keys()].filter((k) => !taken.has(k) && !k.endsWith('.num_batches_tracked'));
  if (missing.length || extra.length)
    throw new KdInputError(
      `${sd.file}: the state dict${sd.wrapperKey ? ` under "${sd.wrapperKey}"` : ''} does not match kd's ${what} (${family.name}): ` +
        `${missing.length} parameter(s) kd needs are missing, ${extra.length} in the file have no kd variable; nothing was loaded`,
      [
        ...(missing.length ? ['missing from the file:', ...missing.map((m) => `  ${m}`)] : []),
        ...(extra.length ? ['in the file but not in kd:', ...extra.map((e) => `  ${e} [${sd.tensors.get(e)!.shape.join(', ')}]`)] : []),
      ],
    );
  const badShapes = targets.flatMap((t) => {
    const want = expectedShape(t, groups.get(t.key)!);
    const have = sd.tensors.get(t.key)!.shape;
    return want.join('x') === have.join('x')
      ? []
      : [`${t.key}: [${have.join(', ')}] in the file, kd ${t.kdName} [${t.variable.shape.join(', ')}] needs [${want.join(', ')}]`];
  });
  if (badShapes.length)
    throw new KdInputError(
      `${sd.file}: ${badShapes.length} tensor shape(s) do not match kd's ${what} (${family.name}); nothing was loaded`,
      badShapes,
    );
  return { family: family.name, targets, groups, ignored };
}

/**
 * Loads a PyTorch checkpoint of a RepDistiller / mdistiller CIFAR model (or a torchvision ResNet) into a kd network
 * built with the matching backbone options. Every kd variable must find its tensor and every tensor of the file
 * (except `num_batches_tracked`) a variable, with matching shapes; all values are read and converted before the
 * first is assigned, so a failure leaves the network as it was.
 */
export function importPyTorchStateDict(file: string, network: Network, options: ImportOptions = {}): ImportReport {
  const started = performance.now();
  const sd = readPyTorchStateDict(file, options);
  const { family, targets, ignored } = plan(sd, network);
  const cache = new Map<TensorRef, Float32Array>();
  const values = targets.map((t) => {
    const ref = sd.tensors.get(t.key)!;
    let src = cache.get(ref);
    if (!src) cache.set(ref, (src = sd.values(ref)));
    return convert(t, src);
  });
  let count = 0;
  targets.forEach((t, i) => {
    const v = tf.tensor(values[i]!, t.variable.shape, 'float32');
    t.variable.assign(v);
    v.dispose();
    count += values[i]!.length;
  });
  return {
    file,
    format: sd.format,
    wrapperKey: sd.wrapperKey,
    family,
    variables: targets.length,
    values: count,
    ignored,
    notes: sd.notes,
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * Imports a checkpoint into `network` and writes it as a kd network directory (`<outDir>/final/network.json` +
 * `network.bin`), which `kd run` takes as `teacher.weights: <outDir>`. Nothing is written when the import fails.
 */
export function importPyTorchTeacher(
  file: string,
  network: Network,
  outDir: string,
  options: ImportOptions = {},
): ImportReport & { readonly directory: string } {
  const report = importPyTorchStateDict(file, network, options);
  const directory = join(outDir, 'final');
  mkdirSync(directory, { recursive: true });
  saveNetwork(directory, network);
  return { ...report, directory };
}
