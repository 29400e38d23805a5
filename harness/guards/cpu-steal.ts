/**
 * cpu-steal: time the hypervisor gave another guest while this VM wanted to run (the steal
 * column of /proc/stat), as a share of all CPU time per second. A VM whose CPU is stolen runs
 * everything slower, the stack and the harness alike. Fires when the share stays at or above
 * STEAL_LIMIT for STEAL_SECONDS seconds in a row.
 */
import { GuardState, Streak, fmtPct, fmtSeconds, percentile, type GuardKind } from './guard-kind.js';
import { parseProcStat, round, stealShare, tryRead, type CpuTimes } from './proc-files.js';

export const STEAL_LIMIT = 0.1;
export const STEAL_SECONDS = 3;

export const CPU_STEAL_THRESHOLD = `fires when CPU steal (/proc/stat) is at least ${fmtPct(STEAL_LIMIT)} of all CPU time for ${STEAL_SECONDS} s in a row`;

export class StealJudge {
  readonly shares: number[] = [];
  private readonly streak = new Streak(STEAL_SECONDS);
  constructor(private readonly state: GuardState) {}

  push(tMs: number, share: number): void {
    this.shares.push(share);
    this.state.samples++;
    const from = this.streak.push(share >= STEAL_LIMIT, tMs);
    if (from !== null) {
      this.state.fire(
        from,
        `the hypervisor stole ${fmtPct(share)} of the CPU time (at least ${fmtPct(STEAL_LIMIT)} for ${STEAL_SECONDS}+ s from ${fmtSeconds(from)}): the stack and the harness ran on a CPU that was not theirs`,
        'run on a host whose CPUs are not overcommitted (dedicated vCPUs), or when its neighbours are quiet',
      );
    }
  }

  summary(): Record<string, number | null> {
    const mean = this.shares.length ? this.shares.reduce((a, b) => a + b, 0) / this.shares.length : null;
    return {
      meanShare: mean === null ? null : round(mean, 4),
      p90Share: percentile(this.shares, 90),
      peakShare: this.shares.length ? Math.max(...this.shares) : null,
    };
  }
}

const kind = { name: 'cpu-steal', title: 'CPU steal', threshold: CPU_STEAL_THRESHOLD };

export const cpuStealGuard: GuardKind = {
  ...kind,
  create(env) {
    const state = new GuardState(kind);
    const judge = new StealJudge(state);
    let last: CpuTimes | null = null;
    const read = (): CpuTimes | null => {
      const text = tryRead(env.read, '/proc/stat');
      if (!text.ok) {
        state.notAvailable(text.reason);
        return null;
      }
      try {
        const times = parseProcStat(text.text);
        if (times.steal === null) state.notAvailable('/proc/stat has no steal column (kernel older than 2.6.11)');
        return times;
      } catch (error) {
        state.notAvailable((error as Error).message);
        return null;
      }
    };
    return {
      start() {
        last = read();
      },
      sample(tMs) {
        if (state.unavailable !== null) return;
        const now = read();
        if (!now || !last) {
          last = now;
          return;
        }
        const share = stealShare(last, now);
        if (share !== null) judge.push(Math.round(tMs), round(share, 4));
        last = now;
      },
      report() {
        return state.report(judge.summary());
      },
    };
  },
};
