/**
 * A short capacity run end to end on the real stack (1 node, 2 s steps, at most 4): both files
 * written, capacity.json valid against its schema with steps, demands per tier, the USL, the
 * plan and the validation; an unreachable target says so and names the bottleneck; no server
 * left running; capacity.html in headless Chromium: offline, no errors, every chart drawn.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { capacitySchema } from '../../harness/capacity/capacity-schema.js';
import { runCli } from '../helpers/run-cli.js';

const CHROMIUM = '/usr/bin/chromium';

test('capacity: a short run writes capacity.json and capacity.html, and the page renders offline', { timeout: 240_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'psl-capacity-'));
  const runs = join(dir, 'runs');
  try {
    const out = join(dir, 'out');
    const run = await runCli(
      'capacity.ts',
      ['redis-failover', '--nodes', '1', '--target-rps', '100000', '--p99', '250ms', '--quick', '--step-duration', '2s', '--max-steps', '4', '--start-rate', '300', '--quiet', '--out', out],
      { env: { PSL_RUNS_DIR: runs }, timeoutMs: 200_000 },
    );
    const c = capacitySchema.parse(JSON.parse(readFileSync(join(out, 'capacity.json'), 'utf8')));
    // Exit 0 only when the plan validated itself; a failed or unknown validation is 99, plan written.
    assert.equal(run.code, c.validation.passed === true ? 0 : 99, `${JSON.stringify(c.validation)}\n${run.stderr.slice(-2000)}`);
    if (run.code === 99) assert.match(run.stderr, /the plan's validation (failed|could not be computed) .*exit 99/);
    assert.equal(c.schema, 'php-session-lab/capacity@1');
    assert.ok(c.steps.length >= 1 && c.steps.every((s) => s.nodes === 1));
    const measured = c.steps.filter((s) => s.status !== 'invalid');
    assert.ok(measured.length >= 1, `a valid step: ${JSON.stringify(c.steps.map((s) => [s.status, s.reasons]))}`);
    for (const s of measured) {
      assert.ok(s.requests > 0 && s.throughput > 0, JSON.stringify(s));
      const php = s.demands.find((d) => d.tier === 'php-fpm');
      assert.ok(php && php.demandMs > 0, `PHP-FPM CPU per request measured: ${JSON.stringify(s.demands)}`);
      for (const tier of ['node-web', 'balancer', 'redis', 'harness']) assert.ok(s.demands.some((d) => d.tier === tier), `${tier} measured`);
    }
    // Steps of one node count with 300 req/s start: if any passed, there is a knee, a fit, a prediction.
    const knee = c.knees[0]!;
    assert.equal(knee.nodes, 1);
    if (knee.rate !== null) {
      assert.ok(c.usl && c.usl.underdetermined && c.usl.lambda > 0, JSON.stringify(c.usl));
      assert.ok(c.validation.predictedRate! > 0 && c.validation.measuredKnee! > 0, JSON.stringify(c.validation));
      assert.ok(c.plan.nodes.value! >= 1 && c.plan.maxChildren.value! >= 2, JSON.stringify(c.plan));
    }
    assert.ok(c.redisMemory && c.redisMemory.bytesPerSession > 50, JSON.stringify(c.redisMemory));
    assert.ok(c.plan.redisMemoryBytes.value! > 0 && c.plan.redisOpsPerSec.value! > 0);
    // 100,000 req/s is beyond this host: said so, bottleneck named, no silent extrapolation.
    assert.equal(c.plan.reachable, false);
    assert.match(c.plan.verdict, /UNREACHABLE as measured: 100000 req\/s is above what any node count tested reached here|no step met the objective/);
    assert.match(c.plan.verdict, /bottleneck: (php-fpm|node-web|balancer|redis|toxiproxy)/);
    assert.match(run.stdout, /plan {7}UNREACHABLE/);
    assert.match(c.notes.join(' '), /faults .* are not applied/);
    // Every server stopped: the runs directory holds no run with a live process group.
    for (const runId of existsSync(runs) ? readdirSync(runs) : []) {
      const pids = join(runs, runId, 'pids');
      for (const f of existsSync(pids) ? readdirSync(pids) : []) {
        const pid = Number(readFileSync(join(pids, f), 'utf8').split(/\s/)[0]);
        let alive = true;
        try {
          process.kill(-pid, 0);
        } catch {
          alive = false;
        }
        assert.equal(alive, false, `${f} of ${runId} still running`);
      }
    }

    if (!existsSync(CHROMIUM)) return t.skip(`${CHROMIUM} not installed`);
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'] });
    try {
      const pageUrl = pathToFileURL(join(out, 'capacity.html')).href;
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      const requests: string[] = [];
      const errors: string[] = [];
      await context.route('**/*', (route) => {
        const url = route.request().url();
        if (url === pageUrl) return route.continue();
        requests.push(url);
        return route.abort();
      });
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(pageUrl, { waitUntil: 'load' });
      await page.waitForSelector('html[data-charts-drawn]', { timeout: 10_000 });
      const charts = await page.evaluate(async () => {
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        return Array.from(document.querySelectorAll<HTMLElement>('[data-chart]')).map((el) => {
          const canvas = el.querySelector('canvas');
          if (!canvas) return { id: el.dataset.chart, colored: 0 };
          const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
          let colored = 0;
          for (let i = 0; i < data.length; i += 4) if (data[i + 3]! > 128 && Math.max(data[i]!, data[i + 1]!, data[i + 2]!) - Math.min(data[i]!, data[i + 1]!, data[i + 2]!) > 60) colored++;
          return { id: el.dataset.chart, colored };
        });
      });
      const text = await page.textContent('body');
      await context.close();
      assert.deepEqual(requests, [], 'the page requests nothing');
      assert.deepEqual(errors, [], 'no console or page errors');
      // knee chart + utilization chart, + the USL chart when a knee was found.
      assert.equal(charts.length, knee.rate !== null ? 3 : 2, JSON.stringify(charts));
      for (const chart of charts) assert.ok(chart.colored > 50, `chart ${chart.id} drew its series (${chart.colored} colored px)`);
      assert.match(text ?? '', /UNREACHABLE/);
      assert.match(text ?? '', /Validation/);
      assert.match(text ?? '', /maxmemory policies/);
    } finally {
      await browser.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
