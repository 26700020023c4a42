/** The two CIFAR variants of the binary distribution (Krizhevsky 2009). */
export const CIFAR_VARIANTS = ['cifar10', 'cifar100'] as const;
export type CifarVariant = (typeof CIFAR_VARIANTS)[number];

export const CIFAR_SIDE = 32;
export const CIFAR_PIXELS = CIFAR_SIDE * CIFAR_SIDE * 3;

export interface CifarFormat {
  readonly variant: CifarVariant;
  /** Label bytes before the pixels of each record: CIFAR-10 one, CIFAR-100 coarse then fine. */
  readonly labelBytes: number;
  readonly recordBytes: number;
  readonly trainFiles: readonly string[];
  readonly testFiles: readonly string[];
  /** Class-name files: fine (or the only one), then coarse for CIFAR-100. */
  readonly namesFile: string;
  readonly coarseNamesFile?: string;
  readonly numClasses: number;
  readonly numCoarseClasses?: number;
  /** Folder the official archive extracts to. */
  readonly folder: string;
  readonly archive: string;
  readonly url: string;
  readonly md5: string;
}

export const CIFAR_FORMATS: Readonly<Record<CifarVariant, CifarFormat>> = {
  cifar10: {
    variant: 'cifar10',
    labelBytes: 1,
    recordBytes: 1 + CIFAR_PIXELS,
    trainFiles: ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'],
    testFiles: ['test_batch.bin'],
    namesFile: 'batches.meta.txt',
    numClasses: 10,
    folder: 'cifar-10-batches-bin',
    archive: 'cifar-10-binary.tar.gz',
    url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
    md5: 'c32a1d4ab5d03f1284b67883e8d87530',
  },
  cifar100: {
    variant: 'cifar100',
    labelBytes: 2,
    recordBytes: 2 + CIFAR_PIXELS,
    trainFiles: ['train.bin'],
    testFiles: ['test.bin'],
    namesFile: 'fine_label_names.txt',
    coarseNamesFile: 'coarse_label_names.txt',
    numClasses: 100,
    numCoarseClasses: 20,
    folder: 'cifar-100-binary',
    archive: 'cifar-100-binary.tar.gz',
    url: 'https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz',
    md5: '03b5dce01913d631647c71ecec9e9cb8',
  },
};

/** Every file name a variant may read. */
export function cifarFileNames(format: CifarFormat): string[] {
  return [...format.trainFiles, ...format.testFiles, format.namesFile, ...(format.coarseNamesFile ? [format.coarseNamesFile] : [])];
}
