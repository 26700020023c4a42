import { NumpyDType, PyDict, PyGlobal, PyTuple, StorageRef, TensorRef, describe, type PyValue, type TorchDType } from './pickle-values.js';

/** How a global's call reports a malformed argument (the unpickler adds the file and byte offset). */
export interface CallContext {
  fail(message: string): never;
  /** Called once per tensor a pickle builds, so that a limit on their number holds. */
  countTensor(ref: TensorRef): void;
}

/** torch's storage classes, named as the persistent id of a storage names them, and their element types. */
export const STORAGE_TYPES: Readonly<Record<string, TorchDType>> = {
  FloatStorage: 'float32',
  DoubleStorage: 'float64',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

type Call = (args: readonly PyValue[], ctx: CallContext) => PyValue;

const int = (v: PyValue, what: string, ctx: CallContext): number => {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) ctx.fail(`${what} must be an integer, got ${describe(v)}`);
  return v;
};

const ints = (v: PyValue, what: string, ctx: CallContext): number[] => {
  if (!(v instanceof PyTuple)) ctx.fail(`${what} must be a tuple of integers, got ${describe(v)}`);
  return v.items.map((x, i) => int(x, `${what}[${i}]`, ctx));
};

/** A strided view, checked to stay inside its storage: a crafted size/stride must not read past the bytes. */
function tensor(args: readonly PyValue[], ctx: CallContext, name: string): TensorRef {
  const [storage, offset, size, stride] = args;
  if (!(storage instanceof StorageRef))
    ctx.fail(`${name}: the first argument must be a storage (a persistent id), got ${describe(storage ?? null)}`);
  const o = int(offset ?? null, `${name}: storage_offset`, ctx);
  const shape = ints(size ?? null, `${name}: size`, ctx);
  const strides = ints(stride ?? null, `${name}: stride`, ctx);
  if (shape.length !== strides.length) ctx.fail(`${name}: size has ${shape.length} dimensions, stride ${strides.length}`);
  if (o < 0 || shape.some((d) => d < 0) || strides.some((d) => d < 0))
    ctx.fail(`${name}: negative offset, size or stride (offset ${o}, size [${shape}], stride [${strides}])`);
  const numel = shape.reduce((a, b) => a * b, 1);
  if (numel > 0) {
    const last = shape.reduce((acc, d, i) => acc + (d - 1) * strides[i]!, o);
    if (last >= storage.numel)
      ctx.fail(
        `${name}: a tensor of size [${shape}], stride [${strides}] at offset ${o} reads element ${last} of storage ${storage.key}, which holds ${storage.numel}`,
      );
  }
  const hooks = args[5];
  if (hooks !== undefined && !(hooks instanceof PyDict && hooks.entries.size === 0) && hooks !== null)
    ctx.fail(`${name}: backward hooks are not supported (got ${describe(hooks)})`);
  const ref = new TensorRef(storage, o, shape, strides);
  ctx.countTensor(ref);
  return ref;
}

function numpyScalar(args: readonly PyValue[], ctx: CallContext): PyValue {
  const [dtype, data] = args;
  if (!(dtype instanceof NumpyDType) || !(data instanceof Uint8Array))
    ctx.fail(`numpy scalar: expected (dtype, bytes), got (${args.map(describe).join(', ')})`);
  const m = /^([fiub])(\d)$/.exec(dtype.code);
  const size = m ? Number(m[2]) : 0;
  if (!m || data.length !== size) ctx.fail(`numpy scalar: dtype ${dtype.code} with ${data.length} bytes is not a supported number`);
  const view = new DataView(data.buffer, data.byteOffset, data.length);
  const little = dtype.byteOrder !== '>';
  const kind = m[1]!;
  if (kind === 'f' && size === 8) return view.getFloat64(0, little);
  if (kind === 'f' && size === 4) return view.getFloat32(0, little);
  if (kind === 'b' && size === 1) return data[0] !== 0;
  if (kind === 'i' || kind === 'u') {
    const signed = kind === 'i';
    if (size === 1) return signed ? view.getInt8(0) : view.getUint8(0);
    if (size === 2) return signed ? view.getInt16(0, little) : view.getUint16(0, little);
    if (size === 4) return signed ? view.getInt32(0, little) : view.getUint32(0, little);
    if (size === 8) {
      const v = signed ? view.getBigInt64(0, little) : view.getBigUint64(0, little);
      return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
    }
  }
  ctx.fail(`numpy scalar: dtype ${dtype.code} is not a supported number`);
}

