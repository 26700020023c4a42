#!/usr/bin/env node
// node tools/bench/profile-step.mjs: runs src/profile-step.ts (what it does and its options are described there) through launch.mjs.
import { launch } from './launch.mjs';

await launch('profile-step');
