import { join } from 'node:path';
import { expectManifestMatchesPackageJson, expectRegistersExplicitly, expectStrictSchemaWithDefaults } from '@kd/testing';
import { register, ftPlugin } from './index.js';

describe('the ft plugin', () => {
  it('matches its package.json stub and registers by an explicit call', () => {
    expectManifestMatchesPackageJson(ftPlugin, join(import.meta.dirname, '..'));
    expectRegistersExplicitly(ftPlugin, register);
  });

  it('has a strict options schema in which every option has a description and a default', () => {
    expectStrictSchemaWithDefaults(ftPlugin);
  });
});
