import { Argument } from 'commander';
import { describeNetwork, selectBackend } from '@kd/core/host';
import type { CliIo } from '../io.js';
import { createRuntime, type CliOptions } from '../runtime.js';
import { backboneOptions, buildBackbone } from './backbone.js';
import { parseInput, parseNumClasses, parseOptions } from './backbone-args.js';
import type { DefineCommand } from '../context.js';

export interface DescribeArgs {
  readonly what: string;
  readonly name: string;
  readonly numClasses: string | undefined;
  readonly input: string | undefined;
  readonly options: string | undefined;
  readonly json: boolean;
}

export interface BackboneDescription {
  readonly backbone: string;
  readonly options: Readonly<Record<string, unknown>>;
  readonly numClasses: number;
  readonly inputShape: readonly number[];
  readonly params: number;
  readonly flops: number | null;
  readonly stages: readonly { readonly name: string; readonly outputShape: readonly number[] }[];
  readonly features: Readonly<Record<string, readonly number[]>>;
}

/** `kd describe backbone <name> --num-classes <n> [--input h,w,c] [--options json] [--json]`: a backbone built, not trained. */
export async function describeCommand(args: DescribeArgs, io: CliIo, options: CliOptions): Promise<number> {
  const numClasses = parseNumClasses(args.numClasses);
  const inputShape = parseInput(args.input);
  const raw = parseOptions(args.options);
  const source = `kd describe backbone ${args.name}`;
  const runtime = createRuntime(io, options);
  const opts = await backboneOptions(runtime, args.name, raw, source);
  await selectBackend('cpu');
  const network = await buildBackbone(runtime, { name: args.name, options: opts }, numClasses, inputShape, source);
  let d: BackboneDescription;
  try {
    const plan = describeNetwork(network);
    d = {
      backbone: args.name,
      options: opts,
      numClasses,
      inputShape,
      params: plan.params,
      flops: plan.flops,
      stages: network.stages.map((s) => ({ name: s.name, outputShape: [...s.outputShape] })),
      features: plan.features,
    };
  } finally {
    network.dispose();
  }
  if (args.json) {
    io.out(`${JSON.stringify(d, null, 2)}\n`);
    return 0;
  }
  const { name: _n, ...shown } = opts;
  io.out(`backbone  ${d.backbone} ${JSON.stringify(shown)}\n`);
  io.out(`input     [${inputShape.join(', ')}], ${numClasses} classes\n`);
  io.out(`params    ${d.params.toLocaleString('en-US')} trainable\n`);
  io.out(
    `flops     ${d.flops === null ? 'not counted by this backbone' : `${(d.flops / 1e6).toFixed(2)} MFLOP per image (${d.flops.toLocaleString('en-US')})`}\n`,
  );
  io.out('stages\n');
  for (const s of d.stages) io.out(`    ${s.name.padEnd(18)} [${s.outputShape.join(', ')}]\n`);
  io.out('features\n');
  for (const [k, s] of Object.entries(d.features)) io.out(`    ${k.padEnd(18)} [${s.join(', ')}]\n`);
  return 0;
}

export const defineDescribe: DefineCommand = (program, ctx) => {
  program
    .command('describe')
    .summary('build a backbone untrained: parameters, FLOPs, stage and feature shapes')
    .description('Build a backbone, untrained, on the cpu backend: trainable parameters, FLOPs per image, stage and feature shapes.')
    .addArgument(new Argument('<what>', 'what to describe').choices(['backbone']))
    .argument('<name>', 'the backbone plugin, e.g. resnet, wrn, cnn (kd plugins backbone lists them)')
    .option('--num-classes <n>', 'classes of the classifier (required)')
    .option('--input <h,w,c>', 'input height, width and channels (default 32,32,3)')
    .option('--options <json>', 'the backbone\'s options as a JSON object, e.g. \'{"variant":"resnet20"}\'')
    .option('--json', 'print the description as JSON on stdout', false)
    .action(async (what: string, name: string, flags: { numClasses?: string; input?: string; options?: string; json: boolean }) => {
      ctx.exitCode = await describeCommand(
        { what, name, numClasses: flags.numClasses, input: flags.input, options: flags.options, json: flags.json },
        ctx.io,
        ctx.options,
      );
    });
};
