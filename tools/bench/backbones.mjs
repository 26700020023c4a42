#!/usr/bin/env node
// node tools/bench/backbones.mjs: runs src/backbones.ts (what it does and its options are described there) through launch.mjs.
import { launch } from './launch.mjs';

await launch('backbones');
