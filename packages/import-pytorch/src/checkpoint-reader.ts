import { readFileSync, statSync } from 'node:fs';
import { unzipSync } from 'fflate';
import { KdInputError } from '@kd/core';
import { DEFAULT_LIMITS, type ImportLimits } from './limits.js';
import { PyDict, PyTuple, StorageRef, TensorRef, describe, type PyValue } from './pickle-values.js';
import { storageDType, type CallContext } from './safe-globals.js';
import { ELEMENT_BYTES, tensorValues } from './tensor-data.js';
import { unpickle } from './unpickler.js';

export interface ReadOptions {
  readonly limits?: Partial<ImportLimits>;
  /** The top-level key that holds the state dict; by default `state_dict`, `model` or `net`, else the file itself. */
  readonly key?: string;
}

/** A checkpoint's state dict: tensors by parameter name, readable as float32 in PyTorch's layout. */
export interface PyTorchStateDict {
  readonly file: string;
  readonly format: 'zip' | 'legacy';
  /** Where the state dict was: a top-level key (`model`, `state_dict`, `net`, …) or undefined for a bare one. */
  readonly wrapperKey: string | undefined;
  readonly tensors: ReadonlyMap<string, TensorRef>;
  /** What was read but is not part of the state dict (other top-level entries, a stripped `module.` prefix). */
  readonly notes: readonly string[];
  /** The values of one of `tensors`, row-major in PyTorch's shape. */
  values(ref: TensorRef): Float32Array;
}

/** Protocol-2 LONG1 magic number that starts a legacy (pre-1.6) `torch.save` file. */
const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const WRAPPER_KEYS = ['state_dict', 'model', 'net'] as const;

const fail = (file: string, message: string): never => {
  throw new KdInputError(`${file}: ${message}; the checkpoint was not loaded`);
};

/**
 * Reads a `.pth`/`.pt` file written by `torch.save` — the zip format (PyTorch ≥ 1.6) or the legacy pickle sequence —
 * without executing anything in it, and returns the state dict it holds (bare or under `state_dict`/`model`/`net`).
 * Tensor data is read only for the state dict, within `limits`.
 */
export function readPyTorchStateDict(file: string, options: ReadOptions = {}): PyTorchStateDict {
  const limits: ImportLimits = { ...DEFAULT_LIMITS, ...options.limits };
  let size: number;
  try {
    size = statSync(file).size;
  } catch (e) {
    return fail(file, `cannot read the file (${(e as Error).message})`);
  }
  if (size > limits.maxFileBytes) fail(file, `${size} bytes exceed the limit maxFileBytes = ${limits.maxFileBytes}`);
  // A Buffer is a Uint8Array: read once, no copy (a checkpoint may be a gigabyte).
  const data: Uint8Array = readFileSync(file);
  if (data[0] === 0x50 && data[1] === 0x4b) return readZip(file, data, limits, options.key);
  if (data[0] === 0x80) return readLegacy(file, data, limits, options.key);
  if (data.length > 262 && String.fromCharCode(...data.subarray(257, 262)) === 'ustar')
    fail(file, 'the tar format of PyTorch before 1.0 is not supported: load it in PyTorch and save it again with torch.save(obj, path)');
  return fail(file, 'neither a zip archive nor a pickle: not a file written by torch.save');
}

interface Storages {
  readonly byKey: Map<string, StorageRef>;
  persistentLoad(pid: PyValue, ctx: CallContext): PyValue;
}

/** Resolves `('storage', torch.XStorage, key, location, numel[, view_metadata])` persistent ids. */
function storageTable(legacy: boolean): Storages {
  const byKey = new Map<string, StorageRef>();
  return {
    byKey,
    persistentLoad(pid, ctx) {
      const items = pid instanceof PyTuple ? pid.items : [];
      const [tag, type, key, , numel, view] = items;
      if (tag !== 'storage' || items.length !== (legacy ? 6 : 5)) ctx.fail(`persistent id ${describe(pid)} is not a storage reference`);
      const dtype = storageDType(type ?? null);
      if (!dtype) ctx.fail(`persistent id names ${describe(type ?? null)}, not a torch storage class`);
      if (typeof key !== 'string') ctx.fail(`storage key ${describe(key ?? null)} is not a string`);
      if (typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0)
        ctx.fail(`storage ${String(key)}: size ${describe(numel ?? null)} is not a count`);
      if (legacy && view !== null)
        ctx.fail('storage views of the legacy format are not supported: load the file in PyTorch and save it again');
      const known = byKey.get(key as string);
      if (known && (known.dtype !== dtype || known.numel !== numel))
        ctx.fail(`storage ${String(key)} is declared twice with different types or sizes`);
      const ref = known ?? new StorageRef(key as string, dtype!, numel as number);
      byKey.set(ref.key, ref);
      return ref;
    },
  };
}

