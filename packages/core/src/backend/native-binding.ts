import { createRequire } from 'node:module';
import { existsSync, readdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** What loading an optional native TensorFlow binding (`@tensorflow/tfjs-node`, `-gpu`) came to. */
export type NativeBinding =
  | { readonly state: 'not installed'; readonly package: string }
  | { readonly state: 'broken'; readonly package: string; readonly path: string; readonly error: string }
  | { readonly state: 'loaded'; readonly package: string; readonly path: string };

const requireHere = createRequire(import.meta.url);

/**
 * Loads `pkg` in two steps so that only the package's own absence reads as "not installed": the package is resolved
 * first, and whatever fails once it is found — a missing dependency of it, libtensorflow's shared library, CUDA or
 * cuDNN, a binding built for another Node ABI — is "broken", with the loader's message. Resolving with `require`
 * also honours NODE_PATH, which is where a machine-wide install (and the tests' fake bindings) live.
 */
export async function loadNativeBinding(pkg: string): Promise<NativeBinding> {
  let path: string;
  try {
    path = requireHere.resolve(pkg);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'MODULE_NOT_FOUND' || code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') return { state: 'not installed', package: pkg };
    return { state: 'broken', package: pkg, path: pkg, error: firstLine(e) };
  }
  try {
    await import(pathToFileURL(path).href);
    return { state: 'loaded', package: pkg, path };
  } catch (e) {
    return { state: 'broken', package: pkg, path, error: firstLine(e) };
  }
}

function firstLine(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return message.split('\n').find((l) => l.trim() !== '') ?? message;
}

/**
 * NVIDIA GPUs the driver exposes. tfjs-node-gpu loads without one (its CUDA libraries are found) and then runs every
 * kernel on the CPU without a word: the only sign is the absence of a device here.
 */
export function visibleNvidiaGpus(dir = '/proc/driver/nvidia/gpus'): number {
  try {
    return existsSync(dir) ? readdirSync(dir).length : 0;
  } catch {
    return 0;
  }
}
