// Runs one of the bench tools from its TypeScript source, src/<name>.ts, with no build step: the commands users and
// the Nx targets type (`node tools/bench/bench.mjs …`) stay what they were, and what runs is always the checked-out
// source. @swc-node's loader compiles each module on import. With KD_BENCH_FROM_SOURCE=1 the @kd/* packages the tool
// imports resolve to their sources too (the `@kd/source` export condition), so it runs before anything is built;
// otherwise they resolve to their built dist/, as a user's install would.
import { register } from 'node:module';
import { fileURLToPath } from 'node:url';

/** Loads src/<name>.ts and runs its `main` with the command line's arguments. */
export async function launch(name) {
  // @swc-node reads its compiler options from the working directory's tsconfig.json unless told otherwise; the Nx
  // targets run from a package's directory and users from anywhere.
  process.env.SWC_NODE_PROJECT ??= fileURLToPath(new URL('tsconfig.lib.json', import.meta.url));
  register('@swc-node/register/esm', import.meta.url);
  // Registered last, so it runs first: it adds the condition before @swc-node resolves anything.
  if (process.env.KD_BENCH_FROM_SOURCE === '1') register('./source-condition.mjs', import.meta.url);
  const { main } = await import(`./src/${name}.ts`);
  await main(process.argv.slice(2));
}
