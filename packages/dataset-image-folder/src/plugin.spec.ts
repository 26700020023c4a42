import { API_VERSION, createKdContainer, PluginRegistry } from '@kd/core';
import { compileStrictSchema, expectDescribedWithDefaults } from '@kd/testing';
import { splitOptionsProperties } from '@kd/transforms';
import * as api from './index.js';
import { imageFolderOptionsSchema, imageFolderPlugin, register } from './index.js';

describe('image-folder plugin', () => {
  it('manifest, and registration by an explicit call', () => {
    const m = imageFolderPlugin.manifest;
    expect([m.kind, m.name, m.version, m.apiVersion]).toEqual(['dataset', 'image-folder', '0.1.0', API_VERSION]);
    expect(m.optionsSchema).toBe(imageFolderOptionsSchema);
    const container = createKdContainer();
    expect(PluginRegistry.fromContainer(container).find('dataset', 'image-folder')).toBeUndefined();
    register(container);
    expect(PluginRegistry.fromContainer(container).find('dataset', 'image-folder')).toBe(imageFolderPlugin);
  });

  it('the index has named exports only, one plugin object', () => {
    expect('default' in api).toBe(false);
    expect(Object.values(api).filter((v) => typeof v === 'object' && v !== null && 'manifest' in v)).toEqual([imageFolderPlugin]);
  });

  it('schema compiles under strict ajv, applies defaults and rejects bad options', () => {
    const validate = compileStrictSchema(imageFolderOptionsSchema);
    const config: Record<string, unknown> = { name: 'image-folder', root: 'imagenet' };
    expect(validate(config), JSON.stringify(validate.errors)).toBe(true);
    expect(config).toEqual({
      name: 'image-folder',
      root: 'imagenet',
      trainFolder: 'train',
      testFolder: 'val',
      extensions: ['.jpg', '.jpeg', '.png'],
      imageSize: 224,
      prefetch: 2,
      workers: 0,
      maxMegapixels: 100,
    });
    expect(validate({ name: 'image-folder', root: 'x', testFolder: null })).toBe(true);
    expect(
      validate({ name: 'image-folder', root: 'x', trainTransforms: [{ type: 'randomResizedCrop', size: 32 }, { type: 'normalize' }] }),
    ).toBe(true);
    expect(validate({ name: 'image-folder' })).toBe(false);
    expect(validate({ name: 'image-folder', root: 'x', extensions: ['.gif'] })).toBe(false);
    expect(validate({ name: 'image-folder', root: 'x', valCount: 5, valFraction: 0.1 })).toBe(false);
    expect(validate({ name: 'image-folder', root: 'x', trainSubset: { count: 5, perClass: 1 } })).toBe(false);
    expect(validate({ name: 'image-folder', root: 'x', prefetch: -1 })).toBe(false);
    expect(validate({ name: 'image-folder', root: 'x', trainTransforms: [{ type: 'rotate' }] })).toBe(false);
    expect(validate({ name: 'image-folder', root: 'x', shuffle: true })).toBe(false);
  });

  it('every option is described; every option without a natural "unset" has a default', () => {
    // The split options come from @kd/transforms; left out, there is no val split and no subset.
    const split = Object.keys(splitOptionsProperties);
    const unset = ['root', 'classes', 'resizeSize', 'trainTransforms', 'testTransforms', ...split];
    expectDescribedWithDefaults(imageFolderOptionsSchema.properties, unset);
  });
});
