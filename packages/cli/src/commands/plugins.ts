import type { CliIo } from '../io.js';
import { createRuntime, type CliOptions } from '../runtime.js';

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

/** `kd plugins [--json]`: installed plugins with versions and their options. */
export async function pluginsCommand(args: { json: boolean }, io: CliIo, options: CliOptions): Promise<number> {
  const runtime = createRuntime(io, options);
  await runtime.loadAll();
  const byName = new Map(runtime.discoveredPlugins.map((d) => [`${d.kind}/${d.name}`, d]));
  const list = runtime.registry.manifests.map((m) => ({
    package: byName.get(`${m.kind}/${m.name}`)?.packageName ?? null,
    kind: m.kind,
    name: m.name,
    version: m.version,
    apiVersion: m.apiVersion,
    title: m.title,
    paper: m.paper ?? null,
    options: optionDocs(m.optionsSchema as Record<string, unknown>),
  }));
  if (args.json) {
    io.out(`${JSON.stringify(list, null, 2)}\n`);
    return 0;
  }
  if (list.length === 0) {
    io.out('no kd plugins installed (npm install @kd/dataset-idx @kd/backbone-cnn @kd/distiller-kd ...)\n');
    return 0;
  }
  for (const p of list) {
    io.out(`${p.kind.padEnd(10)} ${p.name.padEnd(12)} ${p.version.padEnd(8)} ${p.package ?? ''}  ${p.title}\n`);
    for (const o of p.options)
      io.out(
        `    ${o.name.padEnd(26)} ${o.type.padEnd(18)} ${o.default !== undefined ? `= ${JSON.stringify(o.default)}` : ''.padEnd(2)}  ${o.description}\n`,
      );
  }
  return 0;
}
