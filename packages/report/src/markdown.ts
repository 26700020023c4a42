import { escapeHtml } from './html.js';

/**
 * Inline Markdown of kd's generated pages: `code`, **bold**, *emphasis* and [links](href). Everything is escaped
 * first; a link keeps only relative and https targets (a page is data, never a way to run a script).
 */
export function inlineMarkdown(text: string): string {
  const codes: string[] = [];
  let s = escapeHtml(text).replace(/`([^`]+)`/g, (_, c: string) => {
    codes.push(`<code>${c}</code>`);
    return `\u0000${codes.length - 1}\u0000`;
  });
  s = s
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
    .replace(/(^|[^*\w])\*([^*\s][^*]*)\*(?!\*)/g, '$1<em>$2</em>')
    .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (m, label: string, href: string) =>
      /^(https:\/\/|[\w./-]+(#[\w-]*)?$)/.test(href) && !/^javascript:/i.test(href) ? `<a href="${href}">${label}</a>` : m,
    );
  return s.replace(/\u0000(\d+)\u0000/g, (_, i: string) => codes[Number(i)]!);
}

const cells = (row: string) =>
  row
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((c) => c.trim());

/**
 * The Markdown kd's page generators write (headings, paragraphs, `-` lists with indented continuations, `>` quotes,
 * pipe tables with `---:` alignment) as HTML, so a page's HTML twin says everything its Markdown does. `after`
 * inserts HTML at the end of the section under the named `##` heading (a chart after its table).
 */
export function markdownToHtml(md: string, after: Readonly<Record<string, string>> = {}): string {
  const lines = md.replace(/\r\n/g, '\n').split('\n');
  const out: string[] = [];
  let open: string | undefined;
  const close = () => {
    if (open !== undefined && after[open]) out.push(after[open]!);
    open = undefined;
  };
  for (let i = 0; i < lines.length;) {
    const line = lines[i]!;
    const h = /^(#{1,4})\s+(.*)$/.exec(line);
    if (h) {
      const level = h[1]!.length;
      if (level <= 2) close();
      if (level === 2) open = h[2]!.trim();
      const id = h[2]!
        .toLowerCase()
        .replace(/[^\w]+/g, '-')
        .replace(/^-|-$/g, '');
      out.push(`<h${level} id="${escapeHtml(id)}">${inlineMarkdown(h[2]!)}</h${level}>`);
      i++;
    } else if (line.trim() === '') i++;
    else if (line.startsWith('|') && /^\|?\s*:?-{3,}/.test(lines[i + 1] ?? '')) {
      const head = cells(line);
      const align = cells(lines[i + 1]!).map((c) => (c.endsWith(':') ? ' class="num"' : ''));
      i += 2;
      const rows: string[][] = [];
      while (i < lines.length && lines[i]!.startsWith('|')) rows.push(cells(lines[i++]!));
      out.push(
        `<table class="md"><tr>${head.map((c) => `<th>${inlineMarkdown(c)}</th>`).join('')}</tr>${rows
          .map((r) => `<tr>${r.map((c, j) => `<td${align[j] ?? ''}>${inlineMarkdown(c)}</td>`).join('')}</tr>`)
          .join('')}</table>`,
      );
    } else if (/^[-*] /.test(line)) {
      const items: string[] = [];
      while (i < lines.length && (/^[-*] /.test(lines[i]!) || (/^\s{2,}\S/.test(lines[i]!) && items.length))) {
        if (/^[-*] /.test(lines[i]!)) items.push(lines[i]!.slice(2));
        else items[items.length - 1] += ` ${lines[i]!.trim()}`;
        i++;
      }
      out.push(`<ul>${items.map((t) => `<li>${inlineMarkdown(t)}</li>`).join('')}</ul>`);
    } else if (line.startsWith('>')) {
      const quoted: string[] = [];
      while (i < lines.length && lines[i]!.startsWith('>')) quoted.push(lines[i++]!.replace(/^>\s?/, ''));
      out.push(`<blockquote><p>${inlineMarkdown(quoted.join(' '))}</p></blockquote>`);
    } else {
      // The first line always belongs to the paragraph (a lone `|` line that starts no table, say).
      const para: string[] = [lines[i++]!];
      while (i < lines.length && lines[i]!.trim() !== '' && !/^(#{1,4}\s|\||[-*] |>)/.test(lines[i]!)) para.push(lines[i++]!);
      out.push(`<p>${inlineMarkdown(para.join(' '))}</p>`);
    }
  }
  close();
  return out.join('\n');
}
