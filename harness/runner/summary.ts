/** The summary printed on stdout after a run (computed results in, text out). */
import { journeyLines } from '../journey/journey-summary.js';
import { anomalyCount, type ConnectionsSection, type RunResult } from '../results/result-schema.js';
import { compareWithVerdict } from '../redis-inspect/store-check.js';
import { clusterLines } from './cluster-summary.js';
import { evidenceLines } from './evidence-summary.js';

const pct = (n: number) => `${(n * 100).toFixed(1)}%`;

/** "stock", "production", or "balancer on, fastcgi off" for a per-link setting. */
export function reuseSettingText(setting: ConnectionsSection['reuse']['setting']): string {
  return typeof setting === 'string' ? setting : Object.entries(setting).map(([link, on]) => `${link} ${on ? 'on' : 'off'}`).join(', ') || 'default';
}

/** "balancer->node 1.00 · nginx->php-fpm 1.01 · php->redis >=0.86" (>= when only a lower bound). */
export function connectionsText(c: ConnectionsSection): string {
  const names = { balancer: 'balancer->node', fastcgi: 'nginx->php-fpm', redis: 'php->redis' } as const;
  return (Object.keys(names) as Array<keyof typeof names>)
    .flatMap((link) => {
      const f = c.links[link];
      if (!f) return [];
      return [`${names[link]} ${f.perRequest === null ? 'n/a' : `${f.lowerBound ? '>=' : ''}${f.perRequest.toFixed(f.perRequest < 0.1 ? 3 : 2)}`}`];
    })
    .join(' · ');
}

/** "ok 4 · FIRED conntrack · not available: cpu-steal (/proc/stat has no steal column)". */
function guardLine(section: NonNullable<RunResult['guards']>): string {
  const ok = section.guards.filter((g) => g.status === 'ok').map((g) => g.name);
  const fired = section.guards.filter((g) => g.status === 'fired').map((g) => g.name);
  const na = section.guards.filter((g) => g.status === 'not-available').map((g) => `${g.name} (${g.reason ?? 'unknown'})`);
  return [fired.length ? `FIRED ${fired.join(', ')}` : '', ok.length ? `ok ${ok.join(', ')}` : '', na.length ? `not available: ${na.join('; ')}` : '']
    .filter(Boolean)
    .join(' · ');
}

function loadLines(r: RunResult): string[] {
  const w = r.workload;
  if (!w || w.model !== 'open') return [];
  return [
    `  load       open model: ${w.targetRate} req/s intended, ${w.achievedRate} achieved; dropped ${w.dropped} of ${w.intended} starts` +
      `${w.droppedNoUser ? ` (${w.droppedNoUser} with every user busy)` : ''}; at most ${w.maxInFlight} in flight (peak ${w.peakInFlight}); generator lag p99 ${w.startLagMs.p99} ms`,
  ];
}

