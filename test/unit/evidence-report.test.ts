/** The report's root-cause evidence (issue 14): the evidence lane under the timeline and the evidence card. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evidenceSectionSchema } from '../../harness/evidence/evidence-section.js';
import { evidenceKinds, type EvidenceKind } from '../../harness/evidence/evidence-types.js';
import { MAX_KIND_SERIES } from '../../harness/report/evidence-lane.js';
import { renderReport } from '../../harness/report/render-report.js';
import { parseResult, readResultFile } from '../../harness/results/result-file.js';
import type { RunResult } from '../../harness/results/result-schema.js';
import { evidenceFixture, hostileLine } from '../fixtures/report/evidence-fixture.js';
import { fixtureFiles, makeResult } from '../fixtures/report/make-fixtures.js';

const [files, affinity, redis] = (await Promise.all([fixtureFiles.files, fixtureFiles.affinity, fixtureFiles.redis].map((p) => readResultFile(p)))) as [RunResult, RunResult, RunResult];
const generatedAt = new Date('2026-11-27T22:00:00Z');

interface Spec {
  id: string;
  kind: string;
  x: number[];
  xMax?: number;
  bands?: boolean;
  series: { label: string; color: string; values: (number | null)[]; legend?: (number | null)[]; bars?: boolean }[];
}

function charts(html: string): Spec[] {
  const m = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(m, 'the chart data is embedded as JSON');
  return (JSON.parse(m[1]!) as { charts: Spec[] }).charts;
}

const withoutScripts = (html: string) => html.replace(/<script([^>]*)>[\s\S]*?<\/script>/g, '<script$1></script>');
const sectionHtml = (html: string, id: string) => [...html.matchAll(/<section id="([^"]+)">[\s\S]*?<\/section>/g)].find((m) => m[1] === id)?.[0] ?? '';

/** A result with evidence, through the result schema as a result file would be. */
function withEvidence(r: RunResult, evidence = evidenceFixture(r)): RunResult {
  return parseResult({ ...structuredClone(r), evidence }, 'evidence.json');
}

/** Counts per kind at second t, straight from the section. */
function countAt(r: RunResult, t: number, kinds: readonly EvidenceKind[]): number {
  const s = r.evidence!.perSecond.find((p) => p.t === t);
  return kinds.reduce((a, k) => a + (s?.counts[k] ?? 0), 0);
}

test('the fixture is a valid evidence section', () => {
  const e = evidenceFixture(affinity);
  assert.deepEqual(evidenceSectionSchema.parse(e), e);
  assert.ok(e.perSecond.some((s) => s.t < 0) && e.perSecond.some((s) => s.t > 60), 'events before the load and during the final reads');
});

