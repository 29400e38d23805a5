/**
 * The checks every run has, whatever its thresholds (Jepsen's "the test must have done
 * something"), and the run's verdict. Pure functions of a result, so `scenario`, `compare`
 * and `gate` judge a result the same way:
 * - users_judged: at least `minJudgedShare` (default 95%) of the users were judged — their
 *   token was stored and their final read answered. "No user was served" fails here.
 * - healthy_before_fault: error rate below `maxErrorRateBeforeFault` (default 1%) in the
 *   whole seconds before the first fault (the whole run when it has none). Session anomalies
 *   are a strategy's result, not a health signal. When it fails the run is `invalid`: the
 *   figures after the fault mean nothing.
 * - fault: each fault took effect and healed as planned (`apply-failed` / `heal-failed` fail).
 * - environment: one per environment guard that fired (result.guards, harness/guards/): the
 *   machine spoiled the run (conntrack dropped packets, ports ran out, the harness was
 *   saturated...). The run is `invalid`, like healthy_before_fault: no figure of it is a
 *   verdict on the stack.
 * - store_check: when the run inspects a Redis store (redis and rediscluster strategies with
 *   the built-in app), every judged user's stored session agrees with the HTTP verdict. The
 *   store could not be read, the Redis probe took no readings, or no user could be compared:
 *   unknown. A store that disagrees with the verdict (or covers other users) fails: the
 *   verdict cannot be trusted then. Not applicable (no check) when nothing is there to read by
 *   design: a strategy without Redis, your own app, a serializer the decoder does not read, an
 *   external deployment given no Redis URL (the summary says which).
 * A check that cannot be computed is unknown, and unknown fails the run unless allowed.
 */
import { compareWithVerdict } from '../redis-inspect/store-check.js';
import type { RunResult, ThresholdResult } from '../results/result-schema.js';

export interface RunCheckSettings {
  minJudgedShare: number;
  maxErrorRateBeforeFault: number;
}

export const DEFAULT_RUN_CHECKS: RunCheckSettings = { minJudgedShare: 0.95, maxErrorRateBeforeFault: 0.01 };

export type VerdictStatus = NonNullable<RunResult['verdict']>['status'];

const pct = (n: number) => `${Number((n * 100).toFixed(1))}%`;

/** The scenario's `checks` settings as recorded in the result, over the defaults. */
export function runCheckSettings(result: RunResult): RunCheckSettings {
  const given = (result.scenarioConfig.checks ?? {}) as Partial<RunCheckSettings>;
  return {
    minJudgedShare: typeof given.minJudgedShare === 'number' ? given.minJudgedShare : DEFAULT_RUN_CHECKS.minJudgedShare,
    maxErrorRateBeforeFault:
      typeof given.maxErrorRateBeforeFault === 'number' ? given.maxErrorRateBeforeFault : DEFAULT_RUN_CHECKS.maxErrorRateBeforeFault,
  };
}

export function usersJudgedCheck(result: RunResult, minShare: number): ThresholdResult {
  const s = result.sessions;
  const judged = Math.max(0, s.users - s.unserved - s.unknown);
  const expression = `rate>=${minShare}`;
  const base = { metric: 'users_judged', expression, source: 'builtin' as const };
  if (s.users === 0) return { ...base, actual: null, passed: null, message: 'unknown: the run had no users' };
  const share = judged / s.users;
  const why = `${judged} of ${s.users} users judged (unserved ${s.unserved}, final read failed ${s.unknown})`;
  if (judged === 0) return { ...base, actual: 0, passed: false, message: `no user was served, so no session was judged: ${why}` };
  return { ...base, actual: share, passed: share >= minShare, message: `${why}: ${pct(share)}, need ${pct(minShare)}` };
}

export function healthyBeforeFaultCheck(result: RunResult, maxErrorRate: number): ThresholdResult {
  const first = result.faults.length > 0 ? Math.min(...result.faults.map((f) => f.startMs)) : null;
  const expression = `rate<${maxErrorRate}`;
  const base = { metric: 'healthy_before_fault', expression, source: 'builtin' as const };
  // Whole seconds only: the second the fault starts in mixes before and after.
  const seconds = first === null ? result.timeline : result.timeline.filter((p) => p.t < Math.floor(first / 1000));
  const requests = seconds.reduce((n, p) => n + p.requests, 0);
  const errors = seconds.reduce((n, p) => n + p.errors, 0);
  const span = first === null ? 'during the run (it has no faults)' : `in the ${seconds.length} s before the first fault (at ${(first / 1000).toFixed(1)} s)`;
  if (requests === 0) {
    return { ...base, actual: null, passed: null, message: `unknown: no request finished ${span}, so the stack's health cannot be judged` };
  }
  const rate = errors / requests;
  const passed = rate < maxErrorRate;
  const message = `${errors} errors in ${requests} requests ${span}: ${pct(rate)}${passed ? '' : ' — the stack was not healthy, the figures after it mean nothing'}`;
  return { ...base, actual: rate, passed, message };
}

