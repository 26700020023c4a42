import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, isAbsolute, relative, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { DependencyContainer } from 'tsyringe';
import { createKdContainer, PluginRegistry } from '../plugin/registry.js';
import {
  discoverPlugins,
  loadPluginModule,
  nodeImporter,
  resolveConventional,
  type DiscoveredPlugin,
  type ModuleImporter,
} from '../plugin/discovery.js';
import type { PluginKind } from '../plugin/plugin.js';
import { LOGGER, RUN_CONFIG, type Logger } from '../plugin/tokens.js';
import { createPipelineValidator, type PipelineValidator } from '../schema/validator.js';
import { readJsonFile } from '../config/load-config.js';
import type { PipelineConfig, PluginSpec } from '../config/pipeline-config.js';
import { KdInputError, KdMissingPluginError } from '../errors/errors.js';
import { didYouMean } from '../schema/did-you-mean.js';
import { skewWarning } from '../plugin/version-skew.js';
import { selectBackend, type BackendChoice } from '../backend/select-backend.js';
import type { Dataset } from '../contracts/dataset.js';
import type { Network } from '../contracts/network.js';
import type { Distiller } from '../contracts/distiller.js';
import { Rng } from '../rng/rng.js';
import { RunEvents } from '../engine/events.js';
import { RunDirectory, RUN_FILES, gitSha } from '../engine/run-directory.js';
import { Trainer, deployedStudent, stepsPerEpoch, type NamedEvaluator } from '../engine/trainer.js';
import { RunLock } from '../engine/run-lock.js';
import { crashPoint } from '../engine/crash-point.js';
import { TrainingStopped, type StopRequest } from '../engine/training-stopped.js';
import type { RunFailure, RunSummary, RunWarning } from '../io/run-files.js';
import { loadNetwork, saveNetwork } from '../io/network-weights.js';
import { latestCheckpoint, loadCheckpoint, type LoadedCheckpoint } from '../io/checkpoint.js';
import { writeDirAtomic } from '../io/atomic.js';
import { describeNetwork, mismatches, planMemory, type PipelinePlan } from './plan.js';

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

export interface RunOptions {
  readonly events?: RunEvents;
  /** Set on SIGINT/SIGTERM by the host: the run checkpoints at the next step boundary and stops (exit 130/143). */
  readonly stop?: StopRequest;
  /** Continue the interrupted run in this directory. */
  readonly resume?: boolean;
}

export interface RunResult {
  readonly runDir: string;
  readonly summary: RunSummary;
}

/** Checks on the assembled pipeline that the schema cannot make; run by `validate` and `run` alike. */
function checkRunnable(config: PipelineConfig, parts: { dataset: Dataset }): void {
  const train = parts.dataset.split('train');
  if (!train) throw new KdInputError('/dataset: the dataset has no train split');
  if (stepsPerEpoch(train.size, config.training.batchSize) < 1)
    throw new KdInputError(`/training/batchSize: ${config.training.batchSize} is larger than the train split (${train.size} images); expected at most ${train.size}`);
}

function isSameOrInside(path: string, dir: string): boolean {
  const r = relative(dir, path);
  return r === '' || (!r.startsWith('..') && !isAbsolute(r));
}

/** A path rather than a package name: `./x.js`, `../x`, `/abs/x.js`, `file:…`, `C:\\…`. */
function isLocalSpecifier(p: string): boolean {
  return p.startsWith('.') || isAbsolute(p) || p.startsWith('file:') || /^[A-Za-z]:[\\/]/.test(p);
}

const quietLogger: Logger = { info: () => {}, warn: () => {} };

function slots(config: Record<string, unknown>): { kind: PluginKind; name: string; pointer: string }[] {
  const out: { kind: PluginKind; name: string; pointer: string }[] = [];
  const name = (v: unknown) => (v && typeof v === 'object' ? (v as Record<string, unknown>)['name'] : undefined);
  const add = (kind: PluginKind, v: unknown, pointer: string) => {
    const n = name(v);
    if (typeof n === 'string') out.push({ kind, name: n, pointer: `${pointer}/name` });
  };
  add('dataset', config['dataset'], '/dataset');
  add('backbone', (config['teacher'] as Record<string, unknown> | undefined)?.['backbone'], '/teacher/backbone');
  add('backbone', (config['student'] as Record<string, unknown> | undefined)?.['backbone'], '/student/backbone');
  add('distiller', config['distiller'], '/distiller');
  const ev = config['evaluators'];
  if (Array.isArray(ev)) ev.forEach((e, i) => add('evaluator', e, `/evaluators/${i}`));
  return out;
}

