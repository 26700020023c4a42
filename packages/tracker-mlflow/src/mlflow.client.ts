/** The subset of MLflow's REST tracking API (https://mlflow.org/docs/latest/rest-api.html) the tracker uses. */
export interface MlflowMetric {
  readonly key: string;
  /** proto3 JSON: a double, or "NaN" / "Infinity" / "-Infinity", which JSON numbers cannot hold. */
  readonly value: number | string;
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
  readonly step: number;
}
export interface MlflowParam {
  readonly key: string;
  readonly value: string;
}
export type MlflowRunStatus = 'RUNNING' | 'FINISHED' | 'FAILED' | 'KILLED';

/** log-batch accepts at most 1000 metrics and 100 params per request. */
export const MAX_BATCH_METRICS = 1000;
export const MAX_BATCH_PARAMS = 100;

export class MlflowError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly errorCode: string | undefined,
  ) {
    super(message);
  }
}

export type Fetch = typeof fetch;

function authHeader(env: NodeJS.ProcessEnv): Record<string, string> {
  const token = env['MLFLOW_TRACKING_TOKEN'];
  if (token) return { authorization: `Bearer ${token}` };
  const user = env['MLFLOW_TRACKING_USERNAME'];
  const password = env['MLFLOW_TRACKING_PASSWORD'];
  if (user && password) return { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
  return {};
}

export class MlflowClient {
  private readonly base: string;

  constructor(
    trackingUri: string,
    private readonly timeoutMs: number,
    private readonly fetchImpl: Fetch = fetch,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.base = `${trackingUri.replace(/\/+$/, '')}/api/2.0/mlflow`;
  }

  /** The experiment's id, creating the experiment when the server has none of this name. */
  async experimentId(name: string): Promise<string> {
    try {
      const r = await this.call<{ experiment: { experiment_id: string } }>(
        'GET',
        `/experiments/get-by-name?experiment_name=${encodeURIComponent(name)}`,
      );
      return r.experiment.experiment_id;
    } catch (e) {
      if (!(e instanceof MlflowError) || e.errorCode !== 'RESOURCE_DOES_NOT_EXIST') throw e;
    }
    return (await this.call<{ experiment_id: string }>('POST', '/experiments/create', { name })).experiment_id;
  }

  async createRun(experimentId: string, runName: string, startTime: number, tags: readonly MlflowParam[]): Promise<string> {
    const r = await this.call<{ run: { info: { run_id: string } } }>('POST', '/runs/create', {
      experiment_id: experimentId,
      run_name: runName,
      start_time: startTime,
      tags,
    });
    return r.run.info.run_id;
  }

  async logBatch(runId: string, metrics: readonly MlflowMetric[], params: readonly MlflowParam[] = []): Promise<void> {
    await this.call('POST', '/runs/log-batch', { run_id: runId, metrics, params, tags: [] });
  }

  async updateRun(runId: string, status: MlflowRunStatus, endTime?: number): Promise<void> {
    await this.call('POST', '/runs/update', { run_id: runId, status, ...(endTime !== undefined ? { end_time: endTime } : {}) });
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const url = `${this.base}${path}`;
    let res: Response;
    try {
      res = await this.fetchImpl(url, {
        method,
        headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...authHeader(this.env) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      const cause = (e as { cause?: { message?: string } }).cause?.message;
      throw new MlflowError(`MLflow ${method} ${url}: ${(e as Error).message}${cause ? ` (${cause})` : ''}`, 0, undefined);
    }
    const text = await res.text();
    let json: Record<string, unknown> = {};
    try {
      json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      /* an HTML error page from a proxy: reported by status below */
    }
    if (!res.ok) {
      const code = typeof json['error_code'] === 'string' ? json['error_code'] : undefined;
      const message = typeof json['message'] === 'string' ? json['message'] : text.slice(0, 200);
      throw new MlflowError(`MLflow ${method} ${url}: HTTP ${res.status}${code ? ` ${code}` : ''}: ${message}`, res.status, code);
    }
    return json as T;
  }
}
