import { existsSync } from 'node:fs';
import { basename, dirname, isAbsolute, relative, resolve } from 'node:path';
import type { DependencyContainer } from 'tsyringe';
import { readJsonFile } from '../config/load-config.js';
import { applyOverrides, parseOverride } from '../config/overrides.js';
import type { PipelineConfig } from '../config/pipeline-config.js';
import type { Dataset } from '../contracts/dataset.js';
import { RUN_FILES } from '../engine/run-directory.js';
import { stepsPerEpoch } from '../engine/trainer.js';
import { KdInputError } from '../errors/errors.js';
import type { PluginRegistry } from '../plugin/registry.js';
import type { PipelineValidator } from '../schema/validator.js';
import type { PluginLoader } from './plugin-loader.js';

export function resolvePath(baseDir: string, p: string): string {
  return isAbsolute(p) ? p : resolve(baseDir, p);
}

function isSameOrInside(path: string, dir: string): boolean {
  const r = relative(dir, path);
  return r === '' || (!r.startsWith('..') && !isAbsolute(r));
}

/**
 * Reads a config file, applies `--set` overrides, loads the plugins it names, and validates it against the schema and
 * the cross-section rules.
 */
export async function readConfig(
  file: string,
  loader: PluginLoader,
  validator: () => PipelineValidator,
  container: DependencyContainer,
  overrides: readonly string[] = [],
): Promise<{ config: PipelineConfig; baseDir: string }> {
  const parsed = overrides.map(parseOverride);
  const read = readJsonFile(file);
  if (!read || typeof read !== 'object' || Array.isArray(read)) throw new KdInputError(`${file}: /: expected a JSON object`);
  // Overrides apply before plugins are loaded: `--set distiller.name=dkd` picks another plugin.
  const raw = parsed.length ? applyOverrides(read as Record<string, unknown>, parsed) : read;
  const baseDir = dirname(resolve(file));
  await loader.loadFor(raw, baseDir, file);
  const config = validator().validate<PipelineConfig>(raw, file);
  await checkSemantics(config, baseDir, file, loader.registry, container);
  return { config, baseDir };
}

/** Checks that need more than the schema: cross-section rules and files that must exist. */
export async function checkSemantics(
  config: PipelineConfig,
  baseDir: string,
  file: string,
  registry: PluginRegistry,
  container: DependencyContainer,
): Promise<void> {
  if (config.distiller && !config.teacher) {
    // Factories only read options, so asking the distiller costs no tensors.
    const d = await registry.get('distiller', config.distiller.name, '/distiller/name').create(config.distiller, { container, baseDir });
    const needs = d.usesTeacher;
    d.dispose?.();
    if (needs)
      throw new KdInputError(
        `${file}: /teacher: the "${config.distiller.name}" distiller needs a teacher; add a teacher section with its backbone and weights`,
      );
  }
  if (config.student.init) {
    const w = resolvePath(baseDir, config.student.init.weights);
    if (!existsSync(w))
      throw new KdInputError(`${file}: /student/init/weights: ${w} does not exist; expected a kd run or network directory`);
  }
  if (config.teacher) {
    const w = resolvePath(baseDir, config.teacher.weights);
    if (!existsSync(w))
      throw new KdInputError(`${file}: /teacher/weights: ${w} does not exist; train the teacher first (kd run its config)`);
    const out = resolvePath(baseDir, config.output.dir);
    const teacherDir = basename(w) === RUN_FILES.final ? dirname(w) : w;
    if (isSameOrInside(out, teacherDir) || isSameOrInside(teacherDir, out))
      throw new KdInputError(
        `${file}: /output/dir: ${out} ${out === teacherDir ? 'is' : isSameOrInside(out, teacherDir) ? 'is inside' : 'contains'} the teacher's directory ${teacherDir}; a run there would replace or clear the teacher: choose a separate directory`,
      );
  }
  const milestones = config.training.schedule.milestones ?? [];
  for (let i = 1; i < milestones.length; i++)
    if (milestones[i]! <= milestones[i - 1]!)
      throw new KdInputError(
        `${file}: /training/schedule/milestones/${i}: got ${milestones[i]}; expected a number > ${milestones[i - 1]} (increasing)`,
      );
}

/** Checks on the assembled pipeline that the schema cannot make; run by `validate` and `run` alike. */
export function checkRunnable(config: PipelineConfig, parts: { dataset: Dataset }): void {
  const train = parts.dataset.split('train');
  if (!train) throw new KdInputError('/dataset: the dataset has no train split');
  if (stepsPerEpoch(train.size, config.training.batchSize) < 1)
    throw new KdInputError(
      `/training/batchSize: ${config.training.batchSize} is larger than the train split (${train.size} images); expected at most ${train.size}`,
    );
}
