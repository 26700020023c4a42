#!/usr/bin/env node
// node tools/bench/onnx-speed.mjs: runs src/onnx-speed.ts (what it does and its options are described there) through launch.mjs.
import { launch } from './launch.mjs';

await launch('onnx-speed');
