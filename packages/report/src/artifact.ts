/** A confusion matrix: rows are true classes, columns predicted ones. */
export interface ConfusionMatrix {
  /** Where it came from: file and key path, e.g. `artifacts/confusion-matrix.json#student`. */
  readonly source: string;
  readonly label: string;
  readonly classNames: readonly string[];
  readonly matrix: readonly (readonly number[])[];
  /**
   * Samples of each true class that have no prediction because their logits were not finite (evaluator-accuracy's
   * `nonFinitePerClass`): in no column, but misses of their class.
   */
  readonly nonFinite?: readonly number[];
}

export interface CalibrationBin {
  readonly lower: number;
  readonly upper: number;
  readonly confidence: number;
  readonly accuracy: number;
  readonly count: number;
}

export interface CalibrationDiagram {
  readonly source: string;
  readonly label: string;
  readonly bins: readonly CalibrationBin[];
  /** Scalar fields found beside the bins (ece, mce, …), shown in the caption. */
  readonly scalars: Readonly<Record<string, number>>;
}

export interface RecognisedArtifacts {
  readonly confusion: ConfusionMatrix[];
  readonly calibration: CalibrationDiagram[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNumberRow = (r: unknown): r is number[] => Array.isArray(r) && r.every((x) => typeof x === 'number' && Number.isFinite(x));

/** Class names an object gives (`classNames`, `labels` or `classes`: strings), if any. */
function namesOf(v: Obj): string[] | undefined {
  const names = v['classNames'] ?? v['labels'] ?? v['classes'];
  return Array.isArray(names) && names.length > 0 && names.every((n) => typeof n === 'string') ? names : undefined;
}

function asConfusion(v: Obj, source: string, label: string, inherited?: readonly string[]): ConfusionMatrix | undefined {
  const m = v['matrix'] ?? v['confusion'];
  if (!Array.isArray(m) || m.length === 0 || !m.every(isNumberRow) || !m.every((r) => r.length === m.length)) return undefined;
  // Names on the matrix's own object first, then on an enclosing one (evaluator-accuracy names them once per file).
  const names = [namesOf(v), inherited].find((n) => n?.length === m.length);
  const classNames = names ? [...names] : m.map((_, i) => String(i));
  const nf = v['nonFinitePerClass'];
  const nonFinite = isNumberRow(nf) && nf.length === m.length ? { nonFinite: nf } : {};
  return { source, label, classNames, matrix: m, ...nonFinite };
}

function asCalibration(v: Obj, source: string, label: string): CalibrationDiagram | undefined {
  const raw = Array.isArray(v['bins']) ? v['bins'] : v['reliability'];
  if (!Array.isArray(raw) || raw.length === 0 || !raw.every(isObj)) return undefined;
  const n = raw.length;
  const bins: CalibrationBin[] = [];
  for (const [i, b] of raw.entries()) {
    const num = (k: string) => (typeof b[k] === 'number' && Number.isFinite(b[k]) ? (b[k] as number) : undefined);
    const confidence = num('confidence');
    const count = num('count');
    // An empty bin has no accuracy (evaluator-calibration writes null); it is drawn as nothing.
    const accuracy = num('accuracy') ?? (count === 0 && b['accuracy'] === null ? 0 : undefined);
    if (accuracy === undefined || count === undefined) return undefined;
    // Bins without edges are taken as equal-width over [0, 1], the layout of Guo et al.'s ECE.
    bins.push({
      lower: num('lower') ?? num('from') ?? i / n,
      upper: num('upper') ?? num('to') ?? (i + 1) / n,
      confidence: confidence ?? ((num('lower') ?? i / n) + (num('upper') ?? (i + 1) / n)) / 2,
      accuracy,
      count,
    });
  }
  const scalars: Record<string, number> = {};
  for (const [k, x] of Object.entries(v)) if (typeof x === 'number' && Number.isFinite(x)) scalars[k] = x;
  return { source, label, bins, scalars };
}

/**
 * Finds confusion matrices (`{ matrix | confusion, classNames? }`) and reliability diagrams (`{ bins | reliability:
 * [{ confidence, accuracy, count }] }`) anywhere in an artefact's JSON, up to a few levels deep, so `{ student: {…}, teacher: {…} }` files
 * and per-epoch lists are recognised without a fixed layout.
 */
export function recogniseArtifacts(json: unknown, file: string): RecognisedArtifacts {
  const out: { confusion: ConfusionMatrix[]; calibration: CalibrationDiagram[] } = { confusion: [], calibration: [] };
  const visit = (v: unknown, path: string[], depth: number, inherited?: readonly string[]) => {
    if (depth > 4) return;
    if (Array.isArray(v)) {
      // A list of snapshots (e.g. one per epoch): the last is the final state.
      const last = v.length ? v[v.length - 1] : undefined;
      if (isObj(last)) visit(last, path, depth + 1, inherited);
      return;
    }
    if (!isObj(v)) return;
    const names = namesOf(v) ?? inherited;
    const source = path.length ? `${file}#${path.join('/')}` : file;
    const named = typeof v['network'] === 'string' ? v['network'] : typeof v['model'] === 'string' ? v['model'] : undefined;
    const label = String(named ?? (path.length ? path.join(' / ') : file.replace(/^.*\//, '').replace(/\.json$/, '')));
    const c = asConfusion(v, source, label, names);
    if (c) out.confusion.push(c);
    const k = asCalibration(v, source, label);
    if (k) out.calibration.push(k);
    if (c || k) return;
    for (const [key, child] of Object.entries(v)) visit(child, [...path, key], depth + 1, names);
  };
  visit(json, [], 0);
  return out;
}
