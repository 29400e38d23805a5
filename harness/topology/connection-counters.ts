/**
 * Reading a node's connection counters (pure: text in, figures out).
 * - nginx stub_status: `accepts` counts every TCP connection the node's nginx accepted (from
 *   the balancer), `requests` every request; the harness's own status read is one of each.
 * - PHP-FPM: nothing in PHP-FPM counts connections (its status page's "accepted conn" counts
 *   requests), so the kernel's socket table of the FPM port is read instead: every TCP
 *   connection that is closed cleanly leaves one TIME_WAIT entry for 60 s on the side that
 *   closed first (PHP-FPM without keep-conn, nginx when it drops a kept connection). Seen every
 *   few seconds, each entry is one connection that ended; connections still open at the end
 *   are added. FpmConnectionTracker does the counting.
 */

export interface StubStatus {
  /** nginx worker PID (the X-Nginx-Pid header of the status location): a new one = a restarted node. */
  pid: number | null;
  accepts: number;
  handled: number;
  requests: number;
}

/** The status page's answer, headers included (or at least the X-Nginx-Pid line), then its body. */
export function parseStubStatus(text: string): StubStatus | null {
  const m = /server accepts handled requests\s+(\d+)\s+(\d+)\s+(\d+)/.exec(text);
  if (!m) return null;
  const pid = /^x-nginx-pid:\s*(\d+)/im.exec(text);
  return { pid: pid ? Number(pid[1]) : null, accepts: Number(m[1]), handled: Number(m[2]), requests: Number(m[3]) };
}

/** The sockets of one PHP-FPM port at one moment. */
export interface FpmSockets {
  /** nginx-side ports of the open connections (ESTABLISHED, seen from PHP-FPM's side). */
  established: number[];
  /**
   * TIME_WAIT entries of connections to the port (either side): nginx-side port, seconds left,
   * and the kernel's socket cookie when the reading has it (ss -e: unique per socket, never
   * reused) or else the entry's (hashed) kernel address (/proc/net/tcp: reused once freed).
   */
  timeWait: Array<{ peerPort: number; remainingS: number; cookie?: string; address?: string }>;
}

const emptySockets = (): FpmSockets => ({ established: [], timeWait: [] });

/**
 * /proc/net/tcp (one network namespace): `sl local rem st queues tr:when retrnsmt uid timeout
 * inode refcnt address`, addresses as hex `IP:PORT`, st 01 = ESTABLISHED, 06 = TIME_WAIT,
 * `when` in clock ticks (1/100 s; from when that line was written: a long table takes a while).
 */
export function parseProcNetTcp(text: string, ports: readonly number[]): Map<number, FpmSockets> {
  const out = new Map<number, FpmSockets>(ports.map((p) => [p, emptySockets()]));
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6 || !/^\d+:$/.test(f[0]!)) continue;
    const local = parseInt(f[1]!.split(':')[1] ?? '', 16);
    const remote = parseInt(f[2]!.split(':')[1] ?? '', 16);
    const state = f[3];
    if (state === '01') {
      out.get(local)?.established.push(remote);
    } else if (state === '06') {
      const when = parseInt(f[5]!.split(':')[1] ?? '0', 16) / 100;
      const address = f[11] && !/^0+$/.test(f[11]) ? f[11] : undefined;
      const sockets = out.get(local) ?? out.get(remote);
      if (sockets) sockets.timeWait.push({ peerPort: out.has(local) ? remote : local, remainingS: when, ...(address ? { address } : {}) });
    }
  }
  return out;
}

/** "59sec", "1min", "1min2sec", "800ms" -> seconds. */
function timerSeconds(text: string): number {
  let s = 0;
  for (const [, n, unit] of text.matchAll(/(\d+)(min|sec|ms)/g)) s += Number(n) * (unit === 'min' ? 60 : unit === 'sec' ? 1 : 0.001);
  return s;
}

/** `ss -tanoeH` lines: `STATE recvq sendq local peer [timer:(timewait,59sec,0)] ... sk:COOKIE`. */
export function parseSsOutput(text: string, ports: readonly number[]): Map<number, FpmSockets> {
  const out = new Map<number, FpmSockets>(ports.map((p) => [p, emptySockets()]));
  const portOf = (address: string) => Number(address.slice(address.lastIndexOf(':') + 1));
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 5) continue;
    const local = portOf(f[3]!);
    const peer = portOf(f[4]!);
    if (f[0] === 'ESTAB') {
      out.get(local)?.established.push(peer);
    } else if (f[0] === 'TIME-WAIT') {
      const timer = /timer:\(timewait,([^,]*),/.exec(line);
      const cookie = /\bsk:([0-9a-f]+)/.exec(line)?.[1];
      const sockets = out.get(local) ?? out.get(peer);
      if (sockets) sockets.timeWait.push({ peerPort: out.has(local) ? peer : local, remainingS: timer ? timerSeconds(timer[1]!) : 60, ...(cookie ? { cookie } : {}) });
    }
  }
  return out;
}

