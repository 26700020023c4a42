import { KdInputError } from '@kd/core';
import { NumpyDType, PyDict, PyGlobal, PyTuple, TensorRef, describe, type PyValue } from './pickle-values.js';
import { admitGlobal, admittedGlobals, callGlobal, type CallContext } from './safe-globals.js';

/** Where a pickle comes from, for messages: the file and the part of it (a zip entry, or the n-th pickle). */
export interface PickleSource {
  readonly file: string;
  readonly part: string;
  /** Byte offset of the pickle inside the file (legacy format: several pickles follow each other). */
  readonly base?: number;
}

export interface UnpickleOptions {
  /** Resolves a persistent id (torch: a storage). */
  readonly persistentLoad: (pid: PyValue, ctx: CallContext) => PyValue;
  readonly maxTensors: number;
  /** Tensors counted so far by earlier pickles of the same file. */
  readonly tensorsSoFar?: number;
}

export interface UnpickleResult {
  readonly value: PyValue;
  /** Bytes consumed, STOP included. */
  readonly end: number;
  readonly tensors: number;
}

const NAMES: Record<number, string> = {
  0x28: 'MARK',
  0x2e: 'STOP',
  0x30: 'POP',
  0x31: 'POP_MARK',
  0x32: 'DUP',
  0x42: 'BINBYTES',
  0x43: 'SHORT_BINBYTES',
  0x46: 'FLOAT',
  0x47: 'BINFLOAT',
  0x49: 'INT',
  0x4a: 'BININT',
  0x4b: 'BININT1',
  0x4c: 'LONG',
  0x4d: 'BININT2',
  0x4e: 'NONE',
  0x50: 'PERSID',
  0x51: 'BINPERSID',
  0x52: 'REDUCE',
  0x53: 'STRING',
  0x54: 'BINSTRING',
  0x55: 'SHORT_BINSTRING',
  0x56: 'UNICODE',
  0x58: 'BINUNICODE',
  0x5d: 'EMPTY_LIST',
  0x61: 'APPEND',
  0x62: 'BUILD',
  0x63: 'GLOBAL',
  0x64: 'DICT',
  0x65: 'APPENDS',
  0x67: 'GET',
  0x68: 'BINGET',
  0x69: 'INST',
  0x6a: 'LONG_BINGET',
  0x6c: 'LIST',
  0x6f: 'OBJ',
  0x70: 'PUT',
  0x71: 'BINPUT',
  0x72: 'LONG_BINPUT',
  0x73: 'SETITEM',
  0x74: 'TUPLE',
  0x75: 'SETITEMS',
  0x7d: 'EMPTY_DICT',
  0x29: 'EMPTY_TUPLE',
  0x80: 'PROTO',
  0x81: 'NEWOBJ',
  0x82: 'EXT1',
  0x83: 'EXT2',
  0x84: 'EXT4',
  0x85: 'TUPLE1',
  0x86: 'TUPLE2',
  0x87: 'TUPLE3',
  0x88: 'NEWTRUE',
  0x89: 'NEWFALSE',
  0x8a: 'LONG1',
  0x8b: 'LONG4',
  0x8c: 'SHORT_BINUNICODE',
  0x8d: 'BINUNICODE8',
  0x8e: 'BINBYTES8',
  0x8f: 'EMPTY_SET',
  0x90: 'ADDITEMS',
  0x91: 'FROZENSET',
  0x92: 'NEWOBJ_EX',
  0x93: 'STACK_GLOBAL',
  0x94: 'MEMOIZE',
  0x95: 'FRAME',
  0x96: 'BYTEARRAY8',
  0x97: 'NEXT_BUFFER',
  0x98: 'READONLY_BUFFER',
};

const MARK = Symbol('mark');
type Slot = PyValue | typeof MARK;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads a pickle as data. Implements the opcodes of protocols 2–5 that `torch.save` and numpy scalars produce and
 * admits only the globals of `safe-globals.ts`; every other opcode or global is a `KdInputError` naming the file,
 * the opcode or global and its byte offset. Nothing a pickle names is ever looked up or run: an admitted global is
 * a tag that selects one of a few data-building functions.
 */
