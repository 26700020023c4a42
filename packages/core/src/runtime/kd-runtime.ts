import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { DependencyContainer } from 'tsyringe';
import { createKdContainer, type PluginRegistry } from '../plugin/registry.js';
import { nodeImporter, type DiscoveredPlugin, type ModuleImporter } from '../plugin/discovery.js';
import { LOGGER, type Logger } from '../plugin/tokens.js';
import { createPipelineValidator, type PipelineValidator } from '../schema/validator.js';
import type { PipelineConfig } from '../config/pipeline-config.js';
import { KdInputError } from '../errors/errors.js';
import { selectBackend } from '../backend/select-backend.js';
import { RunEvents } from '../engine/events.js';
import { RunDirectory, RUN_FILES } from '../engine/run-directory.js';
import { readProvenance } from '../io/run-files.js';
import { describeNetwork, mismatches, planMemory, type PipelinePlan } from './plan.js';
import { PluginLoader } from './plugin-loader.js';
import { checkRunnable, readConfig, resolvePath } from './config-checks.js';
import { assemblePipeline, type AssembledPipeline } from './assemble.js';
import { runSession, type RunOptions, type RunResult } from './run-session.js';
import { Session } from './session.js';
import { stagesOf } from '../engine/stage-modules.js';

export { coreVersion } from './provenance.js';
export type { RunOptions, RunResult } from './run-session.js';
export type { AssembledPipeline } from './assemble.js';

export interface RuntimeOptions {
  /** The user's project root: plugins are discovered from its package.json. */
  readonly root?: string;
  /** How plugin modules are imported (tests use a source-resolving importer). */
  readonly importer?: ModuleImporter;
  readonly logger?: Logger;
  /** Skip discovery and use only explicitly registered plugins. */
  readonly discover?: boolean;
  /**
   * Import local modules (paths) that a config lists in `plugins`. A plugin is code: validating or running a config
   * from someone else must not run their module unless the user said so (`kd --allow-local-plugins`).
   */
  readonly allowLocalPlugins?: boolean;
}

const quietLogger: Logger = { info: () => {}, warn: () => {} };

/**
 * The kd runtime, a thin façade over the phases of a run, each in its own module: plugin loading
 * (`plugin-loader.ts`), config validation (`config-checks.ts`), assembly (`assemble.ts`) and the run session
 * (`run-session.ts`). It holds the tsyringe container of the installed plugins; each run gets a child container.
 */
export class KdRuntime {
  readonly container: DependencyContainer;
  readonly root: string;
  readonly logger: Logger;
  private readonly loader: PluginLoader;

  constructor(options: RuntimeOptions = {}) {
    this.root = resolve(options.root ?? process.cwd());
    this.logger = options.logger ?? quietLogger;
    this.container = createKdContainer();
    this.container.register(LOGGER, { useValue: this.logger });
    this.loader = new PluginLoader(this.container, {
      root: this.root,
      importer: options.importer ?? nodeImporter,
      logger: this.logger,
      discover: options.discover !== false,
      allowLocalPlugins: options.allowLocalPlugins ?? false,
    });
  }

  /** Plugins found in the project's package.json (not yet imported). */
  get discoveredPlugins(): readonly DiscoveredPlugin[] {
    return this.loader.discovered;
  }

  get registry(): PluginRegistry {
    return this.loader.registry;
  }

  /** Imports and registers a plugin module (package name or path) once. */
  load(specifier: string, from = this.root): Promise<void> {
    return this.loader.load(specifier, from);
  }

  /** Imports every discovered plugin; a package that fails to load is reported and skipped. */
  loadAll(): Promise<{ packageName: string; error: string }[]> {
    return this.loader.loadAll();
  }

  /** Loads the plugins a raw config names (its `plugins` and every slot). */
  loadFor(config: unknown, baseDir: string, source = 'config'): Promise<void> {
    return this.loader.loadFor(config, baseDir, source);
  }

  private compiled: { key: string; validator: PipelineValidator } | undefined;

  /**
   * The validator for the plugins registered now, compiled once per set of plugins (compiling the composed schema
   * costs ~50 ms; a sweep validates hundreds of cells).
   */
  validator(): PipelineValidator {
    const manifests = this.registry.manifests;
    const key = manifests.map((m) => `${m.kind}/${m.name}@${m.version}`).join('\n');
    if (this.compiled?.key !== key) this.compiled = { key, validator: createPipelineValidator(manifests) };
    return this.compiled.validator;
  }

  /**
   * Every check `kd run` makes before training, in the same code: the schema, the cross-section rules, the output
   * directory, and the assembled pipeline (the dataset's files and headers, the teacher's weights against its
   * backbone, the distiller's set-up, batch sizes against the splits). Networks are built and freed again; nothing
   * is written.
   */
  async validateFile(file: string, overrides: readonly string[] = []): Promise<{ config: PipelineConfig; baseDir: string }> {
    const { config, baseDir } = await this.readConfig(file, overrides);
    new RunDirectory(resolvePath(baseDir, config.output.dir)).checkFresh(config.output.overwrite);
    await selectBackend(config.backend);
    const parts = await this.assemble(config, baseDir);
    try {
      checkRunnable(config, parts);
    } finally {
      parts.dispose();
    }
    return { config, baseDir };
  }

