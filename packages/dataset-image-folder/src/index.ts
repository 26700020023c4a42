export { imageFolderPlugin, register } from './plugin.js';
export {
  imageFolderOptionsSchema,
  DEFAULT_MAX_MEGAPIXELS,
  IMAGENET_NORMALIZATION,
  SUPPORTED_EXTENSIONS,
  type ImageFolderOptions,
  type ImageFolderConfig,
} from './image-folder.options.js';
export { ImageFolderDataset, loadImageFolderDataset, createImageFolderDataset, type LoadContext } from './image-folder.dataset.js';
export { ImageFolderSplit, type ImageFolderSplitInit, type ReaderStats } from './image-folder.split.js';
export { scanClassFolder, listClassNames, compareCodePoints, type ClassFolder, type ScanOptions } from './class-folder.js';
export { decodeImage, sniffFormat, rgbaToRgb, type RgbImage, type ImageFormat, type DecodeLimits } from './decode-image.js';
export { MainThreadReader, type ImageReader } from './image-reader.js';
export { WorkerPoolReader, DECODE_WORKER_URL } from './worker-pool-reader.js';
export { prefetch, prefetchStats, type PrefetchStats } from './prefetch.js';
export { defaultTrainTransforms, defaultTestTransforms, defaultResizeSize } from './default-transforms.js';
export { inspectImage, inspectImageBytes, describeStart, type ImageHeader, type ByteRange, type Inspection } from './image-header.js';
export { scanImageHeaders, checkImageHeader } from './header-scan.js';
