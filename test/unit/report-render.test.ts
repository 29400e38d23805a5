/** renderReport on fixture results: sections, numbers, embedded data, self-containment, size, escaping. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { InvalidInputError } from '../../harness/errors.js';
import { renderReport } from '../../harness/report/render-report.js';
import { parseResult, readResultFile } from '../../harness/results/result-file.js';
import type { RunResult } from '../../harness/results/result-schema.js';
import { fixtureFiles, makeResult } from '../fixtures/report/make-fixtures.js';
import { hostile, hostileResult } from '../fixtures/report/hostile-result.js';

const [files, affinity, redis, soak] = await Promise.all(
  [fixtureFiles.files, fixtureFiles.affinity, fixtureFiles.redis, fixtureFiles.soak].map((p) => readResultFile(p)),
) as [RunResult, RunResult, RunResult, RunResult];

const generatedAt = new Date('2026-11-27T22:00:00Z');

interface Embedded {
  faults: { startS: number; endS: number; label: string; open: boolean }[];
  charts: { id: string; kind: string; x: number[]; series: { label: string; color: string; values: (number | null)[] }[] }[];
}

function embedded(html: string): Embedded {
  const m = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(m, 'the chart data is embedded as JSON');
  return JSON.parse(m[1]!) as Embedded;
}

/** The page without the contents of its <script> elements (vendored code is checked separately). */
const withoutScripts = (html: string) => html.replace(/<script([^>]*)>[\s\S]*?<\/script>/g, '<script$1></script>');

test('three strategies: every section, the verdict numbers and one series per strategy', () => {
  const html = renderReport([files, affinity, redis], { generatedAt });
  for (const id of ['verdict', 'timeline', 'latency', 'nodes', 'faults', 'balancer', 'anomalies', 'scenario', 'environment', 'definitions']) {
    assert.match(html, new RegExp(`<section id="${id}">`), `section ${id}`);
  }
  for (const id of ['steps', 'serialization', 'redis', 'concurrency', 'gate']) {
    assert.doesNotMatch(html, new RegExp(`<section id="${id}">`), `no ${id} section without data`);
  }
  assert.match(html, /Generated 2026-11-27 22:00:00 UTC/);
  // Loss rates, recovery and the threshold verdicts, as numbers in the tables.
  assert.match(html, /99\.6 %/);
  assert.match(html, /32\.9 %/);
  assert.match(html, /not recovered/);
  assert.match(html, /6 s <small>after heal: 4 s<\/small>/);
  assert.match(html, /2 passed · 1 failed · 1 unknown/);
  assert.match(html, /3 passed · 0 failed · 0 unknown/);
  // Footnotes define outcomes and recovery time.
  assert.match(html, /first 3 consecutive seconds with no errors and no anomalies/);
  for (const o of ['ok', 'reset', 'stale', 'ahead', 'error', 'leak', 'intact', 'recovered', 'lost']) assert.match(html, new RegExp(`<b>${o}</b>`));
  // Environment and scenario as run.
  assert.match(html, /8\.2\.28/);
  assert.match(html, /&quot;restoreAt&quot;: &quot;40s&quot;/);

  // Phase table beside the timelines: affinity's errors and anomalies inside the node-kill window.
  const during = affinity.timeline.filter((p) => p.t >= 20 && p.t < 40);
  const sum = (f: (p: (typeof during)[number]) => number) => during.reduce((a, p) => a + f(p), 0).toLocaleString('en-US');
  assert.ok(sum((p) => p.errors) !== '0' && sum((p) => p.anomalies) !== '0');
  assert.match(html, new RegExp(`affinity</span></td><td class="txt">during node-kill node-2</td><td class="txt">20–40 s</td>(<td>[^<]*</td>){3}<td class="bad">${sum((p) => p.errors)}</td><td class="bad">${sum((p) => p.anomalies)}</td>`));
  assert.match(html, /redis<\/span><\/td><td class="txt">before faults<\/td><td class="txt">0–20 s<\/td>(<td>[^<]*<\/td>){3}<td>0<\/td><td>0<\/td>/);

  const data = embedded(html);
  const ids = data.charts.map((c) => c.id);
  assert.deepEqual(ids, ['timeline-rps', 'timeline-p50', 'timeline-p99', 'timeline-errors', 'timeline-anomalies', 'spectrum', 'nodes-0', 'nodes-1', 'nodes-2']);
  const rps = data.charts[0]!;
  assert.deepEqual(rps.series.map((s) => s.label), ['files', 'affinity', 'redis']);
  assert.deepEqual(rps.series.map((s) => s.color), ['#d97706', '#2563eb', '#dc2626']);
  assert.equal(rps.x.length, 61, 'x runs 0..60 s: the whole run');
  assert.equal(rps.series[0]!.values.filter((v) => v !== null).length, 60);
  assert.equal(rps.series[1]!.values[20], affinity.timeline[20]!.requests);
  // Node chart: node-2 answers nothing while it is dead.
  const nodes = data.charts.find((c) => c.id === 'nodes-2')!;
  assert.equal(nodes.series.find((s) => s.label === 'node-2')!.values[30], 0);
  // The three runs' node-kill windows (a few ms apart) are one band.
  assert.equal(data.faults.length, 1);
  assert.equal(data.faults[0]!.label, 'node-kill node-2');
  assert.ok(Math.abs(data.faults[0]!.startS - 20) < 0.1 && Math.abs(data.faults[0]!.endS - 40) < 0.1);
  // Spectrum: x = 1/(1-p), p100 left out (no finite x).
  const spectrum = data.charts.find((c) => c.id === 'spectrum')!;
  assert.equal(spectrum.x[0], 1);
  assert.ok(spectrum.x.some((x) => Math.abs(x - 1000) < 1e-6), 'p99.9 sits at x=1000');
  assert.ok(spectrum.x.every(Number.isFinite));
});

