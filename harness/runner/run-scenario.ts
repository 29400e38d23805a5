/**
 * The runner owns start, load, faults, heal and teardown, in that order, and turns the
 * history into a result. Everything it started is stopped on every path out: normal end,
 * error, abort (Ctrl-C / SIGTERM).
 */
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { Toxiproxy } from 'toxiproxy-node-client';
import { redisClusterSchema, type Scenario, type FaultSpec } from '../scenario/scenario-schema.js';
import { parseDuration, parseTimePoint } from '../scenario/duration.js';
import { findStrategy } from '../strategies/strategy-registry.js';
import type { RedisClusterSettings, StartedTopology, TopologySpec } from '../topology/topology-types.js';
import { loadProvider } from '../topology/provider-registry.js';
import { newRunId, runsRoot } from '../topology/local/run-directory.js';
import { GuardSampler } from '../guards/guard-sampler.js';
import { VirtualUserPool } from '../workload/virtual-users.js';
import { VisitJobs } from '../workload/visit-jobs.js';
import { BurstJobs } from '../workload/burst-jobs.js';
import { JourneyJobs } from '../journey/journey-jobs.js';
import { resolveApp } from '../app/app-spec.js';
import { createProbes } from '../probes/probe-registry.js';
import type { Probe, ProbeSectionName, ProbeSections } from '../probes/probe.js';
import { watchAbortThresholds, type ThresholdAbort } from './live-thresholds.js';
import { createLoadGenerator, type LoadGenerator } from '../workload/load-generator.js';
import { maxInFlightOf, plannedDurationMs } from '../workload/workload-plan.js';
import { RunCollector } from '../results/run-collector.js';
import { FaultSchedule } from '../faults/fault-schedule.js';
import { findFault } from '../faults/fault-registry.js';
import { liveSessionCounts, sessionCounts } from '../checks/session-checker.js';
import { recoveryTimes } from '../checks/recovery-time.js';
import { finalReads, type FinalReadSummary } from '../checks/final-reads.js';
import { RESULT_SCHEMA_ID, type GuardsSection, type RunResult, type WorkloadSection } from '../results/result-schema.js';
import { startProgress } from './progress-line.js';
import { requestDeadlineMs } from '../topology/config/request-deadline.js';
import { balancerTimeoutsOf } from '../topology/plan/plan-topology.js';
import { resolveConnectionReuse } from '../topology/connection-reuse.js';
import { assertToxiproxyReachable } from './toxiproxy-reachable.js';
import { HarnessError, InvalidInputError } from '../errors.js';

export interface RunOptions {
  /** Directory for result.json and report.html. */
  outDir: string;
  toxiproxyUrl?: string;
  signal?: AbortSignal;
  /** Phase messages (stderr). */
  log: (message: string) => void;
  /** Live progress output; null for none. */
  progress: ((chunk: string) => void) | null;
  tty: boolean;
  /** A stack already started from topologySpecFor() (capacity steps reuse one per node count): used as is and left running. */
  topology?: StartedTopology;
  /** Told when the load starts and when it is over, before the heal and the final reads (capacity: CPU per request). */
  onLoadWindow?: { start(): void; end(): void };
}

export interface RunOutcome {
  result: RunResult;
  resultPath: string;
  /** The run was cut short (Ctrl-C); the result covers what ran. */
  aborted: boolean;
}

/** Resolves topology.proxies ('auto' = the links the scenario's faults act on). */
export function proxySettings(scenario: Scenario, faults: FaultSpec[]): Pick<TopologySpec, 'proxies' | 'proxyLinks'> {
  const setting = scenario.topology.proxies;
  if (setting === false || setting === 'none') return { proxies: false };
  if (setting === true || setting === 'all') return { proxies: true, proxyLinks: { balancer: true, redis: true } };
  const used = new Set(faults.flatMap((f) => findFault(f.type)?.links(f) ?? []));
  if (used.size === 0) return { proxies: false };
  return { proxies: true, proxyLinks: { balancer: used.has('balancer'), redis: used.has('redis') } };
}

