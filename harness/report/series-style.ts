/** Names and colors of the compared results: one series per result, one color per strategy. */
import type { RunResult } from '../results/result-schema.js';

/** Fixed colors for the known strategies so every report paints them the same way. */
const strategyColors: Record<string, string> = {
  files: '#d97706',
  affinity: '#2563eb',
  redis: '#dc2626',
  rediscluster: '#7c3aed',
};
const spareColors = ['#059669', '#0891b2', '#db2777', '#65a30d', '#9333ea', '#b45309', '#4f46e5', '#0d9488', '#be123c', '#475569'];

export const nodeColors = ['#0f766e', '#c2410c', '#6d28d9', '#0369a1', '#a16207', '#be185d', '#4d7c0f', '#334155'];

export interface SeriesStyle {
  label: string;
  color: string;
}

/** `strategy`, or `scenario/strategy` when scenarios differ (+ the connection reuse when it differs); duplicates get their runId. */
export function seriesLabels(results: readonly RunResult[]): string[] {
  const mixed = new Set(results.map((r) => r.scenario)).size > 1;
  // Runs that differ in connection reuse (compare --connection-reuse) say which they ran with.
  const reuseOf = (r: RunResult) => (r.connections ? JSON.stringify(r.connections.reuse.setting) : '');
  const reuseDiffers = new Set(results.map(reuseOf)).size > 1;
  const reuseLabel = (r: RunResult) => {
    const setting = r.connections?.reuse.setting;
    if (!reuseDiffers || setting === undefined) return '';
    return ` · reuse ${typeof setting === 'string' ? setting : Object.entries(setting).map(([k, on]) => `${k} ${on ? 'on' : 'off'}`).join(', ')}`;
  };
  const base = results.map((r) => (mixed ? `${r.scenario}/${r.strategy}` : r.strategy) + reuseLabel(r));
  const labels = base.map((b, i) => (base.filter((x) => x === b).length > 1 ? `${b} (${results[i]!.runId})` : b));
  // Same runId twice (the same file given twice): number them.
  return labels.map((l, i) => (labels.filter((x) => x === l).length > 1 ? `${l} #${labels.slice(0, i + 1).filter((x) => x === l).length}` : l));
}

function hash(text: string): number {
  let h = 2166136261;
  for (const c of text) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return h >>> 0;
}

/** First run of a strategy gets the strategy's color; repeats and unknown strategies get unused spares. */
export function seriesColors(results: readonly RunResult[]): string[] {
  const used = new Set<string>();
  return results.map((r) => {
    const preferred = strategyColors[r.strategy] ?? spareColors[hash(r.strategy) % spareColors.length]!;
    if (!used.has(preferred)) {
      used.add(preferred);
      return preferred;
    }
    const spare = spareColors.find((c) => !used.has(c)) ?? spareColors[used.size % spareColors.length]!;
    used.add(spare);
    return spare;
  });
}

export function seriesStyles(results: readonly RunResult[]): SeriesStyle[] {
  const labels = seriesLabels(results);
  const colors = seriesColors(results);
  return results.map((_, i) => ({ label: labels[i]!, color: colors[i]! }));
}
