import type { StagePlan } from '../contracts/distiller.js';
import type { TrainableModule } from '../contracts/network.js';
import type { ParamRef } from './optimizer.js';

/** Parameters of a module with stable ids; biases and normalisation parameters are not decayed. */
export function paramRefs(module: TrainableModule): ParamRef[] {
  const trainable = new Set(module.trainableVariables());
  return module
    .stateVariables()
    .filter((v) => trainable.has(v.variable))
    .map((v) => ({ id: `${module.name}/${v.name}`, variable: v.variable, decay: v.variable.rank > 1 }));
}

/** The modules a stage trains: all of them (student and the distiller's extra modules) unless it names some. */
export function modulesOf(stage: StagePlan, all: readonly TrainableModule[]): TrainableModule[] {
  if (!stage.trains) return [...all];
  return stage.trains.map((n) => {
    const m = all.find((x) => x.name === n);
    if (!m) throw new Error(`stage "${stage.name}" trains "${n}", which is neither the student nor an extra module`);
    return m;
  });
}
