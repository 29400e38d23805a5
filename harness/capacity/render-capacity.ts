/**
 * capacity.html: one offline page in the run report's style (its CSS, uPlot inlined, a CSP
 * that allows only the inlined scripts): throughput and p99 against the offered rate per node
 * count with the knee marked, the USL curve with the measured points and band, utilization
 * per tier, the plan, the assumptions and the raw steps. A pure function of capacity.json.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedStamp, renderOfflinePage, type PageSection } from '../report/offline-page.js';
import { escapeHtml } from '../report/html-escape.js';
import { markup, table, type Cell } from '../report/html-table.js';
import type { CapacityResult } from './capacity-schema.js';
import { tierNames, tierTitles } from './service-demand.js';

const palette = ['#0f766e', '#b45309', '#7c3aed', '#be123c', '#2563eb', '#4d7c0f', '#475569'];
const tierColor: Record<string, string> = { 'php-fpm': '#2563eb', 'node-web': '#0f766e', balancer: '#b45309', redis: '#be123c', toxiproxy: '#7c3aed', 'docker-proxy': '#a16207', harness: '#475569' };

interface ChartSeries {
  label: string;
  color: string;
  values: Array<number | null>;
  axis?: 'y' | 'y2';
  points?: boolean;
  line?: boolean;
  dash?: boolean;
}
interface Chart {
  id: string;
  xLabel: string;
  yLabel: string;
  y2Label?: string;
  x: number[];
  series: ChartSeries[];
  bands?: Array<{ series: [number, number]; fill: string }>;
  markers?: Array<{ x: number; label: string; color: string }>;
}

const n0 = (v: number | null | undefined) => (v === null || v === undefined ? '—' : Math.round(v).toLocaleString('en-US'));
const n3 = (v: number | null | undefined) => (v === null || v === undefined ? '—' : v.toFixed(3));
const mib = (v: number | null) => (v === null ? '—' : `${(v / 1048576).toFixed(1)} MiB`);
const figureBox = (id: string, title: string, note?: string) =>
  `<figure class="chart"><figcaption>${escapeHtml(title)}</figcaption><div class="chart-canvas" data-chart="${escapeHtml(id)}"></div>${note ? `<p class="chart-note muted">${escapeHtml(note)}</p>` : ''}</figure>`;

let clientCache: string | null = null;
function clientJs(): string {
  clientCache ??= readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'assets', 'capacity-client.js'), 'utf8');
  return clientCache;
}

export function renderCapacityReport(c: CapacityResult, options: { generatedAt?: Date } = {}): string {
  const charts: Chart[] = [];
  const sections: PageSection[] = [];
  const nodeCounts = [...new Set(c.steps.map((s) => s.nodes))];

  // Throughput and p99 against the offered rate, one chart per node count, knee marked.
  const kneeParts = nodeCounts.map((nodes, i) => {
    const steps = c.steps.filter((s) => s.nodes === nodes && s.status !== 'invalid').sort((a, b) => a.offeredRate - b.offeredRate);
    const knee = c.knees.find((k) => k.nodes === nodes);
    const id = `knee-${nodes}`;
    charts.push({
      id,
      xLabel: 'offered req/s',
      yLabel: 'req/s',
      y2Label: 'p99 ms',
      x: steps.map((s) => s.offeredRate),
      series: [
        { label: 'throughput', color: palette[i % palette.length]!, values: steps.map((s) => s.throughput), points: true },
        { label: 'p99 ms', color: '#be123c', values: steps.map((s) => s.p99Ms), axis: 'y2', points: true, dash: true },
      ],
      markers: knee?.rate != null ? [{ x: knee.rate, label: `knee ${n0(knee.throughput)} req/s`, color: '#0f172a' }] : [],
    });
    return figureBox(id, `${nodes} node(s): throughput and p99 against the offered rate`, knee ? `knee: ${knee.rate === null ? 'none met the objective' : `${n0(knee.throughput)} req/s at ${n0(knee.rate)} offered`}; ${knee.stoppedBecause}` : undefined);
  });
  sections.push({ id: 'knee', title: 'The knee per node count', lead: `Open-model steps; a step meets the objective with ${c.slo}. Invalid steps (a guard fired) are left out of the charts and listed in the raw steps.`, body: kneeParts.join('') });

  // The USL with measured points and the bootstrap band.
  if (c.usl) {
    const u = c.usl;
    const x = u.curve.map((p) => p.nodes);
    const measured = x.map((n) => u.points.find((p) => p.nodes === n)?.rate ?? null);
    charts.push({
      id: 'usl',
      xLabel: 'nodes',
      yLabel: 'req/s',
      x,
      series: [
        { label: 'USL fit', color: '#2563eb', values: u.curve.map((p) => p.rate) },
        { label: 'band high (95th)', color: '#93c5fd', values: u.curve.map((p) => p.high), dash: true },
        { label: 'band low (5th)', color: '#93c5fd', values: u.curve.map((p) => p.low), dash: true },
        { label: 'measured knee', color: '#be123c', values: measured, points: true, line: false },
      ],
      bands: [{ series: [2, 3], fill: 'rgba(37,99,235,0.12)' }],
    });
    const params = table(['lambda (req/s per node)', 'sigma (contention)', 'kappa (coherency)', 'peak', 'rmse', 'fit'], [
      [n0(u.lambda), u.sigma.toFixed(4), u.kappa.toFixed(5), u.peakNodes === null ? 'none (kappa = 0)' : `${n0(u.peakRate)} req/s at ${u.peakNodes.toFixed(1)} nodes`, `${n0(u.rmse)} req/s`, u.note],
    ], { cls: 'compact' });
    sections.push({ id: 'usl', title: 'Universal Scalability Law', lead: `What it is: ${u.what}.`, body: figureBox('usl', 'X(N) = lambda N / (1 + sigma (N-1) + kappa N (N-1)), measured knees and a bootstrap band (5th-95th percentile over the knee steps\' per-second throughput)') + params });
  }

  // Utilization per tier.
  const utilParts = nodeCounts.map((nodes) => {
    const steps = c.steps.filter((s) => s.nodes === nodes && s.status !== 'invalid' && s.demands.length > 0).sort((a, b) => a.offeredRate - b.offeredRate);
    if (steps.length === 0) return `<p class="muted">${nodes} node(s): no CPU measured.</p>`;
    const id = `util-${nodes}`;
    charts.push({
      id,
      xLabel: 'offered req/s',
      yLabel: 'cores busy',
      x: steps.map((s) => s.offeredRate),
      series: [
        ...tierNames.filter((t) => steps.some((s) => s.demands.some((d) => d.tier === t))).map((t) => ({
          label: t,
          color: tierColor[t]!,
          values: steps.map((s) => s.demands.find((d) => d.tier === t)?.utilization ?? null),
          points: true,
        })),
        { label: 'other processes', color: '#94a3b8', values: steps.map((s) => s.otherCores), dash: true },
      ],
    });
    return figureBox(id, `${nodes} node(s): cores busy per tier (U) against the offered rate`);
  });
  const demandRows: Cell[][] = c.knees.flatMap((k) =>
    k.demands.map((d) => [
      `${k.nodes} node(s)`,
      tierTitles[d.tier],
      n3(d.demandMs),
      d.utilization.toFixed(3),
      d.tier === 'redis' || d.tier === 'harness' ? `${n0(1000 / Math.max(d.demandMs, 1e-9))} req/s (one thread)` : '—',
      k.bottleneck === d.tier ? markup('<span class="badge fail">BOTTLENECK</span>') : '',
    ]),
  );
  sections.push({
    id: 'demand',
    title: 'Service demand per tier',
    lead:
      (c.provider === 'docker'
        ? "Utilization law D = U / X: CPU seconds per request of each tier over the load window of the knee step, from the containers' cgroup CPU counters (balancer, Redis) and, inside each node container, from /proc per process (php-fpm and nginx by command name, reaped children included); docker-proxy (the published port's userland proxy) from /proc. "
        : 'Utilization law D = U / X: CPU seconds per request of each tier, from /proc (every process of each recorded process group, reaped children included) over the load window of the knee step. ') +
      'The harness is the load generator and checker: its share is what measuring cost.',
    body: utilParts.join('') + table(['node count', 'tier', 'D (ms CPU/request)', 'U (cores)', 'ceiling 1/D', ''], demandRows, { cls: 'numeric compact', rowHeaders: true }),
  });

  // The plan.
  const p = c.plan;
  const planRow = (label: string, f: { value: number | null; unit: string; source: string }, shown?: string): Cell[] => [label, shown ?? (f.value === null ? '—' : `${n0(f.value)} ${f.unit}`), { value: f.source, cls: 'txt' }];
  const planRows: Cell[][] = [
    planRow('PHP nodes', p.nodes, p.nodes.value === null ? '—' : `${p.nodes.value} of ${c.target.coresPerNode} core(s)`),
    planRow('pm.max_children per node', p.maxChildren),
    planRow('PHP-FPM memory per node', p.phpMemoryPerNode, mib(p.phpMemoryPerNode.value)),
    planRow('Redis commands/s', p.redisOpsPerSec),
    planRow('Redis ceiling', p.redisCeilingOpsPerSec),
    planRow('Redis thread busy', p.redisUtilization, p.redisUtilization.value === null ? '—' : `${(p.redisUtilization.value * 100).toFixed(1)}%`),
    planRow('sessions stored', p.storedSessions),
    planRow('Redis memory for sessions', p.redisMemoryBytes, mib(p.redisMemoryBytes.value)),
    planRow('maxmemory', p.maxmemoryBytes, mib(p.maxmemoryBytes.value)),
    planRow(c.provider === 'docker' ? 'network per request (all hops)' : 'network per request (loopback)', p.networkBytesPerRequest),
    planRow('Redis traffic per request', p.redisNetBytesPerRequest),
  ];
  const verdictBadge = `<p><span class="badge ${p.reachable ? 'pass' : 'fail'}">${p.reachable ? 'REACHABLE' : 'UNREACHABLE'}</span> ${escapeHtml(p.verdict)}</p>`;
  sections.push({
    id: 'plan',
    title: `The plan for ${n0(c.target.rps)} req/s, ${n0(c.target.users)} active users`,
    body: verdictBadge + table(['figure', 'value', 'from'], planRows, { cls: 'numeric compact', rowHeaders: true }) +
      `<h3>maxmemory policies and sessions</h3>` + table(['policy', 'what it does to sessions'], p.evictionPolicies.map((e) => [e.policy, { value: e.consequence, cls: 'txt' }]), { cls: 'compact', rowHeaders: true }),
  });

  const v = c.validation;
  sections.push({
    id: 'validation',
    title: 'Validation',
    lead: 'Measured in the same run: the rate the service demands predict to saturate the first node count, against its measured knee.',
    body: table(['predicted saturation', 'measured knee', 'difference', 'tolerance', 'agrees'], [[`${n0(v.predictedRate)} req/s`, `${n0(v.measuredKnee)} req/s`, v.relativeError === null ? '—' : `${(v.relativeError * 100).toFixed(1)}%`, `${v.tolerance * 100}%`, v.passed === null ? '—' : markup(`<span class="badge ${v.passed ? 'pass' : 'fail'}">${v.passed ? 'YES' : 'NO'}</span>`)]], { cls: 'numeric compact' }) + `<p class="muted">${escapeHtml(v.note)}</p>`,
  });

  const assumptions = [
    c.host.note,
    ...c.notes,
    `active users ${n0(c.target.users)}, visit span ${n0(c.target.visitSpanS)} s, cores per production node ${c.target.coresPerNode}, CPU utilization allowed ${Math.round(c.target.utilization * 100)}%`,
    c.redisMemory ? `bytes per session ${c.redisMemory.bytesPerSession.toFixed(1)} (${c.redisMemory.source}); mean session value ${n0(c.redisMemory.meanValueBytes)} B; MEMORY USAGE of one key ${n0(c.redisMemory.memoryUsageOfOne)} B (under-counts the keyspace overhead)` : 'bytes per session: not measured',
  ];
  sections.push({ id: 'assumptions', title: 'Assumptions and notes', body: `<ul>${assumptions.map((a) => `<li>${escapeHtml(a)}</li>`).join('')}</ul>` });

  const stepRows: Cell[][] = c.steps.map((s) => [
    `${s.nodes}n #${s.index}`,
    n0(s.offeredRate),
    n0(s.throughput),
    s.p50Ms.toFixed(1),
    s.p99Ms.toFixed(1),
    String(s.errors),
    String(s.anomalies),
    String(s.dropped),
    s.demands.map((d) => `${d.tier} ${n3(d.demandMs)}`).join(', ') || '—',
    s.otherCores === null ? '—' : s.otherCores.toFixed(2),
    { value: markup(`<span class="badge ${s.status === 'pass' ? 'pass' : s.status === 'fail' ? 'fail' : 'unknown'}">${s.status.toUpperCase()}</span>${s.stoppedEarly ? ' stopped early' : ''} ${escapeHtml(s.reasons.join('; '))}`), cls: 'txt' },
  ]);
  sections.push({ id: 'steps', title: 'Raw steps', body: table(['step', 'offered', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'anomalies', 'dropped', 'D ms/request', 'other cores', 'status'], stepRows, { cls: 'numeric compact', rowHeaders: true }) });

  const generatedAt = options.generatedAt ?? new Date();
  return renderOfflinePage({
    title: `Capacity plan — ${c.scenario}`,
    header: `<p>${escapeHtml(`${c.strategy} · ${c.balancer} · ${c.provider} provider · target ${n0(c.target.rps)} req/s at ${c.slo}`)}</p>
<p>Generated ${escapeHtml(generatedStamp(generatedAt))} · run started ${escapeHtml(c.startedAt)} · ${c.steps.length} steps in ${n0(c.durationMs / 1000)} s</p>`,
    sections,
    footer: 'php-session-lab capacity report · self-contained: opens offline, loads nothing from the network.',
    dataId: 'capacity-data',
    data: { charts },
    clientJs: clientJs(),
  });
}
