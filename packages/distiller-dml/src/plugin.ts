import type { DependencyContainer } from 'tsyringe';
import {
  API_VERSION,
  compilePluginSchema,
  definePlugin,
  KdInputError,
  PluginRegistry,
  registerPlugin,
  type DistillerPlugin,
  type FactoryContext,
} from '@kd/core';
import { DmlDistiller } from './dml.distiller.js';
import { dmlOptionsSchema, type DmlOptions } from './dml.options.js';

/** Validates a peer backbone spec against its plugin's schema (defaults applied), as the config's own backbones are. */
export function validatePeerSpec(peer: Readonly<Record<string, unknown>>, context: FactoryContext): Record<string, unknown> {
  if (!Object.keys(peer).length) return {};
  const name = peer['name'];
  if (typeof name !== 'string')
    throw new KdInputError(`/distiller/peer/name: expected a backbone name (string), got ${JSON.stringify(name)}`);
  const plugin = PluginRegistry.fromContainer(context.container).find('backbone', name);
  if (!plugin)
    throw new KdInputError(
      `/distiller/peer/name: backbone "${name}" is not loaded; use the student's backbone or list its package (@kd/backbone-${name}) in the config's "plugins"`,
    );
  const copy = structuredClone(peer) as Record<string, unknown>;
  const validate = compilePluginSchema(plugin.manifest);
  if (!validate(copy)) {
    const e = validate.errors![0]!;
    throw new KdInputError(`/distiller/peer${e.instancePath}: ${e.message ?? 'invalid'} (got ${JSON.stringify(copy)})`);
  }
  return copy;
}

export function createDmlDistiller(options: DmlOptions, context?: FactoryContext): DmlDistiller {
  return new DmlDistiller(context ? { ...options, peer: validatePeerSpec(options.peer, context) } : options);
}

export const dmlPlugin: DistillerPlugin<DmlOptions> = definePlugin({
  manifest: {
    kind: 'distiller',
    name: 'dml',
    version: '0.1.0',
    apiVersion: API_VERSION,
    title: 'Deep mutual learning',
    description:
      'DML: the student and a peer network train together; each minimises CE + klWeight·τ²·KL(p_other ‖ p_self). No teacher. Reports the peer’s top-1 accuracy as peer.top1.',
    paper: { title: 'Deep Mutual Learning', authors: 'Zhang, Xiang, Hospedales, Lu', year: 2018, url: 'https://arxiv.org/abs/1706.00384' },
    optionsSchema: dmlOptionsSchema,
  },
  create: (options: DmlOptions, context) => createDmlDistiller(options, context),
});

/** Registers this package's plugins into a kd container. */
export function register(container: DependencyContainer): void {
  registerPlugin(container, dmlPlugin);
}
