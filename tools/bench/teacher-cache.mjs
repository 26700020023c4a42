#!/usr/bin/env node
// node tools/bench/teacher-cache.mjs: runs src/teacher-cache.ts (what it does and its options are described there) through launch.mjs.
import { launch } from './launch.mjs';

await launch('teacher-cache');
