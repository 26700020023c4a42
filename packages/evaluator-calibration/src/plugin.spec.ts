import { join } from 'node:path';
import {
  expectManifestMatchesPackageJson,
  expectNamedExportsOnly,
  expectRegistersExplicitly,
  expectStrictSchemaWithDefaults,
  strictAjv,
} from '@kd/testing';
import * as pkg from './index.js';
import { calibrationOptionsSchema, calibrationPlugin, register } from './index.js';

describe('calibration plugin', () => {
  it('has named exports only and registers by an explicit call', () => {
    expectNamedExportsOnly(pkg);
    expectRegistersExplicitly(calibrationPlugin, register);
  });

  it('agrees with package.json', () => {
    expectManifestMatchesPackageJson(calibrationPlugin, join(import.meta.dirname, '..'));
  });

  it('compiles strictly, documents every option and applies the defaults', () => {
    expect(calibrationPlugin.manifest.optionsSchema).toBe(calibrationOptionsSchema);
    expect(expectStrictSchemaWithDefaults(calibrationPlugin)).toEqual({
      name: 'calibration',
      bins: 15,
      teacher: true,
      artefactFile: 'artifacts/calibration.json',
    });
  });

  it.each([
    [{ name: 'calibration', bins: 0 }],
    [{ name: 'calibration', bins: 2.5 }],
    [{ name: 'calibration', artefactFile: '../x.json' }],
    [{ name: 'calibration', bin: 10 }],
  ])('rejects %j', (config) => {
    expect(strictAjv().compile(calibrationOptionsSchema)(config)).toBe(false);
  });
});
