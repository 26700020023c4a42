import type * as tf from '@tensorflow/tfjs-core';
import type { NamedVariable } from '../contracts/network.js';
import type { StagePairChannels } from '../network/stage-pair-channels.js';
import { VariableModule } from './variable-module.js';

/**
 * A method's module with one set of variables per stage pair (OFD's connectors, VID's regressors): `pairs[i]` is
 * built by `build` from `geometry[i]`, in order, so a seeded RNG draws the same values whatever the subclass. The
 * engine checkpoints each variable as `<module>::<pair name>/<key>`, the keys in the order `build` writes them; all of
 * them train unless the subclass says otherwise.
 */
export abstract class StagePairModule<V extends Readonly<Record<keyof V, tf.Variable>>> extends VariableModule {
  readonly pairs: readonly V[];

  constructor(
    readonly geometry: readonly StagePairChannels[],
    build: (pair: StagePairChannels) => V,
  ) {
    super();
    this.pairs = geometry.map((pair) => build(pair));
  }

  trainableVariables(): tf.Variable[] {
    return this.pairs.flatMap((p) => Object.values(p) as tf.Variable[]);
  }

  stateVariables(): readonly NamedVariable[] {
    return this.pairs.flatMap((p, i) =>
      (Object.entries(p) as [string, tf.Variable][]).map(([key, variable]) => ({ name: `${this.geometry[i]!.name}/${key}`, variable })),
    );
  }
}
