import * as tf from '@tensorflow/tfjs-core';

/**
 * Replaces backend kernels and gradients and puts the replaced ones back: what `@kd/tfjs-kernels` and
 * `@kd/tfjs-onednn` both do. Each owner brands what it installs (so a second install is a no-op and a restore touches
 * only its own) and keeps what it replaced on `globalThis`, like tfjs's own registries, so two copies of a package
 * share it. A replaced kernel or gradient is unregistered first, so tfjs never warns about an override.
 */
export class KernelSwap {
  private readonly brand: symbol;
  private readonly replaced: Map<string, tf.KernelConfig | undefined>;
  private readonly replacedGradients: Map<string, tf.GradConfig | undefined>;

  /** `owner`: a package name; kernels installed under one owner are that owner's alone. */
  constructor(owner: string) {
    this.brand = Symbol.for(owner);
    const g = globalThis as unknown as Record<symbol, Map<string, tf.KernelConfig | undefined> | undefined>;
    this.replaced = g[Symbol.for(`${owner}/replaced-kernels`)] ??= new Map();
    const gg = globalThis as unknown as Record<symbol, Map<string, tf.GradConfig | undefined> | undefined>;
    this.replacedGradients = gg[Symbol.for(`${owner}/replaced-gradients`)] ??= new Map();
  }

  /** Whether `config` was installed by this owner. */
  owns(config: object | undefined): boolean {
    return config !== undefined && (config as Record<symbol, unknown>)[this.brand] === true;
  }

  /** Marks a config (a kernel or a gradient) as this owner's. */
  mark<T extends object>(config: T): T {
    Object.defineProperty(config, this.brand, { value: true });
    return config;
  }

  /**
   * Installs `create(previous)` for `kernelName` on `backendName` unless this owner's kernel is already there;
   * `previous` is the kernel it replaces (undefined: none), for kernels that delegate the cases they do not handle.
   */
  install(backendName: string, kernelName: string, create: (previous: tf.KernelConfig | undefined) => tf.KernelConfig): void {
    const current = tf.getKernel(kernelName, backendName) as tf.KernelConfig | undefined;
    if (this.owns(current)) return;
    this.replaced.set(`${backendName}/${kernelName}`, current);
    if (current !== undefined) tf.unregisterKernel(kernelName, backendName);
    tf.registerKernel(this.mark(create(current)));
  }

  /** Puts back the kernel `install` replaced; false when this owner's kernel was not installed there. */
  restore(backendName: string, kernelName: string): boolean {
    if (!this.owns(tf.getKernel(kernelName, backendName) as tf.KernelConfig | undefined)) return false;
    tf.unregisterKernel(kernelName, backendName);
    const key = `${backendName}/${kernelName}`;
    const original = this.replaced.get(key);
    this.replaced.delete(key);
    if (original !== undefined) {
      tf.registerKernel(original);
      // A backend initialised while ours was registered never ran the original's setup.
      const instance = tf.engine().registry[backendName];
      if (instance !== undefined && original.setupFunc !== undefined) original.setupFunc(instance);
    }
    return true;
  }

  /**
   * Installs `create(previous)` as the gradient of `kernelName` unless this owner's gradient is already there;
   * `previous` is the gradient it replaces (undefined: none). Gradients are global in tfjs, not per backend.
   */
  installGradient(kernelName: string, create: (previous: tf.GradConfig | undefined) => tf.GradConfig): void {
    const current = tf.getGradient(kernelName) as tf.GradConfig | undefined;
    if (this.owns(current)) return;
    this.replacedGradients.set(kernelName, current);
    if (current !== undefined) tf.unregisterGradient(kernelName);
    tf.registerGradient(this.mark(create(current)));
  }

  /** The gradient `installGradient` replaced for `kernelName` while this owner's is installed (undefined: none). */
  replacedGradient(kernelName: string): tf.GradConfig | undefined {
    return this.replacedGradients.get(kernelName);
  }

  /** Puts back the gradient `installGradient` replaced; false when this owner's gradient was not installed. */
  restoreGradient(kernelName: string): boolean {
    if (!this.owns(tf.getGradient(kernelName) as tf.GradConfig | undefined)) return false;
    tf.unregisterGradient(kernelName);
    const original = this.replacedGradients.get(kernelName);
    this.replacedGradients.delete(kernelName);
    if (original !== undefined) tf.registerGradient(original);
    return true;
  }
}
