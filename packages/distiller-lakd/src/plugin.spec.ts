import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { container } from 'tsyringe';
import { PluginRegistry, createKdContainer } from '@kd/core';
import { createPipelineValidator } from '@kd/core/host';
import * as pkg from './index.js';
import { lakdOptionsSchema, lakdPlugin, moduleStartEpochs, register, LakdDistiller, type LakdOptions } from './index.js';

const packageJson = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as {
  name: string;
  kd: { kind: string; name: string; apiVersion: number };
};

function withDefaults(options: Record<string, unknown>): LakdOptions {
  const validate = new Ajv2020({ strict: true, useDefaults: true }).compile(lakdOptionsSchema);
  const copy = structuredClone(options);
  expect(validate(copy), JSON.stringify(validate.errors)).toBe(true);
  return copy as unknown as LakdOptions;
}

describe('lakd plugin', () => {
  it('has named exports only and a manifest that matches its package.json stub', () => {
    expect(pkg).not.toHaveProperty('default');
    expect(packageJson.name).toBe('@kd/distiller-lakd');
    expect(packageJson.kd).toEqual({
      kind: lakdPlugin.manifest.kind,
      name: lakdPlugin.manifest.name,
      apiVersion: lakdPlugin.manifest.apiVersion,
    });
  });

  it('registers by an explicit call', () => {
    const c = createKdContainer(container);
    register(c);
    expect(PluginRegistry.fromContainer(c).find('distiller', 'lakd')).toBe(lakdPlugin);
  });

  it('fills every option from its strict schema', () => {
    expect(withDefaults({ name: 'lakd' })).toEqual({
      name: 'lakd',
      alpha: 0.5,
      attentionWeight: null,
      beta: 1,
      truncate: true,
      modules: null,
      teacherStages: null,
      feature: 'output',
      ndam: { mode: 'weight', avgWeight: 0.5, maxWeight: 0.5, kernel: 3, stride: 1, reduction: 'sum' },
      lastFeatureLoss: true,
      hardLoss: 'ce',
      kdWeight: 1,
      temperature: 4,
      connector: 'auto',
      progressive: 'off',
      maps: { every: 5, images: 8 },
    });
  });

  it('reports a wrong option with its JSON pointer through the composed pipeline schema', () => {
    const validator = createPipelineValidator([lakdPlugin.manifest]);
    expect(() => validator.validate({ distiller: { name: 'lakd', ndam: { mode: 'sideways' } } }, 'lakd.json')).toThrow(
      /\/distiller\/ndam\/mode/,
    );
  });

  it('refuses an even pooling window at stride 1, and a global map where L_att would be compared', () => {
    expect(() => new LakdDistiller(withDefaults({ name: 'lakd', ndam: { kernel: 4 } }))).toThrow(
      /\/distiller\/ndam\/kernel: got 4; expected an odd window/,
    );
    expect(() => new LakdDistiller(withDefaults({ name: 'lakd', ndam: { kernel: 4, stride: 2 } }))).not.toThrow();
    for (const mode of ['loss', 'both'])
      expect(() => new LakdDistiller(withDefaults({ name: 'lakd', ndam: { kernel: 'global', mode } }))).toThrow(
        new RegExp(`/distiller/ndam/kernel: "global" .* mode "${mode}"`),
      );
    expect(() => new LakdDistiller(withDefaults({ name: 'lakd', ndam: { kernel: 'global' } }))).not.toThrow();
    const validator = createPipelineValidator([lakdPlugin.manifest]);
    expect(() => validator.validate({ distiller: { name: 'lakd', ndam: { kernel: 'local' } } }, 'lakd.json')).toThrow(
      /\/distiller\/ndam\/kernel/,
    );
    expect(() => validator.validate({ distiller: { name: 'lakd', ndam: { stride: 0 } } }, 'lakd.json')).toThrow(
      /\/distiller\/ndam\/stride/,
    );
  });

  it('derives the progressive curriculum: e_l = ⌊l·E/(2L)⌋, or the listed epochs', () => {
    expect(moduleStartEpochs('off', 3, 240)).toEqual([0, 0, 0]);
    // 240 epochs, 3 modules: 0, 40, 80.
    expect(moduleStartEpochs('linear', 3, 240)).toEqual([0, 40, 80]);
    expect(moduleStartEpochs([0, 2], 2, 10)).toEqual([0, 2]);
    expect(() => moduleStartEpochs([0], 2, 10)).toThrow(/\/distiller\/progressive: got 1 start epochs; expected one per module \(2\)/);
  });
});
