import type * as tf from '@tensorflow/tfjs-core';
import { readModelJson, readShards, type ReadLimits } from './model-files.js';

/** A graph model's node as model.json lists it (GraphDef in protobuf JSON). */
export interface GraphNodeEntry {
  readonly name: string;
  readonly op: string;
  /** Input tensors, `node` or `node:k`; control dependencies (`^node`) are kept as written. */
  readonly inputs: readonly string[];
  /** Where the node is in model.json, for messages. */
  readonly where: string;
}

/** A TensorFlow.js graph model read from disk and checked: what the converter loads, and the graph for kd's checks. */
export interface GraphModelFiles {
  readonly file: string;
  /** Model artifacts for the converter's IO handler: the topology and the weights, all groups in manifest order. */
  readonly artifacts: tf.io.ModelArtifacts;
  readonly nodes: readonly GraphNodeEntry[];
  /** The weight shard files, inside the model's directory (for copying the model elsewhere). */
  readonly shardPaths: readonly string[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Ops the converter runs only with `executeAsync` or with state across calls: loops and conditionals (TF1 control flow
 * and the functional If/While), tensor arrays and lists, hash tables. kd runs a frozen teacher synchronously, once per
 * batch, and refuses them when the model is read rather than failing mid-run.
 */
const UNSUPPORTED_OPS = new Set([
  'Switch',
  'Merge',
  'Enter',
  'Exit',
  'NextIteration',
  'LoopCond',
  'If',
  'StatelessIf',
  'While',
  'StatelessWhile',
  'PartitionedCall',
  'StatefulPartitionedCall',
  'TensorArrayV3',
  'TensorListReserve',
  'TensorListFromTensor',
  'HashTable',
  'HashTableV2',
  'MutableHashTable',
  'MutableHashTableV2',
  'LookupTableFind',
  'LookupTableFindV2',
  'NonMaxSuppressionV3',
  'NonMaxSuppressionV4',
  'NonMaxSuppressionV5',
  'Where',
]);

/**
 * Reads a TensorFlow.js graph model (`location`: its model.json or the directory holding it) as untrusted input, with
 * the same limits and shard checks as a layers model, and checks its graph: a list of named nodes with string ops,
 * no op kd cannot run synchronously (control flow, tensor arrays, hash tables, dynamic shapes), no function library,
 * no initializer graph, and every Const node's value in the weights manifest (and every manifest weight a Const node).
 * The converter itself is not involved yet: whether it implements each op is checked once it has loaded the graph.
 */
export function readGraphModel(location: string, pointer: string, limits: ReadLimits): GraphModelFiles {
  const { file, root, fail } = readModelJson(location, pointer, limits);
  if (root['format'] !== 'graph-model') fail(`has format ${JSON.stringify(root['format'])}; expected "graph-model"`);
  const topology = root['modelTopology'];
  if (!isObject(topology) || !Array.isArray(topology['node']))
    fail('has no "modelTopology" with a "node" list; expected a TensorFlow.js graph model (a GraphDef)');
  const t = topology as Record<string, unknown>;
  const functions = isObject(t['library']) ? t['library']['function'] : undefined;
  if (Array.isArray(functions) && functions.length > 0)
    fail(
      `modelTopology/library holds ${functions.length} function(s) (${functions
        .slice(0, 3)
        .map((f) => JSON.stringify((f as { signature?: { name?: string } })?.signature?.name ?? '?'))
        .join(
          ', ',
        )}); kd runs graphs without functions (control flow or calls): convert the model with control flow v2 disabled or simplified`,
    );
  if (root['modelInitializer'] !== undefined)
    fail('has a "modelInitializer" graph (hash tables or other initialised resources); kd reads graph models without initializers');
  const names = new Set<string>();
  const nodes = (t['node'] as unknown[]).map((n, i): GraphNodeEntry => {
    const where = `modelTopology/node/${i}`;
    if (!isObject(n) || typeof n['name'] !== 'string' || n['name'] === '' || typeof n['op'] !== 'string')
      fail(`${where} is not a graph node ({"name", "op", "input", "attr"})`);
    const node = n as { name: string; op: string; input?: unknown };
    if (names.has(node.name)) fail(`${where}: node name "${node.name}" is used twice`);
    names.add(node.name);
    if (node.input !== undefined && (!Array.isArray(node.input) || node.input.some((x) => typeof x !== 'string')))
      fail(`${where} ("${node.name}"): "input" is not a list of node names`);
    if (UNSUPPORTED_OPS.has(node.op))
      fail(
        `${where}: node "${node.name}" has op "${node.op}" (control flow, tensor arrays, hash tables or dynamic shapes), which kd's frozen teacher cannot run: it executes the graph synchronously, once per batch`,
      );
    return { name: node.name, op: node.op, inputs: (node.input as string[] | undefined) ?? [], where };
  });
  for (const node of nodes)
    for (const input of node.inputs) {
      const source = input.replace(/^\^/, '').replace(/:\d+$/, '');
      if (!names.has(source)) fail(`${node.where} ("${node.name}") reads "${input}", which is no node of the graph`);
    }
  const shards = readShards(file, root['weightsManifest'], limits, fail);
  const weights = shards.groups.flatMap((g) => g.weights);
  const consts = new Set(nodes.filter((n) => n.op === 'Const').map((n) => n.name));
  const missing = [...consts].filter((n) => !weights.some((w) => w.name === n));
  const extra = weights.filter((w) => !consts.has(w.name)).map((w) => w.name);
  if (missing.length || extra.length)
    fail(
      [
        "the weights manifest does not match the graph's Const nodes",
        ...(missing.length ? [`Const nodes the manifest has no value for: ${missing.slice(0, 10).join(', ')}`] : []),
        ...(extra.length ? [`manifest weights no Const node is named after: ${extra.slice(0, 10).join(', ')}`] : []),
      ].join('; '),
    );
  const data = new Uint8Array(shards.groups.reduce((a, g) => a + g.data.byteLength, 0));
  let at = 0;
  for (const g of shards.groups) {
    data.set(new Uint8Array(g.data), at);
    at += g.data.byteLength;
  }
  const artifacts: tf.io.ModelArtifacts = {
    format: 'graph-model',
    modelTopology: topology as Record<string, unknown>,
    weightSpecs: weights as tf.io.WeightsManifestEntry[],
    weightData: data.buffer,
    ...(isObject(root['signature']) ? { signature: root['signature'] } : {}),
    ...(isObject(root['userDefinedMetadata']) ? { userDefinedMetadata: root['userDefinedMetadata'] as Record<string, object> } : {}),
  };
  return { file, artifacts, nodes, shardPaths: shards.paths };
}