/** topology.redis.cluster (its defaults when a rediscluster strategy runs without it) as the provider's settings. */
function redisClusterSettings(cluster: Scenario['topology']['redis']['cluster']): RedisClusterSettings {
  const c = cluster ?? redisClusterSchema.parse({});
  return { masters: c.masters, replicasPerMaster: c.replicas, nodeTimeoutMs: parseDuration(c.nodeTimeout), requireFullCoverage: c.requireFullCoverage };
}

/** The topology a scenario asks for (with the links its faults need proxied). */
export function topologySpecFor(scenario: Scenario, faults: FaultSpec[], options: Pick<RunOptions, 'toxiproxyUrl' | 'log'> & { outDir?: string }, runId = newRunId(scenario.name)): TopologySpec {
  const strategy = findStrategy(scenario.topology.strategy);
  if (!strategy) throw new InvalidInputError(`topology.strategy: unknown strategy "${scenario.topology.strategy}"`);
  const balancer = scenario.topology.balancer ?? strategy.preferredBalancer;
  return {
    runId,
    nodes: scenario.topology.nodes,
    balancer,
    strategy,
    phpChildren: scenario.topology.phpChildren,
    serializer: scenario.topology.serializer,
    phpIni: scenario.topology.phpIni,
    sessionPayload: scenario.topology.sessionPayload,
    ...(scenario.topology.app ? { app: resolveApp(scenario.topology.app) } : {}),
    connectionReuse: resolveConnectionReuse(scenario.topology.connectionReuse, balancer),
    balancerTimeouts: {
      ...(scenario.topology.balancerTimeouts.connect ? { connectMs: parseDuration(scenario.topology.balancerTimeouts.connect) } : {}),
      ...(scenario.topology.balancerTimeouts.read ? { readMs: parseDuration(scenario.topology.balancerTimeouts.read) } : {}),
    },
    redisPersistence: scenario.topology.redis.persistence,
    ...(strategy.storage === 'rediscluster'
      ? { redisCluster: { ...redisClusterSettings(scenario.topology.redis.cluster), partitionable: faults.some((f) => f.type === 'redis-master-partition') } }
      : {}),
    redisTimeouts: { timeoutS: scenario.topology.redis.timeout, readTimeoutS: scenario.topology.redis.readTimeout },
    ...proxySettings(scenario, faults),
    // An external deployment names its own Toxiproxy (topology.external.toxiproxy); its commands' output goes with the result.
    ...(options.toxiproxyUrl && !scenario.topology.external ? { toxiproxyUrl: options.toxiproxyUrl } : {}),
    ...(scenario.topology.external ? { external: { ...scenario.topology.external, outputDir: join(options.outDir ?? join(runsRoot(), runId), 'commands') } } : {}),
    log: options.log,
  };
}

