/**
 * A stand-in for an MLflow tracking server (none can be installed here: no network besides the npm registry), checking
 * every request against MLflow's documented REST API 2.0 (https://mlflow.org/docs/latest/rest-api.html): endpoint and
 * method, JSON body, required fields and their types, log-batch limits (1000 metrics, 100 params, 100 tags; param
 * values up to 500 characters here, the smallest limit of current servers), params never changed once logged, the
 * run status enum. A request that breaks a rule gets the 400 INVALID_PARAMETER_VALUE a server sends and is listed
 * in `violations`, which a test expects to stay empty.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Exchange {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly headers: IncomingMessage['headers'];
  readonly body: Record<string, unknown> | undefined;
  readonly status: number;
}
export interface FakeRun {
  readonly runId: string;
  readonly experimentId: string;
  readonly runName: string;
  readonly startTime: number;
  status: string;
  endTime?: number;
  readonly tags: Map<string, string>;
  readonly params: Map<string, string>;
  readonly metrics: { key: string; value: number; timestamp: number; step: number }[];
}

class Invalid extends Error {}

const isInt = (v: unknown) => (typeof v === 'number' && Number.isInteger(v)) || (typeof v === 'string' && /^-?\d+$/.test(v));
const check = (ok: boolean, message: string) => {
  if (!ok) throw new Invalid(message);
};
const keyValues = (list: unknown, what: string, max: number, maxValue = Infinity): { key: string; value: string }[] => {
  if (list === undefined) return [];
  check(Array.isArray(list), `${what} must be an array`);
  const l = list as { key?: unknown; value?: unknown }[];
  check(l.length <= max, `${what}: at most ${max} per request`);
  for (const t of l) {
    check(typeof t.key === 'string' && t.key.length > 0 && /^[A-Za-z0-9_\-. /]+$/.test(t.key), `${what}: bad key ${JSON.stringify(t.key)}`);
    check(typeof t.value === 'string' && t.value.length <= maxValue, `${what}: bad value for ${String(t.key)}`);
  }
  return l as { key: string; value: string }[];
};
const metricNumber = (v: unknown): number => {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  throw new Invalid(`metric value ${JSON.stringify(v)} is not a double`);
};

export class FakeMlflowServer {
  readonly exchanges: Exchange[] = [];
  readonly violations: string[] = [];
  readonly experiments = new Map<string, string>([['Default', '0']]);
  readonly runs = new Map<string, FakeRun>();
  private server: Server | undefined;
  private nextId = 1;

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const u = new URL(req.url ?? '/', 'http://x');
        let body: Record<string, unknown> | undefined;
        let status = 200;
        let out: unknown = {};
        try {
          if (req.method === 'POST') {
            check(/^application\/json/.test(req.headers['content-type'] ?? ''), 'POST bodies are application/json');
            body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
          }
          out = this.handle(req.method ?? '', u.pathname, u.searchParams, body ?? {});
        } catch (e) {
          if (e instanceof NotFound) {
            status = 404;
            out = { error_code: e.code, message: e.message };
          } else {
            status = 400;
            out = { error_code: 'INVALID_PARAMETER_VALUE', message: (e as Error).message };
            this.violations.push(`${req.method} ${u.pathname}: ${(e as Error).message}`);
          }
        }
        this.exchanges.push({
          method: req.method ?? '',
          path: u.pathname,
          query: Object.fromEntries(u.searchParams),
          headers: req.headers,
          body,
          status,
        });
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(out));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private run(body: Record<string, unknown>): FakeRun {
    check(typeof body['run_id'] === 'string', 'run_id (string) is required');
    const run = this.runs.get(body['run_id'] as string);
    if (!run) throw new NotFound('RESOURCE_DOES_NOT_EXIST', `Run '${String(body['run_id'])}' not found`);
    return run;
  }

  private handle(method: string, path: string, query: URLSearchParams, body: Record<string, unknown>): unknown {
    const route = `${method} ${path}`;
    switch (route) {
      case 'GET /api/2.0/mlflow/experiments/get-by-name': {
        const name = query.get('experiment_name');
        check(!!name, 'experiment_name is required');
        const id = this.experiments.get(name!);
        if (id === undefined) throw new NotFound('RESOURCE_DOES_NOT_EXIST', `Could not find experiment with name '${name}'`);
        return { experiment: { experiment_id: id, name, lifecycle_stage: 'active' } };
      }
      case 'POST /api/2.0/mlflow/experiments/create': {
        check(typeof body['name'] === 'string' && (body['name'] as string).length > 0, 'name (string) is required');
        check(!this.experiments.has(body['name'] as string), 'experiment exists (RESOURCE_ALREADY_EXISTS)');
        const id = String(this.nextId++);
        this.experiments.set(body['name'] as string, id);
        return { experiment_id: id };
      }
      case 'POST /api/2.0/mlflow/runs/create': {
        check(typeof body['experiment_id'] === 'string', 'experiment_id (string) is required');
        check([...this.experiments.values()].includes(body['experiment_id'] as string), 'unknown experiment_id');
        check(body['run_name'] === undefined || typeof body['run_name'] === 'string', 'run_name is a string');
        check(body['start_time'] === undefined || isInt(body['start_time']), 'start_time is an int64');
        const tags = keyValues(body['tags'], 'tags', Infinity);
        const runId = `run${this.nextId++}`;
        const run: FakeRun = {
          runId,
          experimentId: body['experiment_id'] as string,
          runName: (body['run_name'] as string) ?? '',
          startTime: Number(body['start_time'] ?? 0),
          status: 'RUNNING',
          tags: new Map(tags.map((t) => [t.key, t.value])),
          params: new Map(),
          metrics: [],
        };
        this.runs.set(runId, run);
        return {
          run: {
            info: {
              run_id: runId,
              run_uuid: runId,
              experiment_id: run.experimentId,
              status: 'RUNNING',
              start_time: run.startTime,
              lifecycle_stage: 'active',
            },
            data: {},
          },
        };
      }
      case 'POST /api/2.0/mlflow/runs/log-batch': {
        const run = this.run(body);
        check(run.status === 'RUNNING', `run ${run.runId} is ${run.status}: not accepting data`);
        const params = keyValues(body['params'], 'params', 100, 500);
        keyValues(body['tags'], 'tags', 100);
        const metrics = (body['metrics'] ?? []) as Record<string, unknown>[];
        check(Array.isArray(metrics) && metrics.length <= 1000, 'metrics: an array of at most 1000');
        const parsed = metrics.map((m) => {
          check(typeof m['key'] === 'string' && /^[A-Za-z0-9_\-. /]+$/.test(m['key'] as string), `metric key ${JSON.stringify(m['key'])}`);
          check(isInt(m['timestamp']), 'metric timestamp (int64) is required');
          check(m['step'] === undefined || isInt(m['step']), 'metric step is an int64');
          return {
            key: m['key'] as string,
            value: metricNumber(m['value']),
            timestamp: Number(m['timestamp']),
            step: Number(m['step'] ?? 0),
          };
        });
        for (const p of params) check(!run.params.has(p.key) || run.params.get(p.key) === p.value, `param ${p.key} changed`);
        for (const p of params) run.params.set(p.key, p.value);
        run.metrics.push(...parsed);
        return {};
      }
      case 'POST /api/2.0/mlflow/runs/update': {
        const run = this.run(body);
        check(
          ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'].includes(body['status'] as string),
          `status ${String(body['status'])}`,
        );
        check(body['end_time'] === undefined || isInt(body['end_time']), 'end_time is an int64');
        run.status = body['status'] as string;
        if (body['end_time'] !== undefined) run.endTime = Number(body['end_time']);
        return { run_info: { run_id: run.runId, status: run.status } };
      }
      default:
        throw new NotFound('ENDPOINT_NOT_FOUND', `no endpoint ${route}`);
    }
  }
}

class NotFound extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
