#!/usr/bin/env node
// node tools/bench/same-bits.mjs --against <checkout>: runs src/same-bits.ts (what it does and its options are described there) through launch.mjs.
import { launch } from './launch.mjs';

await launch('same-bits');
