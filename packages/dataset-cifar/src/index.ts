export { cifarPlugin, register } from './plugin.js';
export {
  cifarOptionsSchema,
  DEFAULT_MAX_INFLATED_BYTES,
  DEFAULT_TRAIN_TRANSFORMS,
  DEFAULT_TEST_TRANSFORMS,
  type CifarOptions,
  type CifarConfig,
} from './schema.js';
export {
  CIFAR_FORMATS,
  CIFAR_VARIANTS,
  CIFAR_PIXELS,
  CIFAR_SIDE,
  cifarFileNames,
  type CifarFormat,
  type CifarVariant,
} from './cifar.format.js';
export { parseCifarBatch, concatCifar, parseLabelNames, encodeCifarBatch, type CifarImages, type CifarLabelKind } from './cifar-reader.js';
export { locateCifar, defaultCacheDir, type CifarFiles, type SourceOptions } from './cifar-source.js';
export { readTarGzEntries } from './tar-gz.js';
export { downloadVerified, md5OfFile, type DownloadOptions } from './download.js';
export { CifarDataset, loadCifarDataset, createCifarDataset, type LoadContext } from './cifar.dataset.js';
