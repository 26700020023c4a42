import { escapeHtml } from './html.js';

/**
 * The policy forbids every fetch except data: images and the inline stylesheet, so a report that renders here renders
 * the same offline, from an e-mail attachment or a CI artefact: nothing it shows can come from elsewhere.
 */
export const REPORT_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'";

const STYLE = `
:root { --fg:#1b1f24; --muted:#57606a; --line:#d0d7de; --bg:#fff; --accent:#0969da; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); margin: 0; padding: 24px 32px 64px; max-width: 1280px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 32px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 16px 0 6px; }
.subtitle { color: var(--muted); margin: 0 0 16px; }
.status { display:inline-block; padding: 2px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; }
.status-finished { background:#dafbe1; color:#116329; } .status-failed { background:#ffebe9; color:#a40e26; } .status-incomplete { background:#fff8c5; color:#7d4e00; } .status-interrupted { background:#fff1e5; color:#953800; }
table { border-collapse: collapse; margin: 8px 0 16px; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid var(--line); padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; font-weight: 600; } td.num { text-align: right; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }
td.best { font-weight: 700; } td.empty { color: var(--muted); text-align: center; }
pre { background: #f6f8fa; border: 1px solid var(--line); padding: 8px 12px; overflow: auto; font-size: 12px; max-height: 480px; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
figure { margin: 0; } figcaption { color: var(--muted); font-size: 12px; }
svg.chart { background: #fff; border: 1px solid var(--line); }
svg.chart text { font: 11px system-ui, sans-serif; fill: #333; } svg.chart .title { font-size: 13px; font-weight: 600; }
svg.chart .grid { stroke: #eaeef2; } svg.chart .axis { stroke: #57606a; }
.images { display: flex; flex-wrap: wrap; gap: 12px; } .images img { image-rendering: pixelated; max-width: 256px; min-width: 64px; border: 1px solid var(--line); }
table.kv td, table.provenance td { word-break: break-all; max-width: 720px; }
table.confusion td { padding: 2px 6px; min-width: 34px; } .warning { color: #a40e26; }
details > summary { cursor: pointer; color: var(--accent); margin: 6px 0; }
`;

/** A complete, self-contained HTML document. `body` must already be escaped. */
export function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="@kd/report">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
</body>
</html>
`;
}