/**
 * Without a socket cookie, two TIME_WAIT entries of one port (and kernel address) whose ends,
 * timed by the harness's clock, are this close are the same entry seen twice (reading a long
 * socket table takes a good part of a second).
 */
const SAME_ENTRY_S = 1.5;
/** Above this many TIME_WAIT entries on one port, the kernel may recycle them before we look. */
export const TIME_WAIT_SATURATION = 10_000;

/**
 * Counts the connections to one PHP-FPM port between a baseline and the last sample: each
 * TIME_WAIT entry first seen after the baseline is one connection that ended (those open at the
 * baseline excepted; an entry is known by its socket cookie, or by its port and when it ends), and the connections open at the end that were not open at the baseline
 * are added. Limits: a connection reset (RST: a killed process) leaves no TIME_WAIT: it is counted
 * only when a sample saw it open; with more than ~14,000 connections to the port within 60 s the kernel reuses TIME_WAIT
 * entries for new connections, so an interval can miss some (`saturated`).
 */
export class FpmConnectionTracker {
  /** TIME_WAIT entries seen so far, by cookie or by nginx-side port: when they end (s). */
  private readonly known = new Map<string, number[]>();
  private readonly openAtBaseline = new Set<number>();
  private lastEstablished: number[] = [];
  private counted = 0;
  peakTimeWait = 0;

  constructor(baseline: FpmSockets, nowS: number) {
    for (const p of baseline.established) this.openAtBaseline.add(p);
    for (const e of baseline.timeWait) this.remember(e, nowS);
    this.lastEstablished = baseline.established;
    this.peakTimeWait = baseline.timeWait.length;
  }

  /** Remembers a TIME_WAIT entry; false when it was seen before. */
  private remember(e: FpmSockets['timeWait'][number], nowS: number): boolean {
    const key = e.cookie !== undefined ? `sk:${e.cookie}` : `${e.peerPort}/${e.address ?? ''}`;
    const endsAtS = nowS + e.remainingS;
    const ends = this.known.get(key);
    if (!ends) {
      this.known.set(key, [endsAtS]);
      return true;
    }
    if (e.cookie !== undefined) return false;
    if (ends.some((t) => Math.abs(t - endsAtS) <= SAME_ENTRY_S)) return false;
    ends.push(endsAtS);
    return true;
  }

  /**
   * Connections ended since the previous sample: new TIME_WAIT entries, and connections seen
   * open before that are gone without one (reset: a killed process).
   */
  update(sample: FpmSockets, nowS: number): number {
    this.peakTimeWait = Math.max(this.peakTimeWait, sample.timeWait.length);
    const wasOpen = new Set(this.lastEstablished.filter((p) => !this.openAtBaseline.has(p)));
    const open = new Set(sample.established);
    let ended = 0;
    for (const e of sample.timeWait) {
      if (!this.remember(e, nowS)) continue;
      if (this.openAtBaseline.delete(e.peerPort)) continue; // open before the baseline: not new
      wasOpen.delete(e.peerPort);
      ended++;
    }
    for (const p of wasOpen) if (!open.has(p)) ended++;
    for (const p of this.openAtBaseline) if (!open.has(p)) this.openAtBaseline.delete(p);
    // Entries long expired can no longer be seen again.
    for (const [key, ends] of this.known) {
      const live = ends.filter((t) => t >= nowS - 10);
      if (live.length === 0) this.known.delete(key);
      else if (live.length !== ends.length) this.known.set(key, live);
    }
    this.lastEstablished = sample.established;
    this.counted += ended;
    return ended;
  }

  /** Connections opened since the baseline: ended ones plus those open at the last sample. */
  get total(): number {
    return this.counted + this.lastEstablished.filter((p) => !this.openAtBaseline.has(p)).length;
  }

  get saturated(): boolean {
    return this.peakTimeWait >= TIME_WAIT_SATURATION;
  }
}

/** One look at one node (StartedTopology.connectionCounters); null parts could not be read. */
export interface NodeConnectionCounters {
  stubStatus: StubStatus | null;
  fpm: FpmSockets | null;
}
