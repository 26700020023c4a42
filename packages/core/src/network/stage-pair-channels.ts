/** One student → teacher stage pair as a method's per-pair module (a connector, a regressor) is built for it. */
export interface StagePairChannels {
  /** Prefix of the pair's variable names (the student stage). */
  readonly name: string;
  readonly studentChannels: number;
  readonly teacherChannels: number;
}