export function formatSummary(r: RunResult, paths: { result: string; report: string }): string {
  const answers = r.requests.total;
  const anomalies = anomalyCount(r.outcomes);
  const invalid = r.verdict?.status === 'invalid';
  const spoiled = (r.thresholds?.results ?? []).filter((t) => t.metric === 'environment' && t.passed === false);
  const lines = [
    '',
    `${r.scenario} — ${r.strategy} on ${r.nodes} node(s), ${r.balancer}, ${r.provider} provider (run ${r.runId})`,
    // An invalid run says so before any figure: none of them is a verdict on the stack.
    ...(invalid
      ? [
          spoiled.length > 0
            ? `  INVALID    the machine spoiled this run (${spoiled.map((t) => t.expression).join(', ')}): the figures below are not a verdict on the stack — fix the machine and run again`
            : '  INVALID    the stack was not healthy before the first fault: the figures below are not a verdict on the stack',
        ]
      : []),
    `  requests   ${answers} in ${(r.durationMs / 1000).toFixed(1)} s = ${r.requests.rps} req/s; errors ${r.requests.errors} (timeouts ${r.requests.timeouts}, non-2xx ${r.requests.non2xx}, connection ${r.requests.connectionErrors})`,
    ...loadLines(r),
    `  latency    p50 ${r.latencyMs.p50} ms · p90 ${r.latencyMs.p90} ms · p99 ${r.latencyMs.p99} ms · max ${r.latencyMs.max} ms` +
      (r.workload?.model === 'open' ? ' (from each intended start)' : '') +
      (r.requests.timeouts ? ` (includes ${r.requests.timeouts} timed-out request(s), counted at the time they waited)` : ''),
    ...(r.serviceTimeMs
      ? [`  service    p50 ${r.serviceTimeMs.p50} ms · p90 ${r.serviceTimeMs.p90} ms · p99 ${r.serviceTimeMs.p99} ms · max ${r.serviceTimeMs.max} ms (from each actual send)`]
      : []),
    `  answers    ok ${r.outcomes.ok} · reset ${r.outcomes.reset} · stale ${r.outcomes.stale} · ahead ${r.outcomes.ahead} · unsaved ${r.outcomes.unsaved} · error ${r.outcomes.error} · leak ${r.outcomes.leak}  (anomalous ${answers ? pct(anomalies / answers) : '0%'})`,
    `  users      ${r.sessions.users}: intact ${r.sessions.intact} · recovered ${r.sessions.recovered} · lost ${r.sessions.lost} (${pct(r.sessions.lossRate)}) · unknown ${r.sessions.unknown} · unserved ${r.sessions.unserved}` +
      (invalid ? '  (not judged: the run is invalid)' : ''),
  ];
  if (r.redis && (r.redis.evictedKeys || r.redis.oomRejections)) {
    lines.push(`  redis      evicted ${r.redis.evictedKeys ?? 0} session key(s) · refused ${r.redis.oomRejections ?? 0} write(s) for lack of memory (OOM)`);
  }
  lines.push(...journeyLines(r));
  lines.push(...clusterLines(r));
  lines.push(...evidenceLines(r));
  const store = r.redis ?? r.redisCluster;
  if (store?.storeCheck) {
    const c = compareWithVerdict(store.storeCheck, r.sessions);
    lines.push(`  store      ${c.status}: ${c.statement}`);
  } else if (store?.storeCheckError) {
    lines.push(`  store      unknown: the store could not be read (${store.storeCheckError})`);
  }
  for (const [section, why] of Object.entries(r.probeErrors ?? {})) lines.push(`  probe      ${section}: ${why.startsWith('not inspected') ? why : `no readings (${why})`}`);
  if (r.guards) lines.push(`  guards     ${guardLine(r.guards)}`);
  for (const f of r.faults) {
    const span = `${f.label ?? f.type} from ${(f.startMs / 1000).toFixed(1)} s to ${(f.endMs / 1000).toFixed(1)} s`;
    const observed = f.observed ? ` (${Object.entries(f.observed).map(([k, v]) => `${k} ${v}`).join(', ')})` : '';
    lines.push(`  fault      ${f.status === 'applied' ? span + observed : `${span}: ${f.status.toUpperCase()} — ${f.error ?? ''}`}`);
  }
  for (const rec of r.recovery ?? []) {
    lines.push(`  recovery   ${rec.fault}: ${rec.fromStartMs === null ? 'never' : `${(rec.fromStartMs / 1000).toFixed(1)} s`} after its start`);
  }
  lines.push(`  retries    ${r.balancerRetry.summary}`);
  if (r.connections) {
    const c = r.connections;
    lines.push(
      `  connections new per request: ${connectionsText(c)} (reuse ${reuseSettingText(c.reuse.setting)}: balancer ${c.reuse.balancer ? 'on' : 'off'}, fastcgi ${c.reuse.fastcgi ? 'on' : 'off'}, redis ${c.reuse.redis ? 'on' : 'off'})`,
    );
  }
  lines.push(`  stack      started in ${(r.timing.stackStartMs / 1000).toFixed(2)} s, stopped in ${(r.timing.stackStopMs / 1000).toFixed(2)} s`);
  if (r.thresholds) {
    for (const t of r.thresholds.results) {
      const mark = t.passed === true ? 'pass' : t.passed === false ? 'FAIL' : 'unknown';
      const label = t.source === 'builtin' ? 'check    ' : 'threshold';
      lines.push(`  ${label}  ${mark.padEnd(7)} ${t.metric} ${t.expression}  (${t.source === 'builtin' || t.passed === null ? t.message ?? '' : `actual ${t.actual ?? 'n/a'}`})`);
    }
  }
  for (const run of r.verdict?.runs ?? []) lines.push(`  run        ${run.runId}: ${run.status}`);
  if (r.verdict) {
    const why = spoiled.length > 0 ? 'the machine spoiled the run' : 'the stack was not healthy';
    const shown = { passed: 'passed', failed: 'FAILED (exit 99)', invalid: `INVALID (exit 99): ${why}, the figures mean nothing`, unknown: 'UNKNOWN (exit 99; --allow-unknown to accept)' }[r.verdict.status];
    lines.push(`  verdict    ${shown}`);
    for (const reason of r.verdict.reasons) lines.push(`             - ${reason}`);
  }
  lines.push(`  result     ${paths.result}`, `  report     ${paths.report}`, '');
  return lines.join('\n');
}
