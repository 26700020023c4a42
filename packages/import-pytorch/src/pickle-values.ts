/**
 * The values the safe unpickler can produce. Python objects become plain data: nothing here has behaviour that a
 * pickle could trigger.
 */

/** A Python tuple (kept apart from lists so that persistent ids and call arguments can be told apart). */
export class PyTuple {
  constructor(readonly items: readonly PyValue[]) {}
}

/** A Python dict or `collections.OrderedDict`; `attributes` holds what a BUILD set on it (torch's `_metadata`). */
export class PyDict {
  readonly entries = new Map<PyValue, PyValue>();
  readonly attributes = new Map<string, PyValue>();
}

/** A numpy dtype as `numpy.dtype(str, align, copy)` and its BUILD state describe it: kind, size and byte order. */
export class NumpyDType {
  byteOrder: '<' | '>' | '|' | '=' = '=';
  constructor(readonly code: string) {}
}

/** A module-level name the allowlist admits, pushed by GLOBAL / STACK_GLOBAL; only REDUCE or a persistent id use it. */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}

  get qualifiedName(): string {
    return `${this.module}.${this.name}`;
  }
}

/** Element types of torch storages. */
export type TorchDType = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

/** A storage named by a persistent id: its bytes are read only when a tensor that views it is needed. */
export class StorageRef {
  constructor(
    readonly key: string,
    readonly dtype: TorchDType,
    /** Elements, as the persistent id states them (checked against the bytes actually present). */
    readonly numel: number,
  ) {}
}

/** A tensor as `torch._utils._rebuild_tensor_v2` describes it: a strided view of a storage, not yet read. */
export class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly shape: readonly number[],
    readonly stride: readonly number[],
  ) {}

  get numel(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }
}

export type PyValue =
  null | boolean | number | bigint | string | Uint8Array | PyValue[] | PyTuple | PyDict | PyGlobal | NumpyDType | StorageRef | TensorRef;

/** A short description of a value for error messages (never its full contents). */
export function describe(v: PyValue): string {
  if (v === null) return 'None';
  if (typeof v === 'string') return `str ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return `${typeof v} ${String(v)}`;
  if (v instanceof Uint8Array) return `bytes[${v.length}]`;
  if (Array.isArray(v)) return `list[${v.length}]`;
  if (v instanceof PyTuple) return `tuple[${v.items.length}]`;
  if (v instanceof PyDict) return `dict[${v.entries.size}]`;
  if (v instanceof PyGlobal) return v.qualifiedName;
  if (v instanceof NumpyDType) return `numpy.dtype(${v.code})`;
  if (v instanceof StorageRef) return `storage ${v.key}`;
  return `tensor[${v.shape.join(', ')}]`;
}
