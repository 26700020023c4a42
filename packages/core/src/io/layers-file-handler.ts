import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { writeFileAtomic } from './atomic.js';
import { KdInputError } from '../errors/errors.js';

/** The files of a tfjs layers model directory, as `tf.loadLayersModel` and `tensorflowjs_converter` expect them. */
export const LAYERS_MODEL_FILES = { model: 'model.json', weights: 'weights.bin' } as const;

const FILE_SCHEME = 'file://';

/**
 * An IOHandler that saves a tfjs layers model to `dir` (model.json + weights.bin) and loads it back, with no
 * tfjs-node: pure tfjs has no `file://` handler. Each file is written atomically; weights.bin is written first, so a
 * model.json on disk always has its weights next to it.
 */
export function fileSaveHandler(dir: string): tf.io.IOHandler {
  const root = resolve(dir);
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer)
        throw new Error('fileSaveHandler: binary model topologies (graph models) are not supported; save a layers model');
      const { weightData, weightSpecs, ...rest } = artifacts;
      const data = weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(weightData);
      writeFileAtomic(join(root, LAYERS_MODEL_FILES.weights), new Uint8Array(data));
      const json: tf.io.ModelJSON = {
        ...(rest as Omit<tf.io.ModelJSON, 'weightsManifest'>),
        modelTopology: rest.modelTopology as object,
        weightsManifest: [{ paths: [LAYERS_MODEL_FILES.weights], weights: weightSpecs ?? [] }],
      };
      writeFileAtomic(join(root, LAYERS_MODEL_FILES.model), JSON.stringify(json));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
  };
}

/** An IOHandler that loads a layers model saved in the standard format (model.json + its weight files) from `dir`. */
export function fileLoadHandler(dir: string): tf.io.IOHandler {
  const root = resolve(dir);
  return {
    async load(): Promise<tf.io.ModelArtifacts> {
      const path = join(root, LAYERS_MODEL_FILES.model);
      if (!existsSync(path)) throw new KdInputError(`${root}: no ${LAYERS_MODEL_FILES.model} (not a tfjs layers model directory)`);
      let json: tf.io.ModelJSON;
      try {
        json = JSON.parse(readFileSync(path, 'utf8')) as tf.io.ModelJSON;
      } catch (e) {
        throw new KdInputError(`${path}: not valid JSON (${(e as Error).message})`);
      }
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const p of group.paths) {
            const buf = readFileSync(join(root, p));
            buffers.push(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer);
          }
        }
        return [specs, tf.io.CompositeArrayBuffer.join(buffers)];
      });
    },
  };
}

function dirOf(url: string): string {
  // file:///abs/dir → /abs/dir; file://relative/dir → relative/dir (resolved against the working directory).
  if (url.startsWith('file:///')) return fileURLToPath(url);
  return url.slice(FILE_SCHEME.length);
}

let routersRegistered = false;

/**
 * Registers tf.io save and load routers for `file://` URLs (e.g. `model.save('file:///tmp/model')`,
 * `tf.loadLayersModel('file:///tmp/model')`). Explicit and idempotent; tfjs-node, when loaded, registers its own.
 */
export function registerFileRouter(): void {
  if (routersRegistered) return;
  routersRegistered = true;
  // tfjs routers answer null for URLs they do not handle, although IORouter's type omits it.
  const route = (make: (dir: string) => tf.io.IOHandler) => (url: string | string[]) =>
    (typeof url === 'string' && url.startsWith(FILE_SCHEME) ? make(dirOf(url)) : null) as unknown as tf.io.IOHandler;
  tf.io.registerSaveRouter(route(fileSaveHandler));
  tf.io.registerLoadRouter(route(fileLoadHandler));
}

/** Loads the tfjs layers model saved in `dir` (by `fileSaveHandler` or `kd export`). */
export function loadLayersModelFromDir(dir: string): Promise<tfl.LayersModel> {
  return tfl.loadLayersModel(fileLoadHandler(dir));
}

/** Saves a tfjs layers model to `dir` as model.json + weights.bin. */
export function saveLayersModelToDir(model: tfl.LayersModel, dir: string): Promise<tf.io.SaveResult> {
  return model.save(fileSaveHandler(dir));
}
