// The option values a bare `{ name: 'kdsvd' }` resolves to, written out by hand: the plugin spec pins the schema to them
// and the end-to-end spec expects a run to record them.
export const kdsvdDefaults = {
  name: 'kdsvd',
  beta: 1,
  ceWeight: 1,
  k: 1,
  extraCandidates: 3,
  vectorsOver: 'width',
  stages: [],
  teacherStages: [],
  feature: 'output',
} as const;
