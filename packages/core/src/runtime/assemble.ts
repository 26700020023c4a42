import type { DependencyContainer } from 'tsyringe';
import type { PipelineConfig, PluginSpec } from '../config/pipeline-config.js';
import type { Dataset } from '../contracts/dataset.js';
import type { Distiller } from '../contracts/distiller.js';
import type { Network } from '../contracts/network.js';
import { RunEvents } from '../engine/events.js';
import type { NamedEvaluator } from '../engine/trainer.js';
import { KdInputError } from '../errors/errors.js';
import { loadNetwork } from '../io/network-weights.js';
import type { PluginRegistry } from '../plugin/registry.js';
import { RUN_CONFIG } from '../plugin/tokens.js';
import { Rng } from '../rng/rng.js';
import { resolvePath } from './config-checks.js';
import type { NamedTracker } from './trackers.js';

/** A config's parts, built on the active backend; `dispose` frees every variable they own. */
export interface AssembledPipeline {
  readonly dataset: Dataset;
  readonly student: Network;
  readonly teacher: Network | undefined;
  readonly distiller: Distiller | undefined;
  readonly evaluators: readonly NamedEvaluator[];
  readonly trackers: readonly NamedTracker[];
  dispose(): void;
}

/**
 * Builds the dataset, networks, distiller and evaluators of a validated config in a child container holding the run
 * config. Networks are initialised from the run's RNG; the teacher's weights are loaded and checked against its
 * backbone. A part that fails frees the ones built before it.
 */
export async function assemblePipeline(
  container: DependencyContainer,
  registry: PluginRegistry,
  config: PipelineConfig,
  baseDir: string,
  events: RunEvents = new RunEvents(),
): Promise<AssembledPipeline> {
  const run = container.createChildContainer();
  run.register(RUN_CONFIG, { useValue: config as unknown as Readonly<Record<string, unknown>> });
  const ctx = { container: run, baseDir };
  const seed = config.training.seed;
  let dataset: Dataset | undefined;
  let student: Network | undefined;
  let teacher: Network | undefined;
  let distiller: Distiller | undefined;
  const evaluators: NamedEvaluator[] = [];
  const trackers: NamedTracker[] = [];
  const dispose = () => {
    distiller?.dispose?.();
    for (const e of evaluators) e.evaluator.dispose?.();
    student?.dispose();
    teacher?.dispose();
    dataset?.dispose?.();
  };
  try {
    dataset = await registry.get('dataset', config.dataset.name, '/dataset/name').create(config.dataset, { ...ctx, seed });
    const { numClasses, inputShape } = dataset.info;
    const build = async (spec: PluginSpec, scope: string): Promise<Network> =>
      registry.get('backbone', spec.name, `/${scope}/backbone/name`).create(spec, {
        ...ctx,
        numClasses,
        inputShape,
        rng: Rng.derive(seed, 'init', scope),
        scope,
        batchNorm: config.training.batchNorm,
      });
    student = await build(config.student.backbone, 'student');
    if (config.student.init) loadNetwork(resolvePath(baseDir, config.student.init.weights), student, '/student/init/weights');
    if (config.teacher) {
      teacher = await build(config.teacher.backbone, 'teacher');
      const weights = resolvePath(baseDir, config.teacher.weights);
      if (teacher.loadWeights) await teacher.loadWeights(weights, '/teacher/weights');
      else loadNetwork(weights, teacher);
    }
    if (config.distiller) {
      distiller = await registry.get('distiller', config.distiller.name, '/distiller/name').create(config.distiller, ctx);
      if (distiller.usesTeacher && !teacher)
        throw new KdInputError(`/teacher: the "${config.distiller.name}" distiller needs a teacher; add a teacher section`);
      await distiller.setup?.({
        student,
        teacher,
        numClasses,
        ...(dataset.split('train') ? { trainSize: dataset.split('train')!.size } : {}),
        ...(dataset.split('train')?.labels ? { trainLabels: dataset.split('train')!.labels } : {}),
        rng: Rng.derive(seed, 'distiller'),
        createNetwork: (spec, scope) => build(spec, scope),
        events,
        runDir: resolvePath(baseDir, config.output.dir),
      });
    }
    for (const [i, e] of config.evaluators.entries())
      evaluators.push({ name: e.name, evaluator: await registry.get('evaluator', e.name, `/evaluators/${i}/name`).create(e, ctx) });
    for (const [i, t] of (config.trackers ?? []).entries())
      trackers.push({ name: t.name, tracker: await registry.get('tracker', t.name, `/trackers/${i}/name`).create(t, ctx) });
  } catch (e) {
    // A bad teacher file or a distiller refusing its set-up must not leave the networks built so far allocated.
    dispose();
    throw e;
  }
  // Both exist here: the try block assigns them or throws.
  return { dataset: dataset!, student: student!, teacher, distiller, evaluators, trackers, dispose };
}
