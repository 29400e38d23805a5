/**
 * The report in real headless Chromium, loaded from file://: no request besides the page,
 * no console or page errors, every uPlot chart actually painted, hostile strings inert.
 * Screenshots go to test-artifacts/ (git-ignored) for a human look.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { renderReport } from '../../harness/report/render-report.js';
import { readResultFile } from '../../harness/results/result-file.js';
import type { RunResult } from '../../harness/results/result-schema.js';
import { fixtureFiles, makeResult } from '../fixtures/report/make-fixtures.js';
import { hostileResult } from '../fixtures/report/hostile-result.js';
import { evidenceFixture } from '../fixtures/report/evidence-fixture.js';

const CHROMIUM = '/usr/bin/chromium';
const artifacts = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', '..', 'test-artifacts');

interface PageCheck {
  requests: string[];
  errors: string[];
  dialogs: string[];
  charts: { id: string; width: number; height: number; painted: number; colored: number }[];
  containers: number;
  pwned: boolean;
}

async function openReport(browser: Browser, results: RunResult[], name: string): Promise<PageCheck> {
  const dir = await mkdtemp(join(tmpdir(), 'psl-report-'));
  try {
    const file = join(dir, `${name}.html`);
    await writeFile(file, renderReport(results, { generatedAt: new Date('2026-11-27T22:00:00Z') }));
    const pageUrl = pathToFileURL(file).href;
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    const check: PageCheck = { requests: [], errors: [], dialogs: [], charts: [], containers: 0, pwned: false };
    // Count every request but the page itself, whichever way it would leave (file, http, data fetches).
    page.on('request', (req) => {
      if (req.url() !== pageUrl) check.requests.push(req.url());
    });
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url === pageUrl) return route.continue();
      if (!check.requests.includes(url)) check.requests.push(url);
      return route.abort();
    });
    page.on('console', (msg) => {
      if (msg.type() === 'error') check.errors.push(`console: ${msg.text()}`);
    });
    page.on('pageerror', (err) => check.errors.push(`pageerror: ${err.message}`));
    page.on('dialog', (d) => {
      check.dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(pageUrl, { waitUntil: 'load' });
    await page.waitForSelector('html[data-charts-drawn]', { timeout: 10_000 });
    const measured = await page.evaluate(async () => {
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      const containers = Array.from(document.querySelectorAll<HTMLElement>("[data-chart]"));
      const charts = containers.map((el) => {
        const canvas = el.querySelector('canvas');
        if (!canvas) return { id: el.dataset.chart ?? '?', width: 0, height: 0, painted: 0, colored: 0 };
        const ctx = canvas.getContext('2d')!;
        const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
        let painted = 0;
        let colored = 0;
        for (let i = 0; i < data.length; i += 4) {
          const [r, g, b, a] = [data[i]!, data[i + 1]!, data[i + 2]!, data[i + 3]!];
          if (a === 0) continue;
          painted++;
          // Series colors are saturated; axes, grid and fault bands are greys.
          if (a > 128 && Math.max(r, g, b) - Math.min(r, g, b) > 60) colored++;
        }
        return { id: el.dataset.chart ?? '?', width: canvas.width, height: canvas.height, painted, colored };
      });
      return { charts, containers: containers.length, pwned: (window as unknown as { __pwned?: boolean }).__pwned === true };
    });
    Object.assign(check, measured);
    await mkdir(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
    await context.close();
    return check;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function assertClean(check: PageCheck, expectCharts: number): void {
  assert.deepEqual(check.requests, [], 'the report must not request anything');
  assert.deepEqual(check.errors, [], 'no console or page errors');
  assert.deepEqual(check.dialogs, [], 'no dialogs (injected script)');
  assert.equal(check.pwned, false, 'hostile strings must not execute');
  assert.equal(check.containers, expectCharts, 'one chart container per chart spec');
  assert.equal(check.charts.length, expectCharts);
  for (const c of check.charts) {
    assert.ok(c.width > 200 && c.height > 100, `chart ${c.id} has a real canvas (${c.width}x${c.height})`);
    assert.ok(c.painted > 1000, `chart ${c.id} painted something (${c.painted} px)`);
    assert.ok(c.colored > 50, `chart ${c.id} drew its series (${c.colored} colored px)`);
  }
}

test('report in headless Chromium: offline, error-free, every chart drawn', async (t) => {
  if (!existsSync(CHROMIUM)) return t.skip(`${CHROMIUM} not installed (apt-get install chromium)`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const [files, affinity, redis, soak] = await Promise.all([fixtureFiles.files, fixtureFiles.affinity, fixtureFiles.redis, fixtureFiles.soak].map((p) => readResultFile(p)));

    await t.test('three strategies under a node-kill', async () => {
      // 5 timelines + spectrum + 3 node charts.
      assertClean(await openReport(browser, [files!, affinity!, redis!], 'report'), 9);
    });

    await t.test('5-minute soak with every optional section', async () => {
      // 5 timelines + spectrum + 1 node chart + steps + 2 serialization charts per profile (2).
      assertClean(await openReport(browser, [soak!], 'report-soak'), 12);
    });

    await t.test('hostile strings stay text', async () => {
      // + steps chart + 2 serialization charts of the hostile run.
      assertClean(await openReport(browser, [hostileResult(), redis!], 'report-hostile'), 11);
    });

    await t.test('degenerate runs (no timeline, a single second) still render without errors', async () => {
      const empty = makeResult({ strategy: 'redis' });
      Object.assign(empty, { timeline: [], latencyPercentiles: [], faults: [], recovery: [], anomalySamples: [], nodesServed: {}, thresholds: undefined });
      const single = makeResult({ strategy: 'files' });
      single.timeline = single.timeline.slice(0, 1);
      const check = await openReport(browser, [empty, single], 'report-degenerate');
      assert.deepEqual(check.requests, []);
      assert.deepEqual(check.errors, []);
      // 5 timelines + spectrum (files has percentiles) + 2 node charts.
      assert.equal(check.charts.length, 8);
      assert.ok(check.charts.every((c) => c.width > 200 && c.painted > 1000), 'axes drawn even without data');
      assert.ok(check.charts.find((c) => c.id === 'timeline-rps')!.colored > 10, 'the single second is drawn as a dot');
    });
  } finally {
    await browser.close();
  }
});

test('report with root-cause evidence in headless Chromium: the evidence lane is drawn, offline, error-free', async (t) => {
  if (!existsSync(CHROMIUM)) return t.skip(`${CHROMIUM} not installed (apt-get install chromium)`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const [affinity, redis] = await Promise.all([fixtureFiles.affinity, fixtureFiles.redis].map((p) => readResultFile(p)));
    // The evidence carries a hostile log line (<script>...): it must stay text.
    const withEvidence = { ...affinity!, evidence: evidenceFixture(affinity!) };
    const check = await openReport(browser, [withEvidence, redis!], 'report-evidence');
    // 5 timelines + 1 evidence lane + spectrum + 2 node charts, all drawn with their series.
    assertClean(check, 9);
    const lane = check.charts.find((c) => c.id === 'evidence-0');
    assert.ok(lane, 'the evidence lane has a canvas');
    assert.ok(lane.colored > 200, `the lane drew its bars (${lane.colored} colored px)`);
  } finally {
    await browser.close();
  }
});