/**
 * The only callables a checkpoint may name, each a pure function of its (checked) arguments that builds data. Any
 * other global is refused where the pickle names it, before anything could be called.
 */
const CALLS: Readonly<Record<string, Call>> = {
  'collections.OrderedDict': (args: readonly PyValue[], ctx: CallContext) => {
    const d = new PyDict();
    if (args.length === 0) return d;
    const [items] = args;
    if (args.length !== 1 || !Array.isArray(items))
      ctx.fail(`collections.OrderedDict: expected () or ([(key, value), …]), got ${args.length} arguments`);
    for (const pair of items) {
      if (!(pair instanceof PyTuple) || pair.items.length !== 2)
        ctx.fail(`collections.OrderedDict: an item is ${describe(pair)}, not a (key, value) pair`);
      d.entries.set(pair.items[0]!, pair.items[1]!);
    }
    return d;
  },
  'torch._utils._rebuild_tensor_v2': (args: readonly PyValue[], ctx: CallContext) => tensor(args, ctx, 'torch._utils._rebuild_tensor_v2'),
  'torch._utils._rebuild_tensor': (args: readonly PyValue[], ctx: CallContext) => tensor(args, ctx, 'torch._utils._rebuild_tensor'),
  'torch._utils._rebuild_parameter': (args: readonly PyValue[], ctx: CallContext) => {
    if (!(args[0] instanceof TensorRef)) ctx.fail(`torch._utils._rebuild_parameter: expected a tensor, got ${describe(args[0] ?? null)}`);
    return args[0];
  },
  'torch._utils._rebuild_parameter_with_state': (args: readonly PyValue[], ctx: CallContext) => {
    if (!(args[0] instanceof TensorRef))
      ctx.fail(`torch._utils._rebuild_parameter_with_state: expected a tensor, got ${describe(args[0] ?? null)}`);
    return args[0];
  },
  'numpy.dtype': (args: readonly PyValue[], ctx: CallContext) => {
    if (typeof args[0] !== 'string') ctx.fail(`numpy.dtype: expected a type code, got ${describe(args[0] ?? null)}`);
    return new NumpyDType(args[0]);
  },
  'numpy.core.multiarray.scalar': numpyScalar,
  'numpy._core.multiarray.scalar': numpyScalar,
  // Protocol 2 writes Python 3 bytes as `_codecs.encode(text, 'latin1')` (numpy scalars' payload).
  '_codecs.encode': (args: readonly PyValue[], ctx: CallContext) => {
    const [text, encoding] = args;
    if (typeof text !== 'string' || (encoding !== 'latin1' && encoding !== 'latin-1'))
      ctx.fail(`_codecs.encode: only (str, 'latin1') is supported, got (${args.map(describe).join(', ')})`);
    const out = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c > 255) ctx.fail('_codecs.encode: a latin1 string holds a character above U+00FF');
      out[i] = c;
    }
    return out;
  },
};

/** The global, if the allowlist admits it: a storage class or one of the calls above. */
export function admitGlobal(module: string, name: string): PyGlobal | undefined {
  if (module === 'torch' && name in STORAGE_TYPES) return new PyGlobal(module, name);
  const g = new PyGlobal(module, name);
  return g.qualifiedName in CALLS ? g : undefined;
}

/** Every admitted global, for error messages. */
export function admittedGlobals(): string[] {
  return [...Object.keys(CALLS), ...Object.keys(STORAGE_TYPES).map((s) => `torch.${s}`)];
}

export function callGlobal(g: PyGlobal, args: readonly PyValue[], ctx: CallContext): PyValue {
  const call = CALLS[g.qualifiedName];
  if (!call) ctx.fail(`${g.qualifiedName} cannot be called`);
  return call(args, ctx);
}

/** The element type a storage class stands for, or undefined where `v` is not one. */
export function storageDType(v: PyValue): TorchDType | undefined {
  return v instanceof PyGlobal && v.module === 'torch' ? STORAGE_TYPES[v.name] : undefined;
}
