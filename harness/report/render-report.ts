/**
 * renderReport: result files -> one self-contained HTML page (DESIGN: a report is a pure
 * function of result files). uPlot, its CSS, the client script and the chart data are all
 * inlined; a Content-Security-Policy forbids every request and every script but ours.
 */
import type { RunResult } from '../results/result-schema.js';
import { InvalidInputError } from '../errors.js';
import { buildNodeChart, buildSpectrumChart, buildTimelineCharts, timelineCharts, type ChartSpec } from './chart-data.js';
import {
  anomalySamples,
  balancerRetrySection,
  environmentTable,
  faultsTable,
  figure,
  nodesTable,
  percentileTable,
  scenarioSection,
} from './detail-sections.js';
import { evidenceLaneHtml } from './evidence-html.js';
import { buildEvidenceLanes } from './evidence-lane.js';
import { mergeFaultBands, type FaultBand } from './fault-bands.js';
import { guardLegend, guardMarkers, guardsTable } from './guard-section.js';
import { fmtSeconds } from './format.js';
import { escapeHtml } from './html-escape.js';
import { seriesHeader } from './html-table.js';
import { optionalSections, type OptionalSection } from './optional-section-html.js';
import { generatedStamp, renderOfflinePage, type PageSection } from './offline-page.js';
import { pageAssets } from './page-assets.js';
import { phaseTable } from './phase-table.js';
import { seriesStyles, type SeriesStyle } from './series-style.js';
import { thresholdDetails, verdictSection } from './verdict-section.js';

export interface RenderOptions {
  title?: string;
  /** Shown in the header; defaults to now. */
  generatedAt?: Date;
}

/** One fill per fault type (neutral tones: the strategy colors stay readable on top). */
const bandColors = ['rgba(100,116,139,0.16)', 'rgba(147,51,234,0.11)', 'rgba(14,165,233,0.13)', 'rgba(202,138,4,0.14)'];
const bandEdges = ['rgba(71,85,105,0.7)', 'rgba(126,34,206,0.6)', 'rgba(2,132,199,0.6)', 'rgba(161,98,7,0.6)'];

type Section = PageSection;

function faultLegend(bands: readonly FaultBand[]): string {
  if (bands.length === 0) return '<p class="chart-note">No faults in these runs.</p>';
  const items = bands.map((b) => {
    const span =
      b.failed === 'apply'
        ? `at ${fmtSeconds(b.startS * 1000)}: FAILED to apply, never took effect (red marker, not shaded)`
        : `${b.open ? `from ${fmtSeconds(b.startS * 1000)} (not healed)` : `${fmtSeconds(b.startS * 1000)} – ${fmtSeconds(b.endS * 1000)}`}${b.failed === 'heal' ? ' — heal FAILED' : ''}`;
    return `<span><span class="band" style="background:${bandColors[b.tone % bandColors.length]}"></span>${escapeHtml(b.label)} <span class="muted">${escapeHtml(span)}</span></span>`;
  });
  return `<div class="fault-legend"><strong>Shaded fault windows:</strong> ${items.join('')}</div>`;
}

/** Optional sections must never break the report: a section that throws becomes a note. */
function safeOptionalSections(results: readonly RunResult[], styles: readonly SeriesStyle[]): OptionalSection[] {
  try {
    return optionalSections(results, styles);
  } catch (error) {
    return [{ id: 'extras', title: 'Extra sections', html: `<p class="muted">Could not render the optional sections: ${escapeHtml((error as Error).message)}</p>`, charts: [] }];
  }
}

const footnotes = `
<dl class="footnotes">
  <dt>Answer outcomes (per response, against the user's last acknowledged visit count c)</dt>
  <dd><b>ok</b>: count is c+1. <b>reset</b>: count is 1 while c ≥ 1, the session was lost. <b>stale</b>: count ≤ c, an older copy of the session. <b>ahead</b>: count &gt; c+1, a write whose answer was lost. <b>unsaved</b>: a 200 whose session could not be started or written (the app says so: PHP answers 200 either way). <b>error</b>: non-2xx, timeout or connection error. <b>leak</b>: another user's session was served (a security failure). Anomalies are reset + stale + ahead + unsaved + leak.</dd>
  <dt><sup>1</sup> Users: intact / recovered / lost</dt>
  <dd><b>intact</b>: every answer the user got was ok. <b>recovered</b>: the user saw errors or anomalies, but the session kept its data and went on. <b>lost</b>: the final read after the run (faults healed) no longer found the user's data, or another user's session was served. Users whose token was never stored are <i>unserved</i>, users whose final read failed are <i>unknown</i>: neither is judged, and both count against the built-in check that 95 % of users are judged; loss rate = lost / judged users.</dd>
  <dt><sup>2</sup> Availability</dt>
  <dd>Non-error answers / all requests.</dd>
  <dt><sup>3</sup> Error and anomaly rates</dt>
  <dd>Errors / all requests, and anomalous answers (reset + stale + ahead + unsaved + leak) / all requests.</dd>
  <dt><sup>4</sup> Recovery time</dt>
  <dd>From a fault's start (or heal) until the first 3 consecutive seconds with no errors and no anomalies. “not recovered”: no such 3 seconds before the run ended.</dd>
  <dt>Latency spectrum</dt>
  <dd>HDR-histogram style: the x axis is 1 / (1 − p) on a log scale, so 90 %, 99 %, 99.9 % … are evenly spaced; the maximum (p100) is in the table only.</dd>
</dl>`;