export function unpickle(data: Uint8Array, start: number, source: PickleSource, options: UnpickleOptions): UnpickleResult {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const stack: Slot[] = [];
  const memo = new Map<number, PyValue>();
  let pos = start;
  let op = start;
  let tensors = options.tensorsSoFar ?? 0;
  const where = () => `${source.file}: ${source.part}, byte ${op - start + (source.base ?? 0)}`;
  const fail: (message: string) => never = (message) => {
    throw new KdInputError(`${where()}: ${message}; the checkpoint was not loaded`);
  };
  const ctx: CallContext = {
    fail,
    countTensor: (_ref: TensorRef) => {
      if (++tensors > options.maxTensors) fail(`more than ${options.maxTensors} tensors (limit maxTensors)`);
    },
  };
  const need = (n: number) => {
    if (n < 0 || pos + n > data.length) fail(`the pickle ends in the middle of ${NAMES[data[op]!] ?? 'an opcode'} (truncated file?)`);
  };
  const u8 = () => (need(1), data[pos++]!);
  const u16 = () => (need(2), (pos += 2), view.getUint16(pos - 2, true));
  const i32 = () => (need(4), (pos += 4), view.getInt32(pos - 4, true));
  const u32 = () => (need(4), (pos += 4), view.getUint32(pos - 4, true));
  const u64 = () => {
    need(8);
    const v = view.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(data.length)) fail(`a length of ${v} bytes exceeds the pickle`);
    return Number(v);
  };
  const bytes = (n: number) => (need(n), (pos += n), data.subarray(pos - n, pos));
  const text = (n: number) => {
    const b = bytes(n);
    try {
      return utf8.decode(b);
    } catch {
      return fail('a string is not valid UTF-8');
    }
  };
  const latin1 = (b: Uint8Array) => String.fromCharCode(...b);
  const line = () => {
    const end = data.indexOf(0x0a, pos);
    if (end < 0) fail('a GLOBAL name has no terminating newline (truncated file?)');
    const s = latin1(data.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const pop = (): PyValue => {
    const v = stack.pop();
    if (v === undefined || v === MARK) fail('the stack is empty or at a mark where a value is expected (malformed pickle)');
    return v as PyValue;
  };
  const top = (): PyValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) fail('the stack is empty where a value is expected (malformed pickle)');
    return v as PyValue;
  };
  const popMark = (): PyValue[] => {
    const i = stack.lastIndexOf(MARK);
    if (i < 0) fail('no MARK to pop to (malformed pickle)');
    const items = stack.splice(i) as PyValue[];
    items.shift();
    return items;
  };
  const memoGet = (k: number) => {
    if (!memo.has(k)) fail(`memo key ${k} was never stored (malformed pickle)`);
    return memo.get(k)!;
  };
  const long = (b: Uint8Array): number | bigint => {
    if (b.length === 0) return 0;
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
    if (b[b.length - 1]! & 0x80) v -= 1n << BigInt(8 * b.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const admit = (module: string, name: string): PyGlobal => {
    const g = admitGlobal(module, name);
    if (!g)
      fail(
        `refused global ${module}.${name} (${NAMES[data[op]!]}): a checkpoint is untrusted input and may name only ${admittedGlobals().join(', ')}`,
      );
    return g;
  };
  const setItem = (d: PyValue, k: PyValue, v: PyValue) => {
    if (!(d instanceof PyDict)) fail(`SETITEM on ${describe(d)}, not a dict`);
    d.entries.set(k, v);
  };
  const append = (l: PyValue, v: PyValue) => {
    if (!Array.isArray(l)) fail(`APPEND on ${describe(l)}, not a list`);
    l.push(v);
  };

  for (;;) {
    op = pos;
    const code = u8();
    switch (code) {
      case 0x80: {
        // PROTO
        const p = u8();
        if (p < 2 || p > 5) fail(`pickle protocol ${p} is not supported (torch.save writes protocol 2)`);
        break;
      }
      case 0x95: // FRAME: a length hint only
        bytes(8);
        break;
      case 0x2e: {
        // STOP
        const value = pop();
        return { value, end: pos, tensors };
      }
      case 0x28:
        stack.push(MARK);
        break;
      case 0x30:
        pop();
        break; // POP
      case 0x31:
        popMark();
        break; // POP_MARK
      case 0x32:
        stack.push(top());
        break; // DUP
      case 0x4e:
        stack.push(null);
        break;
      case 0x88:
        stack.push(true);
        break;
      case 0x89:
        stack.push(false);
        break;
      case 0x4a:
        stack.push(i32());
        break; // BININT
      case 0x4b:
        stack.push(u8());
        break; // BININT1
      case 0x4d:
        stack.push(u16());
        break; // BININT2
      case 0x8a:
        stack.push(long(bytes(u8())));
        break; // LONG1
      case 0x8b: {
        // LONG4
        const n = i32();
        if (n < 0) fail('negative LONG4 length');
        stack.push(long(bytes(n)));
        break;
      }
      case 0x47:
        need(8);
        stack.push(view.getFloat64(pos, false));
        pos += 8;
        break; // BINFLOAT (big-endian)
      case 0x58:
        stack.push(text(u32()));
        break; // BINUNICODE
      case 0x8c:
        stack.push(text(u8()));
        break; // SHORT_BINUNICODE
      case 0x8d:
        stack.push(text(u64()));
        break; // BINUNICODE8
      case 0x54: {
        // BINSTRING (Python 2 str): read as latin-1 text
        const n = i32();
        if (n < 0) fail('negative BINSTRING length');
        stack.push(latin1(bytes(n)));
        break;
      }
      case 0x55:
        stack.push(latin1(bytes(u8())));
        break; // SHORT_BINSTRING
      case 0x42:
        stack.push(bytes(u32()).slice());
        break; // BINBYTES
      case 0x43:
        stack.push(bytes(u8()).slice());
        break; // SHORT_BINBYTES
      case 0x8e:
        stack.push(bytes(u64()).slice());
        break; // BINBYTES8
      case 0x7d:
        stack.push(new PyDict());
        break; // EMPTY_DICT
      case 0x5d:
        stack.push([]);
        break; // EMPTY_LIST
      case 0x29:
        stack.push(new PyTuple([]));
        break; // EMPTY_TUPLE
      case 0x85:
        stack.push(new PyTuple([pop()]));
        break; // TUPLE1
      case 0x86: {
        const b = pop();
        const a = pop();
        stack.push(new PyTuple([a, b]));
        break;
      } // TUPLE2
      case 0x87: {
        const c = pop();
        const b = pop();
        const a = pop();
        stack.push(new PyTuple([a, b, c]));
        break;
      } // TUPLE3
      case 0x74:
        stack.push(new PyTuple(popMark()));
        break; // TUPLE
      case 0x6c:
        stack.push(popMark());
        break; // LIST
      case 0x64: {
        // DICT
        const items = popMark();
        if (items.length % 2) fail('DICT with an odd number of items');
        const d = new PyDict();
        for (let i = 0; i < items.length; i += 2) d.entries.set(items[i]!, items[i + 1]!);
        stack.push(d);
        break;
      }
      case 0x61: {
        const v = pop();
        append(top(), v);
        break;
      } // APPEND
      case 0x65: {
        const items = popMark();
        const l = top();
        for (const v of items) append(l, v);
        break;
      } // APPENDS
      case 0x73: {
        const v = pop();
        const k = pop();
        setItem(top(), k, v);
        break;
      } // SETITEM
      case 0x75: {
        // SETITEMS
        const items = popMark();
        if (items.length % 2) fail('SETITEMS with an odd number of items');
        const d = top();
        for (let i = 0; i < items.length; i += 2) setItem(d, items[i]!, items[i + 1]!);
        break;
      }
      case 0x71:
        memo.set(u8(), top());
        break; // BINPUT
      case 0x72:
        memo.set(u32(), top());
        break; // LONG_BINPUT
      case 0x94:
        memo.set(memo.size, top());
        break; // MEMOIZE
      case 0x68:
        stack.push(memoGet(u8()));
        break; // BINGET
      case 0x6a:
        stack.push(memoGet(u32()));
        break; // LONG_BINGET
      case 0x63: {
        // GLOBAL
        const module = line();
        const name = line();
        stack.push(admit(module, name));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL with a non-string module or name');
        stack.push(admit(module as string, name as string));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const callable = pop();
        if (!(callable instanceof PyGlobal)) fail(`REDUCE of ${describe(callable)}, which is not an admitted callable`);
        if (!(args instanceof PyTuple)) fail(`REDUCE with arguments ${describe(args)}, not a tuple`);
        stack.push(callGlobal(callable as PyGlobal, (args as PyTuple).items, ctx));
        break;
      }
      case 0x62: {
        // BUILD: state on the few objects that take one; nothing is called
        const state = pop();
        const obj = top();
        if (obj instanceof PyDict && state instanceof PyDict) {
          for (const [k, v] of state.entries) if (typeof k === 'string') obj.attributes.set(k, v);
        } else if (obj instanceof NumpyDType && state instanceof PyTuple) {
          const order = state.items[1];
          if (order === '<' || order === '>' || order === '|' || order === '=') obj.byteOrder = order;
        } else fail(`BUILD of ${describe(obj)} with ${describe(state)} is not supported`);
        break;
      }
      case 0x51: {
        // BINPERSID
        const pid = pop();
        stack.push(options.persistentLoad(pid, ctx));
        break;
      }
      default:
        fail(
          `unsupported pickle opcode ${NAMES[code] ?? 'unknown'} (0x${code.toString(16).padStart(2, '0')}); a state dict needs none of it`,
        );
    }
  }
}
