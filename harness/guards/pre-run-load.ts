/**
 * pre-run-load: work already on the machine before the stack starts (another run, a build,
 * a noisy process). The run would measure a machine shared with it. Reads /proc/loadavg and
 * samples /proc/stat for PRE_RUN_SAMPLE_MS before the stack starts; fires when the machine
 * was at least BUSY_LIMIT busy in that sample (every CPU counted, the harness's own CPU in
 * that window subtracted). The 1-minute load average
 * is recorded as a figure but never fires: it still remembers the previous run.
 */
import { GuardState, fmtPct, type GuardKind } from './guard-kind.js';
import { busyShare, parseLoadavg, parseProcStat, round, tryRead, type CpuTimes } from './proc-files.js';

export const BUSY_LIMIT = 0.5;
export const PRE_RUN_SAMPLE_MS = 500;

export const PRE_RUN_LOAD_THRESHOLD = `fires when the machine was at least ${fmtPct(BUSY_LIMIT)} busy (all CPUs, /proc/stat) in a ${PRE_RUN_SAMPLE_MS} ms sample before the stack started`;

/** The firing rule, apart from the files. */
export function preRunVerdict(busy: number, cpus: number, load1: number | null): { fired: boolean; cause: string; fix: string } {
  const load = load1 === null ? '' : `, 1-minute load average ${load1} on ${cpus} CPU(s)`;
  return {
    fired: busy >= BUSY_LIMIT,
    cause: `the machine was already ${fmtPct(busy)} busy before the stack started (${PRE_RUN_SAMPLE_MS} ms sample of /proc/stat${load}): the run shared it with other work`,
    fix: 'wait until the machine is idle (see top / ps for what runs) and run again',
  };
}

const kind = { name: 'pre-run-load', title: 'load before the run', threshold: PRE_RUN_LOAD_THRESHOLD };

export const preRunLoadGuard: GuardKind = {
  ...kind,
  create(env) {
    const state = new GuardState(kind);
    let busy: number | null = null;
    let ownShare: number | null = null;
    let load1: number | null = null;
    let load5: number | null = null;
    let running: number | null = null;
    let sampledAt: number | null = null;
    let verdict: ReturnType<typeof preRunVerdict> | null = null;
    const stat = (): CpuTimes | null => {
      const text = tryRead(env.read, '/proc/stat');
      if (!text.ok) {
        state.notAvailable(text.reason);
        return null;
      }
      try {
        return parseProcStat(text.text);
      } catch (error) {
        state.notAvailable((error as Error).message);
        return null;
      }
    };
    return {
      async beforeStack() {
        const load = tryRead(env.read, '/proc/loadavg');
        if (load.ok) {
          try {
            const l = parseLoadavg(load.text);
            load1 = l.load1;
            load5 = l.load5;
            running = l.running;
          } catch {
            /* a figure only */
          }
        }
        const a = stat();
        if (!a) return;
        const ownBefore = process.cpuUsage();
        const t0 = env.now();
        await env.sleep(PRE_RUN_SAMPLE_MS);
        const own = process.cpuUsage(ownBefore);
        const wallMs = env.now() - t0;
        const b = stat();
        if (!b) return;
        const share = busyShare(a, b);
        if (share === null) {
          state.notAvailable(`/proc/stat did not advance in ${PRE_RUN_SAMPLE_MS} ms`);
          return;
        }
        // The harness's own CPU in that window is not load on the machine.
        ownShare = wallMs > 0 ? round((own.user + own.system) / 1000 / (wallMs * env.cpus), 3) : 0;
        busy = round(Math.max(0, share - ownShare), 3);
        sampledAt = env.now();
        state.samples = 1;
        verdict = preRunVerdict(busy, env.cpus, load1);
      },
      start(workloadStart) {
        // Fired before the workload: a negative time (ms before it started).
        if (verdict?.fired && sampledAt !== null) state.fire(sampledAt - workloadStart, verdict.cause, verdict.fix);
      },
      sample() {},
      report() {
        return state.report({ busyShare: busy, harnessShare: ownShare, load1, load5, runnable: running, cpus: env.cpus, sampleMs: PRE_RUN_SAMPLE_MS });
      },
    };
  },
};
