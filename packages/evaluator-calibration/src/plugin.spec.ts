import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { container } from 'tsyringe';
import { API_VERSION, PluginRegistry, createKdContainer } from '@kd/core';
import * as pkg from './index.js';
import { calibrationOptionsSchema, calibrationPlugin, register } from './index.js';

const packageJson = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  kd: Record<string, unknown>;
};
const strictAjv = () => new Ajv2020({ strict: true, useDefaults: true });

describe('calibration plugin', () => {
  it('has named exports only and registers by an explicit call', () => {
    expect(pkg).not.toHaveProperty('default');
    const c = createKdContainer(container);
    register(c);
    expect(PluginRegistry.fromContainer(c).find('evaluator', 'calibration')).toBe(calibrationPlugin);
  });

  it('agrees with package.json', () => {
    const m = calibrationPlugin.manifest;
    expect(m.apiVersion).toBe(API_VERSION);
    expect(packageJson.name).toBe(`@kd/evaluator-${m.name}`);
    expect(packageJson.kd).toEqual({ kind: 'evaluator', name: m.name, apiVersion: m.apiVersion });
    expect(packageJson.version).toBe(m.version);
  });

  it('compiles strictly, documents every option and applies the defaults', () => {
    for (const [key, prop] of Object.entries(calibrationOptionsSchema.properties)) {
      expect(typeof (prop as { description?: unknown }).description, key).toBe('string');
      if (key !== 'name') expect(prop, key).toHaveProperty('default');
    }
    const config: Record<string, unknown> = { name: 'calibration' };
    expect(strictAjv().compile(calibrationOptionsSchema)(config)).toBe(true);
    expect(config).toEqual({ name: 'calibration', bins: 15, teacher: true, artefactFile: 'artifacts/calibration.json' });
  });

  it.each([[{ name: 'calibration', bins: 0 }], [{ name: 'calibration', bins: 2.5 }], [{ name: 'calibration', artefactFile: '../x.json' }], [{ name: 'calibration', bin: 10 }]])(
    'rejects %j',
    (config) => {
      expect(strictAjv().compile(calibrationOptionsSchema)(config)).toBe(false);
    },
  );
});
