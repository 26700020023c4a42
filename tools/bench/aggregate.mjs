#!/usr/bin/env node
// node tools/bench/aggregate.mjs: runs src/aggregate.ts (what it does and its options are described there) through launch.mjs.
import { launch } from './launch.mjs';

await launch('aggregate');
