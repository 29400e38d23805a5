/**
 * The frame every self-contained HTML page of the project shares (the run report, the
 * capacity report): head with a CSP that allows only the two inlined scripts, uPlot's and the
 * page's CSS inlined, a header, a table of contents, the sections, the page's data as JSON,
 * uPlot and the page's client script. Nothing is loaded from the network.
 */
import { createHash } from 'node:crypto';
import { pageAssets } from './page-assets.js';
import { pageStyle } from './page-style.js';
import { escapeHtml, inlineSafe, jsonForScript } from './html-escape.js';

export interface PageSection {
  id: string;
  title: string;
  lead?: string;
  body: string;
}

export interface OfflinePage {
  title: string;
  /** HTML under the h1 in the header (already escaped). */
  header: string;
  sections: readonly PageSection[];
  /** Plain text of the footer line. */
  footer: string;
  /** The page's data, as JSON in a script element with this id. */
  dataId: string;
  data: unknown;
  /** The client script that reads the data and draws the charts (not yet inlined). */
  clientJs: string;
}

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** "2026-12-06 21:03:25 UTC" */
export const generatedStamp = (at: Date): string => at.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');

export function renderOfflinePage(page: OfflinePage): string {
  const assets = pageAssets();
  const uplotJs = inlineSafe(assets.uplotJs, 'script');
  const clientJs = inlineSafe(page.clientJs, 'script');
  const css = inlineSafe(assets.uplotCss + pageStyle, 'style');
  const csp = `default-src 'none'; script-src ${sha256(uplotJs)} ${sha256(clientJs)}; style-src 'unsafe-inline'; img-src data:; font-src 'none'; connect-src 'none'; base-uri 'none'; form-action 'none'`;
  const toc = page.sections.map((s) => `<a href="#${s.id}">${escapeHtml(s.title)}</a>`).join('');
  const body = page.sections
    .map((s) => `<section id="${s.id}"><h2>${escapeHtml(s.title)}</h2>${s.lead ? `<p class="lead">${escapeHtml(s.lead)}</p>` : ''}${s.body}</section>`)
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="generator" content="php-session-lab">
<title>${escapeHtml(page.title)}</title>
<style>${css}</style>
</head>
<body>
<header class="top">
<h1>${escapeHtml(page.title)}</h1>
${page.header}
</header>
<nav class="toc">${toc}</nav>
<main>
${body}
<footer>${escapeHtml(page.footer)}</footer>
</main>
<script type="application/json" id="${page.dataId}">${jsonForScript(page.data)}</script>
<script>${uplotJs}</script>
<script>${clientJs}</script>
</body>
</html>
`;
}
