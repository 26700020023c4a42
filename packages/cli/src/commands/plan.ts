import { resolve } from 'node:path';
import type { CliIo } from '../io.js';
import { createRuntime, type CliOptions } from '../runtime.js';
import type { DefineCommand } from '../context.js';
import { addConfigFlags, withConfigFlags, type ConfigFlags } from '../config-flags.js';

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/** `kd plan <config> [--json]`: models built, nothing trained. */
export async function planCommand(args: { config: string; json: boolean }, io: CliIo, options: CliOptions): Promise<number> {
  const runtime = createRuntime(io, options);
  const plan = await runtime.plan(resolve(io.cwd, args.config), options.overrides);
  if (args.json) {
    io.out(`${JSON.stringify(plan, null, 2)}\n`);
    return 0;
  }
  const d = plan.dataset;
  io.out(`dataset   ${d.name}: ${d.train} train / ${d.test} test, ${d.numClasses} classes, input [${d.inputShape.join(', ')}]\n`);
  for (const [role, n] of [
    ['teacher', plan.teacher],
    ['student', plan.student],
  ] as const) {
    if (!n) continue;
    const flops = n.flops === null ? '' : `, ${(n.flops / 1e6).toFixed(2)} MFLOP per image`;
    io.out(`${role.padEnd(9)} ${n.backbone}: ${n.params.toLocaleString('en-US')} trainable parameters${flops}\n`);
    for (const [k, s] of Object.entries(n.features)) io.out(`    ${k.padEnd(18)} [${s.join(', ')}]\n`);
  }
  io.out(
    `distiller ${plan.distiller ?? 'none (labels only)'}; stages: ${plan.stages.map((s) => `${s.name} (${s.epochs} epochs)`).join(', ')}\n`,
  );
  const m = plan.memory;
  io.out(
    `memory    ~${mib(m.totalBytes)} (parameters ${mib(m.paramBytes)}, optimiser+gradients ${mib(m.optimizerBytes)}, activations per batch ${mib(m.activationBytesPerBatch)})\n`,
  );
  if (plan.mismatches.length) {
    io.out('shape mismatches between teacher and student stages:\n');
    for (const x of plan.mismatches) io.out(`    ${x}\n`);
  }
  return 0;
}

export const definePlan: DefineCommand = (program, ctx) => {
  addConfigFlags(
    program
      .command('plan')
      .summary('build the models without training: shapes, parameters, FLOPs, memory, mismatches')
      .description(
        "Build the config's networks without training: feature shapes, trainable parameters, FLOPs, an estimate of the memory " +
          'a step needs, and the teacher/student stages whose shapes differ.',
      )
      .argument('<config>', 'the pipeline config (JSON)')
      .option('--json', 'print the plan as JSON on stdout', false),
  ).action(async (config: string, flags: ConfigFlags & { json: boolean }) => {
    ctx.config = config;
    ctx.exitCode = await planCommand({ config, json: flags.json }, ctx.io, withConfigFlags(ctx.options, flags));
  });
};
