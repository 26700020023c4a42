#!/usr/bin/env node
// node tools/bench/image-folder-decode.mjs: runs src/image-folder-decode.ts (what it does and its options are described there) through launch.mjs.
import { launch } from './launch.mjs';

await launch('image-folder-decode');