/**
 * The kd runtime: a tsyringe container holding the installed plugins, the composed validator, and the
 * assembly of runs from configs. Each run gets a child container with its config.
 */
export class KdRuntime {
  readonly container: DependencyContainer;
  readonly root: string;
  private readonly importer: ModuleImporter;
  readonly logger: Logger;
  private discovered: DiscoveredPlugin[] = [];
  private readonly loaded = new Set<string>();
  private readonly allowLocalPlugins: boolean;

  constructor(options: RuntimeOptions = {}) {
    this.root = resolve(options.root ?? process.cwd());
    this.importer = options.importer ?? nodeImporter;
    this.logger = options.logger ?? quietLogger;
    this.allowLocalPlugins = options.allowLocalPlugins ?? false;
    this.container = createKdContainer();
    this.container.register(LOGGER, { useValue: this.logger });
    if (options.discover !== false) this.discovered = discoverPlugins(this.root);
  }

  /** Plugins found in the project's package.json (not yet imported). */
  get discoveredPlugins(): readonly DiscoveredPlugin[] {
    return this.discovered;
  }

  get registry(): PluginRegistry {
    return PluginRegistry.fromContainer(this.container);
  }

  /** Imports and registers a plugin module (package name or path) once. */
  async load(specifier: string, from = this.root): Promise<void> {
    const key = specifier.startsWith('.') ? resolve(from, specifier) : specifier;
    if (this.loaded.has(key)) return;
    await loadPluginModule(this.container, specifier, from, this.importer);
    this.loaded.add(key);
    const d = this.discovered.find((x) => x.packageName === specifier);
    const warning = d && skewWarning(d.packageName, d.coreRange, coreVersion());
    if (warning) this.logger.warn(warning);
  }

  /**
   * Imports every discovered plugin (for `kd plugins` and `kd schema`). A package that fails to load is reported
   * and skipped, so one broken install does not hide the others.
   */
  async loadAll(): Promise<{ packageName: string; error: string }[]> {
    const failures: { packageName: string; error: string }[] = [];
    for (const d of this.discovered) {
      try {
        await this.load(d.packageName);
      } catch (e) {
        const error = (e as Error).message.split('\n')[0] ?? String(e);
        failures.push({ packageName: d.packageName, error });
        this.logger.warn(`skipping ${d.packageName}: ${error}`);
      }
    }
    return failures;
  }

  /**
   * Loads what a config needs: its explicit `plugins` and the plugin of every slot, found among the discovered
   * packages or by the `@kd/<kind>-<name>` convention. A slot naming nothing installed is reported with the
   * package to install.
   */
  async loadFor(config: unknown, baseDir: string, source = 'config'): Promise<void> {
    if (!config || typeof config !== 'object' || Array.isArray(config)) return;
    const c = config as Record<string, unknown>;
    if (Array.isArray(c['plugins']))
      for (const [i, p] of c['plugins'].entries()) {
        if (typeof p !== 'string') continue;
        if (isLocalSpecifier(p) && !this.allowLocalPlugins)
          throw new KdInputError(
            `${source}: /plugins/${i}: "${p}" is a local module, and a plugin is code: kd imports local modules only when asked to (kd --allow-local-plugins, or install it as a package)`,
          );
        await this.load(p, baseDir);
      }
    for (const s of slots(c)) {
      if (this.registry.find(s.kind, s.name)) continue;
      const d =
        this.discovered.find((x) => x.kind === s.kind && x.name === s.name) ?? resolveConventional(this.root, s.kind, s.name);
      if (d) await this.load(d.packageName);
      if (!this.registry.find(s.kind, s.name)) {
        const known = [...new Set([...this.registry.names(s.kind), ...this.discovered.filter((x) => x.kind === s.kind).map((x) => x.name)])];
        const err = new KdMissingPluginError(s.kind, s.name, `@kd/${s.kind}-${s.name}`, `${source}: ${s.pointer}`, known);
        const hint = didYouMean(s.name, known);
        if (hint) err.message += ` — did you mean "${hint}"?`;
        throw err;
      }
    }
  }

  /** The validator for the plugins registered now. */
  validator(): PipelineValidator {
    return createPipelineValidator(this.registry.manifests);
  }

  /** Reads, loads plugins for, and validates a config file against the schema and the cross-section rules. */
  private async readConfig(file: string): Promise<{ config: PipelineConfig; baseDir: string }> {
    const raw = readJsonFile(file);
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new KdInputError(`${file}: /: expected a JSON object`);
    const baseDir = dirname(resolve(file));
    await this.loadFor(raw, baseDir, file);
    const config = this.validator().validate<PipelineConfig>(raw, file);
    await this.checkSemantics(config, baseDir, file);
    return { config, baseDir };
  }

