import { compilePluginSchema, KdInputError, Rng, type Network } from '@kd/core';
import { type KdRuntime } from '@kd/core/host';

/**
 * Loads the backbone plugin `name` (a discovered package or `@kd/backbone-<name>`); a missing one is reported with
 * the npm package to install (exit 2).
 */
export async function loadBackbonePlugin(runtime: KdRuntime, name: string, source: string) {
  try {
    await runtime.loadFor({ student: { backbone: { name } } }, runtime.root, source);
  } catch (e) {
    if (e instanceof Error) e.message = e.message.replace(`${source}: /student/backbone/name: `, `${source}: `);
    throw e;
  }
  return runtime.registry.get('backbone', name, source);
}

/** Validates backbone options against the plugin's own schema, with its defaults applied. */
export async function backboneOptions(
  runtime: KdRuntime,
  name: string,
  options: Record<string, unknown>,
  source: string,
): Promise<Record<string, unknown>> {
  const plugin = await loadBackbonePlugin(runtime, name, source);
  const opts: Record<string, unknown> = { ...options, name };
  const validate = compilePluginSchema(plugin.manifest);
  if (!validate(opts))
    throw new KdInputError(
      `${source}: invalid options for the "${name}" backbone`,
      (validate.errors ?? []).map(
        (e) =>
          `${e.instancePath || '/'}: ${e.message ?? e.keyword}${e.params && 'additionalProperty' in e.params ? ` ("${String(e.params['additionalProperty'])}")` : ''}`,
      ),
    );
  return opts;
}

/** Builds a backbone on the active backend, initialised from a fixed seed. */
export async function buildBackbone(
  runtime: KdRuntime,
  spec: { readonly name: string; readonly options: Readonly<Record<string, unknown>> },
  numClasses: number,
  inputShape: readonly [number, number, number],
  source: string,
): Promise<Network> {
  const plugin = await loadBackbonePlugin(runtime, spec.name, source);
  const scope = 'student';
  return plugin.create(spec.options, {
    container: runtime.container.createChildContainer(),
    baseDir: runtime.root,
    numClasses,
    inputShape,
    rng: Rng.derive(0, 'init', scope),
    scope,
  });
}
