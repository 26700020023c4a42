import { escapeHtml, numberCell } from './html.js';

/** A key/value table of nested JSON, flattened to JSON-pointer-like keys. */
export function keyValueTable(obj: unknown, cls = 'kv'): string {
  const rows: string[] = [];
  const visit = (v: unknown, key: string) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      for (const [k, x] of Object.entries(v)) visit(x, key ? `${key}.${k}` : k);
      return;
    }
    const shown = typeof v === 'string' ? v : JSON.stringify(v);
    rows.push(`<tr><th>${escapeHtml(key)}</th>${typeof v === 'number' ? numberCell(v) : `<td>${escapeHtml(shown)}</td>`}</tr>`);
  };
  visit(obj, '');
  return `<table class="${escapeHtml(cls)}">${rows.join('')}</table>`;
}

/** An already-rendered `<td>`: the only way markup enters a table, so text from configs is always escaped. */
export interface RawCell {
  readonly html: string;
}
export type Cell = string | number | null | undefined | RawCell;

/** A table with a header row; strings are escaped, numbers get `data-value`. */
export function table(cls: string, header: readonly string[] | null, rows: readonly (readonly Cell[])[]): string {
  const cell = (v: Cell) =>
    typeof v === 'object' && v !== null ? v.html : typeof v === 'string' ? `<td>${escapeHtml(v)}</td>` : numberCell(v);
  const head = header ? `<tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>` : '';
  return `<table class="${escapeHtml(cls)}">${head}${rows.map((r) => `<tr>${r.map(cell).join('')}</tr>`).join('')}</table>`;
}
