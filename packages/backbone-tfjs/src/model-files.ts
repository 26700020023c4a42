import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { KdInputError } from '@kd/core';
import { checkLayers, type LayerEntry } from './layer-classes.js';

/** The file name tf.LayersModel.save and tensorflowjs_converter give the topology. */
export const MODEL_JSON = 'model.json';

export interface ReadLimits {
  readonly maxJsonBytes: number;
  readonly maxWeightBytes: number;
}

/** A layers model read from disk and checked, its weights decoded (the caller disposes them). */
export interface LayersModelFiles {
  /** The model.json read. */
  readonly file: string;
  /** The model config (`model_config` of a Keras-converted file, unwrapped), with only built-in layer classes. */
  readonly modelConfig: Record<string, unknown>;
  /** Its top-level layers. */
  readonly layers: readonly LayerEntry[];
  /** Weight values by the names the manifest gives them (`conv2d/kernel`), in manifest order. */
  readonly weights: Map<string, tf.Tensor>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const QUANTIZED_BYTES: Readonly<Record<string, number>> = { uint8: 1, uint16: 2, float16: 2 };
const DTYPE_BYTES: Readonly<Record<string, number>> = { float32: 4, int32: 4, bool: 1 };

/**
 * Reads a TensorFlow.js layers model (`location`: its model.json or the directory holding one) as untrusted input:
 * the JSON is size-limited and must be a layers model of built-in layer classes; each shard a manifest names must
 * be a file inside the model's directory, and every group's shards must add up to exactly the bytes its weights
 * declare, checked before any shard is read. Every failure is a KdInputError naming `pointer`, the file and what
 * was expected.
 */
export function readLayersModel(location: string, pointer: string, limits: ReadLimits): LayersModelFiles {
  const { file, root, fail } = readModelJson(location, pointer, limits);
  if (root['format'] === 'graph-model')
    // A graph model can teach (graph-teacher.ts) but not initialise a network: the converter freezes it for inference,
    // folding batch norms into multiplications and naming constants after ops, so its tensors are not one-to-one the
    // variables of a trainable network.
    fail(
      'is a TensorFlow.js graph model (format "graph-model"), frozen for inference (batch norms folded, weights named after ops), so it cannot initialise a network; this needs a layers model (format "layers-model": tf.LayersModel.save, or tensorflowjs_converter --input_format keras), a kd run or network directory, or a PyTorch checkpoint through kd import pytorch',
    );
  if (root['format'] !== undefined && root['format'] !== 'layers-model')
    fail(`has format ${JSON.stringify(root['format'])}; expected "layers-model"`);
  const topology = root['modelTopology'];
  if (!isObject(topology)) fail('has no "modelTopology" object; expected a TensorFlow.js layers model');
  // tensorflowjs_converter keeps Keras's whole save (keras_version, backend, model_config, training_config).
  const modelConfig = isObject((topology as Record<string, unknown>)['model_config'])
    ? ((topology as Record<string, unknown>)['model_config'] as Record<string, unknown>)
    : (topology as Record<string, unknown>);
  const layers = checkLayers(modelConfig, fail);
  const weights = decode(readShards(file, root['weightsManifest'], limits, fail), fail);
  return { file, modelConfig, layers, weights };
}

/** A model.json read and parsed within the limits: its path, its top-level object, and a thrower naming both. */
export interface ModelJson {
  readonly file: string;
  readonly root: Record<string, unknown>;
  readonly fail: (what: string) => never;
}

/**
 * Reads `location` (a model.json or the directory holding one) as untrusted input: at most maxJsonBytes, valid JSON,
 * an object. Every failure is a KdInputError naming `pointer` and the file.
 */
export function readModelJson(location: string, pointer: string, limits: ReadLimits): ModelJson {
  const file = modelJsonPath(location, pointer);
  const fail = (what: string): never => {
    throw new KdInputError(`${pointer}: ${file}: ${what}`);
  };
  const size = statSync(file).size;
  if (size > limits.maxJsonBytes)
    fail(`has ${size} bytes, more than maxJsonBytes (${limits.maxJsonBytes}); raise /teacher/backbone/maxJsonBytes if the file is trusted`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    fail(`is not valid JSON (${(e as Error).message})`);
  }
  if (!isObject(json))
    fail(`expected a JSON object with "modelTopology" and "weightsManifest" (a TensorFlow.js model), found ${kind(json)}`);
  return { file, root: json as Record<string, unknown>, fail };
}

function kind(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
}

function modelJsonPath(location: string, pointer: string): string {
  let stat;
  try {
    stat = statSync(location);
  } catch (e) {
    throw new KdInputError(
      `${pointer}: ${location} cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)}); expected a TensorFlow.js layers model (its ${MODEL_JSON} or the directory holding it)`,
    );
  }
  if (!stat.isDirectory()) return location;
  const file = join(location, MODEL_JSON);
  try {
    statSync(file);
  } catch {
    throw new KdInputError(`${pointer}: ${location} is a directory without ${MODEL_JSON}; expected a TensorFlow.js layers model directory`);
  }
  return file;
}

export interface Entry {
  readonly name: string;
  readonly shape: number[];
  readonly dtype: tf.DataType;
  readonly quantization?: { readonly dtype: string };
}

/** The weight bytes of a model, group by group, each checked against what its manifest entries declare. */
export interface Shards {
  readonly groups: readonly { readonly where: string; readonly weights: readonly Entry[]; readonly data: ArrayBuffer }[];
  /** Every group's shard paths, resolved inside the model's directory. */
  readonly paths: readonly string[];
}

/**
 * Reads the weight shards a manifest names: each path must be a file inside the model's directory, and each group's
 * shards must add up to exactly the bytes its weights declare (and all of them to at most maxWeightBytes), checked
 * for every group before any shard is read.
 */
export function readShards(file: string, manifest: unknown, limits: ReadLimits, fail: (what: string) => never): Shards {
  if (!Array.isArray(manifest)) fail('has no "weightsManifest" list; expected a TensorFlow.js model with its weights');
  const dir = dirname(resolve(file));
  const groups = (manifest as unknown[]).map((g, i) => checkGroup(g, `weightsManifest/${i}`, dir, fail));
  const seen = new Set<string>();
  for (const g of groups)
    for (const w of g.weights) {
      if (seen.has(w.name)) fail(`weightsManifest names weight "${w.name}" twice`);
      seen.add(w.name);
    }
  // Sizes first, for every group, so that a wrong file is refused before anything large is read.
  let total = 0;
  for (const g of groups) {
    const sizes = g.paths.map((p) => {
      let stat;
      try {
        stat = statSync(p.path);
      } catch (e) {
        return fail(`weight shard ${p.path} (${p.where}) cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
      }
      if (!stat.isFile()) fail(`weight shard ${p.path} (${p.where}) is not a regular file`);
      return stat.size;
    });
    const got = sizes.reduce((a, b) => a + b, 0);
    if (got !== g.bytes)
      fail(
        `the weight shards of ${g.where} (${g.paths.map((p, i) => `${relative(dir, p.path)}: ${sizes[i]} bytes`).join(', ')}) hold ${got} bytes; its ${g.weights.length} weights declare ${g.bytes}`,
      );
    total += got;
    if (total > limits.maxWeightBytes)
      fail(
        `the weight shards hold more than maxWeightBytes (${limits.maxWeightBytes}) bytes; raise /teacher/backbone/maxWeightBytes if the files are trusted`,
      );
  }
  return {
    paths: groups.flatMap((g) => g.paths.map((p) => p.path)),
    groups: groups.map((g) => {
      const buffer = Buffer.concat(g.paths.map((p) => readFileSync(p.path)));
      // Read again after the size check: a file that changed in between is caught here rather than misdecoded.
      if (buffer.byteLength !== g.bytes) fail(`the weight shards of ${g.where} changed size while being read`);
      return {
        where: g.where,
        weights: g.weights,
        data: buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) as ArrayBuffer,
      };
    }),
  };
}

function decode(shards: Shards, fail: (what: string) => never): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  try {
    for (const g of shards.groups)
      for (const [name, t] of Object.entries(tf.io.decodeWeights(g.data, g.weights as tf.io.WeightsManifestEntry[]))) out.set(name, t);
  } catch (e) {
    for (const t of out.values()) t.dispose();
    if (e instanceof KdInputError) throw e;
    fail(`its weights cannot be decoded (${(e as Error).message})`);
  }
  return out;
}

interface Group {
  readonly where: string;
  readonly paths: readonly { readonly path: string; readonly where: string }[];
  readonly weights: readonly Entry[];
  readonly bytes: number;
}

function checkGroup(group: unknown, where: string, dir: string, fail: (what: string) => never): Group {
  if (!isObject(group) || !Array.isArray(group['paths']) || !Array.isArray(group['weights']))
    fail(`${where} is not a weight group ({"paths": […], "weights": […]})`);
  const g = group as { paths: unknown[]; weights: unknown[] };
  const paths = g.paths.map((p, i) => {
    const at = `${where}/paths/${i}`;
    if (typeof p !== 'string' || p === '' || isAbsolute(p) || p.includes('\\') || p.includes('\0'))
      fail(`${at} is ${JSON.stringify(p)}; expected a file name relative to the model's directory`);
    const path = resolve(dir, p as string);
    // A manifest is untrusted: its shards must lie in the model's own directory tree.
    if (!path.startsWith(dir + sep)) fail(`${at} ("${p}") points outside the model's directory`);
    return { path, where: at };
  });
  let bytes = 0;
  const weights = g.weights.map((w, i) => {
    const at = `${where}/weights/${i}`;
    if (!isObject(w) || typeof w['name'] !== 'string' || !Array.isArray(w['shape']) || typeof w['dtype'] !== 'string')
      fail(`${at} is not a weight entry ({"name", "shape", "dtype"})`);
    const e = w as unknown as Entry;
    if (!e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`${at} ("${e.name}") has shape ${JSON.stringify(e.shape)}`);
    const q = e.quantization;
    const per = q === undefined ? DTYPE_BYTES[e.dtype] : isObject(q) ? QUANTIZED_BYTES[q.dtype] : undefined;
    if (per === undefined)
      fail(
        `${at} ("${e.name}") has dtype ${JSON.stringify(q ? q.dtype : e.dtype)}; expected float32, int32 or bool (or uint8, uint16, float16 quantization)`,
      );
    bytes += e.shape.reduce((a, d) => a * d, 1) * per!;
    if (!Number.isSafeInteger(bytes)) fail(`${at} ("${e.name}") declares an impossible size`);
    return e;
  });
  return { where, paths, weights, bytes };
}
