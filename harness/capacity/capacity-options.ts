/**
 * The capacity command's flags, each checked before anything starts: a bad one is an
 * InvalidInputError (exit 104) of one line naming the flag and what it accepts.
 */
import { parseArgs } from 'node:util';
import { InvalidInputError } from '../errors.js';
import { parseDuration } from '../scenario/duration.js';
import { quoted } from '../util/one-line.js';
import { providerNames, type ProviderName } from '../topology/provider-names.js';

export const capacityUsage = `usage: npm run capacity -- <scenario> --target-rps R --p99 250ms [options]
  --target-rps R          the load to plan for (requests per second)
  --p99 250ms             the latency objective: p99 below it (errors < 0.1%, no session anomaly)
  --users U               active users at that load (default: the scenario's workload.users)
  --nodes 1,2,3           node counts to measure (default 1,2)
  --cores-per-node C      cores of one production PHP node (default: this host's cores)
  --utilization 0.7       the highest CPU utilization the plan allows per node (default 0.7)
  --visit-span 10m        how long one user stays active (new sessions = users / span; default 10m)
  --step-duration 8s      length of one rate step (default 8s, --quick 4s)
  --start-rate R          first step's rate per node (default 200 req/s)
  --max-steps N           valid steps per node count at most (default 12, --quick 8)
  --quick                 4 s steps, at most 8 per node count, knee within 15% (default 8%)
  --provider local|docker where the stacks run (default: the scenario's topology.provider)
  --out DIR               where capacity.json and capacity.html go (default reports/capacity-<scenario>-<timestamp>)
  --quiet                 no progress line per step`;

export interface CapacityOptions {
  scenario: string;
  targetRps: number;
  p99Ms: number;
  users: number | null;
  nodes: number[];
  coresPerNode: number | null;
  utilization: number;
  visitSpanS: number;
  stepMs: number;
  startRate: number;
  maxSteps: number;
  quick: boolean;
  /** Overrides the scenario's topology.provider; null = the scenario's. */
  provider: ProviderName | null;
  out: string | undefined;
  quiet: boolean;
}

const flagOptions = {
  'target-rps': { type: 'string' },
  p99: { type: 'string' },
  users: { type: 'string' },
  nodes: { type: 'string' },
  'cores-per-node': { type: 'string' },
  utilization: { type: 'string' },
  'visit-span': { type: 'string' },
  'step-duration': { type: 'string' },
  'start-rate': { type: 'string' },
  'max-steps': { type: 'string' },
  quick: { type: 'boolean' },
  provider: { type: 'string' },
  out: { type: 'string' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function bad(flag: string, value: string, expected: string): InvalidInputError {
  return new InvalidInputError(`--${flag} ${quoted(value)}: expected ${expected}`);
}

function positive(flag: string, value: string, max: number, expected: string): number {
  const n = /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isFinite(n) || n <= 0 || n > max) throw bad(flag, value, expected);
  return n;
}

function integer(flag: string, value: string, min: number, max: number): number {
  const n = /^\d{1,9}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw bad(flag, value, `an integer from ${min} to ${max}`);
  return n;
}

function duration(flag: string, value: string, minMs: number, maxMs: number, example: string): number {
  let ms: number;
  try {
    ms = parseDuration(value);
  } catch {
    throw bad(flag, value, `a duration such as ${example}`);
  }
  if (ms < minMs || ms > maxMs) throw bad(flag, value, `a duration from ${minMs}ms to ${maxMs / 1000}s`);
  return ms;
}

/** Providers a capacity run can start stacks on (external stacks are not started by the harness). */
export const capacityProviders: readonly ProviderName[] = providerNames.filter((p) => p !== 'external');

function providerOf(value: string): ProviderName {
  const name = capacityProviders.find((p) => p === value);
  if (!name) throw bad('provider', value, `one of ${capacityProviders.join(', ')}`);
  return name;
}

/** null = --help. */
export function parseCapacityArgs(argv: readonly string[]): CapacityOptions | null {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, options: flagOptions, strict: true });
  } catch (error) {
    // node:util's messages name the flag ("Unknown option '--foo'"); keep them on one line.
    throw new InvalidInputError(`${(error as Error).message.split('\n')[0]}: see npm run capacity -- --help`);
  }
  const v = parsed.values;
  if (v.help) return null;
  if (parsed.positionals.length !== 1) {
    throw new InvalidInputError(`name one scenario (got ${parsed.positionals.length}): npm run capacity -- redis-failover --target-rps 3000 --p99 250ms`);
  }
  if (v['target-rps'] === undefined) throw new InvalidInputError('--target-rps is missing: give the load to plan for, e.g. --target-rps 3000');
  if (v.p99 === undefined) throw new InvalidInputError('--p99 is missing: give the latency objective, e.g. --p99 250ms');
  const quick = v.quick === true;
  const nodes = v.nodes === undefined ? [1, 2] : v.nodes.split(',').map((n) => integer('nodes', n.trim(), 1, 16));
  if (v.nodes !== undefined && new Set(nodes).size !== nodes.length) throw bad('nodes', v.nodes, 'distinct node counts, e.g. 1,2,3');
  return {
    scenario: parsed.positionals[0]!,
    targetRps: positive('target-rps', v['target-rps'], 1_000_000, 'a number of requests per second above 0, at most 1000000'),
    p99Ms: duration('p99', v.p99, 1, 60_000, '250ms'),
    users: v.users === undefined ? null : integer('users', v.users, 1, 1_000_000),
    nodes: [...nodes].sort((a, b) => a - b),
    coresPerNode: v['cores-per-node'] === undefined ? null : positive('cores-per-node', v['cores-per-node'], 1024, 'a number of cores above 0, at most 1024'),
    utilization: v.utilization === undefined ? 0.7 : positive('utilization', v.utilization, 1, 'a share above 0 and at most 1, e.g. 0.7'),
    visitSpanS: v['visit-span'] === undefined ? 600 : duration('visit-span', v['visit-span'], 1000, 86_400_000, '10m') / 1000,
    stepMs: v['step-duration'] === undefined ? (quick ? 4000 : 8000) : duration('step-duration', v['step-duration'], 2000, 600_000, '8s'),
    startRate: v['start-rate'] === undefined ? 200 : positive('start-rate', v['start-rate'], 1_000_000, 'a rate above 0 (req/s per node)'),
    maxSteps: v['max-steps'] === undefined ? (quick ? 8 : 12) : integer('max-steps', v['max-steps'], 2, 50),
    quick,
    provider: v.provider === undefined ? null : providerOf(v.provider),
    out: v.out,
    quiet: v.quiet === true,
  };
}
