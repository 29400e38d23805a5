/**
 * The Universal Scalability Law (Gunther): X(N) = lambda N / (1 + sigma (N - 1) + kappa N (N - 1)),
 * fitted to (nodes, highest rate meeting the SLO) with Levenberg-Marquardt (ml-levenberg-marquardt),
 * sigma and kappa kept >= 0. With fewer distinct node counts than parameters the fit is
 * underdetermined: kappa is then held at 0 (Amdahl) and the fit says so instead of inventing it.
 */
import { levenbergMarquardt } from 'ml-levenberg-marquardt';
import { seededRandom } from '../workload/seeded-random.js';

export interface UslParams {
  lambda: number;
  sigma: number;
  kappa: number;
}

export interface UslPoint {
  nodes: number;
  rate: number;
}

export interface UslFit extends UslParams {
  /** Fewer distinct node counts than free parameters: kappa held at 0 (and with one count, sigma too). */
  underdetermined: boolean;
  note: string;
  /** Node count where X(N) peaks (sqrt((1 - sigma) / kappa)); null when it never peaks (kappa = 0). */
  peakNodes: number | null;
  peakRate: number | null;
  /** Root mean square of the residuals, req/s. */
  rmse: number;
}

export function uslRate(p: UslParams, n: number): number {
  return (p.lambda * n) / (1 + p.sigma * (n - 1) + p.kappa * n * (n - 1));
}

export function uslPeak(p: UslParams): { nodes: number; rate: number } | null {
  if (p.kappa <= 0 || p.sigma >= 1) return null;
  const nodes = Math.sqrt((1 - p.sigma) / p.kappa);
  return { nodes, rate: uslRate(p, nodes) };
}

export function fitUsl(points: readonly UslPoint[]): UslFit {
  if (points.length === 0) throw new Error('fitUsl: no points');
  const distinct = new Set(points.map((p) => p.nodes)).size;
  const x = points.map((p) => p.nodes);
  const y = points.map((p) => p.rate);
  // lambda starts at the best rate per node of the smallest node count.
  const minNodes = Math.min(...x);
  const lambda0 = Math.max(...points.filter((p) => p.nodes === minNodes).map((p) => p.rate / p.nodes));
  let params: UslParams;
  let note: string;
  if (distinct === 1) {
    params = { lambda: lambda0, sigma: 0, kappa: 0 };
    note = 'one node count: only lambda (the rate of one node) is measured; sigma and kappa are unknown (held at 0)';
  } else {
    const free = distinct >= 3 ? 3 : 2;
    const model = (v: number[]) => (n: number) => uslRate({ lambda: v[0]!, sigma: v[1]!, kappa: free === 3 ? v[2]! : 0 }, n);
    const scale = Math.max(...y);
    const fit = levenbergMarquardt({ x, y: y.map((v) => v / scale) }, (v) => (n) => model([v[0]! * scale, ...v.slice(1)])(n) / scale, {
      initialValues: free === 3 ? [lambda0 / scale, 0.05, 0.001] : [lambda0 / scale, 0.05],
      minValues: free === 3 ? [1e-9, 0, 0] : [1e-9, 0],
      maxValues: free === 3 ? [1e6, 1, 1] : [1e6, 1],
      damping: 1e-2,
      gradientDifference: 1e-6,
      centralDifference: true,
      maxIterations: 500,
      errorTolerance: 1e-12,
    });
    const v = fit.parameterValues;
    params = { lambda: v[0]! * scale, sigma: Math.max(0, v[1]!), kappa: free === 3 ? Math.max(0, v[2]!) : 0 };
    note =
      free === 3
        ? `${distinct} node counts, 3 parameters: least squares with sigma, kappa >= 0`
        : `${distinct} node counts determine at most 2 parameters: kappa held at 0 (Amdahl); coherency cost is not measured`;
  }
  const peak = uslPeak(params);
  const rmse = Math.sqrt(points.reduce((s, p) => s + (uslRate(params, p.nodes) - p.rate) ** 2, 0) / points.length);
  return { ...params, underdetermined: distinct < 3, note, peakNodes: peak?.nodes ?? null, peakRate: peak?.rate ?? null, rmse };
}

export interface UslBand {
  nodes: number;
  low: number;
  high: number;
}

/**
 * A percentile band (5th..95th) of X(N) from refits on resampled data: each replicate redraws
 * every node count's rate from its per-second throughput samples (with replacement).
 */
export function bootstrapUslBand(samples: ReadonlyArray<{ nodes: number; perSecond: readonly number[] }>, nodesAxis: readonly number[], replicates = 200, seed = 1): UslBand[] {
  const usable = samples.filter((s) => s.perSecond.length > 0);
  if (usable.length === 0) return [];
  const random = seededRandom(seed);
  const curves: number[][] = nodesAxis.map(() => []);
  for (let r = 0; r < replicates; r++) {
    const points = usable.map((s) => {
      let sum = 0;
      for (let i = 0; i < s.perSecond.length; i++) sum += s.perSecond[Math.floor(random() * s.perSecond.length)]!;
      return { nodes: s.nodes, rate: sum / s.perSecond.length };
    });
    const fit = fitUsl(points);
    nodesAxis.forEach((n, i) => curves[i]!.push(uslRate(fit, n)));
  }
  return nodesAxis.map((n, i) => {
    const sorted = curves[i]!.sort((a, b) => a - b);
    return { nodes: n, low: quantile(sorted, 0.05), high: quantile(sorted, 0.95) };
  });
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))));
  return sorted[i]!;
}
