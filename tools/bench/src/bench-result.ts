import type { Stat } from '@kd/sweep';

/** The bench modes: what each changes in a config is `adapt` (lib.ts). */
export type Mode = 'smoke' | 'standard' | 'full';

/** A statistic over seeds with the values it was computed from. */
export interface SeedStats extends Stat {
  readonly values: readonly number[];
}

/** One seed's run of a method. */
export interface BenchRun {
  readonly seed: number;
  readonly last: number;
  readonly best: number;
  readonly seconds: number;
  readonly imagesPerSecond: number;
  readonly peakBytes: number;
}

/** A method's results over the seeds, as `<out>/<name>.json` holds them. */
export interface BenchMethodResult {
  /** The method's config, repository-relative. */
  readonly config: string;
  /** What the distiller reconstructs (its manifest's `reconstruction`): every page showing the row says so. */
  readonly reconstruction?: string;
  readonly epochs?: number;
  readonly last: SeedStats;
  readonly best?: SeedStats;
  readonly seconds?: SeedStats;
  readonly imagesPerSecond?: SeedStats;
  readonly peakBytes?: number;
  readonly runs?: readonly BenchRun[];
}

export interface BenchTeacher {
  /** The teacher's source config (the same for every package), repository-relative. */
  readonly config: string;
  /** In smoke and full mode, the adapted copy that ran. */
  readonly adaptedConfig?: string;
  readonly top1: number;
  readonly params?: number | null;
  readonly epochs?: number;
}

/** `<out>/<name>.json`: one package's bench (bench.ts writes it, aggregate.ts merges them, @kd/report renders it). */
export interface BenchResultFile {
  readonly name?: string;
  readonly mode?: Mode;
  readonly date?: string;
  readonly seeds?: number;
  /** Runs trained at once: with more than one, img/s is per run on a shared machine. */
  readonly jobs?: number;
  readonly threads?: { readonly teacher: number; readonly student: number };
  readonly teacher: BenchTeacher;
  readonly results: Readonly<Record<string, BenchMethodResult>>;
  readonly provenance?: {
    readonly gitSha?: string | null;
    readonly node?: string;
    readonly backend?: unknown;
    readonly packages?: Readonly<Record<string, string>>;
    readonly sources?: readonly string[];
  };
}
