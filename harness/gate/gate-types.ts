/** The gate's verdict: what `npm run gate` prints, writes as JSON and stores under result.gate. */
export const GATE_SCHEMA_ID = 'php-session-lab/gate@1';

export interface GateCheck {
  /** `check`: the built-in checks every run has (users judged, stack healthy before the first fault, faults applied). */
  kind: 'threshold' | 'regression' | 'check';
  /** Threshold metric (latency, error_rate, ...) or regression key (p99, rps, ...). */
  metric: string;
  /** The threshold expression ('p(99)<250') or the allowed regression ('+10%'). */
  expression: string;
  /** Where the check came from: the scenario, --threshold, the recorded run, or a baseline. */
  source: 'scenario' | 'cli' | 'run' | 'baseline' | 'builtin';
  actual: number | null;
  /** Regressions: the baseline median. */
  baseline: number | null;
  /** Regressions: the worst value still accepted. */
  limit: number | null;
  /** true / false / null (= unknown: not measurable; fails the gate unless allowUnknown). */
  passed: boolean | null;
  message: string;
  /** Human-formatted cells for tables, Markdown and JUnit. */
  display: { expression: string; actual: string; baseline: string };
}

export interface GateVerdict {
  schema: typeof GATE_SCHEMA_ID;
  /** false when any check failed, or one is unknown and unknowns are not allowed (--allow-unknown). */
  passed: boolean;
  allowUnknown: boolean;
  checkedAt: string;
  result: { path: string; runId: string; scenario: string };
  baselines: Array<{ path: string; runId: string }>;
  /** Allowed regressions as fractions (p99: 0.1 = 10%), null without baselines. */
  maxRegression: Record<string, number> | null;
  counts: { passed: number; failed: number; unknown: number };
  /** E.g. a baseline run with other nodes or workload than the result (compared anyway). */
  warnings: string[];
  checks: GateCheck[];
}