export function faultChecks(result: RunResult): ThresholdResult[] {
  return result.faults.map((f) => {
    const label = f.label ?? `${f.type} ${f.target}`;
    const passed = f.status === 'applied';
    return {
      metric: 'fault',
      expression: `${label} applied${f.healedAtMs !== undefined || f.status === 'heal-failed' ? ' and healed' : ''}`,
      source: 'builtin' as const,
      actual: null,
      passed,
      message: passed ? `${label}: ${f.status}` : `${label}: ${f.error ?? f.status}`,
    };
  });
}

/** One failed check per environment guard that fired during the run. */
export function environmentChecks(result: RunResult): ThresholdResult[] {
  return (result.guards?.guards ?? [])
    .filter((g) => g.status === 'fired')
    .map((g) => {
      const at = g.firedAtMs === null ? '' : g.firedAtMs < 0 ? ' (before the run)' : ` (at ${(g.firedAtMs / 1000).toFixed(1)} s)`;
      return {
        metric: 'environment',
        expression: g.name,
        source: 'builtin' as const,
        actual: null,
        passed: false,
        message: `the machine spoiled the run${at}: ${g.cause ?? g.title} — fix: ${g.fix ?? 'see the guard'}`,
      };
    });
}

/** The store check as a verdict check, or none when the run has no store to read by design. */
export function storeCheck(result: RunResult): ThresholdResult[] {
  const base = { metric: 'store_check', expression: 'store agrees with the HTTP verdict', source: 'builtin' as const, actual: null };
  const store = result.redis ?? result.redisCluster;
  const section = result.redis ? 'redis' : 'redisCluster';
  if (!store) {
    // The probe of a store the run was to inspect failed: its readings, the store check with them, are missing.
    const failed = Object.entries(result.probeErrors ?? {}).find(([name, why]) => (name === 'redis' || name === 'redisCluster') && !why.startsWith('not inspected'));
    return failed ? [{ ...base, passed: null, message: `unknown: Redis was not inspected after the run (${failed[0]}: ${failed[1]})` }] : [];
  }
  if (store.storeCheckError) return [{ ...base, passed: null, message: `unknown: the store could not be read (${store.storeCheckError})` }];
  if (!store.storeCheck || store.storeCheck.status === 'not-checked') return [];
  const c = compareWithVerdict(store.storeCheck, result.sessions);
  const message = `${section}: ${c.statement}`;
  if (c.status === 'agrees') return [{ ...base, passed: true, message }];
  if (c.status === 'not-compared') return [{ ...base, passed: null, message: `unknown: ${message}` }];
  return [{ ...base, passed: false, message: `${message} — the HTTP verdict is in doubt` }];
}

export function builtinChecks(result: RunResult): ThresholdResult[] {
  const settings = runCheckSettings(result);
  return [
    ...environmentChecks(result),
    usersJudgedCheck(result, settings.minJudgedShare),
    healthyBeforeFaultCheck(result, settings.maxErrorRateBeforeFault),
    ...faultChecks(result),
    ...storeCheck(result),
  ];
}

/** Checks whose failure makes a run invalid: the machine spoiled it, or the stack was unhealthy before the faults. */
const invalidating = new Set(['environment', 'healthy_before_fault']);

/** invalid (the machine spoiled the run, or the stack was unhealthy before the faults) > failed > unknown > passed. */
export function runVerdict(results: readonly ThresholdResult[]): NonNullable<RunResult['verdict']> {
  const reason = (r: ThresholdResult) => `${r.metric} ${r.expression}: ${r.message ?? (r.passed === null ? 'unknown' : 'failed')}`;
  // The machine first: when it spoiled the run, that is the reason, whatever else failed.
  const invalid = results
    .filter((r) => invalidating.has(r.metric) && r.passed === false)
    .sort((a, b) => Number(b.metric === 'environment') - Number(a.metric === 'environment'));
  const failed = results.filter((r) => r.passed === false);
  const unknown = results.filter((r) => r.passed === null);
  if (invalid.length > 0) return { status: 'invalid', reasons: [...invalid, ...failed.filter((r) => !invalid.includes(r)), ...unknown].map(reason) };
  if (failed.length > 0) return { status: 'failed', reasons: [...failed, ...unknown].map(reason) };
  if (unknown.length > 0) return { status: 'unknown', reasons: unknown.map(reason) };
  return { status: 'passed', reasons: [] };
}

/** Exit 0 only for a pass (or an allowed unknown). */
export function verdictPasses(status: VerdictStatus, allowUnknown: boolean): boolean {
  return status === 'passed' || (status === 'unknown' && allowUnknown);
}
