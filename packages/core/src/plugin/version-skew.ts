/**
 * Whether `version` satisfies a simple npm range (`^x.y.z`, `~x.y.z`, `x.y.z`, `*`, `>=x.y.z`). Plugins state the
 * core they were built for as a peer range; anything fancier is not judged (treated as satisfied).
 */
export function satisfiesSimpleRange(version: string, range: string): boolean {
  const v = parse(version);
  const r = range.trim();
  if (!v || r === '*' || r === '' || r === 'latest') return true;
  const m = /^(\^|~|>=)?\s*(\d+\.\d+\.\d+)/.exec(r);
  if (!m || /\s(\|\||-)\s/.test(r)) return true;
  const base = parse(m[2]!)!;
  const cmp = compare(v, base);
  switch (m[1]) {
    case '>=':
      return cmp >= 0;
    case '~':
      return cmp >= 0 && v[0] === base[0] && v[1] === base[1];
    case '^':
      if (cmp < 0) return false;
      if (base[0] > 0) return v[0] === base[0];
      if (base[1] > 0) return v[0] === 0 && v[1] === base[1];
      return v[0] === 0 && v[1] === 0 && v[2] === base[2];
    default:
      return cmp === 0;
  }
}

type Triple = [number, number, number];

function parse(v: string): Triple | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(v.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

function compare(a: Triple, b: Triple): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** A warning when a plugin package was built against another @kd/core than the one running (vitest-style skew check). */
export function skewWarning(packageName: string, peerRange: string | undefined, coreVersion: string): string | undefined {
  if (!peerRange || satisfiesSimpleRange(coreVersion, peerRange)) return undefined;
  return `${packageName} expects @kd/core ${peerRange}, but @kd/core ${coreVersion} is running: install matching versions (npm ls @kd/core)`;
}
