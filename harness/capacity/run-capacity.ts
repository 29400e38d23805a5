/**
 * A capacity run: for each node count, one stack started once and reused for its steps; each
 * step is one run of the scenario runner at a fixed open-model rate (the scenario's faults
 * and thresholds are not applied). CPU per tier is read from /proc at the load's start and
 * end; the knee, the service demands, the USL fit, Redis's bytes per session and the plan
 * follow.
 */
import { cpus as osCpus } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { Scenario } from '../scenario/scenario-schema.js';
import { runScenario, topologySpecFor } from '../runner/run-scenario.js';
import { loadProvider } from '../topology/provider-registry.js';
import { runsRoot } from '../topology/local/run-directory.js';
import type { StartedTopology } from '../topology/topology-types.js';
import { anomalyCount, type RunResult } from '../results/result-schema.js';
import { inspectionClient } from '../redis-inspect/redis-connection.js';
import { DEFAULT_SESSION_PREFIX } from '../redis-inspect/index.js';
import { RunAbortedError } from '../errors.js';
import { CAPACITY_SCHEMA_ID, type CapacityResult, type CapacityStep } from './capacity-schema.js';
import type { CapacityOptions } from './capacity-options.js';
import { cpuBetween, localTierCpu, type CpuReading, type TierCpuReader } from './tier-cpu.js';
import { bottleneckOf, predictSaturation, tierDemands, type TierDemand } from './service-demand.js';
import { kneeOf, nextRate, type StepVerdict } from './knee-search.js';
import { bootstrapUslBand, fitUsl, uslRate } from './usl-fit.js';
import { measureBytesPerSession, redisNetBytes, sampleSessions, type BytesPerSession } from './session-memory.js';
import { makePlan } from './capacity-plan.js';
import { waitForQuiet } from './wait-for-quiet.js';

export const VALIDATION_TOLERANCE = 0.25;
/** Errors allowed at a step that meets the objective. */
export const MAX_ERROR_RATE = 0.001;
/** Copies of real sessions written to measure bytes per session. */
export const MEMORY_SAMPLE_KEYS = 10_000;

export interface CapacityRunInput {
  options: CapacityOptions;
  scenario: Scenario;
  signal?: AbortSignal;
  /** Phase messages. */
  log: (message: string) => void;
  /** One line per step. */
  progress: (line: string) => void;
}

/** Judges one step against the objective; a fired guard makes it invalid, not a measurement. */
export function judgeStep(
  r: Pick<RunResult, 'latencyMs' | 'requests' | 'outcomes' | 'workload' | 'guards'>,
  p99LimitMs: number,
): { status: CapacityStep['status']; reasons: string[] } {
  const fired = r.guards?.guards.filter((g) => g.status === 'fired') ?? [];
  if (fired.length > 0) return { status: 'invalid', reasons: fired.map((g) => `guard ${g.name} fired: ${g.cause ?? ''}`.trim()) };
  const reasons: string[] = [];
  if (r.requests.total === 0) reasons.push('no request completed');
  if (r.latencyMs.p99 >= p99LimitMs) reasons.push(`p99 ${r.latencyMs.p99.toFixed(1)} ms >= ${p99LimitMs} ms`);
  const errorRate = r.requests.total > 0 ? r.requests.errors / r.requests.total : 0;
  if (errorRate >= MAX_ERROR_RATE) reasons.push(`errors ${(errorRate * 100).toFixed(2)}% >= ${MAX_ERROR_RATE * 100}%`);
  const anomalies = anomalyCount(r.outcomes);
  if (anomalies > 0) reasons.push(`${anomalies} session anomalies`);
  if (r.workload?.model === 'open' && r.workload.dropped > r.workload.intended * MAX_ERROR_RATE) {
    reasons.push(`${r.workload.dropped} of ${r.workload.intended} starts dropped (in-flight limit reached)`);
  }
  return { status: reasons.length === 0 ? 'pass' : 'fail', reasons };
}

function stepScenario(base: Scenario, nodes: number, rate: number, stepMs: number, users: number, p99Ms: number): Scenario {
  const { stages: _s, requests: _r, startRate: _sr, ...w } = base.workload;
  // Bursts fire simultaneous requests per user: a capacity step visits (journeys stay journeys).
  // Enough requests may be in flight (and users to send them) to see p99 reach the limit, and more.
  const maxInFlight = Math.min(100_000, Math.max(4 * w.connections, Math.ceil(rate * (p99Ms / 1000) * 4)));
  return {
    ...base,
    topology: { ...base.topology, nodes },
    workload: { ...w, model: 'open', rate, duration: `${Math.round(stepMs)}ms`, maxInFlight, users: Math.max(users, maxInFlight), mode: w.mode === 'bursts' ? 'visits' : w.mode },
    faults: [],
    steps: [],
    // Stop a step that clearly fails: p99 four times the limit, or 5% errors.
    thresholds: {
      latency: [{ threshold: `p(99)<${p99Ms * 4}`, abortOnFail: true }],
      error_rate: [{ threshold: 'rate<0.05', abortOnFail: true }],
    },
  };
}

