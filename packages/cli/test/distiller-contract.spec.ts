import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import {
  crossEntropy,
  definePlugin,
  registerPlugin,
  RunEvents,
  type Distiller,
  type DistillerPlugin,
  type Network,
  type TrainableModule,
} from '@kd/core';
import { KdRuntime } from '@kd/core/host';
import { repoRoot, sourceImporter, tempDir, tinyConfig, writeConfig } from '@kd/testing';

/**
 * A probe distiller that uses every part of the contract the seed methods need: two stages with their own
 * epochs and trained modules (IE-KD), an extra trainable module that is never exported (connectors, encoders),
 * a second network built through `createNetwork` (mutual learning), and an update it owns (LAKD).
 */
function probePlugin(record: { peer?: Network; connector?: tf.Variable }): DistillerPlugin {
  return definePlugin<DistillerPlugin>({
    manifest: {
      kind: 'distiller',
      name: 'probe',
      version: '0.0.0',
      apiVersion: 1,
      title: 'Contract probe',
      optionsSchema: { type: 'object', additionalProperties: false, required: ['name'], properties: { name: { const: 'probe' } } },
    },
    create: () => {
      let student: Network;
      let peer: Network;
      let connector: tf.Variable;
      const connectorModule: TrainableModule = {
        name: 'connector',
        trainableVariables: () => [connector],
        stateVariables: () => [{ name: 'w', variable: connector }],
        dispose: () => connector.dispose(),
      };
      const distiller: Distiller = {
        usesTeacher: false,
        async setup(s) {
          student = s.student;
          peer = await s.createNetwork({ name: 'cnn', channels: [4] }, 'peer');
          const dim = student.stages[student.stages.length - 1]!.outputShape.at(-1)!;
          connector = tf.tidy(() => tf.variable(tf.randomNormal([dim, s.numClasses], 0, 0.1, 'float32', 1), true, 'probe_connector'));
          record.peer = peer;
          record.connector = connector;
        },
        extraModules: () => [connectorModule, peer],
        stages: () => [
          { name: 'warm', epochs: 1, trains: ['connector'] },
          { name: 'main', epochs: 2 },
        ],
        trainStep(c) {
          const vars = c.optimizer.params.map((p) => p.variable);
          const { value, grads } = tf.variableGrads(() => {
            const s = student.apply(c.x, { training: c.stage === 'main' });
            const viaConnector = crossEntropy(tf.matMul(s.embedding, connector) as tf.Tensor2D, c.labels);
            if (c.stage === 'warm') return viaConnector;
            const p = peer.apply(c.x, { training: true });
            return tf.addN([crossEntropy(s.logits, c.labels), crossEntropy(p.logits, c.labels), viaConnector]) as tf.Scalar;
          }, vars);
          c.optimizer.applyGradients(new Map(vars.filter((v) => grads[v.name]).map((v) => [v, grads[v.name]!])));
          return { total: value, terms: {} };
        },
      };
      return distiller;
    },
  });
}

describe('the Distiller contract carries multi-stage, extra modules, extra networks and owned updates', () => {
  it('trains each stage’s modules only, checkpoints the extra ones, and exports the student alone', async () => {
    const work = tempDir();
    const file = writeConfig(work, 'probe.json', tinyConfig('probe', { distiller: { name: 'probe' } }));
    const runtime = new KdRuntime({ root: repoRoot, importer: sourceImporter });
    const record: { peer?: Network; connector?: tf.Variable } = {};
    registerPlugin(runtime.container, probePlugin(record));
    const events = new RunEvents();
    const snap = (vs: readonly tf.Variable[]) => vs.map((v) => Array.from(v.dataSync()));
    let student0: number[][] = [];
    let connector0: number[] = [];
    let peer0: number[][] = [];
    const afterWarm: { student?: number[][]; connector?: number[]; peer?: number[][] } = {};
    let studentNet: Network | undefined;
    events.on('runStart', () => {
      connector0 = Array.from(record.connector!.dataSync());
      peer0 = snap(record.peer!.trainableVariables());
    });
    events.on('stageStart', (e) => {
      if (e.stage === 'warm') student0 = snap(studentNet!.trainableVariables());
    });
    events.on('stageEnd', (e) => {
      if (e.stage !== 'warm') return;
      afterWarm.student = snap(studentNet!.trainableVariables());
      afterWarm.connector = Array.from(record.connector!.dataSync());
      afterWarm.peer = snap(record.peer!.trainableVariables());
    });
    const original = runtime.assemble.bind(runtime);
    runtime.assemble = async (...args) => {
      const parts = await original(...args);
      studentNet = parts.student;
      return parts;
    };
    const result = await runtime.run(file, { events });

    expect(afterWarm.student).toEqual(student0); // the warm stage trains the connector only
    expect(afterWarm.peer).toEqual(peer0);
    expect(afterWarm.connector).not.toEqual(connector0);
    const lines = readFileSync(join(result.runDir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => `${l.stage}:${l.epoch}/${l.epochs}`)).toEqual(['warm:1/1', 'main:1/2', 'main:2/2']);
    const ckpt = JSON.parse(readFileSync(join(result.runDir, 'checkpoints', 's1-main-e0002', 'state.json'), 'utf8'));
    const names = ckpt.tensors.map((t: { name: string }) => t.name);
    expect(names).toContain('connector::w');
    expect(names.some((n: string) => n.startsWith('peer::'))).toBe(true);
    expect(names.some((n: string) => n.startsWith('optimizer::connector/w::'))).toBe(true);
    const exported = JSON.parse(readFileSync(join(result.runDir, 'final', 'network.json'), 'utf8'));
    expect(exported.tensors.every((t: { name: string }) => !t.name.includes('connector') && !t.name.startsWith('peer'))).toBe(true);
    expect(exported.backbone.name).toBe('cnn');
  });
});
