#!/usr/bin/env node
import 'reflect-metadata';
import { describeError, main } from './main.js';

// `kd schema | head` closes the pipe early: that is the reader's choice, not a failure of kd.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  // main reports its own errors; this catches what escapes it (a failing stderr write, say), in the same form.
  (e: unknown) => {
    const { code, text } = describeError(e);
    process.stderr.write(text);
    process.exitCode = code;
  },
);
