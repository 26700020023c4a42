import type { BackendName } from '@kd/core/host';

const NAMES: readonly BackendName[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

/** A backend named on a command line (`--backends wasm,cpu`), checked before anything is selected. */
export function backendName(name: string): BackendName {
  if (!(NAMES as readonly string[]).includes(name))
    throw new Error(`backend: got ${JSON.stringify(name)}; expected one of ${NAMES.map((n) => JSON.stringify(n)).join(', ')}`);
  return name as BackendName;
}
