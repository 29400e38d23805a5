/**
 * Every probe kind, by the result section it writes. A new probe is one file plus one line
 * here and one in ProbeSections (probe.ts); result-schema.ts holds its schema.
 */
import { fastcgiReuseWarning } from '../topology/connection-reuse.js';
import { BurstJobs } from '../workload/burst-jobs.js';
import { JourneyJobs } from '../journey/journey-jobs.js';
import { JourneyProbe } from '../journey/journey-probe.js';
import { journeySectionSchema } from '../journey/journey-section.js';
import { ConcurrencyProbe } from './concurrency-probe.js';
import { concurrencySectionSchema } from './concurrency-section.js';
import { ConnectionProbe } from './connection-probe.js';
import { connectionsSectionSchema } from './connections-section.js';
import type { Probe, ProbeContext, ProbeKind, ProbeSectionName } from './probe.js';
import { RedisClusterProbe } from './redis-cluster-probe.js';
import { redisClusterSectionSchema } from './redis-cluster-section.js';
import { RedisProbe } from './redis-probe.js';
import { clusterSessionPrefix } from '../redis-inspect/cluster-inspection.js';
import { EvidenceProbe } from '../evidence/evidence-probe.js';
import { evidenceSectionSchema } from '../evidence/evidence-section.js';
import { RedisInfoSampler } from '../evidence/redis-info-sampler.js';
import { redisComponentsOf } from '../topology/planned-log-sources.js';
import { redisSectionSchema } from './redis-section.js';

const redisProbe: ProbeKind<'redis'> = {
  section: 'redis',
  schema: redisSectionSchema,
  create: ({ topology, scenario, log }) => {
    if (!topology.redis) return null;
    const ini = scenario.topology.phpIni;
    return new RedisProbe(topology.redis, {
      expectedTtlS: Number(ini['session.gc_maxlifetime'] ?? 1440),
      serializer: scenario.topology.serializer,
      cookieName: ini['session.name'] ?? 'PHPSESSID',
      compareVisitCount: scenario.workload.mode !== 'bursts',
      builtInApp: scenario.workload.mode !== 'journey',
      log,
    });
  },
};

const redisClusterProbe: ProbeKind<'redisCluster'> = {
  section: 'redisCluster',
  schema: redisClusterSectionSchema,
  create: ({ topology, scenario, log }) => {
    if (!topology.redisCluster) return null;
    const ini = scenario.topology.phpIni;
    return new RedisClusterProbe(topology.redisCluster, {
      expectedTtlS: Number(ini['session.gc_maxlifetime'] ?? 1440),
      serializer: scenario.topology.serializer,
      cookieName: ini['session.name'] ?? 'PHPSESSID',
      prefix: clusterSessionPrefix(ini),
      compareVisitCount: scenario.workload.mode !== 'bursts',
      log,
    });
  },
};

const connectionProbe: ProbeKind<'connections'> = {
  section: 'connections',
  schema: connectionsSectionSchema,
  create: ({ topology, scenario, spec, providerName, started, log }) => {
    if (!topology.connectionCounters) return null;
    const reuse = { setting: scenario.topology.connectionReuse, resolved: spec.connectionReuse! };
    const warning = fastcgiReuseWarning(reuse.resolved, spec.phpChildren, scenario.workload.connections);
    if (warning) log(`warning: ${warning}`);
    return new ConnectionProbe(topology, reuse, {
      // Each local reading spawns `ss`: a fork of the harness's whole process that blocks its
      // event loop (tens of ms here, over 100 ms on a loaded machine). Every 2 s keeps the
      // stalls apart; sockets live on in TIME_WAIT for 60 s, so none is missed between readings.
      intervalMs: providerName === 'docker' ? 5000 : 2000,
      // The Redis probe's client and the evidence probe's INFO sampler reconnect after a restart.
      otherRedisClients: (started.includes('redis') ? 1 : 0) + (topology.logSources && topology.redis ? 1 : 0),
    });
  },
};

const concurrencyProbe: ProbeKind<'concurrency'> = {
  section: 'concurrency',
  schema: concurrencySectionSchema,
  create: ({ jobs, topology }) => (jobs instanceof BurstJobs ? new ConcurrencyProbe(jobs, topology.phpErrorLog ? () => topology.phpErrorLog!() : null) : null),
};

const journeyProbe: ProbeKind<'journey'> = {
  section: 'journey',
  schema: journeySectionSchema,
  create: ({ jobs }) => (jobs instanceof JourneyJobs ? new JourneyProbe(jobs) : null),
};

/** In the order they are created and started (the connection probe counts the Redis probe's client). */
const evidenceProbe: ProbeKind<'evidence'> = {
  section: 'evidence',
  schema: evidenceSectionSchema,
  create: ({ topology, log }) => {
    if (!topology.logSources) return null;
    const samplers = redisComponentsOf(topology).map((r) => new RedisInfoSampler(r.component, r.address));
    return new EvidenceProbe(() => topology.logSources!(), log, samplers);
  },
};

export const probeKinds = [redisProbe, redisClusterProbe, connectionProbe, concurrencyProbe, journeyProbe, evidenceProbe] as const satisfies readonly ProbeKind<ProbeSectionName>[];

/** The probes that apply to this run, created in registry order. */
export function createProbes(context: Omit<ProbeContext, 'started'>): Probe[] {
  const probes: Probe[] = [];
  for (const kind of probeKinds) {
    const probe = (kind as ProbeKind).create({ ...context, started: probes.map((p) => p.section) });
    if (probe) probes.push(probe);
  }
  return probes;
}
