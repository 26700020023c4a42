#!/usr/bin/env node
// node tools/bench/cifar-batching.mjs: runs src/cifar-batching.ts (what it does and its options are described there) through launch.mjs.
import { launch } from './launch.mjs';

await launch('cifar-batching');