  /**
   * Every check `kd run` makes before training, in the same code: the schema, the cross-section rules, the output
   * directory, and the assembled pipeline (the dataset's files and headers, the teacher's weights against its
   * backbone, the distiller's set-up, batch sizes against the splits). Networks are built and freed again; nothing
   * is written.
   */
  async validateFile(file: string): Promise<{ config: PipelineConfig; baseDir: string }> {
    const { config, baseDir } = await this.readConfig(file);
    new RunDirectory(this.resolvePath(baseDir, config.output.dir)).checkFresh(config.output.overwrite);
    await selectBackend(config.backend);
    const parts = await this.assemble(config, baseDir);
    try {
      checkRunnable(config, parts);
    } finally {
      parts.dispose();
    }
    return { config, baseDir };
  }

  /** Checks that need more than the schema: cross-section rules and files that must exist. */
  private async checkSemantics(config: PipelineConfig, baseDir: string, file: string): Promise<void> {
    if (config.distiller && !config.teacher) {
      // Factories only read options, so asking the distiller costs no tensors.
      const d = await this.registry.get('distiller', config.distiller.name, '/distiller/name').create(config.distiller, { container: this.container, baseDir });
      const needs = d.usesTeacher;
      d.dispose?.();
      if (needs) throw new KdInputError(`${file}: /teacher: the "${config.distiller.name}" distiller needs a teacher; add a teacher section with its backbone and weights`);
    }
    if (config.teacher) {
      const w = this.resolvePath(baseDir, config.teacher.weights);
      if (!existsSync(w)) throw new KdInputError(`${file}: /teacher/weights: ${w} does not exist; train the teacher first (kd run its config)`);
      const out = this.resolvePath(baseDir, config.output.dir);
      const teacherDir = basename(w) === RUN_FILES.final ? dirname(w) : w;
      if (isSameOrInside(out, teacherDir) || isSameOrInside(teacherDir, out))
        throw new KdInputError(
          `${file}: /output/dir: ${out} ${out === teacherDir ? 'is' : isSameOrInside(out, teacherDir) ? 'is inside' : 'contains'} the teacher's directory ${teacherDir}; a run there would replace or clear the teacher: choose a separate directory`,
        );
    }
    const milestones = config.training.schedule.milestones ?? [];
    for (let i = 1; i < milestones.length; i++)
      if (milestones[i]! <= milestones[i - 1]!)
        throw new KdInputError(`${file}: /training/schedule/milestones/${i}: got ${milestones[i]}; expected a number > ${milestones[i - 1]} (increasing)`);
  }

  resolvePath(baseDir: string, p: string): string {
    return isAbsolute(p) ? p : resolve(baseDir, p);
  }