  /**
   * The schema and the cross-section rules only: no data is read and no network built, so a config can be checked
   * before its dataset is downloaded. `validateFile` is the full check.
   */
  checkConfigFile(file: string, overrides: readonly string[] = []): Promise<{ config: PipelineConfig; baseDir: string }> {
    return this.readConfig(file, overrides);
  }

  resolvePath(baseDir: string, p: string): string {
    return resolvePath(baseDir, p);
  }

  /** Builds the dataset, networks, distiller and evaluators of a validated config on the active backend. */
  assemble(config: PipelineConfig, baseDir: string, events: RunEvents = new RunEvents()): Promise<AssembledPipeline> {
    return assemblePipeline(this.container, this.registry, config, baseDir, events);
  }

  /** Builds the models of a config without training: shapes, parameter counts, a memory estimate. */
  async plan(file: string, overrides: readonly string[] = []): Promise<PipelinePlan> {
    const { config, baseDir } = await this.readConfig(file, overrides);
    await selectBackend(config.backend);
    const parts = await this.assemble(config, baseDir);
    try {
      const student = describeNetwork(parts.student);
      const teacher = parts.teacher ? describeNetwork(parts.teacher) : null;
      const stages = stagesOf(parts.distiller).map((s) => ({
        name: s.name,
        epochs: s.epochs ?? config.training.epochs,
      }));
      const o = config.training.optimizer;
      const slotsPerParam = o.type === 'sgd' ? ((o.momentum ?? 0) > 0 ? 1 : 0) : 2;
      return {
        dataset: {
          name: config.dataset.name,
          numClasses: parts.dataset.info.numClasses,
          inputShape: parts.dataset.info.inputShape,
          train: parts.dataset.split('train')?.size ?? 0,
          test: parts.dataset.split('test')?.size ?? 0,
        },
        student,
        teacher,
        distiller: config.distiller?.name ?? null,
        stages,
        mismatches: mismatches(student, teacher),
        memory: planMemory(config, student, teacher, slotsPerParam),
      };
    } finally {
      parts.dispose();
    }
  }

  /**
   * Continues an interrupted or failed run from its directory's latest checkpoint. A run stopped before its first
   * checkpoint has nothing to continue from: it starts over in place, with the config it recorded.
   */
  async resume(dir: string, options: Omit<RunOptions, 'resume'> = {}): Promise<RunResult> {
    const runDir = new RunDirectory(resolve(dir));
    if (!existsSync(runDir.path(RUN_FILES.config)))
      throw new KdInputError(
        `${runDir.dir}: not a kd run directory (no ${RUN_FILES.config})${runDir.isKdRun ? '; it was stopped before its config was written: run the config again' : ''}`,
      );
    if (runDir.isFinished) throw new KdInputError(`${runDir.dir}: the run already finished (${RUN_FILES.summary} says so)`);
    const prov = readProvenance(runDir.dir);
    const baseDir = prov.baseDir ?? runDir.dir;
    const raw = runDir.readJson<Record<string, unknown>>(RUN_FILES.config);
    await this.loadFor(raw, baseDir, runDir.path(RUN_FILES.config));
    const config = this.validator().validate<PipelineConfig>(raw, runDir.path(RUN_FILES.config));
    if (resolve(baseDir, config.output.dir) !== runDir.dir)
      throw new KdInputError(`${runDir.dir}: its config writes to ${resolve(baseDir, config.output.dir)}; was the directory moved?`);
    return this.runConfig(config, baseDir, { ...options, resume: true });
  }

  /**
   * A config's pipeline to drive one step at a time (`Session.step`), after the same checks as a run; nothing is
   * written. The caller disposes it.
   */
  async openSession(file: string, overrides: readonly string[] = []): Promise<Session> {
    const { config, baseDir } = await this.readConfig(file, overrides);
    await selectBackend(config.backend);
    const parts = await this.assemble(config, baseDir);
    try {
      checkRunnable(config, parts);
      return new Session(config, parts);
    } catch (e) {
      parts.dispose();
      throw e;
    }
  }

  /** Trains a config end to end and writes its run directory. */
  async run(file: string, options: RunOptions = {}): Promise<RunResult> {
    const { config, baseDir } = await this.readConfig(file, options.overrides);
    return this.runConfig(config, baseDir, options);
  }

  /** Trains an already validated config (relative paths resolve against `baseDir`). */
  runConfig(config: PipelineConfig, baseDir: string, options: RunOptions = {}): Promise<RunResult> {
    return runSession(this, config, baseDir, options);
  }

  private readConfig(file: string, overrides: readonly string[] = []): Promise<{ config: PipelineConfig; baseDir: string }> {
    return readConfig(file, this.loader, () => this.validator(), this.container, overrides);
  }
}
