import { availableParallelism } from 'node:os';
import { coreVersion, probeBackends } from '@kd/core/host';
import type { CliIo } from '../io.js';
import type { DefineCommand } from '../context.js';

/**
 * `kd doctor [--json]`: every backend of the chain `auto` walks, each not installed, installed but broken (with the
 * loader's own error) or working; the one `auto` takes; wasm's threads and whether oneDNN runs the convolutions.
 * Always exit 0: it is a report, and a machine with only the cpu backend still trains.
 */
export async function doctorCommand(args: { json: boolean }, io: CliIo): Promise<number> {
  const probes = await probeBackends();
  const picked = probes.find((p) => p.state === 'working');
  const wasm = probes.find((p) => p.backend === 'wasm');
  const env = Object.fromEntries(
    ['KD_BACKEND', 'KD_WASM_THREADS', 'KD_ONEDNN'].filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]!]),
  );
  const report = {
    node: `${process.version} (${process.platform} ${process.arch})`,
    cpus: availableParallelism(),
    core: coreVersion(),
    backends: probes,
    auto: picked?.backend ?? null,
    env,
  };
  if (args.json) {
    io.out(`${JSON.stringify(report, null, 2)}\n`);
    return 0;
  }
  io.out(`kd doctor: @kd/core ${report.core}, Node ${report.node}, ${report.cpus} CPUs\n\n`);
  io.out('backends, in the order kd run\'s "backend": "auto" tries them:\n');
  const width = Math.max(...probes.map((p) => p.backend.length));
  for (const p of probes) io.out(`  ${p.backend.padEnd(width)}  ${p.state === 'broken' ? 'installed but broken' : p.state}: ${p.detail}\n`);
  io.out(`\nauto picks: ${picked ? picked.backend : 'nothing works'}\n`);
  if (wasm?.threads !== undefined) io.out(`threads:    ${wasm.threads} (wasm; KD_WASM_THREADS sets them)\n`);
  if (wasm?.oneDnn !== undefined) io.out(`oneDNN:     ${wasm.oneDnn}\n`);
  if (env['KD_BACKEND'] !== undefined) io.out(`KD_BACKEND=${env['KD_BACKEND']} overrides every config's "backend"\n`);
  return 0;
}

export const defineDoctor: DefineCommand = (program, ctx) => {
  program
    .command('doctor')
    .summary('which backends load here (and the real error of those that do not), threads, oneDNN')
    .description(
      'Try every backend kd can train on, in the order "backend": "auto" tries them (tfjs-node-gpu, tfjs-node, wasm, cpu): ' +
        'each is not installed, installed but broken (with the error loading it gave), or working. Then the one auto ' +
        'picks, the wasm threads, and whether oneDNN runs the convolutions (and why not). Always exits 0.',
    )
    .option('--json', 'print the report as JSON on stdout', false)
    .action(async (flags: { json: boolean }) => {
      ctx.exitCode = await doctorCommand({ json: flags.json }, ctx.io);
    });
};