  /** Builds the dataset, networks and distiller of a validated config on the active backend. */
  async assemble(config: PipelineConfig, baseDir: string, events: RunEvents = new RunEvents()) {
    const run = this.container.createChildContainer();
    run.register(RUN_CONFIG, { useValue: config as unknown as Readonly<Record<string, unknown>> });
    const registry = this.registry;
    const ctx = { container: run, baseDir };
    const seed = config.training.seed;
    let dataset: Dataset | undefined;
    let student: Network | undefined;
    let teacher: Network | undefined;
    let distiller: Distiller | undefined;
    const evaluators: NamedEvaluator[] = [];
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
        });
      student = await build(config.student.backbone, 'student');
      if (config.teacher) {
        teacher = await build(config.teacher.backbone, 'teacher');
        loadNetwork(this.resolvePath(baseDir, config.teacher.weights), teacher);
      }
      if (config.distiller) {
        distiller = await registry.get('distiller', config.distiller.name, '/distiller/name').create(config.distiller, ctx);
        if (distiller.usesTeacher && !teacher)
          throw new KdInputError(`/teacher: the "${config.distiller.name}" distiller needs a teacher; add a teacher section`);
        await distiller.setup?.({
          student,
          teacher,
          numClasses,
          rng: Rng.derive(seed, 'distiller'),
          createNetwork: (spec, scope) => build(spec, scope),
          events,
          runDir: this.resolvePath(baseDir, config.output.dir),
        });
      }
      for (const [i, e] of config.evaluators.entries())
        evaluators.push({ name: e.name, evaluator: await registry.get('evaluator', e.name, `/evaluators/${i}/name`).create(e, ctx) });
    } catch (e) {
      // A bad teacher file or a distiller refusing its set-up must not leave the networks built so far allocated.
      dispose();
      throw e;
    }
    return { dataset, student, teacher, distiller, evaluators, dispose };
  }

  /** Builds the models of a config without training: shapes, parameter counts, a memory estimate. */
  async plan(file: string): Promise<PipelinePlan> {
    const { config, baseDir } = await this.readConfig(file);
    await selectBackend(config.backend);
    const parts = await this.assemble(config, baseDir);
    try {
      const student = describeNetwork(parts.student);
      const teacher = parts.teacher ? describeNetwork(parts.teacher) : null;
      const stages = (parts.distiller?.stages?.() ?? [{ name: 'train' }]).map((s) => ({ name: s.name, epochs: s.epochs ?? config.training.epochs }));
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
      throw new KdInputError(`${runDir.dir}: not a kd run directory (no ${RUN_FILES.config})${runDir.isKdRun ? '; it was stopped before its config was written: run the config again' : ''}`);
    if (runDir.isFinished) throw new KdInputError(`${runDir.dir}: the run already finished (${RUN_FILES.summary} says so)`);
    const prov = runDir.readJson<{ baseDir?: string }>(RUN_FILES.provenance);
    const baseDir = prov.baseDir ?? runDir.dir;
    const raw = runDir.readJson<Record<string, unknown>>(RUN_FILES.config);
    await this.loadFor(raw, baseDir, runDir.path(RUN_FILES.config));
    const config = this.validator().validate<PipelineConfig>(raw, runDir.path(RUN_FILES.config));
    if (resolve(baseDir, config.output.dir) !== runDir.dir)
      throw new KdInputError(`${runDir.dir}: its config writes to ${resolve(baseDir, config.output.dir)}; was the directory moved?`);
    return this.runConfig(config, baseDir, { ...options, resume: true });
  }

  /** Trains a config end to end and writes its run directory. */
  async run(file: string, options: RunOptions = {}): Promise<RunResult> {
    const { config, baseDir } = await this.readConfig(file);
    return this.runConfig(config, baseDir, options);
  }

  async runConfig(config: PipelineConfig, baseDir: string, options: RunOptions = {}): Promise<RunResult> {
    const events = options.events ?? new RunEvents();
    const runDir = new RunDirectory(this.resolvePath(baseDir, config.output.dir));
    // Everything that can still fail on bad input happens before the run directory is touched.
    let fresh = options.resume ? undefined : runDir.checkFresh(config.output.overwrite);
    const backend: BackendChoice = await selectBackend(config.backend);
    this.logger.info(`backend: ${backend.name} — ${backend.reason}`);
    const parts = await this.assemble(config, baseDir, events);
    let lock: RunLock | undefined;
    let trainer: Trainer | undefined;
    let resume: LoadedCheckpoint | undefined;
    let prepared = false;
    try {
      checkRunnable(config, parts);
      mkdirSync(runDir.dir, { recursive: true });
      lock = RunLock.acquire(runDir.dir, (m) => this.logger.warn(m));
      // With the lock held nothing else writes here; decide again, as the directory may have changed meanwhile.
      const checkpoint = options.resume ? latestCheckpoint(runDir.path(RUN_FILES.checkpoints)) : undefined;
      if (options.resume && !checkpoint) {
        this.logger.info(`${runDir.dir}: no checkpoint yet (stopped in its first epoch): starting over in place`);
        fresh = 'reuse';
      } else if (!options.resume) fresh = runDir.checkFresh(config.output.overwrite);
      if (fresh) {
        if (fresh === 'reuse') this.logger.info(`${runDir.dir}: reusing the directory of a run that stopped before its first checkpoint`);
        runDir.prepareFresh(fresh);
        prepared = true;
        crashPoint('run-dir-prepared');
        // provenance.json before config.json: a directory with a config always has its provenance (resume reads both).
        runDir.writeJson(RUN_FILES.provenance, { ...this.provenance(config, backend), baseDir });
        crashPoint('provenance-written');
        runDir.writeJson(RUN_FILES.config, config);
      } else {
        const swept = runDir.sweepTemporaries();
        if (swept.length) this.logger.info(`removed ${swept.length} temporary file(s) a stopped writer left`);
        resume = loadCheckpoint(checkpoint!);
        // Checked before anything is rewritten: a damaged directory is reported and left as it is.
        runDir.metricsLines();
        runDir.truncateMetrics(resume.position.metricsLines);
        prepared = true;
        rmSync(runDir.path(RUN_FILES.summary), { force: true });
        const prov = runDir.readJson<Record<string, unknown>>(RUN_FILES.provenance);
        const resumes = Array.isArray(prov['resumes']) ? prov['resumes'] : [];
        runDir.writeJson(RUN_FILES.provenance, {
          ...prov,
          resumes: [...resumes, { at: new Date().toISOString(), fromCheckpoint: resume.dir, backend: backend.name, gitSha: gitSha(this.root) }],
        });
        this.logger.info(`resuming from ${resume.dir}`);
      }
      for (const { evaluator } of parts.evaluators) evaluator.attach?.(events);
      await events.emit('runStart', { runDir: runDir.dir, config: config as never, resumedFromEpoch: resume?.position.epochsDone ?? null });
      trainer = new Trainer({ config, runDir, ...parts, events, resume, stop: options.stop });
      const result = await trainer.run();
      resume?.dispose();
      const head = parts.distiller?.studentHead?.();
      writeDirAtomic(runDir.path(RUN_FILES.final), (dir) => saveNetwork(dir, parts.student, head));
      const summary = this.summary(runDir, config, backend, parts, 'finished', null, trainer.warnings, result.final, result.best);
      runDir.writeJson(RUN_FILES.summary, summary);
      await events.emit('runEnd', { runDir: runDir.dir, final: summary as never });
      return { runDir: runDir.dir, summary: summary as never };
    } catch (e) {
      resume?.dispose();
      // A run that got its directory records how it ended, so `kd report` and sweeps never have to guess.
      if (prepared) {
        const failure: RunFailure =
          e instanceof TrainingStopped ? e.failure : { kind: 'error', message: (e as Error).message ?? String(e) };
        const status = failure.kind === 'interrupted' ? 'interrupted' : 'failed';
        try {
          runDir.writeJson(RUN_FILES.summary, this.summary(runDir, config, backend, parts, status, failure, trainer?.warnings ?? [], trainer?.lastMetrics ?? {}, trainer?.best));
        } catch (w) {
          this.logger.warn(`could not record the run's status in ${RUN_FILES.summary}: ${(w as Error).message}`);
        }
      }
      throw e;
    } finally {
      lock?.release();
      // Each part frees its own variables; disposing every variable in the process would also destroy models the
      // caller holds.
      parts.dispose();
    }
  }

  private summary(
    runDir: RunDirectory,
    config: PipelineConfig,
    backend: BackendChoice,
    parts: { student: Network; teacher?: Network | undefined; distiller?: Distiller | undefined; },
    status: RunSummary['status'],
    failure: RunFailure | null,
    warnings: readonly RunWarning[],
    final: RunSummary['final'],
    best: RunSummary['best'] | undefined,
  ): RunSummary {
    const head = parts.distiller?.studentHead?.();
    const stages = parts.distiller?.stages?.() ?? [{ name: 'train' }];
    let lines: Record<string, unknown>[] = [];
    try {
      lines = runDir.metricsLines();
    } catch {
      /* a damaged metrics file must not hide how the run ended */
    }
    return {
      status,
      failure,
      warnings,
      config: RUN_FILES.config,
      backend: backend.name,
      seed: config.training.seed,
      epochs: stages.reduce((a, s) => a + (s.epochs ?? config.training.epochs), 0),
      final,
      best: best ?? null,
      studentParams: deployedStudent(parts.student, head).countParams(),
      teacherParams: parts.teacher?.countParams() ?? null,
      studentFlops: parts.student.countFlops?.() ?? null,
      teacherFlops: parts.teacher?.countFlops?.() ?? null,
      seconds: lines.reduce((a, l) => a + Number((l['time'] as { seconds?: number })?.seconds ?? 0), 0),
      finishedAt: new Date().toISOString(),
    };
  }

  private provenance(config: PipelineConfig, backend: BackendChoice): Record<string, unknown> {
    const packages: Record<string, string> = { '@kd/core': coreVersion() };
    for (const m of this.registry.manifests) packages[`@kd/${m.kind}-${m.name}`] = m.version;
    packages['@tensorflow/tfjs-core'] = tf.version_core;
    return {
      startedAt: new Date().toISOString(),
      seed: config.training.seed,
      backend: {
        name: backend.name,
        reason: backend.reason,
        kernels: backend.kernels,
        ...(backend.threads !== undefined ? { threads: backend.threads } : {}),
        ...(backend.oneDnn !== undefined ? { oneDnn: backend.oneDnn } : {}),
      },
      packages,
      gitSha: gitSha(this.root),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
    };
  }
}

let cachedVersion: string | undefined;
export function coreVersion(): string {
  if (!cachedVersion) {
    try {
      cachedVersion = String((JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version);
    } catch {
      cachedVersion = '0.0.0';
    }
  }
  return cachedVersion;
}

