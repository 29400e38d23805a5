/** The report's own CSS (uPlot's stylesheet is inlined next to it). System fonts only: no requests. */
export const pageStyle = String.raw`
:root {
  --ink: #0f172a; --muted: #64748b; --line: #e2e8f0; --soft: #f8fafc; --accent: #0f766e;
  --bad: #b91c1c; --bad-bg: #fef2f2; --good: #047857; --good-bg: #ecfdf5; --warn-bg: #fffbeb;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif;
  color: var(--ink); background: #fff;
}
* { box-sizing: border-box; }
body { margin: 0; font-size: 14px; line-height: 1.5; }
header.top { background: #0f172a; color: #f8fafc; padding: 24px 32px 18px; }
header.top h1 { margin: 0 0 4px; font-size: 24px; font-weight: 650; letter-spacing: -0.01em; }
header.top p { margin: 2px 0; color: #cbd5e1; }
header.top .legend-line { margin-top: 10px; display: flex; flex-wrap: wrap; gap: 6px 18px; color: #f8fafc; font-weight: 600; }
nav.toc { position: sticky; top: 0; z-index: 5; background: rgba(255,255,255,0.96); border-bottom: 1px solid var(--line); padding: 8px 32px; display: flex; flex-wrap: wrap; gap: 4px 16px; font-size: 13px; }
nav.toc a { color: var(--muted); text-decoration: none; }
nav.toc a:hover { color: var(--ink); }
main { max-width: 1240px; margin: 0 auto; padding: 8px 32px 48px; }
section { margin-top: 30px; }
h2 { font-size: 19px; margin: 0 0 10px; padding-bottom: 6px; border-bottom: 2px solid var(--ink); letter-spacing: -0.01em; }
h3 { font-size: 15px; margin: 18px 0 8px; }
h3 small, th small { font-weight: 400; color: var(--muted); margin-left: 6px; }
th small { display: block; margin-left: 0; font-size: 11px; }
h4 { font-size: 13px; margin: 12px 0 6px; color: var(--muted); text-transform: uppercase; letter-spacing: 0.04em; }
p.lead { color: var(--muted); margin: 0 0 12px; max-width: 880px; }
.muted { color: var(--muted); }
code, pre.code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 12px; }
pre.code { background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; max-height: 360px; overflow: auto; white-space: pre-wrap; word-break: break-word; }
.table-wrap { overflow-x: auto; margin: 6px 0 14px; }
table.data { border-collapse: collapse; font-size: 13px; min-width: 40%; }
table.data th, table.data td { padding: 5px 12px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
table.data thead th { background: var(--soft); font-weight: 600; border-bottom: 1px solid #cbd5e1; white-space: nowrap; }
table.data tbody th { font-weight: 500; color: #334155; white-space: nowrap; }
table.numeric td { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.numeric td.txt { text-align: left; }
table.compact th, table.compact td { padding: 3px 10px; }
table.verdict { width: auto; min-width: min(100%, 560px); }
table.verdict td, table.verdict thead th:not(:first-child) { min-width: 170px; }
table.verdict td { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.verdict thead th:not(:first-child) { text-align: right; white-space: normal; max-width: 320px; }
table.verdict thead th .series-name { white-space: normal; overflow-wrap: anywhere; }
table.verdict .group { background: #f1f5f9; font-weight: 650; color: var(--ink); text-transform: uppercase; font-size: 11px; letter-spacing: 0.05em; padding-top: 7px; }
td.bad { color: var(--bad); background: var(--bad-bg); font-weight: 600; }
td.good-num { color: var(--good); }
td small { color: var(--muted); margin-left: 4px; }
.scroll tbody { }
.table-wrap:has(table.scroll) { max-height: 320px; overflow: auto; }
.series-name { white-space: nowrap; }
.swatch { display: inline-block; width: 11px; height: 11px; border-radius: 3px; margin-right: 6px; vertical-align: -1px; }
.badge { display: inline-block; padding: 0 7px; border-radius: 9px; font-size: 11px; font-weight: 700; letter-spacing: 0.03em; text-transform: uppercase; }
.badge.pass { background: var(--good-bg); color: var(--good); border: 1px solid #a7f3d0; }
.badge.fail { background: var(--bad-bg); color: var(--bad); border: 1px solid #fecaca; }
.badge.unknown { background: #f1f5f9; color: var(--muted); border: 1px solid var(--line); }
td.outcome-reset, td.outcome-leak { color: var(--bad); font-weight: 600; }
td.outcome-stale, td.outcome-ahead { color: #b45309; font-weight: 600; }
figure.chart { margin: 0 0 18px; padding: 10px 12px 6px; border: 1px solid var(--line); border-radius: 8px; background: #fff; break-inside: avoid; page-break-inside: avoid; min-width: 0; }
figure.chart figcaption { font-weight: 650; font-size: 13px; margin-bottom: 4px; }
.chart-canvas { width: 100%; min-height: 120px; }
.chart-note { margin: 2px 0 0; font-size: 12px; color: var(--muted); }
.grid2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(460px, 1fr)); gap: 0 18px; }
.pair { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 18px; align-items: start; }
.stack { max-width: 900px; }
p.kv { font-size: 12.5px; color: #334155; margin: 4px 0 8px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px 28px; }
.fault-legend { display: flex; flex-wrap: wrap; gap: 4px 16px; font-size: 12px; color: #334155; margin: 0 0 10px; }
.fault-legend .band { display: inline-block; width: 22px; height: 11px; border-radius: 2px; margin-right: 5px; vertical-align: -1px; border: 1px solid rgba(15,23,42,0.25); }
.footnotes { font-size: 12.5px; color: #334155; border-top: 1px solid var(--line); padding-top: 10px; }
.footnotes dt { font-weight: 650; margin-top: 6px; }
.footnotes dd { margin: 0 0 0 16px; }
.uplot { font-family: inherit; }
.u-legend { font-size: 12px; }
.u-legend .u-marker { border-radius: 2px; }
footer { color: var(--muted); font-size: 12px; margin-top: 36px; }
@media (max-width: 900px) { .pair { grid-template-columns: 1fr; } main, nav.toc, header.top { padding-left: 14px; padding-right: 14px; } }
@media print {
  @page { size: A4; margin: 12mm; }
  body { font-size: 10pt; }
  header.top { background: none; color: var(--ink); padding: 0 0 8px; border-bottom: 2px solid var(--ink); }
  header.top p, header.top .legend-line { color: var(--ink); }
  nav.toc { display: none; }
  main { max-width: none; padding: 0; }
  section { margin-top: 16px; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  .grid2, .pair { display: block; }
  figure.chart { width: 700px; max-width: 100%; overflow: hidden; border: none; padding: 0; }
  .uplot { max-width: 100%; }
  .table-wrap, .table-wrap:has(table.scroll) { max-height: none; overflow: visible; }
  pre.code { max-height: none; overflow: visible; }
  tr { break-inside: avoid; page-break-inside: avoid; }
  .u-legend .u-value, .u-legend .u-series:first-child { display: none !important; }
  .u-inline.u-live th::after { content: none; }
  td.bad, .badge, .swatch, .fault-legend .band, table.verdict .group { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
}
`;
