import { container } from 'tsyringe';
import { compilePluginSchema, Rng, type BackbonePlugin, type Network } from '@kd/core';

/**
 * A backbone built by its plugin from `options` with the schema defaults applied, initialised from `Rng` under
 * `scope`: a real network for unit tests of distillers, without a run. Defaults to a 28×28×1 input and 10 classes.
 */
export async function tinyBackbone(
  plugin: BackbonePlugin,
  options: Record<string, unknown>,
  scope: string,
  { numClasses = 10, inputShape = [28, 28, 1] as [number, number, number] } = {},
): Promise<Network> {
  const config = { ...options };
  const validate = compilePluginSchema(plugin.manifest);
  if (!validate(config)) throw new Error(JSON.stringify(validate.errors));
  return plugin.create(config as never, {
    container: container.createChildContainer(),
    baseDir: '.',
    numClasses,
    inputShape,
    rng: Rng.derive(1, 'init', scope),
    scope,
  });
}
