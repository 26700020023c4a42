import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isInputError, KdInputError } from '@kd/core';
import { selectBackend } from '@kd/core/host';
import { readPyTorchStateDict } from './checkpoint-reader.js';
import { importPyTorchStateDict } from './import-state-dict.js';
import { buildNetwork, fixturePath } from '../test/fixtures.js';
import { resnet32x4Checkpoint } from '../test/synthetic-zip.js';

/** The file the malicious fixtures' payloads would create (make-fixtures.py's PWNED). */
const PWNED = '/tmp/kd-import-pytorch-pwned';

let dir: string;
beforeAll(async () => {
  await selectBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'kd-import-pytorch-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The input error a call throws (exit code 2), for assertions on its text. */
function inputError(f: () => unknown): KdInputError {
  try {
    f();
  } catch (e) {
    expect(isInputError(e), String(e)).toBe(true);
    expect((e as KdInputError).exitCode).toBe(2);
    return e as KdInputError;
  }
  throw new Error('expected a KdInputError');
}

describe('a checkpoint is untrusted input: refused globals execute nothing', () => {
  beforeEach(() => rmSync(PWNED, { force: true }));

  it.each([
    // Protocol 2 names os.system by its module on Linux (posix) and builtins.eval by its Python 2 name.
    ['evil-os-system.pth', /refused global posix\.system \(GLOBAL\)/, 'evil-os-system/data.pkl'],
    ['evil-eval.pth', /refused global __builtin__\.eval \(GLOBAL\)/, 'evil-eval/data.pkl'],
    ['evil-stack-global.pt', /refused global builtins\.eval \(STACK_GLOBAL\)/, 'pickle 1'],
  ])('%s', (name, global, part) => {
    const e = inputError(() => readPyTorchStateDict(fixturePath(name)));
    expect(e.message).toMatch(global);
    expect(e.message).toContain(fixturePath(name));
    expect(e.message).toContain(`${fixturePath(name)}: ${part}`);
    expect(e.message).toMatch(/, byte \d+: refused global/);
    expect(existsSync(PWNED)).toBe(false);
  });

  it('names an opcode a state dict never needs, with its offset', () => {
    const file = join(dir, 'inst.pkl');
    writeFileSync(file, Buffer.from([0x80, 0x02, 0x69, 0x6f, 0x73, 0x0a, 0x73, 0x79, 0x73, 0x74, 0x65, 0x6d, 0x0a, 0x2e]));
    expect(inputError(() => readPyTorchStateDict(file)).message).toMatch(
      /pickle 1 \(magic number\), byte 2: unsupported pickle opcode INST \(0x69\)/,
    );
  });

  it('refuses a file that is neither a zip nor a pickle', () => {
    const file = join(dir, 'text.pth');
    writeFileSync(file, 'hello');
    expect(inputError(() => readPyTorchStateDict(file)).message).toMatch(/not a file written by torch\.save/);
  });
});

describe('malformed checkpoints', () => {
  it('a truncated zip checkpoint', () => {
    const file = join(dir, 'truncated.pth');
    const bytes = readFileSync(fixturePath('resnet8.pth'));
    writeFileSync(file, bytes.subarray(0, bytes.length >> 1));
    expect(inputError(() => readPyTorchStateDict(file)).message).toMatch(
      /truncated\.pth: is not a readable zip archive .*truncated or corrupt/,
    );
  });

  it('a truncated legacy checkpoint', () => {
    const file = join(dir, 'truncated-legacy.pth');
    const bytes = readFileSync(fixturePath('wrn_16_2.pth'));
    writeFileSync(file, bytes.subarray(0, bytes.length - 100));
    expect(inputError(() => readPyTorchStateDict(file)).message).toMatch(/run past the end of the file .*truncated file/);
    writeFileSync(file, bytes.subarray(0, 3000));
    expect(inputError(() => readPyTorchStateDict(file)).message).toMatch(
      /pickle 4 \(the saved object\), byte \d+: the pickle ends in the middle/,
    );
  });

  it('a storage shorter than its tensors need', () => {
    const file = join(dir, 'short-storage.pth');
    writeFileSync(file, resnet32x4Checkpoint({ key: '0', bytes: 4 }).zip);
    expect(inputError(() => readPyTorchStateDict(file)).message).toMatch(/storage 0 holds \d+ bytes, its \d+ float32 elements need \d+/);
  });

  it('limits on file size, tensor count and tensor bytes', () => {
    const file = fixturePath('resnet8.pth');
    expect(inputError(() => readPyTorchStateDict(file, { limits: { maxFileBytes: 1000 } })).message).toMatch(
      /exceed the limit maxFileBytes = 1000/,
    );
    expect(inputError(() => readPyTorchStateDict(file, { limits: { maxTensors: 10 } })).message).toMatch(
      /more than 10 tensors \(limit maxTensors\)/,
    );
    expect(inputError(() => readPyTorchStateDict(file, { limits: { maxTensorBytes: 1000 } })).message).toMatch(
      /above the limit maxTensorBytes = 1000/,
    );
    expect(inputError(() => readPyTorchStateDict(file, { limits: { maxPickleBytes: 100 } })).message).toMatch(
      /above the limit maxPickleBytes = 100/,
    );
  });
});

describe('state dicts that do not fit the network: every unmatched name or shape is listed, nothing is loaded', () => {
  it('another architecture (resnet8 checkpoint, wrn network)', () => {
    const net = buildNetwork({ name: 'wrn', depth: 16, widen: 2 }, 10, [8, 8, 3]);
    const before = net.stateVariables().map((v) => Array.from(v.variable.dataSync()));
    const e = inputError(() => importPyTorchStateDict(fixturePath('resnet8.pth'), net));
    expect(e.message).toMatch(
      /does not match kd's wrn .* \(mdistiller wrn_16_2\): \d+ parameter\(s\) kd needs are missing, \d+ in the file have no kd variable; nothing was loaded/,
    );
    expect(e.details).toContain('missing from the file:');
    expect(e.details).toContain('  block1.layer.0.bn1.weight (for kd stage1_block1_1_bn/gamma)');
    expect(e.details).toContain('in the file but not in kd:');
    expect(e.details).toContain('  layer1.0.conv1.weight [16, 16, 3, 3]');
    net.stateVariables().forEach((v, i) => expect(Array.from(v.variable.dataSync())).toEqual(before[i]));
    net.dispose();
  });

  it('a deeper model of the same family (resnet8 checkpoint, resnet14 network)', () => {
    const net = buildNetwork({ name: 'resnet', variant: 'resnet14' }, 10, [16, 16, 3]);
    const e = inputError(() => importPyTorchStateDict(fixturePath('resnet8.pth'), net));
    expect(e.details).toContain('  layer1.1.conv1.weight (for kd stage1_block2_1_conv/kernel)');
    expect(e.details.some((d) => d.startsWith('in the file'))).toBe(false);
    net.dispose();
  });

  it('other shapes (10-class checkpoint, 100-class network)', () => {
    const net = buildNetwork({ name: 'resnet', variant: 'resnet8' }, 100, [16, 16, 3]);
    const e = inputError(() => importPyTorchStateDict(fixturePath('resnet8.pth'), net));
    expect(e.message).toMatch(/2 tensor shape\(s\) do not match/);
    expect(e.details).toEqual([
      'fc.weight: [10, 64] in the file, kd classifier/kernel [64, 100] needs [100, 64]',
      'fc.bias: [10] in the file, kd classifier/bias [100] needs [100]',
    ]);
    net.dispose();
  });

  it('a backbone without a PyTorch map', () => {
    const net = buildNetwork({ name: 'mobilenet', variant: 'mobilenetv1' }, 10, [32, 32, 3]);
    expect(inputError(() => importPyTorchStateDict(fixturePath('resnet8.pth'), net)).message).toMatch(
      /no PyTorch name map for the backbone mobilenet/,
    );
    net.dispose();
  });
});

describe('wrappers', () => {
  it('strips nn.DataParallel\'s "module." prefix and says so; reads views and float16', () => {
    const sd = readPyTorchStateDict(fixturePath('dataparallel.pth'));
    expect(sd.notes).toEqual(['stripped the prefix "module." (nn.DataParallel) from every name']);
    expect([...sd.tensors.keys()]).toEqual(['fc.weight', 'fc.bias']);
    // arange(6).reshape(3, 2).t(): [[0, 2, 4], [1, 3, 5]] through strides (1, 2).
    expect(Array.from(sd.values(sd.tensors.get('fc.weight')!))).toEqual([0, 2, 4, 1, 3, 5]);
    expect(Array.from(sd.values(sd.tensors.get('fc.bias')!))).toEqual([0.5, -2]);
  });

  it('reads the state dict under an explicitly named key, and notes what else the wrapper held', () => {
    const sd = readPyTorchStateDict(fixturePath('wrn_16_2.pth'), { key: 'state_dict' });
    expect(sd.format).toBe('legacy');
    expect(sd.notes).toEqual(['ignored top-level entry epoch: number 240']);
    const copy = join(dir, 'copy.pth');
    copyFileSync(fixturePath('vgg8.pth'), copy);
    expect(inputError(() => readPyTorchStateDict(copy, { key: 'model' })).message).toMatch(
      /no state dict under "model" \(top-level keys: net, acc\)/,
    );
  });
});
