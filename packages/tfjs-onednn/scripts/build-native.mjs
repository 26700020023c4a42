#!/usr/bin/env node
// Builds the oneDNN addon (native/*.cc → build/kd_onednn.node) with the system's C++ compiler, against
// Debian's libdnnl-dev (oneDNN 2.x) and the Node-API headers from the node-api-headers package: no node-gyp, no
// download. Run by `npm install` (postinstall) and `nx run tfjs-onednn:build-native`.
//
// Without a compiler or oneDNN it says what is missing and exits 0: the addon is optional and kd trains without it
// (on XNNPACK). `--require` makes a missing prerequisite an error (exit 1), for CI machines that must have it.
// The result is written to a temporary name and renamed, so a killed build never leaves a half-written addon.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const required = process.argv.includes('--require');
const say = (m) => process.stderr.write(`@kd/tfjs-onednn: ${m}\n`);
const skip = (why) => {
  say(`${why}; the oneDNN kernels are not built (kd trains on XNNPACK without them).`);
  process.exit(required ? 1 : 0);
};

if (process.env.KD_ONEDNN === '0') skip('KD_ONEDNN=0');
if (process.platform !== 'linux' || process.arch !== 'x64') skip(`${process.platform}-${process.arch} is not supported (linux-x64 only)`);
const cxx = process.env.CXX || 'g++';
if (spawnSync(cxx, ['--version']).status !== 0) skip(`no C++ compiler (${cxx}); install one (apt-get install g++)`);
const dnnlRoot = process.env.DNNL_ROOT || '/usr';
const dnnlHeader = join(dnnlRoot, 'include/oneapi/dnnl/dnnl.hpp');
if (!existsSync(dnnlHeader)) skip(`no oneDNN headers at ${dnnlHeader}; install them (apt-get install libdnnl-dev) or set DNNL_ROOT`);
let napiInclude;
try {
  napiInclude = join(dirname(createRequire(import.meta.url).resolve('node-api-headers/package.json')), 'include');
} catch {
  skip('the node-api-headers package is not installed');
}

const out = join(root, 'build', 'kd_onednn.node');
const tmp = `${out}.${process.pid}.tmp`;
mkdirSync(dirname(out), { recursive: true });
const args = [
  // -march=native: the addon is built on the machine that runs it (at install), so use all of its vector width.
  // -ffp-contract=off: no fused multiply-adds the source does not write, so the SGD update rounds each product and
  // sum as tfjs's op chain does (the same bits); the element-wise kernels are memory-bound either way.
  '-O3',
  '-march=native',
  '-ffp-contract=off',
  '-std=c++17',
  '-shared',
  '-fPIC',
  '-fopenmp',
  '-fvisibility=hidden',
  '-DNODE_GYP_MODULE_NAME=kd_onednn',
  '-DNAPI_VERSION=8',
  `-I${napiInclude}`,
  `-I${join(dnnlRoot, 'include')}`,
  ...readdirSync(join(root, 'native'))
    .filter((f) => f.endsWith('.cc'))
    .sort()
    .map((f) => join(root, 'native', f)),
  '-o',
  tmp,
  `-L${join(dnnlRoot, 'lib')}`,
  '-ldnnl',
];
const r = spawnSync(cxx, args, { stdio: 'inherit' });
if (r.status !== 0) {
  rmSync(tmp, { force: true });
  say(`${cxx} failed (exit ${r.status}): oneDNN must be 2.x (Debian bookworm's libdnnl-dev 2.6)`);
  process.exit(required ? 1 : 0);
}
renameSync(tmp, out);
say(`built ${out}`);
