/**
 * The utilization law: a tier busy U (CPU seconds per second) while the system completes X
 * requests per second spends D = U / X seconds of CPU per request. The tier with the largest
 * demand saturates first; a single-threaded tier (Redis, the harness's event loop) can never
 * exceed one core, so 1 / D is its ceiling in requests per second.
 */

/** The tiers whose CPU a capacity step measures. */
export const tierNames = ['php-fpm', 'node-web', 'balancer', 'redis', 'toxiproxy', 'docker-proxy', 'harness'] as const;
export type TierName = (typeof tierNames)[number];

export const tierTitles: Record<TierName, string> = {
  'php-fpm': 'PHP-FPM (master + workers, every node)',
  'node-web': 'node web servers (nginx in front of PHP-FPM)',
  balancer: 'balancer',
  redis: 'Redis',
  toxiproxy: 'Toxiproxy (proxied links)',
  'docker-proxy': "docker-proxy (the docker provider's published ports on 127.0.0.1: the load's way in)",
  harness: 'the harness itself (load generator + checker)',
};

/** Tiers that run on one thread whatever the cores: their ceiling is 1 / D. */
export const singleThreaded: ReadonlySet<TierName> = new Set<TierName>(['redis', 'harness']);

/** D = U / X: seconds of CPU per request. */
export function serviceDemand(utilization: number, throughput: number): number {
  if (!(throughput > 0)) throw new RangeError(`serviceDemand: throughput must be > 0 (got ${throughput})`);
  if (!(utilization >= 0)) throw new RangeError(`serviceDemand: utilization must be >= 0 (got ${utilization})`);
  return utilization / throughput;
}

/** U = X * D: how busy a tier is at a given rate. */
export function utilizationAt(throughput: number, demandS: number): number {
  return throughput * demandS;
}

export interface TierDemand {
  tier: TierName;
  /** CPU seconds used during the step. */
  cpuS: number;
  /** Cores busy on average (U). */
  utilization: number;
  /** ms of CPU per request (D). */
  demandMs: number;
}

/** Demands of every tier from CPU seconds over a load window of wallS seconds that completed `requests`. */
export function tierDemands(cpuS: Partial<Record<TierName, number>>, wallS: number, requests: number): TierDemand[] {
  if (!(wallS > 0) || !(requests > 0)) return [];
  const x = requests / wallS;
  return tierNames.flatMap((tier) => {
    const cpu = cpuS[tier];
    if (cpu === undefined) return [];
    const u = cpu / wallS;
    return [{ tier, cpuS: cpu, utilization: u, demandMs: serviceDemand(u, x) * 1000 }];
  });
}

/**
 * Tiers that are the cost of measuring, not part of the system measured: the harness, and
 * docker-proxy (production reaches its balancer without it). They count in the host's CPU.
 */
export const measuringTiers: ReadonlySet<TierName> = new Set<TierName>(['harness', 'docker-proxy']);

/** The tier with the largest demand (ties: the first in tierNames), measuring tiers left out. */
export function bottleneckOf(demands: readonly TierDemand[]): TierDemand | null {
  let best: TierDemand | null = null;
  for (const d of demands) if (!measuringTiers.has(d.tier) && (!best || d.demandMs > best.demandMs)) best = d;
  return best;
}

export interface SaturationPrediction {
  /** Requests per second at which the first resource is fully busy. */
  rate: number;
  /** What saturates: 'host CPU' (every tier sharing the cores) or a single-threaded tier. */
  limitedBy: string;
  /** Each constraint's rate, for the report. */
  constraints: Array<{ name: string; rate: number }>;
}

/**
 * The rate that saturates this host: all tiers share `coresAvailable` (the host's cores minus
 * what other processes used), and each single-threaded tier can use one core at most.
 */
export function predictSaturation(demands: readonly TierDemand[], coresAvailable: number): SaturationPrediction | null {
  const totalS = demands.reduce((s, d) => s + d.demandMs / 1000, 0);
  if (!(totalS > 0)) return null;
  const constraints = [{ name: `host CPU (${coresAvailable.toFixed(2)} cores shared by every tier)`, rate: coresAvailable / totalS }];
  for (const d of demands) if (singleThreaded.has(d.tier) && d.demandMs > 0) constraints.push({ name: `${d.tier} (one thread)`, rate: 1000 / d.demandMs });
  const first = constraints.reduce((a, b) => (b.rate < a.rate ? b : a));
  return { rate: first.rate, limitedBy: first.name, constraints };
}