test('the 5-minute soak renders every optional section with its tables and charts', () => {
  const html = renderReport([soak], { generatedAt });
  for (const id of ['steps', 'serialization', 'redis', 'concurrency', 'gate']) assert.match(html, new RegExp(`<section id="${id}">`), `section ${id}`);
  assert.match(html, /redis \+50ms/);
  assert.match(html, /msgpack/);
  assert.match(html, /301,000 ±2\.4 %/, 'cart profile ops/s with its spread');
  assert.match(html, /<h4>profile tiny<\/h4>/);
  assert.match(html, /phpredis was built without lzf/);
  assert.match(html, /<h4>end to end \(the real stack, one run per handler\)<\/h4>/);
  assert.match(html, /get 1 · setex 1/);
  assert.match(html, /TTL check<\/th><td><span class="badge pass">pass<\/span> every key has a TTL/);
  assert.match(html, /bursts with a lost update<\/th><td>171</);
  assert.match(html, /bytes per session<\/th><td>214 B/);
  assert.match(html, /lost update rate \(of answered increments\)<\/th><td>20\.6 %/);
  assert.match(html, /<td>regression<\/td><td>p99<\/td><td>\+10%<\/td><td>baseline<\/td><td>37\.4 ms<\/td><td>33\.1 ms<\/td><td>36\.41<\/td><td><span class="badge fail">fail<\/span><\/td>/);
  assert.match(html, /passed 3 · failed 1 · unknown 0/);
  const ids = embedded(html).charts.map((c) => c.id);
  for (const id of ['steps-0', 'serialization-ops-0-0', 'serialization-bytes-0-0', 'serialization-ops-0-1', 'serialization-bytes-0-1']) assert.ok(ids.includes(id), id);
  assert.equal(embedded(html).faults.length, 4);
});

