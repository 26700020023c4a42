import { defineConfig } from 'vitest/config';
import { defaultServerConditions } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  cacheDir: '../../node_modules/.vite/packages/backbone-shufflenet',
  // Resolve sibling @kd/* packages from source so tests need no prior build.
  ssr: { resolve: { conditions: ['@kd/source', ...defaultServerConditions] } },
  test: {
    name: 'backbone-shufflenet',
    watch: false,
    globals: true,
    environment: 'node',
    include: ['src/**/*.spec.ts', 'test/**/*.spec.ts'],
    setupFiles: ['reflect-metadata'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
