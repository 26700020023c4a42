import { markdownToHtml, page, renderStudyPage, type StudyDifference } from '@kd/report';
import type { StudyReport } from '@kd/sweep';

/**
 * `kd sweep --report`'s page: the same Markdown the terminal shows, and — when the study compares its groups with a
 * reference — a chart of each group's difference to the first reference in points with its 95 % Welch interval, on an
 * axis through zero. A group with fewer than two finished seeds on either side gets its difference of means, no bar.
 */
export function studyReportHtml(report: StudyReport, markdown: string): string {
  const reference = report.compare[0];
  const ref = reference === undefined ? undefined : report.groups.find((g) => g.group === reference);
  if (reference === undefined || !ref?.last) return page(report.study, markdownToHtml(markdown));
  const differences: StudyDifference[] = [];
  for (const g of report.groups) {
    if (g.group === reference || !g.last) continue;
    const d = g.versus[reference];
    differences.push(
      d
        ? { label: g.group, diff: 100 * d.diff, lo: 100 * d.lo, hi: 100 * d.hi }
        : { label: g.group, diff: 100 * (g.last.mean - ref.last.mean) },
    );
  }
  if (differences.length === 0) return page(report.study, markdownToHtml(markdown));
  return renderStudyPage({ title: report.study, markdown, section: 'Groups', reference, differences });
}
