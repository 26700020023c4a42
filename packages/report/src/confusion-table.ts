import type { ConfusionMatrix } from './artifact.js';
import { escapeHtml, formatNumber, numberCell } from './html.js';

/**
 * A confusion matrix as a heat-map table (rows: true class, columns: predicted), shaded by the row-normalised
 * rate so classes of different sizes compare, with per-class recall (diagonal / row sum) in the last column.
 * Samples with non-finite logits predict nothing: when there are any, a "non-finite" column counts them, and they
 * are in the row's n and misses in its recall (leaving them out would raise the recall of a diverging network).
 */
export function confusionTable(c: ConfusionMatrix): string {
  const nonFinite = c.nonFinite && c.nonFinite.some((v) => v > 0) ? c.nonFinite : undefined;
  const head = `<tr><th>true \\ predicted</th>${c.classNames.map((n) => `<th>${escapeHtml(n)}</th>`).join('')}${nonFinite ? '<th>non-finite</th>' : ''}<th>recall</th><th>n</th></tr>`;
  const rows = c.matrix.map((row, i) => {
    const total = row.reduce((a, b) => a + b, 0) + (nonFinite?.[i] ?? 0);
    const cells = row
      .map((v, j) => {
        const rate = total > 0 ? v / total : 0;
        // Diagonal in blue, confusions in red; lightness from the rate.
        const hue = i === j ? 212 : 0;
        const light = Math.round(100 - rate * 55);
        const fg = light < 62 ? '#fff' : '#1b1f24';
        return `<td class="num cell" data-row="${i}" data-col="${j}" data-value="${v}" style="background:hsl(${hue},70%,${light}%);color:${fg}" title="${escapeHtml(`${c.classNames[i]} → ${c.classNames[j]}: ${v}`)}">${escapeHtml(formatNumber(v))}</td>`;
      })
      .join('');
    const recall = total > 0 ? row[i]! / total : undefined;
    const unpredicted = nonFinite ? numberCell(nonFinite[i], ` data-row="${i}" data-non-finite=""`) : '';
    return `<tr><th>${escapeHtml(c.classNames[i])}</th>${cells}${unpredicted}${numberCell(recall, ' data-recall=""')}${numberCell(total)}</tr>`;
  });
  const n = c.matrix.reduce((a, r) => a + r.reduce((x, y) => x + y, 0), 0) + (nonFinite?.reduce((a, b) => a + b, 0) ?? 0);
  const correct = c.matrix.reduce((a, r, i) => a + r[i]!, 0);
  return `<figure class="confusion" data-source="${escapeHtml(c.source)}"><h3>${escapeHtml(c.label)}</h3><table class="confusion">${head}${rows.join('')}</table><figcaption>${escapeHtml(c.source)} — accuracy ${escapeHtml(formatNumber(n ? correct / n : 0))} over ${n} examples</figcaption></figure>`;
}
