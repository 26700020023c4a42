export { idxPlugin, register } from './plugin.js';
export {
  idxOptionsSchema,
  IDX_PRESETS,
  IDX_SOURCES,
  type IdxOptions,
  type IdxAugmentOptions,
  type IdxPreset,
  type IdxSource,
  type IdxFileOptions,
} from './schema.js';
export {
  IDX_IMAGES_MAGIC,
  IDX_LABELS_MAGIC,
  isGzip,
  gunzipIfNeeded,
  parseIdx,
  parseIdxImages,
  parseIdxLabels,
  readIdxImages,
  readIdxLabels,
  readIdxSplit,
  pairIdx,
  encodeIdx,
  type IdxArray,
  type IdxImages,
  type IdxLabels,
  type IdxSplitData,
} from './idx-reader.js';
export {
  IdxDataset,
  IdxSplit,
  loadIdxDataset,
  selectIdx,
  pixelStatistics,
  NUM_CLASSES,
  FASHION_MNIST_CLASS_NAMES,
  MNIST_CLASS_NAMES,
  PRESET_NORMALIZATION,
  type Normalization,
  type Augmentation,
  type LoadContext,
} from './dataset.js';
export { bundledFashionMnistDir, findIdxFiles, SYSTEM_FASHION_MNIST_DIR, IDX_FILE_NAMES, type IdxFiles } from './locate.js';
