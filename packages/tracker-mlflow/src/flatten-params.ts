import type { MlflowParam } from './mlflow.client.js';

/** MLflow keeps param values up to 500 characters on every server version still in use (6000 on recent ones). */
export const MAX_PARAM_VALUE = 500;
const MAX_PARAM_KEY = 250;

/**
 * A resolved config as MLflow params: one per leaf, keyed by its dotted path (`training.optimizer.lr`,
 * `evaluators.0.name`); an empty object or array is one param holding `{}` / `[]`.
 */
export function flattenParams(value: unknown, prefix = ''): MlflowParam[] {
  if (value !== null && typeof value === 'object') {
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
    if (entries.length === 0) return prefix ? [param(prefix, Array.isArray(value) ? '[]' : '{}')] : [];
    return entries.flatMap(([k, v]) => flattenParams(v, prefix ? `${prefix}.${k}` : k));
  }
  return value === undefined ? [] : [param(prefix, String(value))];
}

function param(key: string, value: string): MlflowParam {
  // MLflow refuses keys with other characters than these.
  const safe = key.replace(/[^A-Za-z0-9_\-. /]/g, '_').slice(0, MAX_PARAM_KEY);
  return { key: safe, value: value.length > MAX_PARAM_VALUE ? `${value.slice(0, MAX_PARAM_VALUE - 1)}…` : value };
}
