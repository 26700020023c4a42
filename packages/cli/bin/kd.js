#!/usr/bin/env node
// The `kd` binary that npm links as node_modules/.bin/kd. It is a source file, not a build output, because npm
// skips a bin whose file is missing at install time: pointing `bin` at dist/bin.js left a fresh checkout without the
// link, and `npx kd` then offered to install an unrelated registry package called kd.
import { existsSync } from 'node:fs';

const built = new URL('../dist/bin.js', import.meta.url);
if (existsSync(built)) await import(built.href);
else {
  process.stderr.write(
    'kd: the command line is not built yet (@kd/cli has no dist/bin.js): in the kd workspace run `npx nx build cli`, then `npx kd` again\n',
  );
  process.exitCode = 1;
}
