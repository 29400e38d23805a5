/** The plan as printed on the terminal: the knees, the demands, the plan's figures and the validation. */
import type { CapacityResult } from './capacity-schema.js';

const int = (n: number | null) => (n === null ? 'n/a' : Math.round(n).toLocaleString('en-US'));
const mib = (n: number | null) => (n === null ? 'n/a' : `${(n / 1048576).toFixed(1)} MiB`);

export function formatCapacitySummary(c: CapacityResult, paths: { json: string; html: string }): string {
  const lines: string[] = [];
  lines.push(`${c.scenario} — capacity for ${int(c.target.rps)} req/s at ${c.slo}, ${int(c.target.users)} active users (${c.strategy}, ${c.balancer}, ${c.provider} provider)`);
  lines.push(`  host       ${c.host.note}`);
  for (const k of c.knees) {
    const top = [...k.demands].filter((d) => d.tier !== 'harness').sort((a, b) => b.demandMs - a.demandMs).map((d) => `${d.tier} ${d.demandMs.toFixed(3)}`).join(', ');
    const harness = k.demands.find((d) => d.tier === 'harness');
    lines.push(
      `  knee       ${k.nodes} node(s): ${k.throughput === null ? 'none met the objective' : `${int(k.throughput)} req/s (offered ${int(k.rate)})`}${k.firstFailRate !== null ? `, failed at ${int(k.firstFailRate)}` : ''}; ${k.stoppedBecause}`,
    );
    if (k.demands.length) lines.push(`  demand     ${k.nodes} node(s), ms CPU/request: ${top}${harness ? ` (harness ${harness.demandMs.toFixed(3)})` : ''}; bottleneck ${k.bottleneck ?? 'n/a'}`);
  }
  if (c.usl) lines.push(`  usl        lambda ${c.usl.lambda.toFixed(1)} sigma ${c.usl.sigma.toFixed(4)} kappa ${c.usl.kappa.toFixed(5)}${c.usl.peakNodes !== null ? `, peak ${int(c.usl.peakRate)} req/s at ${c.usl.peakNodes.toFixed(1)} nodes` : ', no peak'}${c.usl.underdetermined ? ' (underdetermined: ' + c.usl.note + ')' : ''}; ${c.usl.what}`);
  const v = c.validation;
  lines.push(`  validation ${v.passed === null ? 'not validated' : v.passed ? 'agrees' : 'DISAGREES'}: predicted ${int(v.predictedRate)} req/s vs measured knee ${int(v.measuredKnee)} req/s${v.relativeError !== null ? ` (${(v.relativeError * 100).toFixed(1)}%, tolerance ${v.tolerance * 100}%)` : ''}${v.passed === null ? `; ${v.note}` : ''}`);
  const p = c.plan;
  lines.push(`  plan       ${p.verdict}`);
  lines.push(`  nodes      ${int(p.nodes.value)} of ${c.target.coresPerNode} core(s); pm.max_children ${int(p.maxChildren.value)} per node (PHP memory ${mib(p.phpMemoryPerNode.value)} per node)`);
  lines.push(`  redis      ${int(p.redisOpsPerSec.value)} commands/s (ceiling ${int(p.redisCeilingOpsPerSec.value)}, ${p.redisUtilization.value === null ? 'n/a' : `${(p.redisUtilization.value * 100).toFixed(0)}% of its thread`}); ${int(p.storedSessions.value)} sessions x ${c.redisMemory ? `${c.redisMemory.bytesPerSession.toFixed(0)} B` : 'n/a'} = ${mib(p.redisMemoryBytes.value)}; maxmemory ${mib(p.maxmemoryBytes.value)}`);
  lines.push(`  network    ${int(p.networkBytesPerRequest.value)} B/request ${c.provider === 'docker' ? 'on the containers\' interfaces, the run bridge and loopback' : 'on loopback'} (all hops), ${int(p.redisNetBytesPerRequest.value)} B/request to and from Redis`);
  lines.push(`  steps      ${c.steps.length} (${c.steps.filter((s) => s.status === 'invalid').length} invalid) in ${(c.durationMs / 1000).toFixed(0)} s`);
  lines.push(`  json       ${paths.json}`);
  lines.push(`  report     ${paths.html}`);
  return `${lines.join('\n')}\n`;
}
