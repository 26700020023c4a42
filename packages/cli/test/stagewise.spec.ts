import * as tf from '@tensorflow/tfjs-core';
import { Rng, compilePluginSchema, type BackbonePlugin, type Network } from '@kd/core';
import { selectBackend } from '@kd/core/host';
import { cnnPlugin } from '@kd/backbone-cnn';
import { resnetPlugin } from '@kd/backbone-resnet';
import { wrnPlugin } from '@kd/backbone-wrn';
import { vggPlugin } from '@kd/backbone-vgg';
import { mobilenetPlugin } from '@kd/backbone-mobilenet';
import { shufflenetPlugin, registerChannelSlice } from '@kd/backbone-shufflenet';
import { container } from 'tsyringe';

/** One model per family and layout: the stage splits LAKD runs on must hold for the whole zoo. */
const CASES: [BackbonePlugin, Record<string, unknown>][] = [
  [cnnPlugin, { channels: [4, 8], hidden: 16, head: 'flatten' }],
  [resnetPlugin, { variant: 'resnet8' }],
  [resnetPlugin, { variant: 'resnet8x4' }],
  [resnetPlugin, { variant: 'cifar_resnet18' }],
  [resnetPlugin, { variant: 'resnet18' }],
  [wrnPlugin, { depth: 16, widen: 1 }],
  [vggPlugin, { variant: 'vgg8' }],
  [mobilenetPlugin, { variant: 'mobilenetv2_half' }],
  [mobilenetPlugin, { variant: 'mobilenetv1' }],
  [shufflenetPlugin, { variant: 'shufflenetv1' }],
  [shufflenetPlugin, { variant: 'shufflenetv2' }],
];

async function build(plugin: BackbonePlugin, options: Record<string, unknown>): Promise<Network> {
  const withDefaults = { name: plugin.manifest.name, ...options };
  const validate = compilePluginSchema(plugin.manifest);
  expect(validate(withDefaults), JSON.stringify(validate.errors)).toBe(true);
  return plugin.create(withDefaults, {
    container,
    baseDir: '.',
    numClasses: 10,
    inputShape: [32, 32, 3],
    rng: new Rng(3),
    scope: 'student',
  });
}

describe('stage-by-stage execution across the backbone zoo', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
    registerChannelSlice();
  });

  it.each(CASES.map(([p, o]) => [`${p.manifest.name} ${JSON.stringify(o)}`, p, o] as const))(
    '%s: stages compose to the whole forward pass and own every variable once',
    async (_label, plugin, options) => {
      const net = await build(plugin, options);
      const x = tf.tidy(() => tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 9)) as tf.Tensor4D;
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        const whole = net.apply(x, { training: false });
        let h: tf.Tensor = x;
        const features: Record<string, tf.Tensor> = {};
        net.stages.forEach((stage, i) => {
          const out = net.applyStage!(i, h, { training: false });
          Object.assign(features, out);
          h = out[stage.name]!;
          expect(h.shape.slice(1)).toEqual([...stage.outputShape]);
        });
        const head = net.applyHead!(h, { training: false });
        Object.assign(features, head.features);
        expect(Object.keys(features).sort()).toEqual(Object.keys(whole.features).sort());
        const scale = tf.max(tf.abs(whole.logits)).dataSync()[0]!;
        expect(tf.max(tf.abs(tf.sub(head.logits, whole.logits))).dataSync()[0]!).toBeLessThanOrEqual(1e-5 * Math.max(1, scale));
      });
      expect(tf.memory().numTensors).toBe(before);
      const parts = Array.from({ length: net.stages.length + 1 }, (_, i) => net.stageVariables!(i).map((v) => v.name));
      expect(parts.every((p) => p.length > 0)).toBe(true);
      expect(parts.flat().sort()).toEqual(
        net
          .trainableVariables()
          .map((v) => v.name)
          .sort(),
      );
      x.dispose();
      net.dispose();
    },
    60_000,
  );
});