/** The state dict inside the unpickled object, with notes on what else it held. */
function findStateDict(file: string, root: PyValue, key: string | undefined) {
  const notes: string[] = [];
  const isTensorDict = (v: PyValue | undefined): v is PyDict =>
    v instanceof PyDict && v.entries.size > 0 && [...v.entries.values()].some((x) => x instanceof TensorRef);
  let dict: PyDict;
  let wrapperKey: string | undefined;
  if (!(root instanceof PyDict)) return fail(file, `holds ${describe(root)}, not a state dict or a dict wrapping one`);
  if (key !== undefined) {
    const v = root.entries.get(key);
    if (!isTensorDict(v))
      return fail(file, `has no state dict under "${key}" (top-level keys: ${[...root.entries.keys()].map(String).join(', ')})`);
    [dict, wrapperKey] = [v, key];
  } else {
    const wrapped = WRAPPER_KEYS.filter((k) => isTensorDict(root.entries.get(k)));
    if (wrapped.length > 1) fail(file, `holds state dicts under ${wrapped.join(' and ')}: name the one to import (option key)`);
    if (wrapped.length === 1) [dict, wrapperKey] = [root.entries.get(wrapped[0]!) as PyDict, wrapped[0]];
    else if ([...root.entries.values()].every((v) => v instanceof TensorRef) && root.entries.size > 0) dict = root;
    else
      return fail(
        file,
        `holds no state dict: expected tensors by parameter name, or one under ${WRAPPER_KEYS.join('/')} (top-level keys: ${[
          ...root.entries.entries(),
        ]
          .slice(0, 12)
          .map(([k, v]) => `${String(k)}: ${describe(v)}`)
          .join(', ')})`,
      );
  }
  if (wrapperKey !== undefined)
    for (const [k, v] of root.entries) if (k !== wrapperKey) notes.push(`ignored top-level entry ${String(k)}: ${describe(v)}`);
  const tensors = new Map<string, TensorRef>();
  const bad: string[] = [];
  for (const [k, v] of dict.entries) {
    if (typeof k !== 'string' || !(v instanceof TensorRef)) bad.push(`${String(k)}: ${describe(v)}`);
    else tensors.set(k, v);
  }
  if (bad.length)
    fail(
      file,
      `the state dict${wrapperKey ? ` under "${wrapperKey}"` : ''} holds entries that are not tensors: ${bad.slice(0, 10).join(', ')}`,
    );
  // nn.DataParallel saves every name under `module.`: strip it where all names have it.
  if ([...tensors.keys()].every((k) => k.startsWith('module.'))) {
    notes.push('stripped the prefix "module." (nn.DataParallel) from every name');
    return { tensors: new Map([...tensors].map(([k, v]) => [k.slice('module.'.length), v])), wrapperKey, notes };
  }
  return { tensors, wrapperKey, notes };
}

/** Bytes of every storage the state dict uses, checked against the limit before anything is read. */
function neededStorages(file: string, tensors: ReadonlyMap<string, TensorRef>, limits: ImportLimits): Map<string, StorageRef> {
  const needed = new Map<string, StorageRef>();
  for (const t of tensors.values()) needed.set(t.storage.key, t.storage);
  const bytes = [...needed.values()].reduce((a, s) => a + s.numel * ELEMENT_BYTES[s.dtype], 0);
  if (bytes > limits.maxTensorBytes)
    fail(file, `the state dict's tensors hold ${bytes} bytes, above the limit maxTensorBytes = ${limits.maxTensorBytes}`);
  return needed;
}

function stateDict(
  file: string,
  format: 'zip' | 'legacy',
  found: ReturnType<typeof findStateDict>,
  bytesOf: ReadonlyMap<string, Uint8Array>,
): PyTorchStateDict {
  return {
    file,
    format,
    wrapperKey: found.wrapperKey,
    tensors: found.tensors,
    notes: found.notes,
    values: (ref) => tensorValues(ref, bytesOf.get(ref.storage.key)!),
  };
}

