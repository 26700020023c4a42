import { join } from 'node:path';
import {
  expectManifestMatchesPackageJson,
  expectNamedExportsOnly,
  expectRegistersExplicitly,
  expectStrictSchemaWithDefaults,
  strictAjv,
} from '@kd/testing';
import * as pkg from './index.js';
import { accuracyOptionsSchema, accuracyPlugin, register } from './index.js';

describe('accuracy plugin', () => {
  it('has named exports only and registers by an explicit call', () => {
    expectNamedExportsOnly(pkg);
    expectRegistersExplicitly(accuracyPlugin, register);
  });

  it('agrees with package.json', () => {
    expectManifestMatchesPackageJson(accuracyPlugin, join(import.meta.dirname, '..'));
  });

  it('compiles strictly, documents every option and applies the defaults', () => {
    expect(accuracyPlugin.manifest.optionsSchema).toBe(accuracyOptionsSchema);
    expect(expectStrictSchemaWithDefaults(accuracyPlugin)).toEqual({
      name: 'accuracy',
      topK: [1, 5],
      teacher: true,
      perClass: true,
      artefactFile: 'artifacts/accuracy.json',
    });
  });

  it.each([
    [{ name: 'accuracy', topK: [] }],
    [{ name: 'accuracy', perClass: 1 }],
    [{ name: 'accuracy', artefactFile: '../x.json' }],
    [{ name: 'accuracy', top: [1] }],
  ])('rejects %j', (config) => {
    expect(strictAjv().compile(accuracyOptionsSchema)(config)).toBe(false);
  });
});
