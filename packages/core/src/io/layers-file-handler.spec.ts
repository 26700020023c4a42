import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { fileLoadHandler, fileSaveHandler, loadLayersModelFromDir, registerFileRouter } from './layers-file-handler.js';

function tinyModel(): tfl.Sequential {
  const m = tfl.sequential();
  m.add(tfl.layers.dense({ inputShape: [4], units: 3, activation: 'relu' }));
  m.add(tfl.layers.dense({ units: 2 }));
  return m;
}

describe('file IOHandler for tfjs layers models', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  const x = () =>
    tf.tensor2d([
      [0.1, -0.2, 0.3, 0.4],
      [1, 2, -3, 0.5],
    ]);

  it('saves model.json + weights.bin in the standard layers format and loads identical predictions', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'kd-lfh-')), 'model');
    const model = tinyModel();
    const result = await model.save(fileSaveHandler(dir));
    expect(result.modelArtifactsInfo.weightDataBytes).toBe(4 * (4 * 3 + 3 + 3 * 2 + 2));
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect(json.modelTopology.class_name).toBe('Sequential');
    expect(json.weightsManifest).toHaveLength(1);
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    expect(json.weightsManifest[0].weights).toHaveLength(4);
    expect(readFileSync(join(dir, 'weights.bin')).byteLength).toBe(result.modelArtifactsInfo.weightDataBytes);

    const loaded = await tfl.loadLayersModel(fileLoadHandler(dir));
    const want = model.predict(x()) as tf.Tensor;
    const got = loaded.predict(x()) as tf.Tensor;
    expect(Array.from(await got.data())).toEqual(Array.from(await want.data()));
    const again = await loadLayersModelFromDir(dir);
    expect(Array.from(await (again.predict(x()) as tf.Tensor).data())).toEqual(Array.from(await want.data()));
    model.dispose();
    loaded.dispose();
    again.dispose();
  });

  it('routes file:// URLs after registerFileRouter() (idempotent)', async () => {
    registerFileRouter();
    registerFileRouter();
    const dir = join(mkdtempSync(join(tmpdir(), 'kd-lfh-')), 'routed');
    const url = pathToFileURL(dir).href;
    expect(tf.io.getSaveHandlers(url)).toHaveLength(1);
    expect(tf.io.getLoadHandlers(url)).toHaveLength(1);
    const model = tinyModel();
    await model.save(url);
    expect(existsSync(join(dir, 'model.json'))).toBe(true);
    const loaded = await tfl.loadLayersModel(url);
    const want = await (model.predict(x()) as tf.Tensor).data();
    const got = await (loaded.predict(x()) as tf.Tensor).data();
    expect(Array.from(got)).toEqual(Array.from(want));
    expect(tf.io.getSaveHandlers('indexeddb://m')).toHaveLength(0); // other schemes are left to their own routers
    model.dispose();
    loaded.dispose();
  });

  it('refuses a directory without model.json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kd-lfh-'));
    await expect(tfl.loadLayersModel(fileLoadHandler(dir))).rejects.toThrow('no model.json');
  });
});
