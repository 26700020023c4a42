/**
 * Writes test/fixtures/augment-batches.json: hashes and a few pixels of `augment`ed training batches. Run from the
 * repository root, once, with the implementation the fixture is meant to pin:
 *
 *   node --conditions=@kd/source --import @swc-node/register/esm-register packages/dataset-idx/test/make-augment-fixture.ts
 *
 * The committed file was made from the hand-written augmentation loop dataset-idx had before `augment` was rebuilt on
 * @kd/transforms, so the spec reading it proves the rebuild draws and produces the same bytes.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadIdxDataset } from '../src/dataset.js';
import { DEFAULT_MAX_INFLATED_BYTES } from '../src/schema.js';
import { AUGMENT_CASES, AUGMENT_SEEDS, AUGMENT_TRAIN_LIMIT, augmentedBatches } from './augment-cases.js';

await tf.setBackend('cpu');
const cases = [];
for (const c of AUGMENT_CASES) {
  const dataset = await loadIdxDataset(
    { name: 'idx', source: 'bundled', trainLimit: AUGMENT_TRAIN_LIMIT, maxInflatedBytes: DEFAULT_MAX_INFLATED_BYTES, ...c },
    { baseDir: '.' },
  );
  const seeds: Record<string, unknown> = {};
  for (const seed of AUGMENT_SEEDS) seeds[seed] = await augmentedBatches(dataset.split('train')!, seed, 28, 28);
  cases.push({ ...c, seeds });
}
const file = fileURLToPath(new URL('fixtures/augment-batches.json', import.meta.url));
writeFileSync(file, `${JSON.stringify({ trainLimit: AUGMENT_TRAIN_LIMIT, cases }, null, 1)}\n`);
console.log(`wrote ${file}`);
