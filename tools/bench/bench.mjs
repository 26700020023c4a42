#!/usr/bin/env node
// node tools/bench/bench.mjs: runs src/bench.ts (what it does and its options are described there) through launch.mjs.
import { launch } from './launch.mjs';

await launch('bench');
