import { mkdirSync, rmSync } from 'node:fs';
import { selectBackend, type BackendChoice } from '../backend/select-backend.js';
import type { PipelineConfig } from '../config/pipeline-config.js';
import type { Distiller } from '../contracts/distiller.js';
import type { Network } from '../contracts/network.js';
import { crashPoint } from '../engine/crash-point.js';
import { RunEvents } from '../engine/events.js';
import { RunDirectory, RUN_FILES, gitSha } from '../engine/run-directory.js';
import { RunLock } from '../engine/run-lock.js';
import { Trainer, deployedStudent } from '../engine/trainer.js';
import { TrainingStopped, type StopRequest } from '../engine/training-stopped.js';
import { writeDirAtomic } from '../io/atomic.js';
import { latestCheckpoint, loadCheckpoint, type LoadedCheckpoint } from '../io/checkpoint.js';
import { saveNetwork } from '../io/network-weights.js';
import { readProvenance, type EpochRecord, type RunFailure, type RunSummary, type RunWarning } from '../io/run-files.js';
import type { PluginRegistry } from '../plugin/registry.js';
import type { Logger } from '../plugin/tokens.js';
import type { AssembledPipeline } from './assemble.js';
import { checkRunnable, resolvePath } from './config-checks.js';
import { provenance } from './provenance.js';
import { stagesOf } from '../engine/stage-modules.js';
import { TeacherCache } from '../engine/teacher-cache.js';
import { explainWasmFailure, isWasmFailure } from '../backend/wasm-failure.js';
import { KdInputError } from '../errors/errors.js';
import { TrackerHub } from './trackers.js';

export interface RunOptions {
  readonly events?: RunEvents;
  /** Set on SIGINT/SIGTERM by the host: the run checkpoints at the next step boundary and stops (exit 130/143). */
  readonly stop?: StopRequest;
  /** Continue the interrupted run in this directory. */
  readonly resume?: boolean;
  /** `path=value` overrides applied to the config file (`kd run --set`); recorded in provenance.json. */
  readonly overrides?: readonly string[];
}

export interface RunResult {
  readonly runDir: string;
  readonly summary: RunSummary;
}

/** What a run session needs from the runtime that hosts it. */
export interface SessionHost {
  readonly root: string;
  readonly logger: Logger;
  readonly registry: PluginRegistry;
  assemble(config: PipelineConfig, baseDir: string, events: RunEvents): Promise<AssembledPipeline>;
}

/**
 * One run of a validated config, start to end: the checks that need the assembled pipeline, the run directory
 * (lock, marker, fresh start or resume), training, and the record of how it ended — `final/` and a finished summary,
 * or a failed/interrupted summary with the reason. Nothing is written before every input check has passed.
 */
