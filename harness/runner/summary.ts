/** The summary printed on stdout after a run (computed results in, text out). */
import type { RunResult } from '../results/result-schema.js';

const pct = (n: number) => `${(n * 100).toFixed(1)}%`;

export function formatSummary(r: RunResult, paths: { result: string; report: string }): string {
  const answers = r.requests.total;
  const anomalies = r.outcomes.reset + r.outcomes.stale + r.outcomes.ahead + r.outcomes.leak;
  const lines = [
    '',
    `${r.scenario} — ${r.strategy} on ${r.nodes} node(s), ${r.balancer}, ${r.provider} provider (run ${r.runId})`,
    `  requests   ${answers} in ${(r.durationMs / 1000).toFixed(1)} s = ${r.requests.rps} req/s; errors ${r.requests.errors} (timeouts ${r.requests.timeouts}, non-2xx ${r.requests.non2xx}, connection ${r.requests.connectionErrors})`,
    `  latency    p50 ${r.latencyMs.p50} ms · p90 ${r.latencyMs.p90} ms · p99 ${r.latencyMs.p99} ms · max ${r.latencyMs.max} ms`,
    `  answers    ok ${r.outcomes.ok} · reset ${r.outcomes.reset} · stale ${r.outcomes.stale} · ahead ${r.outcomes.ahead} · error ${r.outcomes.error} · leak ${r.outcomes.leak}  (anomalous ${answers ? pct(anomalies / answers) : '0%'})`,
    `  users      ${r.sessions.users}: intact ${r.sessions.intact} · recovered ${r.sessions.recovered} · lost ${r.sessions.lost} (${pct(r.sessions.lossRate)})${r.sessions.unserved ? ` · unserved ${r.sessions.unserved}` : ''}`,
  ];
  for (const f of r.faults) lines.push(`  fault      ${f.label ?? f.type} from ${(f.startMs / 1000).toFixed(1)} s to ${(f.endMs / 1000).toFixed(1)} s`);
  for (const rec of r.recovery ?? []) {
    lines.push(`  recovery   ${rec.fault}: ${rec.fromStartMs === null ? 'never' : `${(rec.fromStartMs / 1000).toFixed(1)} s`} after its start`);
  }
  lines.push(`  retries    ${r.balancerRetry.summary}`);
  lines.push(`  stack      started in ${(r.timing.stackStartMs / 1000).toFixed(2)} s, stopped in ${(r.timing.stackStopMs / 1000).toFixed(2)} s`);
  if (r.thresholds) {
    for (const t of r.thresholds.results) {
      const mark = t.passed === true ? 'pass' : t.passed === false ? 'FAIL' : 'unknown';
      lines.push(`  threshold  ${mark.padEnd(7)} ${t.metric} ${t.expression}  (actual ${t.actual ?? 'n/a'})`);
    }
    lines.push(`  verdict    ${r.thresholds.passed === false ? 'FAILED (exit 99)' : r.thresholds.passed === true ? 'passed' : 'unknown'}`);
  }
  lines.push(`  result     ${paths.result}`, `  report     ${paths.report}`, '');
  return lines.join('\n');
}