const minOrNull = (xs: Array<number | null>): number | null => {
  const known = xs.filter((x): x is number => x !== null);
  return known.length ? Math.min(...known) : null;
};

const median = (xs: number[]): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

/**
 * The CPU reader of a started stack: the recorded process groups (local), the containers'
 * cgroups and processes (docker); null with the reason when there is none.
 */
async function tierCpuReaderFor(providerName: string, runId: string): Promise<{ reader: TierCpuReader | null; why: string | null }> {
  if (providerName === 'local') return { reader: localTierCpu(join(runsRoot(), runId, 'pids')), why: null };
  if (providerName === 'docker') {
    try {
      // Loaded only here: it pulls in testcontainers.
      const { dockerTierCpu } = await import('./docker-tier-cpu.js');
      return { reader: (await dockerTierCpu(runId)).reader, why: null };
    } catch (error) {
      return { reader: null, why: `the docker containers' CPU counters could not be read (${(error as Error).message}): demands are missing` };
    }
  }
  return { reader: null, why: `the ${providerName} provider's CPU is not read: demands are missing` };
}

export async function runCapacity(input: CapacityRunInput): Promise<CapacityResult> {
  const { options: o, log } = input;
  // --provider overrides the scenario's.
  const scenario: Scenario = o.provider ? { ...input.scenario, topology: { ...input.scenario.topology, provider: o.provider } } : input.scenario;
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const cpuCount = osCpus().length;
  const users = o.users ?? scenario.workload.users;
  const gcMaxlifetimeS = Number(scenario.topology.phpIni['session.gc_maxlifetime'] ?? 1440);
  const provider = await loadProvider(scenario.topology.provider);
  const steps: CapacityStep[] = [];
  const knees: CapacityResult['knees'] = [];
  let memory: (BytesPerSession & { source: string }) | null = null;
  let memoryNote: string | null = null;
  let balancer = '';
  const cpuNotes = new Set<string>();
  const notes = [
    `the scenario's faults (${scenario.faults.length}) and thresholds are not applied during capacity steps: each step is the scenario's stack and workload at a fixed open-model rate`,
    `a step meets the objective with p99 < ${o.p99Ms} ms, errors < ${MAX_ERROR_RATE * 100}%, no session anomaly and no dropped start; one with a fired environment guard is invalid (retried once), not a measurement`,
  ];

  for (const nodes of o.nodes) {
    input.signal?.throwIfAborted();
    const base: Scenario = { ...scenario, topology: { ...scenario.topology, nodes } };
    const spec = topologySpecFor(base, [], { log });
    balancer = spec.balancer;
    await provider.checkDependencies(spec);
    log(`${nodes} node(s): starting the stack (${spec.strategy.name}, ${spec.balancer}, ${provider.name} provider)`);
    const topology: StartedTopology = await provider.start(spec, input.signal);
    let redis: Redis | null = null;
    try {
      const { reader, why } = await tierCpuReaderFor(provider.name, spec.runId);
      if (why) {
        log(`${nodes} node(s): ${why}`);
        cpuNotes.add(why);
      }
      if (topology.redis) {
        redis = inspectionClient(topology.redis);
        redis.on('error', () => {});
        await redis.connect();
      }
      const runStep = async (rate: number, stepMs: number) => {
        let a: CpuReading | null = null;
        let b: CpuReading | null = null;
        let netA: Promise<number> | null = null;
        let netB: Promise<number> | null = null;
        const client = redis;
        const outcome = await runScenario(stepScenario(base, nodes, rate, stepMs, users, o.p99Ms), [], {
          outDir: o.out ?? '.',
          log: () => {},
          progress: null,
          tty: false,
          topology,
          ...(input.signal ? { signal: input.signal } : {}),
          onLoadWindow: {
            start: () => {
              a = reader?.read() ?? null;
              netA = client ? redisNetBytes(client).catch(() => Number.NaN) : null;
            },
            end: () => {
              b = reader?.read() ?? null;
              netB = client ? redisNetBytes(client).catch(() => Number.NaN) : null;
            },
          },
        });
        if (outcome.aborted) throw new RunAbortedError('capacity run interrupted');
        const net = netA && netB ? (await netB) - (await netA) : null;
        return { result: outcome.result, cpu: a && b ? cpuBetween(a, b) : null, redisNet: net !== null && Number.isFinite(net) ? net : null };
      };

      // Warm-up (not recorded): PHP's first requests fill opcache and open files.
      await runStep(o.startRate * nodes, 2000);
      const history: StepVerdict[] = [];
      const search = { startRate: o.startRate * nodes, maxSteps: o.maxSteps, maxInvalid: o.quick ? 3 : 5, growth: o.quick ? 2 : 1.6, resolution: o.quick ? 0.15 : 0.08, minRate: 5 };
      let stoppedBecause = '';
      for (;;) {
        const next = nextRate(history, search);
        if ('done' in next) {
          stoppedBecause = next.done;
          break;
        }
        input.signal?.throwIfAborted();
        // The stack settles and other work on the host gets a chance to finish (pre-run-load guard).
        // After invalid steps wait longer: the host was busy with other work.
        let invalidRun = 0;
        for (let i = history.length - 1; i >= 0 && history[i]!.status === 'invalid'; i--) invalidRun++;
        const quiet = await waitForQuiet({ maxWaitMs: (o.quick ? 15_000 : 30_000) * (1 + invalidRun) });
        if (quiet.waitedMs > 2000) log(`${nodes} node(s): waited ${(quiet.waitedMs / 1000).toFixed(0)} s for a quiet host (${quiet.busy === null ? '?' : Math.round(quiet.busy * 100)}% busy)`);
        const { result: r, cpu, redisNet } = await runStep(next.rate, o.stepMs);
        const verdict = judgeStep(r, o.p99Ms);
        const wallS = cpu?.wallS ?? r.durationMs / 1000;
        const completed = r.requests.total;
        const step: CapacityStep = {
          nodes,
          index: history.length + 1,
          offeredRate: next.rate,
          durationMs: r.durationMs,
          users: r.sessions.users,
          requests: completed,
          throughput: wallS > 0 ? r.requests.ok / wallS : 0,
          p50Ms: r.latencyMs.p50,
          p99Ms: r.latencyMs.p99,
          meanServiceMs: r.serviceTimeMs?.mean ?? null,
          errors: r.requests.errors,
          errorRate: completed > 0 ? r.requests.errors / completed : 0,
          anomalies: anomalyCount(r.outcomes),
          dropped: r.workload?.model === 'open' ? r.workload.dropped : 0,
          status: verdict.status,
          reasons: verdict.reasons,
          stoppedEarly: r.thresholdAbort !== undefined,
          demands: cpu ? tierDemands(cpu.tiers, cpu.wallS, completed) : [],
          hostBusyCores: cpu?.hostBusyCores ?? null,
          otherCores: cpu?.otherCores ?? null,
          redisCommandsPerRequest: r.redis?.commandsPerRequest ?? null,
          redisNetBytesPerRequest: redisNet !== null && completed > 0 ? redisNet / completed : null,
          phpRssPerProcessBytes: cpu?.phpRssPerProcess ?? null,
          loopbackBytesPerRequest: cpu?.loBytes != null && completed > 0 ? cpu.loBytes / completed : null,
          perSecond: r.timeline.slice(1, -1).map((p) => p.requests - p.errors),
        };
        steps.push(step);
        history.push({ rate: next.rate, status: verdict.status, throughput: step.throughput });
        input.progress(
          `  ${nodes} node(s) step ${step.index}: offered ${String(Math.round(next.rate)).padStart(5)} req/s -> ${step.throughput.toFixed(0).padStart(5)} req/s  p50 ${step.p50Ms.toFixed(1)} ms  p99 ${step.p99Ms.toFixed(1)} ms  errors ${step.errors}  ${step.status.toUpperCase()}` +
            `${step.stoppedEarly ? ' (stopped early)' : ''}${verdict.reasons.length ? `: ${verdict.reasons.join('; ')}` : ''}`,
        );
      }
      const knee = kneeOf(history);
      const kneeStep = knee.rate === null ? null : steps.filter((s) => s.nodes === nodes && s.status === 'pass' && s.offeredRate === knee.rate).at(-1)!;
      const demands = kneeStep?.demands ?? [];
      const available = Math.max(0.1, cpuCount - (kneeStep?.otherCores ?? 0));
      knees.push({
        nodes,
        rate: knee.rate,
        throughput: kneeStep?.throughput ?? null,
        firstFailRate: knee.firstFail,
        stoppedBecause,
        demands,
        bottleneck: bottleneckOf(demands)?.tier ?? null,
        predictedSaturation: predictSaturation(demands, available),
      });
      log(`${nodes} node(s): knee ${knee.rate === null ? 'none (no step met the objective)' : `${Math.round(kneeStep!.throughput)} req/s (offered ${knee.rate})`}; ${stoppedBecause}`);

      if (memory === null && redis) {
        const samples = await sampleSessions(redis, DEFAULT_SESSION_PREFIX, 200);
        if (samples.length > 0) {
          const m = await measureBytesPerSession(redis, samples, { count: MEMORY_SAMPLE_KEYS, ttlS: gcMaxlifetimeS });
          memory = { ...m, source: `used_memory growth over ${MEMORY_SAMPLE_KEYS} copies of ${samples.length} real sessions of this run (same key length, TTL ${gcMaxlifetimeS} s), ${nodes}-node stack` };
        } else memoryNote = 'no session key found in Redis after the steps';
      }
    } finally {
      redis?.disconnect();
      log(`${nodes} node(s): stopping the stack`);
      await topology.stop();
    }
  }
  if (!usesRedis(scenario)) memoryNote = 'the strategy keeps no sessions in one Redis: Redis figures do not apply';
  else if (scenario.topology.strategy.startsWith('rediscluster')) memoryNote ??= 'Redis Cluster: bytes per session are not measured on a cluster (per-master figures would be needed)';

  // --- the fit, the validation and the plan ---------------------------------------------
  const withKnee = knees.filter((k) => k.throughput !== null);
  let usl: CapacityResult['usl'] = null;
  const maxNodes = Math.max(...o.nodes);
  if (withKnee.length > 0) {
    const points = withKnee.map((k) => ({ nodes: k.nodes, rate: k.throughput! }));
    const fit = fitUsl(points);
    const axis = Array.from({ length: Math.max(8, 2 * maxNodes) }, (_, i) => i + 1);
    const samples = withKnee.map((k) => ({ nodes: k.nodes, perSecond: steps.find((s) => s.nodes === k.nodes && s.status === 'pass' && s.offeredRate === k.rate)?.perSecond ?? [] }));
    const band = bootstrapUslBand(samples, axis, 200, scenario.seed);
    usl = {
      ...fit,
      points,
      curve: axis.map((n, i) => ({ nodes: n, rate: uslRate(fit, n), low: band[i]?.low ?? null, high: band[i]?.high ?? null })),
      what: `the scaling of THIS host (${cpuCount} CPU(s) shared by every node, the balancer, Redis and the harness), not of production nodes: the node count of the plan comes from the service demands`,
    };
  }
  // Validation and plan rest on the smallest node count that has a knee (1 node when it has one).
  const first = knees.find((k) => k.throughput !== null) ?? knees[0];
  const predicted = first?.predictedSaturation?.rate ?? null;
  const measured = first?.throughput ?? null;
  const relativeError = predicted !== null && measured !== null && measured > 0 ? Math.abs(predicted - measured) / measured : null;
  const validation: CapacityResult['validation'] = {
    predictedRate: predicted,
    measuredKnee: measured,
    relativeError,
    tolerance: VALIDATION_TOLERANCE,
    // A knee with no failing step above it is only a lower bound (the search ended early): not a comparison.
    passed: relativeError === null || first?.firstFailRate === null ? null : relativeError <= VALIDATION_TOLERANCE,
    note:
      first && predicted !== null
        ? `${first.nodes} node(s): the service demands at the knee step predict saturation at ${Math.round(predicted)} req/s (${first.predictedSaturation!.limitedBy}); the knee measured ${measured === null ? 'none' : `${Math.round(measured)} req/s`}` +
          (first.firstFailRate === null ? ` — NOT VALIDATED: no step above the knee failed (${first.stoppedBecause}), so the knee is only a lower bound` : '')
        : 'no knee step with CPU measurements: nothing to validate',
  };

  const kneeStepOf = (k: (typeof knees)[number] | undefined) => (k ? steps.find((s) => s.nodes === k.nodes && s.status === 'pass' && s.offeredRate === k.rate) : undefined);
  const baseStep = kneeStepOf(first);
  const d = (tier: TierDemand['tier']) => first?.demands.find((x) => x.tier === tier)?.demandMs ?? null;
  const php = d('php-fpm');
  const web = d('node-web');
  const best = withKnee.reduce<(typeof knees)[number] | null>((a, k) => (a === null || k.throughput! > a.throughput! ? k : a), null);
  const bottleneck = first ? bottleneckOf(first.demands) : null;
  const loPerRequest = baseStep?.loopbackBytesPerRequest ?? null;
  const plan = makePlan({
    targetRps: o.targetRps,
    users,
    visitSpanS: o.visitSpanS,
    gcMaxlifetimeS,
    coresPerNode: o.coresPerNode ?? cpuCount,
    utilization: o.utilization,
    nodeDemandMs: php === null ? null : php + (web ?? 0),
    demandSource: first
      ? `measured at the ${first.nodes}-node knee step (${first.rate} req/s offered), ${provider.name === 'docker' ? "/proc CPU of the node containers' php-fpm and nginx processes" : '/proc CPU of the recorded process groups'}`
      : 'not measured',
    bottleneck: bottleneck?.tier ?? null,
    bottleneckDemandMs: bottleneck?.demandMs ?? null,
    // The time a request holds a PHP worker: the mean service time of the least-loaded passing step
    // (at the knee it also holds the wait in the listen queue, which more workers would not shorten).
    meanServiceMs: first ? minOrNull(steps.filter((s) => s.nodes === first.nodes && s.status === 'pass').map((s) => s.meanServiceMs)) : null,
    meanServiceSource: first ? `the least-loaded passing step of ${first.nodes} node(s)` : 'not measured',
    phpRssPerProcessBytes: baseStep?.phpRssPerProcessBytes ?? null,
    redisDemandMs: d('redis'),
    redisCommandsPerRequest: median(steps.flatMap((s) => (s.status === 'pass' && s.redisCommandsPerRequest !== null ? [s.redisCommandsPerRequest] : []))),
    bytesPerSession: memory?.bytes ?? null,
    bytesPerSessionSource: memory?.source ?? memoryNote ?? 'not measured',
    networkBytesPerRequest: loPerRequest,
    ...(provider.name === 'docker'
      ? { networkSource: "bytes received during the knee step / requests on every hop: each container's interfaces (bridge and its own loopback: nginx to PHP-FPM), the run bridge toward the host (docker-proxy, Toxiproxy) and the host's loopback (harness to docker-proxy; other processes on lo included)" }
      : {}),
    redisNetBytesPerRequest: baseStep?.redisNetBytesPerRequest ?? null,
    bestKnee: best ? { rate: best.throughput!, nodes: best.nodes } : null,
    usesRedis: usesRedis(scenario),
  });
  if (memoryNote) notes.push(memoryNote);
  notes.push(...cpuNotes);
  if (provider.name === 'docker' && cpuNotes.size === 0) {
    notes.push(
      "docker provider: CPU of the balancer and Redis containers from their cgroup counters; PHP-FPM and nginx, which share each node container, from that container's processes in /proc by command name; docker-proxy (the published port's userland proxy, on the load's way in) is measuring cost like the harness, never the bottleneck",
    );
  }

  // The docker provider sets no CPU limit: its containers share the host's cores like local processes.
  const sharedCores = provider.name === 'local' || provider.name === 'docker';
  return {
    schema: CAPACITY_SCHEMA_ID,
    scenario: scenario.name,
    strategy: scenario.topology.strategy,
    balancer,
    provider: provider.name,
    startedAt,
    durationMs: Math.round(performance.now() - started),
    target: { rps: o.targetRps, p99Ms: o.p99Ms, users, visitSpanS: o.visitSpanS, coresPerNode: o.coresPerNode ?? cpuCount, utilization: o.utilization },
    slo: `p99 < ${o.p99Ms} ms, errors < ${MAX_ERROR_RATE * 100}%, no session anomaly, no dropped start`,
    host: {
      cpus: cpuCount,
      sharedCores,
      note: sharedCores
        ? `every node, the balancer, Redis and the harness shared this host's ${cpuCount} CPU(s)${provider.name === 'docker' ? ' (containers without CPU limits)' : ''}: a node had fewer cores than it would in production, so the node count comes from the service demands and the USL fit is the scaling of this host`
        : 'containers on one host share its CPUs',
    },
    notes,
    steps,
    knees,
    usl,
    redisMemory: memory
      ? { bytesPerSession: memory.bytes, keysWritten: memory.keys, meanValueBytes: memory.meanValueBytes, memoryUsageOfOne: memory.memoryUsageOfOne, source: memory.source }
      : null,
    plan,
    validation,
  };
}

/** Strategies whose sessions live in Redis (redis, redis-locking..., rediscluster...). */
function usesRedis(scenario: Scenario): boolean {
  return scenario.topology.strategy.startsWith('redis');
}
