#!/usr/bin/env node
// node tools/bench/benchmark-page.mjs: runs src/benchmark-page.ts (what it does and its options are described there) through launch.mjs.
import { launch } from './launch.mjs';

await launch('benchmark-page');
