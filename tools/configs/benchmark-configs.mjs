#!/usr/bin/env node
// Writes configs/benchmark/ (or with --check lists its stale files and exits 1): src/benchmark-configs.ts, run from its
// TypeScript source through @swc-node's loader, so no build step stands between editing the tables and the files.
import { register } from 'node:module';
import { fileURLToPath } from 'node:url';

// @swc-node reads its compiler options from the working directory's tsconfig.json unless told otherwise.
process.env.SWC_NODE_PROJECT ??= fileURLToPath(new URL('tsconfig.lib.json', import.meta.url));
register('@swc-node/register/esm', import.meta.url);
const { main } = await import('./src/benchmark-configs.ts');
process.exitCode = main(process.argv.slice(2));
