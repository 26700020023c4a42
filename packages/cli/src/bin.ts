#!/usr/bin/env node
import 'reflect-metadata';
import { describeError, main } from './main.js';

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
