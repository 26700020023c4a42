#!/usr/bin/env node
// node tools/bench/ablation.mjs: runs src/ablation.ts (what it does and its options are described there) through launch.mjs.
import { launch } from './launch.mjs';

await launch('ablation');
