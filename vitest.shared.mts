import { defineConfig, type UserConfig } from 'vitest/config';
import { defaultServerConditions } from 'vite';
import { basename } from 'node:path';

/**
 * The one vitest configuration every package uses (each package's vitest.config.mts calls this), so a change to how
 * kd tests run is made once.
 */
export function packageVitestConfig(packageDir: string): UserConfig {
  const name = basename(packageDir);
  return defineConfig({
    root: packageDir,
    cacheDir: `../../node_modules/.vite/packages/${name}`,
    // Resolve sibling @kd/* packages from source so tests need no prior build.
    ssr: { resolve: { conditions: ['@kd/source', ...defaultServerConditions] } },
    test: {
      name,
      watch: false,
      globals: true,
      environment: 'node',
      include: ['src/**/*.spec.ts', 'test/**/*.spec.ts'],
      // tsyringe needs the Reflect polyfill before any spec imports it (ESM hoisting runs imports first).
      setupFiles: ['reflect-metadata'],
      // TensorFlow.js specs train small networks on 2 cores.
      testTimeout: 120_000,
      hookTimeout: 120_000,
      reporters: ['default'],
      // Specs run in parallel processes (and nx runs two projects at once): one XNNPACK thread each avoids
      // oversubscribing the cores. @kd/backend-wasm's own specs start 1- and 2-thread backends explicitly.
      env: { KD_WASM_THREADS: process.env['KD_WASM_THREADS'] ?? '1' },
    },
  });
}
