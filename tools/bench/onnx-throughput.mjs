#!/usr/bin/env node
// node tools/bench/onnx-throughput.mjs: runs src/onnx-throughput.ts (what it does and its options are described there) through launch.mjs.
import { launch } from './launch.mjs';

await launch('onnx-throughput');
