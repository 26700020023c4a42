import { join } from 'node:path';
import { writeFileAtomic, type RunEvents } from '@kd/core';

/**
 * Where an evaluator writes its report file. The evaluation context carries no run directory (yet), so the evaluator
 * learns it from the `runStart` event it receives through `attach`; a context that does carry `runDir` wins. Used
 * outside a run, nothing is written.
 */
export class RunArtefact {
  private runDir: string | undefined;
  private currentStage: string | undefined;

  constructor(private readonly file: string) {}

  attach(events: RunEvents): void {
    events.on('runStart', (e) => {
      this.runDir = e.runDir;
    });
    // Epoch numbers restart with each stage of a multi-stage distiller: reports name the stage too.
    events.on('epochStart', (e) => {
      this.currentStage = e.stage;
    });
  }

  /** The training stage being evaluated, when known (from the context when it carries one). */
  stageOf(context?: object): string | undefined {
    const fromContext = (context as { stage?: unknown } | undefined)?.stage;
    return typeof fromContext === 'string' ? fromContext : this.currentStage;
  }

  /** Replaces the file atomically (readers never see half a report); returns the path written, if any. */
  write(value: unknown, context?: object): string | undefined {
    const fromContext = (context as { runDir?: unknown } | undefined)?.runDir;
    const dir = typeof fromContext === 'string' ? fromContext : this.runDir;
    if (dir === undefined) return undefined;
    const path = join(dir, this.file);
    writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
    return path;
  }
}
