/**
 * npm run bench:open [-- --duration 8 --connections 32 --users 10000 --stall 2]
 *
 * The open model, checked against its promises on a 3-node redis stack (nginx balancer):
 * 1. capacity: a closed-model run measures what the stack serves;
 * 2. at 50% of it, the achieved rate is within 1% of the target and the p99 from the intended
 *    start equals the service-time p99 within noise;
 * 3. the same rate with the balancer stopped (SIGSTOP of its process group) for `--stall` s in
 *    the middle: the intended-start p99 shows the stall, the service-time p99 does not — a
 *    closed-loop generator would simply have stopped sending (coordinated omission). Printed
 *    side by side. The balancer is always continued (SIGCONT) before anything is stopped.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { localProvider } from '../harness/topology/local/local-provider.js';
import { findStrategy } from '../harness/strategies/strategy-registry.js';
import { newRunId, runsRoot } from '../harness/topology/local/run-directory.js';
import { VirtualUserPool } from '../harness/workload/virtual-users.js';
import { VisitJobs } from '../harness/workload/visit-jobs.js';
import { ClosedWorkload } from '../harness/workload/closed-workload.js';
import { OpenWorkload } from '../harness/workload/open-workload.js';
import { ArrivalSchedule } from '../harness/workload/arrival-schedule.js';
import { RunCollector } from '../harness/results/run-collector.js';
import type { RequestRecord } from '../harness/workload/load-events.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '8' },
    connections: { type: 'string', default: '32' },
    // Enough users that the starts due during the stall find one free (one request in flight per user).
    users: { type: 'string', default: '10000' },
    stall: { type: 'string', default: '2' },
  },
});
const durationS = Number(values.duration);
const connections = Number(values.connections);
const users = Number(values.users);
const stallS = Number(values.stall);
for (const [name, n] of Object.entries({ duration: durationS, connections, users, stall: stallS })) {
  if (!Number.isFinite(n) || n <= 0) {
    process.stderr.write(`--${name}: expected a positive number\n`);
    process.exit(104);
  }
}
if (stallS * 2 >= durationS) {
  process.stderr.write('--stall: at most half of --duration\n');
  process.exit(104);
}

const runId = newRunId('bench-open');
const topology = await localProvider.start({
  runId,
  nodes: 3,
  balancer: 'nginx',
  strategy: findStrategy('redis')!,
  phpChildren: 4,
  serializer: 'php',
  phpIni: {},
  proxies: false,
});
const balancerGroup = Number(readFileSync(join(runsRoot(), runId, 'pids', 'balancer-nginx.pid'), 'utf8').split(' ')[0]);
let stopped = false;
const resume = () => {
  if (stopped) process.kill(-balancerGroup, 'SIGCONT');
  stopped = false;
};
try {
  const pool = new VirtualUserPool(users, 1);
  const collect = (w: { on(e: 'record', f: (r: RequestRecord) => void): unknown }) => {
    const c = new RunCollector();
    w.on('record', (r) => c.record({ t: r.t, user: '', status: r.status, latencyMs: r.latencyMs, ...(r.serviceMs !== undefined ? { serviceMs: r.serviceMs } : {}), outcome: r.check.outcome, node: r.check.node, expected: r.check.expected, got: r.check.got, ...(r.failure ? { failure: r.failure } : {}) }));
    return c;
  };

  // 1. Capacity, closed model (after a short warm-up that also gives every user its session).
  const warm = new ClosedWorkload({ baseUrl: topology.baseUrl, pool, jobs: new VisitJobs(pool), connections, durationMs: 2000, timeoutMs: 5000 });
  await warm.run();
  const closed = new ClosedWorkload({ baseUrl: topology.baseUrl, pool, jobs: new VisitJobs(pool), connections, durationMs: durationS * 1000, timeoutMs: 5000 });
  const cc = collect(closed);
  const t0 = performance.now();
  await closed.run();
  const capacity = (cc.requests - cc.errors) / ((performance.now() - t0) / 1000);
  const rate = Math.round(capacity / 2);

  const openRun = async (stall: boolean) => {
    const open = new OpenWorkload({
      baseUrl: topology.baseUrl, pool, jobs: new VisitJobs(pool), schedule: ArrivalSchedule.constant(rate, durationS * 1000),
      connections, maxInFlight: Math.max(connections, rate * (stallS + 1)), timeoutMs: (stallS + 5) * 1000,
    });
    const c = collect(open);
    let timer: NodeJS.Timeout | null = null;
    if (stall) {
      timer = setTimeout(() => {
        process.kill(-balancerGroup, 'SIGSTOP');
        stopped = true;
        timer = setTimeout(resume, stallS * 1000);
      }, ((durationS - stallS) / 2) * 1000);
    }
    const start = performance.now();
    const stats = await open.run();
    if (timer) clearTimeout(timer);
    resume();
    const seconds = (performance.now() - start) / 1000;
    return {
      achieved: stats.sent / seconds,
      dropped: stats.dropped,
      intended: c.latencySummary(),
      service: c.latencySummary(c.service),
      errors: c.errors,
      anomalies: c.anomalies,
      lag: open.startLag(),
    };
  };
  const calm = await openRun(false);
  const stalled = await openRun(true);
  const row = (label: string, r: Awaited<ReturnType<typeof openRun>>) =>
    `  ${label.padEnd(26)} achieved ${r.achieved.toFixed(1)} req/s (${(((r.achieved - rate) / rate) * 100).toFixed(2)}%)  dropped ${r.dropped}  errors ${r.errors}\n` +
    `  ${''.padEnd(26)} p50 / p99 / max from intended start ${r.intended.p50} / ${r.intended.p99} / ${r.intended.max} ms\n` +
    `  ${''.padEnd(26)} p50 / p99 / max service time       ${r.service.p50} / ${r.service.p99} / ${r.service.max} ms  (generator lag p99 ${r.lag.p99} ms)\n`;
  process.stdout.write(
    `\n3-node redis stack, nginx balancer, ${connections} connections, ${durationS}s per run\n` +
      `  capacity (closed model)    ${capacity.toFixed(0)} req/s -> open model at 50%: ${rate} req/s\n` +
      row('open, no fault', calm) +
      row(`open, balancer stopped ${stallS}s`, stalled) +
      `  within 1% of the target: ${Math.abs(calm.achieved - rate) / rate <= 0.01 ? 'yes' : 'NO'}; ` +
      `intended p99 / service p99 without the stall ${(calm.intended.p99 / Math.max(0.001, calm.service.p99)).toFixed(2)}, with it ${(stalled.intended.p99 / Math.max(0.001, stalled.service.p99)).toFixed(2)}\n`,
  );
} finally {
  resume();
  await topology.stop();
}
