#!/usr/bin/env node
// The README's demo: train a teacher, then distil a student with KD and train the same student from scratch with
// the same budget (both at once: the wasm backend uses one core per process), and print the three accuracies.
// It runs the real `kd` CLI on the configs in configs/demo/.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const kd = join(root, 'packages/cli/dist/bin.js');

// Fixed thread counts, so the table is the same on any number of cores: with the oneDNN addon the filter gradient's
// sums are split by thread. The teacher trains alone on 2 threads, the two students at once on 1 each.
function kdRun(label, config, threads) {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [kd, 'run', config], {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, KD_PROGRESS_LABEL: label, KD_WASM_THREADS: process.env.KD_WASM_THREADS || String(threads) },
    });
    child.on('error', fail);
    child.on('exit', (code) => (code === 0 ? done() : fail(new Error(`"${label}" (kd run ${config}) exited with code ${code}`))));
  });
}

const summary = (runDir) => JSON.parse(readFileSync(join(root, runDir, 'summary.json'), 'utf8'));

const t0 = Date.now();
try {
  // The configs' "$schema" points here: editors complete and check them against the installed plugins.
  await new Promise((done, fail) =>
    spawn(process.execPath, [kd, 'schema', '--out', 'kd.schema.json'], { cwd: root, stdio: 'inherit' }).on('exit', (c) =>
      c === 0 ? done() : fail(new Error(`kd schema exited with code ${c}`)),
    ),
  );
  process.stderr.write('== 1/2 teacher: kd run configs/demo/teacher.json\n');
  await kdRun('teacher', 'configs/demo/teacher.json', 2);
  process.stderr.write('== 2/2 KD student and scratch student, side by side: configs/demo/kd.json, configs/demo/scratch.json\n');
  await Promise.all([kdRun('kd', 'configs/demo/kd.json', 1), kdRun('scratch', 'configs/demo/scratch.json', 1)]);
} catch (e) {
  process.stderr.write(`demo: ${e.message}\n`);
  process.exit(1);
}

const teacher = summary('runs/demo/teacher');
const kdStudent = summary('runs/demo/kd-student');
const scratch = summary('runs/demo/scratch-student');
const pct = (v) => (v === undefined || v === null ? '    -  ' : `${(100 * v).toFixed(2)}%`);
const row = (label, s) =>
  `${label.padEnd(16)} ${s.studentParams.toLocaleString('en-US').padStart(8)}  ${(s.studentFlops / 1e6).toFixed(2).padStart(6)}  ${String(s.epochs).padStart(6)}   ${pct(s.final['student.top1'])}   ${pct(s.best?.value)}  ${s.seconds.toFixed(0).padStart(5)} s`;
console.log(
  '\nkd demo — Fashion-MNIST subset shipped in the repo: the teacher trains on 10,000 images, both students on the first 2,000; all are tested on 2,000',
);
console.log(`${'model'.padEnd(16)} ${'params'.padStart(8)}  ${'MFLOP'.padStart(6)}  ${'epochs'.padStart(6)}   top-1    best top-1  train`);
console.log(row('teacher', teacher));
console.log(row('KD student', kdStudent));
console.log(row('scratch student', scratch));
console.log(`\nteacher accuracy as seen by the KD run: ${pct(kdStudent.final['teacher.top1'])}`);
const gain = 100 * (kdStudent.final['student.top1'] - scratch.final['student.top1']);
console.log(`KD − scratch (final top-1; same student, data, epochs, optimiser and seed): ${gain >= 0 ? '+' : ''}${gain.toFixed(2)} points`);
console.log(`backend: ${kdStudent.backend}; wall time ${((Date.now() - t0) / 1000).toFixed(0)} s; run directories in runs/demo/`);