test('evidence card: clock, windows with kinds and escaped example lines, lost users, every source', () => {
  const r = withEvidence(affinity);
  const html = renderReport([r], { generatedAt });
  const card = sectionHtml(html, 'evidence');
  assert.ok(card, 'an evidence section');
  assert.match(html, /<a href="#evidence">Root-cause evidence \(component logs\)<\/a>/, 'in the table of contents');
  assert.match(card, /clocks: same host clock for every container \(docker\); PHP and nginx logs have 1 s resolution, HAProxy ms · coarsest timestamp resolution <b>1 s<\/b>/);
  // Totals by kind, most frequent first.
  const totals = Object.entries(r.evidence!.kinds).sort(([, a], [, b]) => b - a);
  assert.match(card, new RegExp(`events by kind: <b>${totals[0]![0]}</b> ${totals[0]![1]}`));
  // Over the whole load: the probe's top kinds with their totals.
  assert.match(card, new RegExp(`<h4>the whole load: the most frequent kinds</h4><div class="table-wrap"><table class="data compact"><thead><tr><th>kind</th><th>events</th><th>example lines</th></tr></thead><tbody><tr><th>upstream-connect-failed</th><td>${r.evidence!.kinds['upstream-connect-failed']}</td>`));
  // The window: label, from–to, reason, then its kinds with counts and example lines in monospace.
  const w = r.evidence!.windows[0]!;
  assert.match(card, /<p class="kv"><b>node-kill node-2<\/b> · 20–41 s · errors or anomalies<\/p>/);
  assert.match(card, new RegExp(`<tr><th>upstream-connect-failed</th><td>${w.top[0]!.count}</td><td><pre class="code">  20.0 s  balancer  \\[WARNING\\] \\(8\\) : Server be_app/node-2 is DOWN, reason: Layer4 connection problem, info: &quot;Connection refused&quot;\n  21.0 s  balancer  backend be_app has no server available!</pre></td></tr>`));
  assert.match(card, /<b>p99 &lt; 100ms<\/b> · 0–60 s · failed threshold<\/p><p class="muted">no log event in this window<\/p>/);
  // The hostile line is text, never markup.
  assert.ok(card.includes('&lt;script&gt;window.__pwned=true&lt;/script&gt; PHP Warning: session_start()'), 'hostile line escaped');
  assert.ok(!withoutScripts(html).includes(hostileLine.slice(0, 30)), 'no raw <script> from a log line');
  assert.equal([...html.matchAll(/<script/gi)].length, 3, 'no injected script element');
  // Lost users: when, where, the events around it; the unlisted ones counted.
  assert.match(card, /<tr><th>u-0017<\/th><td>20.4 s<\/td><td>node-2, node-1<\/td><td><pre class="code">  20.0 s  node-1  \[session-read-failed\]  &lt;script&gt;/);
  assert.match(card, /<tr><th>u-0042<\/th><td>at the final read<\/td><td>node-2<\/td><td class="muted">no log event around its loss<\/td><td class="muted">none<\/td><\/tr>/);
  // Its own answers' warnings, and the answers' warnings apart from the log counts.
  assert.match(card, /<pre class="code">  20.4 s  node-1  \[session-read-failed\]  session_start\(\): Failed to read session data: redis \(path: tcp:\/\/redis:6379\)<\/pre><\/td><\/tr>/);
  assert.match(card, /<h4>warnings the answers carried<\/h4><p class="kv">12 answer\(s\) carried PHP warnings in their JSON/);
  assert.match(card, new RegExp(`… ${affinity.sessions.lost - 2} more lost users not shown`));
  // Sources: a component without logs is visible as such, errors escaped.
  assert.match(card, /<tr><th>node-3<\/th><td class="txt">nginx-error<\/td><td class="txt">\/var\/log\/nginx\/error.log<\/td><td class="txt bad">unreadable<\/td><td>0<\/td><td>0<\/td><td class="txt">ENOENT: &lt;no such file&gt;<\/td><\/tr>/);
  assert.match(card, /<tr><th>redis<\/th><td class="txt">redis<\/td><td class="txt">docker logs psl-redis<\/td><td class="txt bad">empty \(no lines\)<\/td>/);
  assert.match(card, /<tr><th>node-1<\/th><td class="txt">php-error<\/td><td class="txt">\/var\/log\/php\/error.log<\/td><td class="txt">read<\/td><td>31<\/td><td>2<\/td><td class="txt">—<\/td><\/tr>/);
});

