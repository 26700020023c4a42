#!/usr/bin/env node
// node tools/bench/method-cost.mjs: runs src/method-cost.ts (what it does and its options are described there) through launch.mjs.
import { launch } from './launch.mjs';

await launch('method-cost');
