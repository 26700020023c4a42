import type { PipelineConfig } from '../config/pipeline-config.js';
import type { Distiller, StagePlan, StepInfo } from '../contracts/distiller.js';
import type { TrainableModule } from '../contracts/network.js';
import { Optimizer, type ParamRef, type WeightDecayOn } from './optimizer.js';
import { learningRate } from './schedule.js';

/**
 * Parameters of a module with stable ids. Weight decay applies to all of them (`all`, PyTorch's optimisers over
 * `model.parameters()`) or to kernels only (`kernels`: rank > 1, so not biases nor batch-norm γ/β).
 */
export function paramRefs(module: TrainableModule, decayOn: WeightDecayOn): ParamRef[] {
  const trainable = new Set(module.trainableVariables());
  return module
    .stateVariables()
    .filter((v) => trainable.has(v.variable))
    .map((v) => ({ id: `${module.name}/${v.name}`, variable: v.variable, decay: decayOn === 'all' || v.variable.rank > 1 }));
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

/** A distiller's stages, or the one stage of a run without a multi-stage distiller. */
export function stagesOf(distiller: Pick<Distiller, 'stages'> | undefined): readonly StagePlan[] {
  return distiller?.stages?.() ?? [{ name: 'train' }];
}

/** The optimiser of a stage: the run's settings with the stage's overrides, over the modules the stage trains. */
export function stageOptimizer(config: PipelineConfig, stage: StagePlan, all: readonly TrainableModule[]): Optimizer {
  const optConfig = { ...config.training.optimizer, ...(stage.optimizer ?? {}) } as PipelineConfig['training']['optimizer'];
  return new Optimizer(
    optConfig,
    modulesOf(stage, all).flatMap((m) => paramRefs(m, optConfig.weightDecayOn)),
  );
}

/**
 * Where a step stands (what a distiller's loss sees) and its learning rate from the run's schedule: the trainer and
 * the step-level Session compute both the same way, so a replayed step is the trainer's step.
 */
export function stepPlan(
  config: PipelineConfig,
  optimizer: Optimizer,
  stage: string,
  at: { readonly epoch: number; readonly epochs: number; readonly step: number; readonly steps: number },
): { lr: number; info: StepInfo } {
  const { epoch, epochs, step, steps } = at;
  return {
    lr: learningRate(optimizer.config.lr, config.training.schedule, epoch, epochs, (step + 1) / Math.max(1, steps)),
    info: { epoch, epochs, step, globalStep: epoch * steps + step, stage, stepsPerEpoch: steps },
  };
}
