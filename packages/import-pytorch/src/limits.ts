/** Bounds a checkpoint must stay within, so that a crafted file cannot exhaust memory. */
export interface ImportLimits {
  /** Size of the checkpoint file. */
  readonly maxFileBytes: number;
  /** Size of the pickle that describes the objects (a state dict's is a few hundred kilobytes). */
  readonly maxPickleBytes: number;
  /** Tensors the pickle may build. */
  readonly maxTensors: number;
  /** Bytes of tensor data read (all storages the imported state dict uses together). */
  readonly maxTensorBytes: number;
}

/** Large enough for torchvision's resnet50 and every CIFAR zoo model with room to spare (resnet32x4: 30 MB). */
export const DEFAULT_LIMITS: ImportLimits = {
  maxFileBytes: 1024 * 1024 * 1024,
  maxPickleBytes: 64 * 1024 * 1024,
  maxTensors: 100_000,
  maxTensorBytes: 1024 * 1024 * 1024,
};
