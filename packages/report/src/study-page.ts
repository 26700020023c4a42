import { barChart } from './bar-chart.js';
import { escapeHtml } from './html.js';
import { markdownToHtml } from './markdown.js';
import { page } from './page.js';

/** One row's difference to the reference group, in points, with its 95 % interval when the seeds give one. */
export interface StudyDifference {
  readonly label: string;
  readonly diff: number;
  readonly lo?: number;
  readonly hi?: number;
}

export interface StudyPageOptions {
  readonly title: string;
  /** The page's Markdown twin: everything it says is on the HTML page too. */
  readonly markdown: string;
  /** The `##` section the chart closes (the results table's). */
  readonly section: string;
  /** What the differences are against, e.g. `scratch`. */
  readonly reference: string;
  readonly differences: readonly StudyDifference[];
}

/**
 * A study's benchmark page as one self-contained HTML file: its Markdown twin rendered, plus a chart of each row's
 * difference to the reference with its 95 % interval as error bars, on an axis through zero.
 */
export function renderStudyPage(o: StudyPageOptions): string {
  const withInterval = o.differences.filter((d) => d.lo !== undefined && d.hi !== undefined).length;
  const chart = barChart({
    id: `study:delta-${o.reference}`,
    title: `Δ top-1 vs ${o.reference} (points)`,
    bars: o.differences.map((d) => ({
      label: d.label,
      value: d.diff,
      ...(d.lo !== undefined && d.hi !== undefined ? { interval: [d.lo, d.hi] as const } : {}),
    })),
    yLabel: `Δ vs ${o.reference} (points)`,
    baseline: 'zero',
    errorLabel:
      withInterval === o.differences.length
        ? '95 % Welch interval over the seeds'
        : `95 % Welch interval over the seeds (none for rows with fewer than 2 seeds)`,
    width: Math.max(360, 90 + o.differences.length * 70),
  });
  const figure = `<figure class="study-chart">${chart}<figcaption>${escapeHtml(`Each row's mean top-1 minus ${o.reference}'s; bars grow from 0, error bars span the 95 % interval of the difference.`)}</figcaption></figure>`;
  return page(o.title, markdownToHtml(o.markdown, { [o.section]: figure }));
}
