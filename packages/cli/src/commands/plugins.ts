import { Argument } from 'commander';
import { KdInputError, PLUGIN_KINDS } from '@kd/core';
import { didYouMean } from '@kd/core/host';
import type { CliIo } from '../io.js';
import { createRuntime, type CliOptions } from '../runtime.js';
import type { DefineCommand } from '../context.js';

interface OptionDoc {
  readonly name: string;
  readonly type: string;
  readonly default?: unknown;
  readonly description: string;
}

function optionDocs(schema: Record<string, unknown>): OptionDoc[] {
  const props = (schema['properties'] ?? {}) as Record<string, Record<string, unknown>>;
  return Object.entries(props)
    .filter(([k]) => k !== 'name')
    .map(([k, p]) => ({
      name: k,
      type: p['enum'] ? (p['enum'] as unknown[]).map((v) => JSON.stringify(v)).join(' | ') : String(p['type'] ?? 'any'),
      ...(p['default'] !== undefined ? { default: p['default'] } : {}),
      description: String(p['description'] ?? ''),
    }));
}

export interface PluginsArgs {
  readonly kind?: string | undefined;
  readonly name?: string | undefined;
  readonly json: boolean;
}

/**
 * `kd plugins [kind] [name] [--json]`: the installed plugins, one line each; a kind lists that kind's; a kind and a
 * name show that plugin's options (type, default, description), read from its schema. `--json` carries the options
 * of every plugin listed.
 */
export async function pluginsCommand(args: PluginsArgs, io: CliIo, options: CliOptions): Promise<number> {
  const runtime = createRuntime(io, options);
  await runtime.loadAll();
  const byName = new Map(runtime.discoveredPlugins.map((d) => [`${d.kind}/${d.name}`, d]));
  const all = runtime.registry.manifests.map((m) => ({
    package: byName.get(`${m.kind}/${m.name}`)?.packageName ?? null,
    kind: m.kind,
    name: m.name,
    version: m.version,
    apiVersion: m.apiVersion,
    title: m.title,
    paper: m.paper ?? null,
    options: optionDocs(m.optionsSchema as Record<string, unknown>),
  }));
  const ofKind = args.kind === undefined ? all : all.filter((p) => p.kind === args.kind);
  const list = args.name === undefined ? ofKind : ofKind.filter((p) => p.name === args.name);
  if (args.name !== undefined && list.length === 0) {
    const close = didYouMean(
      args.name,
      ofKind.map((p) => p.name),
    );
    throw new KdInputError(
      `no ${args.kind} plugin named ${JSON.stringify(args.name)} is installed${close ? ` (did you mean "${close}"?)` : ''}; ` +
        `installed: ${ofKind.map((p) => p.name).join(', ') || 'none'} (npm install @kd/${args.kind}-${args.name} if it is published)`,
    );
  }
  if (args.json) {
    io.out(`${JSON.stringify(list, null, 2)}\n`);
    return 0;
  }
  if (list.length === 0) {
    io.out(
      args.kind === undefined
        ? 'no kd plugins installed (npm install @kd/dataset-idx @kd/backbone-cnn @kd/distiller-kd ...)\n'
        : `no ${args.kind} plugins installed\n`,
    );
    return 0;
  }
  for (const p of list)
    io.out(`${p.kind.padEnd(10)} ${p.name.padEnd(14)} ${p.version.padEnd(8)} ${(p.package ?? '').padEnd(28)} ${p.title}\n`);
  if (args.name === undefined) {
    io.out(`\n${list.length} plugin${list.length === 1 ? '' : 's'}; kd plugins <kind> <name> shows one plugin's options\n`);
    return 0;
  }
  const p = list[0]!;
  if (p.paper)
    io.out(
      `paper      ${p.paper.title}${p.paper.authors ? `, ${p.paper.authors}` : ''}${p.paper.year ? ` (${p.paper.year})` : ''}${p.paper.url ? ` ${p.paper.url}` : ''}\n`,
    );
  io.out(p.options.length ? 'options\n' : 'no options\n');
  for (const o of p.options) {
    io.out(`    ${o.name}  ${o.type}${o.default !== undefined ? ` = ${JSON.stringify(o.default)}` : ''}\n`);
    if (o.description) io.out(`        ${o.description}\n`);
  }
  return 0;
}

export const definePlugins: DefineCommand = (program, ctx) => {
  program
    .command('plugins')
    .summary("the installed plugins; with a kind and a name, that plugin's options")
    .description(
      'List the installed kd plugins (kind, name, version, package, title), one line each. With a kind, only that kind; ' +
        "with a kind and a name, that plugin's options: type, default and description, read from its schema.",
    )
    .addArgument(new Argument('[kind]', 'only plugins of this kind').choices(PLUGIN_KINDS))
    .argument('[name]', "one plugin's name: show its options")
    .option('--json', 'print the listed plugins with their options as JSON on stdout', false)
    .action(async (kind: string | undefined, name: string | undefined, flags: { json: boolean }) => {
      ctx.exitCode = await pluginsCommand({ kind, name, json: flags.json }, ctx.io, ctx.options);
    });
};
