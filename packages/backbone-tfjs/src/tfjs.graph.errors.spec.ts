import { cpSync, readFileSync, truncateSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { deregisterOp, registerOp } from '@tensorflow/tfjs-converter';
import { tempDir } from '@kd/testing';
import { tfjsNetwork, type NetworkSetup, loadError as teacherLoadError } from '../test/networks.js';

const POINTER = '/teacher/weights';
const FIXTURE = join(import.meta.dirname, '..', 'test', 'fixtures', 'graph-cnn');

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

const loadError = (location: string, config: Record<string, unknown> = {}, setup: NetworkSetup = {}) =>
  teacherLoadError(location, POINTER, config, setup);

type Json = Record<string, any>;

describe('graph model files are untrusted input: every problem is a KdInputError naming the pointer, the file, the node or option', () => {
  const work = tempDir('kd-tfjs-graph-errors-');
  let n = 0;
  /** A copy of the graph fixture with model.json changed by `edit` (and `extra` bytes appended to the shard); returns its model.json. */
  const variant = (edit: (json: Json) => unknown = (j) => j, extra?: Uint8Array): string => {
    const dir = join(work, `g${n++}`);
    cpSync(FIXTURE, dir, { recursive: true });
    const file = join(dir, 'model.json');
    const json = JSON.parse(readFileSync(file, 'utf8')) as Json;
    writeFileSync(file, JSON.stringify(edit(json) ?? json));
    if (extra) appendFileSync(join(dir, 'group1-shard1of1.bin'), extra);
    return file;
  };
  const nodes = (j: Json) => j['modelTopology']['node'] as Json[];
  const node = (j: Json, name: string) => nodes(j).find((x) => x['name'] === name)!;
  const manifest = (j: Json) => j['weightsManifest'][0] as { paths: string[]; weights: Json[] };

  it('an unknown node name names the node and the option and lists nodes of the graph, nearest first', async () => {
    const stage = await loadError(variant(), { stages: { stage1: 'stage1/relu', stage2: 'stage2/rleu' } });
    expect(stage).toContain('the graph has no node "stage2/rleu" (/teacher/backbone/stages/stage2)');
    expect(stage).toMatch(/some of its 14 non-constant nodes: "stage2\/relu", "stage2\/conv\/Conv2D"/);
    expect(await loadError(variant(), { logits: 'logits' })).toContain('no node "logits" (/teacher/backbone/logits)');
    expect(await loadError(variant(), { embedding: 'pool:0' })).toContain('no node "pool" (/teacher/backbone/embedding)');
  });

  it('a shard outside the directory or of the wrong size; maxWeightBytes and maxJsonBytes', async () => {
    const outside = variant((j) => {
      manifest(j).paths = ['../g0/group1-shard1of1.bin'];
    });
    expect(await loadError(outside)).toContain(
      'weightsManifest/0/paths/0 ("../g0/group1-shard1of1.bin") points outside the model\'s directory',
    );
    const short = variant();
    truncateSync(short.replace('model.json', 'group1-shard1of1.bin'), 1000);
    expect(await loadError(short)).toContain('(group1-shard1of1.bin: 1000 bytes) hold 1000 bytes; its 13 weights declare 1840');
    const reshaped = variant((j) => {
      manifest(j).weights[0]!['shape'] = [3, 3, 1, 5];
    });
    expect(await loadError(reshaped)).toContain('hold 1840 bytes; its 13 weights declare 1876');
    expect(await loadError(variant(), { maxWeightBytes: 1000 })).toContain('more than maxWeightBytes (1000)');
    expect(await loadError(variant(), { maxJsonBytes: 1000 })).toMatch(/has \d+ bytes, more than maxJsonBytes \(1000\)/);
  });

  it('an op the converter does not implement (a custom op), or one registered in this process with tf.registerOp', async () => {
    const custom = variant((j) => {
      node(j, 'stage1/relu')['op'] = 'MyFancyRelu';
    });
    expect(await loadError(custom)).toContain(
      'modelTopology/node/17: node "stage1/relu" has op "MyFancyRelu", which TensorFlow.js\'s converter does not implement (a custom op); kd runs no custom ops',
    );
    let ran = false;
    registerOp('MyFancyRelu', () => {
      ran = true;
      return [];
    });
    try {
      expect(await loadError(custom)).toContain('has op "MyFancyRelu", a custom op registered in this process with tf.registerOp');
    } finally {
      deregisterOp('MyFancyRelu');
    }
    expect(ran).toBe(false);
  });

  it('control flow, functions and initializers, which a synchronous frozen teacher cannot run', async () => {
    const loop = variant((j) => {
      node(j, 'stage2/relu')['op'] = 'Switch';
    });
    expect(await loadError(loop)).toContain('modelTopology/node/22: node "stage2/relu" has op "Switch" (control flow');
    const functions = variant((j) => {
      j['modelTopology']['library'] = { function: [{ signature: { name: 'while_body_1' } }] };
    });
    expect(await loadError(functions)).toContain('modelTopology/library holds 1 function(s) ("while_body_1")');
    expect(await loadError(variant((j) => ({ ...j, modelInitializer: { node: [] } })))).toContain('has a "modelInitializer" graph');
  });

  it('a graph that is not one: no node list, unnamed or repeated nodes, inputs from nowhere, Const nodes and manifest apart', async () => {
    expect(await loadError(variant((j) => ({ ...j, modelTopology: {} })))).toContain('has no "modelTopology" with a "node" list');
    expect(
      await loadError(
        variant((j) => {
          nodes(j)[3] = { op: 'Relu' };
        }),
      ),
    ).toContain('modelTopology/node/3 is not a graph node');
    expect(
      await loadError(
        variant((j) => {
          node(j, 'stage2/relu')['name'] = 'stage1/relu';
        }),
      ),
    ).toContain('modelTopology/node/22: node name "stage1/relu" is used twice');
    expect(
      await loadError(
        variant((j) => {
          node(j, 'head/mean')['input'] = ['stage3/relu', 'head/mean/reduction_indices'];
        }),
      ),
    ).toContain('("head/mean") reads "stage3/relu", which is no node of the graph');
    const renamed = await loadError(
      variant((j) => {
        manifest(j).weights[11]!['name'] = 'head/dense/bias_1';
      }),
    );
    expect(renamed).toContain("the weights manifest does not match the graph's Const nodes");
    expect(renamed).toContain('Const nodes the manifest has no value for: head/dense/bias');
    expect(renamed).toContain('manifest weights no Const node is named after: head/dense/bias_1');
  });

  it('logits of another class count, another image size, several outputs, a stage without a batch dimension or larger than the image', async () => {
    expect(await loadError(variant(), {}, { numClasses: 3 })).toContain(
      'node "head/dense/BiasAdd" (/teacher/backbone/logits) gives [1, 10] for one image; expected [1, 3], the dataset\'s 3 classes',
    );
    expect(await loadError(variant(), {}, { inputShape: [32, 32, 3] })).toContain(
      'the graph\'s input "x" is [batch, 28, 28, 1]; expected [batch, 32, 32, 3] (NHWC, /teacher/backbone/layout',
    );
    expect(await loadError(variant(), { layout: 'NCHW' })).toContain('expected [batch, 1, 28, 28] (NCHW, /teacher/backbone/layout');
    const twoOutputs = variant((j) => {
      nodes(j).push({ name: 'probe', op: 'Relu', input: ['stage2/relu'], attr: { T: { type: 'DT_FLOAT' } } });
    });
    expect(await loadError(twoOutputs)).toContain(
      'the graph has 2 outputs ("Identity", "probe"); name the node whose output is the logits',
    );
    expect(await loadError(variant(), { stages: { stage1: 'head/dense/kernel' } })).toContain(
      'node "head/dense/kernel" (/teacher/backbone/stages/stage1) gives [8, 10] for one image; a stage feature has a batch dimension',
    );
    // An NCHW view of stage2 tapped from an NHWC graph fed 6×6 images: [1, 8, 2, 2] read as 8×2 positions of 2 channels.
    const perm = new Uint8Array(new Int32Array([0, 3, 1, 2]).buffer);
    const transposed = variant((j) => {
      const int32 = { type: 'DT_INT32' };
      node(j, 'x')['attr']['shape'] = { shape: { dim: [{ size: '-1' }, { size: '-1' }, { size: '-1' }, { size: '1' }] } };
      nodes(j).push(
        {
          name: 'nchw/perm',
          op: 'Const',
          attr: { value: { tensor: { dtype: 'DT_INT32', tensorShape: { dim: [{ size: '4' }] } } }, dtype: int32 },
        },
        { name: 'nchw', op: 'Transpose', input: ['stage2/relu', 'nchw/perm'], attr: { T: { type: 'DT_FLOAT' }, Tperm: int32 } },
      );
      manifest(j).weights.push({ name: 'nchw/perm', shape: [4], dtype: 'int32' });
    }, perm);
    expect(await loadError(transposed, { logits: 'head/dense/BiasAdd', stages: { stage1: 'nchw' } }, { inputShape: [6, 6, 1] })).toContain(
      'node "nchw" (/teacher/backbone/stages/stage1) gives [1, 8, 2, 2] for one 6×6 image, read as NHWC: a feature map of 8×2 positions, larger than the image; is /teacher/backbone/layout right?',
    );
    // The same graph, the same node as stage2 of a plain tap: accepted, so the check above is the spatial size's.
    const net = tfjsNetwork({ logits: 'head/dense/BiasAdd', stages: { stage1: 'stage2/relu' } }, { inputShape: [6, 6, 1] });
    await net.loadWeights(transposed, POINTER);
    expect(net.stages).toEqual([{ name: 'stage1', outputShape: [2, 2, 8] }]);
    net.dispose();
  });
});
