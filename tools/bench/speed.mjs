#!/usr/bin/env node
// node tools/bench/speed.mjs: runs src/speed.ts (what it does and its options are described there) through launch.mjs.
import { launch } from './launch.mjs';

await launch('speed');
