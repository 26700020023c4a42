#!/usr/bin/env node
// The README's demo: train a teacher, distil a student with KD, train the same student from scratch with the
// same budget, and print the three accuracies. Runs the real `kd` CLI on the configs in configs/demo/.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const kd = join(root, 'packages/cli/dist/bin.js');
const steps = [
  ['teacher', 'configs/demo/teacher.json', 'runs/demo/teacher'],
  ['KD student', 'configs/demo/kd.json', 'runs/demo/kd-student'],
  ['scratch student', 'configs/demo/scratch.json', 'runs/demo/scratch-student'],
];

const t0 = Date.now();
const results = [];
for (const [label, config, runDir] of steps) {
  process.stderr.write(`\n== ${label}: kd run ${config}\n`);
  const r = spawnSync(process.execPath, [kd, 'run', config], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    process.stderr.write(`demo: "${label}" failed with exit code ${r.status}\n`);
    process.exit(r.status ?? 1);
  }
  const summary = JSON.parse(readFileSync(join(root, runDir, 'summary.json'), 'utf8'));
  results.push({ label, runDir, summary });
}

const pct = (v) => (v === undefined ? '   -  ' : `${(100 * v).toFixed(2)}%`);
const [teacher, kdStudent, scratch] = results;
const row = (label, s, top1Key) =>
  `${label.padEnd(16)} ${String(s.studentParams.toLocaleString('en-US')).padStart(9)}   ${pct(s.final[top1Key])}   ${pct(s.best?.value)}   ${s.seconds.toFixed(0).padStart(5)} s`;
console.log('\nkd demo — Fashion-MNIST subset shipped in the repo (10,000 train / 2,000 test images)');
console.log(`${'model'.padEnd(16)} ${'params'.padStart(9)}   top-1    best     time`);
console.log(row('teacher', teacher.summary, 'student.top1'));
console.log(row('KD student', kdStudent.summary, 'student.top1'));
console.log(row('scratch student', scratch.summary, 'student.top1'));
const gain = 100 * (kdStudent.summary.final['student.top1'] - scratch.summary.final['student.top1']);
console.log(`\nKD − scratch (final top-1, same student, epochs and optimiser): ${gain >= 0 ? '+' : ''}${gain.toFixed(2)} points`);
console.log(`backend: ${kdStudent.summary.backend}; total ${((Date.now() - t0) / 1000).toFixed(0)} s; run directories under runs/demo/`);
