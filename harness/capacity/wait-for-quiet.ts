/**
 * Before a step: wait (up to a limit) until the host is quiet, so the runner's pre-run-load
 * guard samples an idle machine rather than the tail of other work. Other engineers' builds
 * and tests share this host: a step started into them measures them too.
 */
import { busyShare, parseProcStat, readProcText, type ReadText } from '../guards/proc-files.js';
import { BUSY_LIMIT } from '../guards/pre-run-load.js';

export async function waitForQuiet(options: { maxWaitMs: number; sampleMs?: number; limit?: number; read?: ReadText }): Promise<{ waitedMs: number; busy: number | null }> {
  const read = options.read ?? readProcText;
  const sampleMs = options.sampleMs ?? 500;
  // Below the guard's own limit, with a margin: the guard samples again right after.
  const limit = options.limit ?? BUSY_LIMIT * 0.7;
  const start = performance.now();
  let busy: number | null = null;
  for (;;) {
    const a = parseProcStat(read('/proc/stat'));
    await new Promise((r) => setTimeout(r, sampleMs));
    busy = busyShare(a, parseProcStat(read('/proc/stat')));
    const waitedMs = performance.now() - start;
    if (busy === null || busy < limit || waitedMs >= options.maxWaitMs) return { waitedMs, busy };
  }
}
