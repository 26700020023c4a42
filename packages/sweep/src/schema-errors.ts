/** The parts of an ajv error a message needs (ajv's ErrorObject, without depending on ajv's types). */
export interface SchemaError {
  readonly instancePath: string;
  readonly keyword: string;
  readonly message?: string | undefined;
  readonly params: Record<string, unknown>;
}

/**
 * One line per problem: the JSON pointer, then what was expected. A study file is small and its schema flat, so this
 * is core's pipeline formatter reduced to the keywords the study schema uses.
 */
export function formatSchemaErrors(errors: readonly SchemaError[], data: unknown): string[] {
  const lines = new Set<string>();
  // A "oneOf" failure repeats what its branches said; keep it only when it is alone.
  const useful = errors.filter((e) => e.keyword !== 'oneOf' || errors.length === 1);
  for (const e of useful) {
    const at = e.instancePath === '' ? '/' : e.instancePath;
    const p = e.params;
    if (e.keyword === 'additionalProperties') lines.add(`${at}: unknown property "${String(p['additionalProperty'])}"`);
    else if (e.keyword === 'required') lines.add(`${at}: missing required property "${String(p['missingProperty'])}"`);
    else if (e.keyword === 'enum')
      lines.add(
        `${at}: got ${JSON.stringify(valueAt(data, e.instancePath))}; expected one of ${(p['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      );
    else if (e.keyword === 'propertyNames')
      lines.add(`${at}: property name "${String(p['propertyName'])}" is not allowed (${e.message ?? 'invalid'})`);
    else lines.add(`${at}: got ${JSON.stringify(valueAt(data, e.instancePath)) ?? 'nothing'}; it ${e.message ?? `fails ${e.keyword}`}`);
  }
  return [...lines];
}

function valueAt(root: unknown, pointer: string): unknown {
  let v = root;
  for (const raw of pointer.split('/').slice(1)) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[raw.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return v;
}
