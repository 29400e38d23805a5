/**
 * The serialization scenario: PHP's own serializers measured in PHP (encode/decode ops/s,
 * stored bytes, per payload profile), then the real stack under the same load once per
 * serializer (req/s, p50, p99). The result is the first end-to-end run plus a
 * `serialization` section with both tables.
 */
import { join } from 'node:path';
import type { FaultSpec, Scenario } from '../scenario/scenario-schema.js';
import { runSerializationBench } from '../serialization/serialization-bench.js';
import { runScenario, type RunOptions, type RunOutcome } from './run-scenario.js';
import { anomalyCount } from '../results/result-schema.js';
import type { EndToEndRow } from '../serialization/serialization-section.js';


export async function runSerializationScenario(scenario: Scenario, faults: FaultSpec[], options: RunOptions): Promise<RunOutcome> {
  const config = scenario.serialization!;
  options.log(`serialization bench in PHP: profiles ${config.profiles.join(', ')}, ${config.samples} samples of ${config.sampleMs} ms`);
  const section = await runSerializationBench({
    profiles: config.profiles,
    samples: config.samples,
    sampleMs: config.sampleMs,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  for (const row of section.rows.filter((r) => r.compression === 'none')) {
    options.log(`  ${row.handler.padEnd(14)} ${row.profile.padEnd(6)} encode ${Math.round(row.encodeOpsPerSec)}/s decode ${Math.round(row.decodeOpsPerSec)}/s ${row.bytes} B`);
  }
  // A handler the PHP build lacks has no rows: it is skipped end to end too (with its reason).
  const available = new Set(section.rows.map((r) => r.handler));
  const handlers = config.endToEnd.filter((h) => available.has(h));
  const endToEnd: EndToEndRow[] = [];
  let first: RunOutcome | null = null;
  for (const handler of handlers) {
    if (options.signal?.aborted) break;
    options.log(`end to end with session.serialize_handler=${handler}`);
    const variant: Scenario = { ...scenario, topology: { ...scenario.topology, serializer: handler as Scenario['topology']['serializer'] } };
    const outcome = await runScenario(variant, faults, { ...options, outDir: first ? join(options.outDir, `e2e-${handler}`) : options.outDir });
    const r = outcome.result;
    endToEnd.push({
      handler,
      rps: r.requests.rps,
      p50: r.latencyMs.p50,
      p99: r.latencyMs.p99,
      errors: r.requests.errors,
      anomalies: anomalyCount(r.outcomes),
      bytesPerSession: r.redis?.bytesPerSession ?? null,
    });
    first ??= outcome;
    if (outcome.aborted) break;
  }
  if (!first) throw new Error('no serializer available for the end-to-end runs');
  first.result.serialization = {
    ...section,
    endToEnd,
    payload: scenario.topology.sessionPayload,
    note: 'encode/decode measured inside PHP with session_encode()/session_decode(); end to end = the real stack under the same load, one run per handler',
  };
  return first;
}
