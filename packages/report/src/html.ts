/** Escapes text for HTML element content and double-quoted attributes: everything from configs goes through it. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** A number for a table cell: integers as they are, others to 4 significant digits (the exact value goes in data-value). */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1000) return v.toFixed(0);
  if (a >= 0.001) return String(Number(v.toPrecision(4)));
  return v.toExponential(3);
}

/** A table cell holding a number, with the exact value in `data-value` for readers and tests. */
export function numberCell(v: number | undefined | null, extra = ''): string {
  if (v === undefined || v === null || typeof v !== 'number') return `<td class="num empty"${extra}>—</td>`;
  return `<td class="num" data-value="${escapeHtml(String(v))}"${extra}>${escapeHtml(formatNumber(v))}</td>`;
}

export function section(id: string, title: string, body: string): string {
  return `<section id="${escapeHtml(id)}"><h2>${escapeHtml(title)}</h2>\n${body}\n</section>\n`;
}

/** A file size in human units. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