test('evidence lane: under the anomalies chart, one stacked series per kind, aligned with the timeline seconds, fault bands on', () => {
  const r = withEvidence(affinity);
  const html = renderReport([r], { generatedAt });
  const specs = charts(html);
  const ids = specs.map((c) => c.id);
  assert.equal(ids.indexOf('evidence-0'), ids.indexOf('timeline-anomalies') + 1, 'lane right after the anomalies chart in the data');
  const timeline = sectionHtml(html, 'timeline');
  const anomaliesAt = timeline.indexOf('data-chart="timeline-anomalies"');
  const laneAt = timeline.indexOf('data-chart="evidence-0"');
  assert.ok(anomaliesAt > 0 && laneAt > anomaliesAt && laneAt < timeline.indexOf('Before, during and after each fault'), 'lane figure under the anomalies figure, in the timeline section');
  assert.match(timeline, /<figcaption>Log events per second, by kind<\/figcaption>/);

  const lane = specs.find((c) => c.id === 'evidence-0')!;
  const rps = specs.find((c) => c.id === 'timeline-rps')!;
  assert.equal(lane.kind, 'time');
  assert.deepEqual(lane.x, rps.x, 'same seconds as the timeline');
  assert.equal(lane.xMax, rps.xMax, 'same axis end');
  assert.equal(lane.bands, true, 'fault windows shaded like the timeline charts');
  // Kinds sorted by total over the axis, `other` (unclassified) last.
  const onAxis = (k: EvidenceKind) => r.evidence!.perSecond.filter((s) => s.t >= 0 && s.t < lane.x.length).reduce((a, s) => a + (s.counts[k] ?? 0), 0);
  const present = evidenceKinds.filter((k) => onAxis(k) > 0);
  const expected = present.filter((k) => k !== 'other').sort((a, b) => onAxis(b) - onAxis(a) || evidenceKinds.indexOf(a) - evidenceKinds.indexOf(b));
  assert.deepEqual(lane.series.map((s) => s.label), [...expected, 'other (unclassified lines)']);
  assert.ok(lane.series.every((s) => s.bars), 'bars');
  assert.equal(new Set(lane.series.map((s) => s.color)).size, lane.series.length, 'a color per kind');
  // Per second: the legend holds each kind's own count, the values stack from the last series up.
  const kindsOf = [...expected, 'other' as const].map((k) => [k]);
  for (const p of affinity.timeline) {
    lane.series.forEach((s, i) => {
      assert.equal(s.legend![p.t], countAt(r, p.t, kindsOf[i]!), `${s.label} at ${p.t} s`);
      assert.equal(s.values[p.t], countAt(r, p.t, kindsOf.slice(i).flat()), `${s.label} stacked at ${p.t} s`);
    });
  }
  const errors = lane.series.find((s) => s.label === 'upstream-connect-failed')!;
  assert.deepEqual(affinity.timeline.filter((p) => p.errors > 0).map((p) => errors.legend![p.t]), affinity.timeline.filter((p) => p.errors > 0).map((p) => p.errors), 'balancer errors where the timeline has errors');
  // Events before the load and during the final reads are off the axis, and the note says so.
  assert.match(timeline, /4 before the load or after the axis&#39;s end \(final reads\) not drawn/);
});

test('more kinds than the lane draws: the most frequent get a series, the rest are summed as "other kinds"', () => {
  const extraKinds: EvidenceKind[] = ['redis-timeout', 'redis-oom', 'cluster-down', 'php-fatal', 'php-warning', 'lock-not-acquired', 'upstream-reset'];
  const r = withEvidence(affinity, evidenceFixture(affinity, { extraKinds }));
  const lane = charts(renderReport([r], { generatedAt })).find((c) => c.id === 'evidence-0')!;
  assert.equal(lane.series.length, MAX_KIND_SERIES);
  const rest = lane.series.at(-1)!;
  const named = lane.series.slice(0, -1).map((s) => s.label as EvidenceKind);
  const summed = evidenceKinds.filter((k) => !named.includes(k));
  assert.match(rest.label, /^other kinds \(\d+\)$/);
  assert.deepEqual(named.slice(0, 2).sort(), ['session-read-failed', 'upstream-connect-failed'], 'the two frequent kinds keep their own series');
  for (let t = 0; t <= 60; t++) assert.equal(rest.legend![t], countAt(r, t, summed), `other kinds at ${t} s`);
  assert.equal(lane.series[0]!.values[45], countAt(r, 45, evidenceKinds), 'the first series is the whole bar');
});

test('comparison: one lane per result that has evidence, labelled with the result; one card each', () => {
  const html = renderReport([withEvidence(files), affinity, withEvidence(redis)], { generatedAt });
  const lanes = charts(html).filter((c) => c.id.startsWith('evidence-'));
  assert.deepEqual(lanes.map((c) => c.id), ['evidence-0', 'evidence-2']);
  assert.match(html, /<figcaption>Log events per second, by kind — files<\/figcaption>/);
  assert.match(html, /<figcaption>Log events per second, by kind — redis<\/figcaption>/);
  assert.doesNotMatch(html, /by kind — affinity/);
  assert.equal([...sectionHtml(html, 'evidence').matchAll(/<div class="card">/g)].length, 2);
  assert.deepEqual(lanes[0]!.x, charts(html)[0]!.x, 'the shared axis');
  const colorOf = (lane: Spec, kind: string) => lane.series.find((s) => s.label === kind)?.color;
  for (const kind of ['upstream-connect-failed', 'session-read-failed', 'server-down']) {
    assert.ok(colorOf(lanes[0]!, kind) && colorOf(lanes[0]!, kind) === colorOf(lanes[1]!, kind), `${kind}: one color in every lane`);
  }
});

test('evidence without events on the axis: a note instead of an empty chart; long lists are capped', () => {
  const r = structuredClone(affinity);
  const e = evidenceFixture(r, { windows: 30 });
  e.perSecond = e.perSecond.filter((s) => s.t < 0);
  e.sources = Array.from({ length: 50 }, (_, i) => ({ component: `node-${i}`, format: 'php-error' as const, origin: `/logs/${i}`, status: 'read' as const, events: 1, untimed: 0 }));
  const html = renderReport([withEvidence(r, e)], { generatedAt });
  assert.ok(!charts(html).some((c) => c.id.startsWith('evidence-')));
  assert.match(sectionHtml(html, 'timeline'), /<b>Log events per second, by kind:<\/b> No log event on the time axis; 1 before the load/);
  const card = sectionHtml(html, 'evidence');
  assert.match(card, /… 18 more windows not shown/);
  assert.match(card, /… 10 more sources not shown/);
  assert.equal([...card.matchAll(/<th>node-\d+<\/th>/g)].length, 40);
});

test('a result without evidence renders as before: no section, no lane', () => {
  const html = renderReport([files, affinity, redis], { generatedAt });
  assert.doesNotMatch(html, /<section id="evidence">|data-chart="evidence-|Log events per second/);
  assert.deepEqual(charts(html).map((c) => c.id), ['timeline-rps', 'timeline-p50', 'timeline-p99', 'timeline-errors', 'timeline-anomalies', 'spectrum', 'nodes-0', 'nodes-1', 'nodes-2']);
  // Adding evidence only adds: the rest of the page is the same.
  const plain = renderReport([affinity], { generatedAt });
  const rich = renderReport([withEvidence(affinity)], { generatedAt });
  assert.equal(sectionHtml(rich, 'verdict'), sectionHtml(plain, 'verdict'));
  assert.equal(sectionHtml(rich, 'faults'), sectionHtml(plain, 'faults'));
});

test('size: a 5-minute run with evidence stays under 2 MB', () => {
  const long = makeResult({ strategy: 'affinity', durationS: 300, killAtS: 60, healAtS: 120, soak: true });
  const e = evidenceFixture(long, { windows: 40, extraKinds: ['redis-timeout', 'php-fatal', 'php-warning'] });
  const line = 'x'.repeat(480);
  e.windows = e.windows.map((w) => ({ ...w, top: Array.from({ length: 5 }, (_, i) => ({ kind: evidenceKinds[i]!, count: 9, examples: Array.from({ length: 3 }, () => ({ t: w.fromMs, component: 'node-1', kind: evidenceKinds[i]!, line })) })) }));
  e.lostUsers = Array.from({ length: 20 }, (_, i) => ({ user: `u-${i}`, lostAtMs: 61_000, nodes: ['node-2'], events: Array.from({ length: 10 }, () => ({ t: 60_000, component: 'node-2', kind: 'session-read-failed' as const, line })) }));
  const bytes = Buffer.byteLength(renderReport([withEvidence(long, e)]));
  assert.ok(bytes < 2 * 1024 * 1024, `${bytes} bytes`);
});
