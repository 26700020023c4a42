import { join } from 'node:path';
import { expectManifestMatchesPackageJson, expectRegistersExplicitly, expectStrictSchemaWithDefaults } from '@kd/testing';
import { register, ieKdPlugin } from './index.js';

describe('the ie-kd plugin', () => {
  it('matches its package.json stub and registers by an explicit call', () => {
    expectManifestMatchesPackageJson(ieKdPlugin, join(import.meta.dirname, '..'));
    expectRegistersExplicitly(ieKdPlugin, register);
  });

  it('has a strict options schema in which every option has a description and a default', () => {
    expectStrictSchemaWithDefaults(ieKdPlugin);
  });
});
