import { RunEvents, type PipelineConfig } from '@kd/core';
import { KdRuntime, type RunResult } from '@kd/core/host';
import type { DependencyContainer } from 'tsyringe';

export type Register = (container: DependencyContainer) => void;

/**
 * A runtime holding exactly the plugins registered here, without discovery: the test states what the run needs
 * (the package under test passes its own `register`).
 */
export function runtimeWith(...registers: readonly Register[]): KdRuntime {
  const runtime = new KdRuntime({ discover: false });
  for (const r of registers) r(runtime.container);
  return runtime;
}

/** Validates `raw` as a pipeline config and runs it in memory, relative to `baseDir`. */
export async function runConfig(
  runtime: KdRuntime,
  raw: Record<string, unknown>,
  baseDir: string,
  events = new RunEvents(),
): Promise<RunResult> {
  const config = runtime.validator().validate<PipelineConfig>(raw, 'test config');
  return runtime.runConfig(config, baseDir, { events });
}
