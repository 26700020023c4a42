import { join } from 'node:path';
import {
  expectManifestMatchesPackageJson,
  expectNamedExportsOnly,
  expectRegistersExplicitly,
  expectStrictSchemaWithDefaults,
  strictAjv,
} from '@kd/testing';
import * as pkg from './index.js';
import { efficiencyOptionsSchema, efficiencyPlugin, register } from './index.js';

describe('efficiency plugin', () => {
  it('has named exports only and registers by an explicit call', () => {
    expectNamedExportsOnly(pkg);
    expectRegistersExplicitly(efficiencyPlugin, register);
  });

  it('agrees with package.json', () => {
    expectManifestMatchesPackageJson(efficiencyPlugin, join(import.meta.dirname, '..'));
  });

  it('compiles strictly, documents every option and applies the defaults', () => {
    expect(efficiencyPlugin.manifest.optionsSchema).toBe(efficiencyOptionsSchema);
    expect(expectStrictSchemaWithDefaults(efficiencyPlugin)).toEqual({
      name: 'efficiency',
      runs: 10,
      warmupRuns: 3,
      batchSize: 0,
      teacher: true,
      repeat: 'once',
      artefactFile: 'artifacts/efficiency.json',
    });
  });

  it.each([
    [{ name: 'efficiency', runs: 0 }],
    [{ name: 'efficiency', warmupRuns: -1 }],
    [{ name: 'efficiency', repeat: 'always' }],
    [{ name: 'efficiency', artefactFile: '../x.json' }],
    [{ name: 'efficiency', run: 3 }],
  ])('rejects %j', (config) => {
    expect(strictAjv().compile(efficiencyOptionsSchema)(config)).toBe(false);
  });
});
