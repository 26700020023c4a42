import { join } from 'node:path';
import { expectManifestMatchesPackageJson, expectRegistersExplicitly, expectStrictSchemaWithDefaults } from '@kd/testing';
import { register, dmlPlugin } from './index.js';

describe('the dml plugin', () => {
  it('matches its package.json stub and registers by an explicit call', () => {
    expectManifestMatchesPackageJson(dmlPlugin, join(import.meta.dirname, '..'));
    expectRegistersExplicitly(dmlPlugin, register);
  });

  it('has a strict options schema in which every option has a description and a default', () => {
    expectStrictSchemaWithDefaults(dmlPlugin);
  });
});
