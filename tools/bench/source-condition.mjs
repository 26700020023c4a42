// Module resolution hook (launch.mjs registers it under KD_BENCH_FROM_SOURCE=1): every import is resolved with the
// `@kd/source` export condition, which points the workspace's @kd/* packages at their TypeScript sources, as
// `node --conditions=@kd/source` does for a command line.
export async function resolve(specifier, context, nextResolve) {
  if (context.conditions.includes('@kd/source')) return nextResolve(specifier, context);
  return nextResolve(specifier, { ...context, conditions: [...context.conditions, '@kd/source'] });
}