test('self-contained: uPlot inlined, nothing that loads, a CSP that allows only our two scripts', () => {
  const html = renderReport([files, affinity, redis], { generatedAt });
  assert.match(html, /\.uplot/, 'uPlot CSS inlined');
  assert.match(html, /var uPlot|uPlot=/, 'uPlot JS inlined');
  const page = withoutScripts(html);
  assert.doesNotMatch(page, /<(link|img|iframe|object|embed|audio|video|source|base)\b/i);
  assert.doesNotMatch(page, /\b(src|srcset|action|poster)\s*=/i);
  assert.doesNotMatch(page, /@import|url\(/i);
  assert.doesNotMatch(page, /https?:\/\//i);
  assert.deepEqual([...page.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!.startsWith('#')).filter((local) => !local), [], 'only in-page links');
  // Exactly three script elements: the data and two hashed scripts.
  const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
  assert.equal(scripts.length, 3);
  const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)![1]!.replaceAll('&#39;', "'");
  assert.match(csp, /default-src 'none'/);
  for (const [, attrs, body] of scripts.slice(1)) {
    assert.equal(attrs, '');
    const hash = createHash('sha256').update(body!, 'utf8').digest('base64');
    assert.ok(csp.includes(`'sha256-${hash}'`), 'each inline script is allowed by its hash');
  }
});

test('size: a 5-minute run, and three 5-minute runs compared, stay under 2 MB', () => {
  const one = Buffer.byteLength(renderReport([soak]));
  assert.ok(one < 2 * 1024 * 1024, `${one} bytes`);
  const long = (strategy: 'files' | 'affinity' | 'redis') => makeResult({ strategy, durationS: 300, killAtS: 60, healAtS: 120, soak: true });
  const three = Buffer.byteLength(renderReport([long('files'), long('affinity'), long('redis')]));
  assert.ok(three < 2 * 1024 * 1024, `${three} bytes`);
  const rps = embedded(renderReport([soak])).charts[0]!;
  assert.equal(rps.series[0]!.values.filter((v) => v !== null).length, 300, '1 s resolution kept');
});

test('hostile strings from a result are escaped everywhere and survive in the data as text', () => {
  const html = renderReport([hostileResult(), redis], { title: '<b>title</b></title><script>x()</script>', generatedAt });
  const scripts = [...html.matchAll(/<script/gi)].length;
  assert.equal(scripts, 3, 'no injected <script>');
  assert.equal([...html.matchAll(/<\/script/gi)].length, 3, 'no early </script>');
  assert.doesNotMatch(html, /<!--/);
  assert.doesNotMatch(withoutScripts(html), /<(img|svg|iframe|style>body|b onmouseover|x>|a href="http|link|k>|v onclick)/i);
  for (const escaped of ['&lt;th&gt;', '&lt;p&gt;', '&lt;k&gt;', '&lt;v onclick=x&gt;', '&lt;a href=', '&lt;style&gt;body{display:none}&lt;/style&gt;']) {
    assert.ok(html.includes(escaped), `${escaped} shown as text`);
  }
  assert.doesNotMatch(withoutScripts(html), /<\/?title>.*<\/title>.*<\/title>/);
  assert.match(html, /&lt;script&gt;window\.__pwned=true&lt;\/script&gt;/);
  assert.match(html, /&lt;b&gt;title&lt;\/b&gt;&lt;\/title&gt;/);
  // Two labels: different scenarios -> scenario/strategy.
  const data = embedded(html);
  const labels = data.charts[0]!.series.map((s) => s.label);
  assert.deepEqual(labels, [`${hostile.scenario}/${hostile.strategy}`, 'node-kill-failover/redis']);
  assert.equal(data.faults[0]!.label, hostile.faultLabel);
  assert.ok(data.charts.find((c) => c.id === 'nodes-0')!.series.some((s) => s.label === hostile.node));
});

test('a result with a malformed section is refused on read, naming the field (sections are typed)', () => {
  const odd = structuredClone(soak) as unknown as Record<string, Record<string, unknown>>;
  odd.concurrency = { ...odd.concurrency, bursts: 'many' };
  assert.throws(() => parseResult(odd, 'odd.json'), (e: unknown) => e instanceof InvalidInputError && /odd\.json: invalid result — concurrency\.bursts: /.test(e.message));
  const noGate = structuredClone(soak) as unknown as Record<string, unknown>;
  noGate.gate = 42;
  assert.throws(() => parseResult(noGate, 'g.json'), (e: unknown) => e instanceof InvalidInputError && /gate: /.test(e.message));
  const store = structuredClone(soak) as unknown as { redis: { storeCheck: Record<string, unknown> } };
  store.redis.storeCheck.agree = 7;
  assert.throws(() => parseResult(store, 's.json'), (e: unknown) => e instanceof InvalidInputError && /redis\.storeCheck: checked must be agree/.test(e.message));
});

test('every typed section is rendered: serialization, redis with its store check, concurrency, steps, gate', () => {
  const html = renderReport([soak]);
  for (const id of ['steps', 'serialization', 'redis', 'store-check', 'concurrency', 'gate']) assert.match(html, new RegExp(`id="${id}"`), `no ${id} section`);
  assert.match(html, /store agrees with the HTTP verdict for 499 of 499 users/);
  assert.match(html, /lost updates<\/th><td>412</);
  // The store check is a section of its own, not a JSON blob among the Redis fields.
  assert.doesNotMatch(html, /storeCheck/);
});

test('no results is invalid input', () => {
  assert.throws(() => renderReport([]), InvalidInputError);
});