export async function runSession(host: SessionHost, config: PipelineConfig, baseDir: string, options: RunOptions = {}): Promise<RunResult> {
  const events = options.events ?? new RunEvents();
  const runDir = new RunDirectory(resolvePath(baseDir, config.output.dir));
  // Everything that can still fail on bad input happens before the run directory is touched.
  let fresh = options.resume ? undefined : runDir.checkFresh(config.output.overwrite);
  const backend: BackendChoice = await selectBackend(config.backend);
  host.logger.info(`backend: ${backend.name} — ${backend.reason}`);
  const parts = await host.assemble(config, baseDir, events);
  let lock: RunLock | undefined;
  let wasmFailed = false;
  let trainer: Trainer | undefined;
  let teacherCache: TeacherCache | undefined;
  let resume: LoadedCheckpoint | undefined;
  let prepared = false;
  const trackers = new TrackerHub(parts.trackers ?? [], events, host.logger);
  let trackersAttached = false;
  try {
    checkRunnable(config, parts);
    mkdirSync(runDir.dir, { recursive: true });
    lock = RunLock.acquire(runDir.dir, (m) => host.logger.warn(m));
    // With the lock held nothing else writes here; decide again, as the directory may have changed meanwhile (a
    // second --resume that started while the first was still training finds the run finished once it gets the lock).
    if (options.resume && runDir.isFinished)
      throw new KdInputError(`${runDir.dir}: the run already finished (${RUN_FILES.summary} says so)`);
    const checkpoint = options.resume ? latestCheckpoint(runDir.path(RUN_FILES.checkpoints)) : undefined;
    if (options.resume && !checkpoint) {
      host.logger.info(`${runDir.dir}: no checkpoint yet (stopped in its first epoch): starting over in place`);
      fresh = 'reuse';
    } else if (!options.resume) fresh = runDir.checkFresh(config.output.overwrite);
    if (fresh) {
      if (fresh === 'reuse') host.logger.info(`${runDir.dir}: reusing the directory of a run that stopped before its first checkpoint`);
      runDir.prepareFresh(fresh);
      prepared = true;
      crashPoint('run-dir-prepared');
      // provenance.json before config.json: a directory with a config always has its provenance (resume reads both).
      runDir.writeJson(RUN_FILES.provenance, {
        ...provenance(config, backend, host.registry, host.root),
        baseDir,
        ...(options.overrides?.length ? { overrides: options.overrides } : {}),
      });
      crashPoint('provenance-written');
      runDir.writeJson(RUN_FILES.config, config);
    } else {
      const swept = runDir.sweepTemporaries();
      if (swept.length) host.logger.info(`removed ${swept.length} temporary file(s) a stopped writer left`);
      resume = loadCheckpoint(checkpoint!);
      // Reads (and checks) every line before rewriting: a damaged file is reported and left as it is.
      runDir.truncateMetrics(resume.position.metricsLines);
      prepared = true;
      rmSync(runDir.path(RUN_FILES.summary), { force: true });
      const prov = readProvenance(runDir.dir);
      const resumes = prov.resumes ?? [];
      runDir.writeJson(RUN_FILES.provenance, {
        ...prov,
        resumes: [
          ...resumes,
          { at: new Date().toISOString(), fromCheckpoint: resume.dir, backend: backend.name, gitSha: gitSha(host.root) },
        ],
      });
      host.logger.info(`resuming from ${resume.dir}`);
    }
    for (const { evaluator } of parts.evaluators) evaluator.attach?.(events);
    trackers.attach();
    trackersAttached = true;
    await events.emit('runStart', { runDir: runDir.dir, config: config as never, resumedFromEpoch: resume?.position.epochsDone ?? null });
    const cache = config.teacher?.cache;
    teacherCache =
      cache && parts.teacher && parts.distiller?.usesTeacher
        ? TeacherCache.open({ ...cache, dir: resolvePath(baseDir, cache.dir) }, parts.teacher)
        : undefined;
    trainer = new Trainer({ config, runDir, ...parts, teacherCache, events, resume, stop: options.stop });
    const result = await trainer.run();
    resume?.dispose();
    const head = parts.distiller?.studentHead?.();
    writeDirAtomic(runDir.path(RUN_FILES.final), (dir) => saveNetwork(dir, parts.student, head));
    const summary = summarise(
      runDir,
      config,
      backend,
      { ...parts, teacherCache },
      'finished',
      null,
      trainer.warnings,
      result.final,
      result.best,
    );
    runDir.writeJson(RUN_FILES.summary, summary);
    await events.emit('runEnd', { runDir: runDir.dir, final: summary as never });
    trackersAttached = false;
    await trackers.close({ status: 'finished' });
    return { runDir: runDir.dir, summary: summary as never };
  } catch (caught) {
    const e = explainWasmFailure(caught);
    wasmFailed = isWasmFailure(e);
    resume?.dispose();
    if (trackersAttached)
      await trackers.close({
        status: e instanceof TrainingStopped && e.failure.kind === 'interrupted' ? 'interrupted' : 'failed',
        message: (e as Error).message ?? String(e),
      });
    // A run that got its directory records how it ended, so `kd report` and sweeps never have to guess.
    if (prepared) {
      const failure: RunFailure = e instanceof TrainingStopped ? e.failure : { kind: 'error', message: (e as Error).message ?? String(e) };
      const status = failure.kind === 'interrupted' ? 'interrupted' : 'failed';
      try {
        runDir.writeJson(
          RUN_FILES.summary,
          summarise(
            runDir,
            config,
            backend,
            { ...parts, teacherCache },
            status,
            failure,
            trainer?.warnings ?? [],
            trainer?.lastMetrics ?? {},
            trainer?.best,
          ),
        );
      } catch (w) {
        host.logger.warn(`could not record the run's status in ${RUN_FILES.summary}: ${(w as Error).message}`);
      }
    }
    throw e;
  } finally {
    lock?.release();
    // Each part frees its own variables; disposing every variable in the process would also destroy models the
    // caller holds. After a wasm trap the heap cannot be trusted: freeing through it would only trap again and hide
    // the first error.
    if (!wasmFailed) parts.dispose();
  }
}

function summarise(
  runDir: RunDirectory,
  config: PipelineConfig,
  backend: BackendChoice,
  parts: { student: Network; teacher?: Network | undefined; distiller?: Distiller | undefined; teacherCache?: TeacherCache | undefined },
  status: RunSummary['status'],
  failure: RunFailure | null,
  warnings: readonly RunWarning[],
  final: RunSummary['final'],
  best: RunSummary['best'] | undefined,
): RunSummary {
  const head = parts.distiller?.studentHead?.();
  const stages = stagesOf(parts.distiller);
  let lines: EpochRecord[] = [];
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
    ...(parts.teacherCache ? { teacherCache: { ...parts.teacherCache.stats } } : {}),
  };
}
