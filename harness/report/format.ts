/** Number formatting for the report's tables (fixed en-US style so reports diff cleanly). */

const dash = '—';

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export function fmtInt(v: unknown): string {
  return isNum(v) ? Math.round(v).toLocaleString('en-US') : dash;
}

export function fmtNum(v: unknown, digits = 1): string {
  return isNum(v) ? v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 }) : dash;
}

/** Latency: 0.42 ms, 8.1 ms, 250 ms, 1.43 s. */
export function fmtMs(v: unknown): string {
  if (!isNum(v)) return dash;
  if (v === 0) return '0 ms';
  if (v >= 1000) return `${(v / 1000).toLocaleString('en-US', { maximumFractionDigits: 2 })} s`;
  if (v >= 100) return `${Math.round(v)} ms`;
  if (v >= 10) return `${v.toFixed(1)} ms`;
  return `${v.toFixed(2)} ms`;
}

/** A ratio 0..1 as a percentage with enough digits to tell 0 from "almost 0". */
export function fmtRate(v: unknown): string {
  if (!isNum(v)) return dash;
  if (v === 0) return '0 %';
  const pct = v * 100;
  if (pct >= 10) return `${pct.toFixed(1)} %`;
  if (pct >= 0.1) return `${pct.toFixed(2)} %`;
  return `${pct.toPrecision(2)} %`;
}

/** Seconds for axis-free text: "20 s", "2 min 05 s". */
export function fmtSeconds(ms: unknown): string {
  if (!isNum(ms)) return dash;
  const s = ms / 1000;
  if (s < 120) return `${s.toLocaleString('en-US', { maximumFractionDigits: 1 })} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${String(Math.round(s - m * 60)).padStart(2, '0')} s`;
}

export function fmtBytes(v: unknown): string {
  if (!isNum(v)) return dash;
  if (v < 1024) return `${Math.round(v)} B`;
  if (v < 1024 * 1024) return `${(v / 1024).toFixed(1)} KiB`;
  return `${(v / 1024 / 1024).toFixed(1)} MiB`;
}

export function fmtPercentile(p: number): string {
  return `p${p.toLocaleString('en-US', { maximumFractionDigits: 4 })}`;
}

export { isNum };