export function renderReport(results: readonly RunResult[], options: RenderOptions = {}): string {
  if (results.length === 0) throw new InvalidInputError('report: no results given: pass at least one result.json');
  const styles = seriesStyles(results);
  const bands = mergeFaultBands(results);
  const scenarios = [...new Set(results.map((r) => r.scenario))];
  const title = options.title ?? `Session strategies under faults: ${scenarios.join(', ')}`;
  const generatedAt = options.generatedAt ?? new Date();

  const timeline = buildTimelineCharts(results, styles);
  // Log events per second (result.evidence), drawn right under the anomalies chart.
  const lanes = buildEvidenceLanes(results, styles);
  const spectrum = buildSpectrumChart(results, styles);
  const nodeCharts = results.map((r, i) => buildNodeChart(r, i));
  const optional = safeOptionalSections(results, styles);
  const charts: ChartSpec[] = [...timeline, ...lanes.flatMap((l) => (l.spec ? [l.spec] : [])), ...(spectrum ? [spectrum] : []), ...nodeCharts, ...optional.flatMap((s) => s.charts)];

  const thresholds = thresholdDetails(results, styles);
  const sections: Section[] = [
    {
      id: 'verdict',
      title: 'Verdict',
      lead: 'One column per run. Red cells are sessions lost, errors, anomalies, failed thresholds or a system that never recovered.',
      body: verdictSection(results, styles) + (thresholds ? `<h3>Thresholds</h3>${thresholds}` : ''),
    },
    {
      id: 'timeline',
      title: 'Timeline',
      lead: 'Per second, every run overlaid. Drag across a chart to zoom, double-click to reset.',
      body:
        faultLegend(bands) +
        guardLegend(results, styles) +
        timelineCharts.map((c) => figure(`timeline-${c.id}`, c.title)).join('') +
        evidenceLaneHtml(lanes) +
        `<h3>Before, during and after each fault</h3>${phaseTable(results, styles, bands)}`,
    },
    {
      id: 'latency',
      title: 'Latency spectrum',
      lead: 'Latency by percentile over the whole run: the tail is where faults show.',
      body: `<div class="pair">${spectrum ? figure(spectrum.id, 'Latency by percentile') : '<p class="muted">Not enough percentiles to draw a spectrum.</p>'}${percentileTable(results, styles)}</div>`,
    },
    {
      id: 'nodes',
      title: 'Requests per node',
      lead: 'Which backend answered, per second: a killed node drops to zero, its users move to the others.',
      body: results
        .map((r, i) => `<h3>${seriesHeader(styles[i]!.label, styles[i]!.color).html}</h3><div class="pair">${figure(nodeCharts[i]!.id, 'Answers per node per second')}${nodesTable(r)}</div>`)
        .join(''),
    },
    // Results written before the guards existed have none: no section for them.
    ...(results.some((r) => r.guards)
      ? [
          {
            id: 'guards',
            title: 'Environment guards',
            lead: 'What the machine did during each run (conntrack, ports and descriptors, the harness\'s own event loop and CPU, CPU steal, load before the run). A guard that fired makes the run invalid: the machine spoiled it.',
            body: guardsTable(results, styles),
          },
        ]
      : []),
    ...optional.map((s) => ({ id: s.id, title: s.title, body: s.html })),
    { id: 'faults', title: 'Faults as recorded', body: faultsTable(results, styles) },
    { id: 'balancer', title: 'Balancer retry policy', body: balancerRetrySection(results, styles) },
    { id: 'anomalies', title: 'Anomalous answers (examples)', lead: 'Up to 50 examples per run, as the checker recorded them.', body: anomalySamples(results, styles) },
    { id: 'scenario', title: 'Scenario as run', lead: 'Exactly as run, after command-line overrides: enough to replay it.', body: scenarioSection(results, styles) },
    { id: 'environment', title: 'Environment', body: environmentTable(results, styles) },
    { id: 'definitions', title: 'Definitions', body: footnotes },
  ];

  const data = { faults: bands, guards: guardMarkers(results, styles), bandColors, bandEdges, charts };
  const descriptions = [...new Set(results.map((r) => r.description).filter((d): d is string => !!d))];
  const legend = styles.map((s) => `<span>${seriesHeader(s.label, s.color).html}</span>`).join('');
  return renderOfflinePage({
    title,
    header: `${descriptions.map((d) => `<p>${escapeHtml(d)}</p>`).join('\n')}
<p>Generated ${escapeHtml(generatedStamp(generatedAt))} · ${results.length} run${results.length === 1 ? '' : 's'} · ${escapeHtml(scenarios.join(', '))}</p>
<div class="legend-line">${legend}</div>`,
    sections,
    footer: 'php-session-lab report · self-contained: opens offline, loads nothing from the network.',
    dataId: 'report-data',
    data,
    clientJs: pageAssets().clientJs,
  });
}
