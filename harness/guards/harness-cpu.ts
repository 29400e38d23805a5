/**
 * harness-cpu: the CPU the harness itself uses (process.cpuUsage over wall time), as cores
 * and as a share of the machine (os.cpus().length). The harness's JavaScript runs on one
 * thread: at a full core it cannot send or read faster, and on a small machine it takes that
 * core from the stack it measures. Fires when it uses at least CORE_LIMIT of a core for
 * CPU_SECONDS seconds in a row.
 */
import { GuardState, Streak, fmtPct, fmtSeconds, percentile, type GuardKind } from './guard-kind.js';
import { round } from './proc-files.js';

export const CORE_LIMIT = 0.95;
export const CPU_SECONDS = 3;

export const HARNESS_CPU_THRESHOLD = `fires when the harness process uses at least ${CORE_LIMIT} of a core (user + system CPU / wall time) for ${CPU_SECONDS} s in a row: a saturated load generator measures itself`;

export interface CpuSample {
  tMs: number;
  /** CPU seconds per wall second (1 = one core busy). */
  cores: number;
}

export class CpuJudge {
  readonly samples: CpuSample[] = [];
  private readonly streak = new Streak(CPU_SECONDS);
  constructor(
    private readonly state: GuardState,
    private readonly cpus: number,
  ) {}

  push(s: CpuSample): void {
    this.samples.push(s);
    this.state.samples++;
    const from = this.streak.push(s.cores >= CORE_LIMIT, s.tMs);
    if (from !== null) {
      this.state.fire(
        from,
        `the harness used ${round(s.cores, 2)} core(s) (${fmtPct(s.cores / this.cpus)} of the machine's ${this.cpus} CPU(s)) for ${CPU_SECONDS}+ s from ${fmtSeconds(from)}: the load generator was saturated and took CPU from the stack it measures`,
        'give the harness room: fewer --connections or users, a lower --rate, or a machine with more cores; stop other work on it',
      );
    }
  }

  summary(): Record<string, number | null> {
    const cores = this.samples.map((s) => s.cores);
    const mean = cores.length ? cores.reduce((a, b) => a + b, 0) / cores.length : null;
    const peak = cores.length ? Math.max(...cores) : null;
    return {
      cpus: this.cpus,
      meanCores: mean === null ? null : round(mean, 3),
      p90Cores: percentile(cores, 90),
      peakCores: peak === null ? null : round(peak, 3),
      meanMachineShare: mean === null ? null : round(mean / this.cpus, 3),
      peakMachineShare: peak === null ? null : round(peak / this.cpus, 3),
    };
  }
}

const kind = { name: 'harness-cpu', title: 'harness CPU share', threshold: HARNESS_CPU_THRESHOLD };

export const harnessCpuGuard: GuardKind = {
  ...kind,
  create(env) {
    const state = new GuardState(kind);
    const judge = new CpuJudge(state, Math.max(1, env.cpus));
    let last: { at: number; cpu: NodeJS.CpuUsage } | null = null;
    return {
      start() {
        last = { at: env.now(), cpu: process.cpuUsage() };
      },
      sample(tMs) {
        if (!last) return;
        const now = env.now();
        const cpu = process.cpuUsage();
        const wallUs = (now - last.at) * 1000;
        if (wallUs > 0) {
          const used = cpu.user - last.cpu.user + (cpu.system - last.cpu.system);
          judge.push({ tMs: Math.round(tMs), cores: round(used / wallUs, 3) });
        }
        last = { at: now, cpu };
      },
      report() {
        return state.report(judge.summary());
      },
    };
  },
};