export async function runScenario(scenario: Scenario, faults: FaultSpec[], options: RunOptions): Promise<RunOutcome> {
  const reused = options.topology ?? null;
  const spec = reused?.spec ?? topologySpecFor(scenario, faults, options);
  const { strategy, balancer, runId } = spec;
  const provider = await loadProvider(scenario.topology.provider);
  if (!reused) {
    await provider.checkDependencies(spec);
    if (spec.proxies && spec.toxiproxyUrl) await assertToxiproxyReachable(spec.toxiproxyUrl);
  }

  const w = scenario.workload;
  const durationMs = plannedDurationMs(w);
  const startedAtIso = new Date().toISOString();
  options.log(
    `starting ${scenario.topology.nodes} node(s), ${balancer} balancer, strategy ${strategy.name}` +
      `${spec.redisCluster ? `, Redis Cluster (${spec.redisCluster.masters} masters x ${spec.redisCluster.replicasPerMaster} replica(s))` : strategy.needsRedis ? ', Redis' : ''}${spec.proxies ? ', Toxiproxy links' : ''} (${provider.name} provider)`,
  );
  let topology: StartedTopology | null = null;
  let schedule: FaultSchedule | null = null;
  let aborted = false;
  let stopMs = 0;
  const collector = new RunCollector();
  const pool = new VirtualUserPool(w.users, scenario.seed);
  let workloadStart = 0;
  let measuredMs = 0;
  let windows: RunResult['faults'] = [];
  const workQuery = w.workMs > 0 ? `&work=${w.workMs}` : '';
  // A timed-out user is held until the stack can no longer be working on its request.
  const deadlineMs = requestDeadlineMs(balancerTimeoutsOf(spec).readMs);
  const jobs =
    w.mode === 'bursts'
      ? new BurstJobs(pool, w.burstSize, workQuery, deadlineMs)
      : w.mode === 'journey' && w.journey
        ? new JourneyJobs(pool, w.journey, deadlineMs)
        : new VisitJobs(pool, workQuery, deadlineMs);
  // Probes (harness/probes/): each watches the run from the side and returns one result section.
  let probes: Probe[] = [];
  const sections: Partial<ProbeSections> = {};
  const probeErrors: Record<string, string> = {};
  let thresholdAbort: ThresholdAbort | null = null;
  let finalReadSummary: FinalReadSummary | null = null;
  // Environment guards (harness/guards/): the machine's own state, sampled through the run.
  // The pre-run load sample is taken here, before the stack starts.
  const guards = new GuardSampler({ runDirectory: provider.name === 'local' ? join(runsRoot(), runId) : null, log: options.log });
  await guards.beforeStack();
  let load: LoadGenerator | null = null;
  try {
    topology = reused ?? (await provider.start(spec, options.signal));
    if (!reused) options.log(`stack ready in ${topology.startMs.toFixed(0)} ms at ${topology.baseUrl}`);
    options.signal?.throwIfAborted();

    probes = createProbes({ scenario, spec, topology, jobs, providerName: provider.name, log: options.log });
    // Sections the topology cannot give (an external deployment without a Redis URL): not inspected, said so.
    Object.assign(probeErrors, topology.notInspected ?? {});
    for (const probe of probes) await probe.start();
    const toxiproxy = topology.toxiproxy ? new Toxiproxy(topology.toxiproxy.url) : null;
    const started = topology;
    const cookieName = scenario.topology.phpIni['session.name'] ?? 'PHPSESSID';
    const sessionIdOf = (userId: string) => pool.users.find((u) => u.id === userId)?.cookies.get(cookieName) ?? null;
    schedule = new FaultSchedule(faults, { topology: started, toxiproxy, log: (m) => options.log(`fault: ${m}`), sessionIdOf }, durationMs);
    const workload = createLoadGenerator({
      workload: w,
      baseUrl: topology.baseUrl,
      pool,
      jobs,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    load = workload;
    const recording = probes.filter((p) => p.onRecord);
    workload.on('record', (r) => {
      for (const probe of recording) probe.onRecord!(r);
      const user = pool.users[r.userIndex]!;
      collector.record({
        t: r.t,
        user: user.id,
        status: r.status,
        latencyMs: r.latencyMs,
        ...(r.serviceMs !== undefined ? { serviceMs: r.serviceMs } : {}),
        outcome: r.check.outcome,
        node: r.check.node,
        expected: r.check.expected,
        got: r.check.got,
        ...(r.failure ? { failure: r.failure } : {}),
        ...(r.check.warnings ? { warnings: r.check.warnings } : {}),
        ...(r.check.detail ? { detail: r.check.detail } : {}),
      });
    });
    const sched = schedule;
    workload.on('start', () => {
      workloadStart = workload.startedAt;
      sched.start(workload.startedAt);
      for (const probe of probes) probe.onLoadStart(workload.startedAt);
      guards.start(workload.startedAt);
      options.onLoadWindow?.start();
    });
    workload.on('connError', (code) => guards.noteError(code));
    options.log(
      `load: ${w.users} users over ${w.connections} connections` +
        `${w.rate ? `, open model at ${w.rate} req/s (at most ${maxInFlightOf(w)} in flight)` : w.stages ? `, open model ramping through ${w.stages.map((s) => `${s.target} req/s`).join(', ')}` : ''}` +
        `${durationMs ? ` for ${(durationMs / 1000).toFixed(durationMs % 1000 ? 1 : 0)}s` : ''}${w.requests ? `, at most ${w.requests} requests` : ''}` +
        `${faults.length ? `; faults: ${faults.map((f) => `${f.type} ${f.target ?? ''} at ${f.at}`).join(', ')}` : ''}`,
    );
    const stopProgress = options.progress
      ? startProgress(collector, () => workloadStart, { ...(durationMs ? { durationMs } : {}), write: options.progress, tty: options.tty })
      : () => {};
    const stopWatching = watchAbortThresholds(scenario, collector, () => ({ sessions: liveSessionCounts(pool.users), ...workload.liveDropped() }), () => workloadStart, (abort) => {
      thresholdAbort = abort;
      options.log(`threshold ${abort.metric} '${abort.expression}' failed (${abort.message}): stopping the run (abortOnFail)`);
      workload.stop();
    });

    try {
      await workload.run();
    } finally {
      stopWatching();
      stopProgress();
      guards.stopSampling();
    }
    measuredMs = performance.now() - workloadStart;
    options.onLoadWindow?.end();
    aborted = options.signal?.aborted ?? false;
    // Heal first: a hung Redis or node (a hang left until the end, or a run cut short) would
    // hold the probes' last readings, the final reads and the TTL check. Healing sends no
    // request, so the probes' readings below still end with the load.
    windows = await schedule.finish(measuredMs);
    // A probe that cannot take its readings (a Redis left dead by a fault) loses its section, not the run.
    const probeFailed = (probe: Probe, error: unknown) => {
      const why = error instanceof Error ? error.message : String(error);
      probeErrors[probe.section] = why;
      options.log(`probe ${probe.section}: ${why}`);
    };
    const failedProbes = new Set<Probe>();
    for (const probe of probes) {
      await probe.onLoadEnd().catch((error: unknown) => {
        failedProbes.add(probe);
        probeFailed(probe, error);
      });
    }
    if (!aborted) {
      const readOptions = { concurrency: Math.min(w.connections, 32) };
      finalReadSummary = jobs instanceof JourneyJobs ? await jobs.finalReads(topology.baseUrl, readOptions) : await finalReads(pool.users, topology.baseUrl, readOptions);
      options.log(
        `final read of every session: ${finalReadSummary.withToken} hold their data, ${finalReadSummary.withoutToken} lost it` +
          `${finalReadSummary.failed ? `, ${finalReadSummary.failed} unreadable` : ''}`,
      );
    }
    // Counters that kept counting through the final reads (conntrack drops, log lines), before the stack and its logs go.
    guards.close();
    const end = { requests: collector.requests, durationMs: measuredMs, users: pool.users, baseUrl: topology.baseUrl, aborted, finalReadsDone: finalReadSummary !== null };
    for (const probe of probes) {
      if (failedProbes.has(probe)) continue;
      try {
        const section = await probe.finish(end);
        if (section !== null) attachSection(sections, probe.section, section);
      } catch (error) {
        probeFailed(probe, error);
      }
    }
  } finally {
    guards.close();
    for (const probe of probes) probe.close();
    if (schedule && !schedule.finished) windows = await schedule.finish(measuredMs || performance.now() - workloadStart);
    if (topology && !reused) {
      options.log('stopping the stack');
      stopMs = await topology.stop();
      options.log(`stack stopped in ${stopMs.toFixed(0)} ms`);
    }
  }
  if (!topology) throw new HarnessError('the topology did not start');
  if (schedule && schedule.errors.length > 0) options.log(`fault problems: ${schedule.errors.join('; ')}`);

  const result = buildResult({
    scenario,
    runId,
    startedAt: startedAtIso,
    balancer,
    topology,
    collector,
    pool,
    durationMs: measuredMs,
    windows,
    stopMs,
    guards: guards.section(),
    workload: load?.summary(measuredMs) ?? null,
  });
  Object.assign(result, sections);
  if (thresholdAbort) result.thresholdAbort = thresholdAbort;
  if (Object.keys(probeErrors).length > 0) result.probeErrors = probeErrors;
  if (finalReadSummary) result.finalReads = finalReadSummary;
  if (aborted) options.log('run aborted: the result covers the part that ran');
  return { result, resultPath: join(options.outDir, 'result.json'), aborted };
}

function attachSection<K extends ProbeSectionName>(sections: Partial<ProbeSections>, key: K, section: ProbeSections[K]): void {
  sections[key] = section;
}

interface BuildInput {
  scenario: Scenario;
  runId: string;
  startedAt: string;
  balancer: RunResult['balancer'];
  topology: StartedTopology;
  collector: RunCollector;
  pool: VirtualUserPool;
  durationMs: number;
  windows: RunResult['faults'];
  stopMs: number;
  guards?: GuardsSection;
  workload: WorkloadSection | null;
}

export function buildResult(input: BuildInput): RunResult {
  const { collector, pool, topology, scenario } = input;
  const sessions = { ...sessionCounts(pool.users), lossRate: 0 };
  const judged = sessions.users - sessions.unserved - sessions.unknown;
  sessions.lossRate = judged > 0 ? sessions.lost / judged : 0;
  const timeline = collector.timeline(input.durationMs);
  const seconds = input.durationMs / 1000;
  return {
    schema: RESULT_SCHEMA_ID,
    runId: input.runId,
    scenario: scenario.name,
    description: scenario.description,
    startedAt: input.startedAt,
    strategy: scenario.topology.strategy,
    balancer: input.balancer,
    provider: topology.provider,
    nodes: scenario.topology.nodes,
    durationMs: Math.round(input.durationMs),
    requests: {
      total: collector.requests,
      ok: collector.requests - collector.errors,
      errors: collector.errors,
      rps: seconds > 0 ? Math.round((collector.requests / seconds) * 10) / 10 : 0,
      timeouts: collector.timeouts,
      non2xx: collector.non2xx,
      connectionErrors: collector.connectionErrors,
    },
    latencyMs: collector.latencySummary(),
    ...(input.workload?.model === 'open' ? { serviceTimeMs: collector.latencySummary(collector.service) } : {}),
    ...(input.workload ? { workload: input.workload } : {}),
    latencyPercentiles: collector.percentileSpectrum(),
    sessions,
    outcomes: { ...collector.outcomes },
    faults: input.windows.map((w) => ({ ...w, startMs: Math.round(w.startMs), endMs: Math.round(w.endMs) })),
    timeline,
    nodesServed: collector.nodesServed,
    balancerRetry: topology.balancerRetry,
    env: topology.env,
    timing: { stackStartMs: Math.round(topology.startMs), stackStopMs: Math.round(input.stopMs) },
    scenarioConfig: JSON.parse(JSON.stringify(scenario)) as Record<string, unknown>,
    seed: scenario.seed,
    anomalySamples: collector.samples,
    recovery: recoveryTimes(timeline, input.windows, input.durationMs),
    ...(input.guards ? { guards: input.guards } : {}),
    ...(scenario.steps.length > 0 ? { steps: measureSteps(scenario, collector) } : {}),
  };
}

/**
 * Latency per measurement window. The first whole second of each window is skipped: it mixes
 * requests from before and after the change. Each step also reports the p50 it added over the
 * first step and, when it names a latencyMs, that addition per injected ms (about the number
 * of round trips one request makes over the faulty link).
 */
function measureSteps(scenario: Scenario, collector: RunCollector): NonNullable<RunResult['steps']> {
  const total = plannedDurationMs(scenario.workload);
  const steps = scenario.steps.map((step) => {
    const startMs = parseTimePoint(step.from, total);
    const endMs = parseTimePoint(step.to, total);
    const stats = collector.windowStats(Math.ceil(startMs / 1000) + 1, Math.floor(endMs / 1000));
    return { label: step.label, startMs, endMs, ...stats, params: { ...(step.params ?? {}) } as Record<string, unknown> };
  });
  const base = steps[0];
  for (const step of steps) {
    if (!base || step === base) continue;
    const added = Math.round((step.p50 - base.p50) * 1000) / 1000;
    step.params.addedP50Ms = added;
    const latency = step.params.latencyMs;
    if (typeof latency === 'number' && latency > 0) step.params.addedP50PerInjectedMs = Math.round((added / latency) * 100) / 100;
  }
  return steps;
}