function readZip(file: string, data: Uint8Array, limits: ImportLimits, key: string | undefined): PyTorchStateDict {
  const entries = new Map<string, { size: number; compression: number }>();
  const unzip = (keep: (name: string) => boolean) => {
    try {
      return unzipSync(data, {
        filter: (f) => {
          entries.set(f.name, { size: f.originalSize, compression: f.compression });
          return keep(f.name);
        },
      });
    } catch (e) {
      return fail(file, `is not a readable zip archive (${(e as Error).message}): truncated or corrupt`);
    }
  };
  // First pass: the directory and the small entries only.
  const small = unzip((n) => /^[^/]+\/(data\.pkl|byteorder)$/.test(n) && (entries.get(n)?.size ?? Infinity) <= limits.maxPickleBytes);
  const pklName = [...entries.keys()].find((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (!pklName) fail(file, 'is a zip archive without <name>/data.pkl: not written by torch.save');
  const pkl = small[pklName!];
  if (!pkl) fail(file, `${pklName} holds ${entries.get(pklName!)!.size} bytes, above the limit maxPickleBytes = ${limits.maxPickleBytes}`);
  const prefix = pklName!.slice(0, -'data.pkl'.length);
  const order = small[`${prefix}byteorder`];
  if (order && new TextDecoder().decode(order).trim() !== 'little')
    fail(file, 'was written on a big-endian machine; only little-endian checkpoints are supported');

  const storages = storageTable(false);
  const root = unpickle(
    pkl!,
    0,
    { file, part: pklName! },
    { persistentLoad: storages.persistentLoad, maxTensors: limits.maxTensors },
  ).value;
  const found = findStateDict(file, root, key);
  const needed = neededStorages(file, found.tensors, limits);
  for (const s of needed.values()) {
    const entry = entries.get(`${prefix}data/${s.key}`);
    const want = s.numel * ELEMENT_BYTES[s.dtype];
    if (!entry) fail(file, `storage ${s.key} (${prefix}data/${s.key}) is missing from the archive`);
    if (entry!.size !== want) fail(file, `storage ${s.key} holds ${entry!.size} bytes, its ${s.numel} ${s.dtype} elements need ${want}`);
  }
  const wanted = new Set([...needed.keys()].map((k) => `${prefix}data/${k}`));
  const files = unzip((n) => wanted.has(n));
  const bytesOf = new Map<string, Uint8Array>();
  for (const s of needed.values()) {
    const b = files[`${prefix}data/${s.key}`];
    const want = s.numel * ELEMENT_BYTES[s.dtype];
    if (!b || b.length !== want) fail(file, `storage ${s.key}: read ${b?.length ?? 0} of its ${want} bytes (truncated archive)`);
    bytesOf.set(s.key, b!);
  }
  return stateDict(file, 'zip', found, bytesOf);
}

function readLegacy(file: string, data: Uint8Array, limits: ImportLimits, key: string | undefined): PyTorchStateDict {
  const storages = storageTable(true);
  let pos = 0;
  let tensors = 0;
  const next = (part: string) => {
    const r = unpickle(
      data.subarray(0, Math.min(data.length, pos + limits.maxPickleBytes)),
      pos,
      { file, part, base: pos },
      {
        persistentLoad: storages.persistentLoad,
        maxTensors: limits.maxTensors,
        tensorsSoFar: tensors,
      },
    );
    pos = r.end;
    tensors = r.tensors;
    return r.value;
  };
  const magic = next('pickle 1 (magic number)');
  if (magic !== LEGACY_MAGIC)
    fail(file, `is a pickle but not a torch.save file (it starts with ${describe(magic)}, not torch's magic number)`);
  const protocol = next('pickle 2 (protocol version)');
  if (protocol !== 1001) fail(file, `legacy protocol version ${describe(protocol)} is not supported (expected 1001)`);
  const sysInfo = next('pickle 3 (system info)');
  if (sysInfo instanceof PyDict && sysInfo.entries.get('little_endian') === false)
    fail(file, 'was written on a big-endian machine; only little-endian checkpoints are supported');
  const root = next('pickle 4 (the saved object)');
  const keys = next('pickle 5 (storage keys)');
  if (!Array.isArray(keys) || keys.some((k) => typeof k !== 'string'))
    fail(file, `the storage key list is ${describe(keys)}, not a list of strings`);
  // The storages follow, in the key list's order: an int64 element count, then the raw little-endian elements.
  const where = new Map<string, Uint8Array>();
  for (const k of keys as string[]) {
    const s = storages.byKey.get(k);
    if (!s) fail(file, `storage ${k} is listed but no tensor uses it`);
    if (pos + 8 > data.length) fail(file, `storage ${k}: the file ends at byte ${data.length} before its size (truncated file)`);
    const count = new DataView(data.buffer, data.byteOffset + pos, 8).getBigInt64(0, true);
    if (count !== BigInt(s!.numel)) fail(file, `storage ${k}: byte ${pos} gives ${count} elements, the pickle declared ${s!.numel}`);
    const n = s!.numel * ELEMENT_BYTES[s!.dtype];
    pos += 8;
    if (pos + n > data.length)
      fail(file, `storage ${k}: ${n} bytes from byte ${pos} run past the end of the file (${data.length} bytes; truncated file)`);
    where.set(k, data.subarray(pos, pos + n));
    pos += n;
  }
  const found = findStateDict(file, root, key);
  const needed = neededStorages(file, found.tensors, limits);
  for (const k of needed.keys()) if (!where.has(k)) fail(file, `storage ${k} is used by a tensor but absent from the file`);
  return stateDict(file, 'legacy', found, where);
}
