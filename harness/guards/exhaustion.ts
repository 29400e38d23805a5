/**
 * exhaustion: the machine ran out of ephemeral ports (EADDRNOTAVAIL, "Cannot assign requested
 * address") or of file descriptors (EMFILE / ENFILE, "Too many open files") somewhere in the
 * stack. Sources: the harness's own request errors (the load generator's connError carries the errno)
 * and the servers' logs in the run directory (nginx error.log of each node and of the
 * balancer, PHP-FPM and PHP error logs, HAProxy's, Redis's), read incrementally each second.
 * Fires on the first such error. Also samples the harness's own descriptors against its
 * soft limit and the machine's TIME_WAIT sockets (/proc/net/sockstat), as figures.
 */
import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { GuardState, fmtCount, fmtSeconds, type GuardKind } from './guard-kind.js';
import { parseLimit, tryRead } from './proc-files.js';

export type ExhaustionKind = 'ports' | 'fds';

export const errnoKinds: Record<string, ExhaustionKind> = { EADDRNOTAVAIL: 'ports', EMFILE: 'fds', ENFILE: 'fds' };

/** Log lines that mean a component ran out (nginx, PHP, HAProxy, Redis, Node wording). */
const logPatterns: Array<[RegExp, ExhaustionKind]> = [
  [/Cannot assign requested address|EADDRNOTAVAIL|no free ports/i, 'ports'],
  [/Too many open files|EMFILE|ENFILE/i, 'fds'],
];

export function classifyLogLine(line: string): ExhaustionKind | null {
  for (const [pattern, kind] of logPatterns) if (pattern.test(line)) return kind;
  return null;
}

export const exhaustionFix: Record<ExhaustionKind, string> = {
  ports: 'widen the ephemeral port range and reuse TIME_WAIT ports: sysctl -w net.ipv4.ip_local_port_range="1024 65535"; sysctl -w net.ipv4.tcp_tw_reuse=1',
  fds: 'raise the open-files limit before the run: ulimit -n 65536 (or LimitNOFILE=65536 for a service; nofile in /etc/security/limits.conf)',
};

/** "TCP: inuse 12 orphan 0 tw 3456 alloc 20 mem 3" -> { inuse, tw }. */
export function parseSockstat(text: string): { inuse: number; timeWait: number } | null {
  const m = /^TCP:.*\binuse (\d+).*\btw (\d+)/m.exec(text);
  return m ? { inuse: Number(m[1]), timeWait: Number(m[2]) } : null;
}

interface Seen {
  count: number;
  firstAtMs: number | null;
  firstWhere: string | null;
  firstLine: string | null;
}

/** Each log file of the run directory read from where the last sample stopped, whole lines only. */
export class LogTail {
  private readonly offsets = new Map<string, { offset: number; rest: string }>();
  /** Bytes read per file per sample at most: an error storm must not stall the harness. */
  static readonly CHUNK = 1 << 20;

  constructor(private readonly dir: string) {}

  private files(): string[] {
    const out: string[] = [];
    const walk = (dir: string, depth: number) => {
      let entries: import('node:fs').Dirent[] = [];
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        if (e.isDirectory() && depth > 0 && e.name !== 'sessions' && e.name !== 'tmp' && e.name !== 'pids') walk(join(dir, e.name), depth - 1);
        else if (e.isFile() && e.name.endsWith('.log')) out.push(join(dir, e.name));
      }
    };
    walk(this.dir, 2);
    return out;
  }

  /** New complete lines since the last call, per file (path relative to the run directory). */
  read(onLine: (file: string, line: string) => void): void {
    for (const file of this.files()) {
      const state = this.offsets.get(file) ?? { offset: 0, rest: '' };
      let size = 0;
      try {
        size = statSync(file).size;
      } catch {
        continue;
      }
      if (size < state.offset) state.offset = 0; // truncated / replaced (a restored node)
      if (size === state.offset) {
        this.offsets.set(file, state);
        continue;
      }
      const length = Math.min(size - state.offset, LogTail.CHUNK);
      const buffer = Buffer.alloc(length);
      let fd: number | null = null;
      try {
        fd = openSync(file, 'r');
        const n = readSync(fd, buffer, 0, length, state.offset);
        state.offset += n;
        const text = state.rest + buffer.subarray(0, n).toString('utf8');
        const lines = text.split('\n');
        state.rest = (lines.pop() ?? '').slice(-4096);
        for (const line of lines) onLine(relative(this.dir, file), line);
      } catch {
        /* rotated or gone: next time */
      } finally {
        if (fd !== null) closeSync(fd);
      }
      this.offsets.set(file, state);
    }
  }
}

export const EXHAUSTION_THRESHOLD =
  'fires on the first EADDRNOTAVAIL (no ephemeral port) or EMFILE / ENFILE (no file descriptor) seen by the harness or in a server log of the run';

const kind = { name: 'exhaustion', title: 'ports and file descriptors', threshold: EXHAUSTION_THRESHOLD };

export const exhaustionGuard: GuardKind = {
  ...kind,
  create(env) {
    const state = new GuardState(kind);
    const seen: Record<ExhaustionKind, Seen> = {
      ports: { count: 0, firstAtMs: null, firstWhere: null, firstLine: null },
      fds: { count: 0, firstAtMs: null, firstWhere: null, firstLine: null },
    };
    const logs = env.runDirectory ? new LogTail(env.runDirectory) : null;
    let fdPeak = 0;
    let fdLimit: number | null = null;
    let twPeak: number | null = null;
    let fdsReadable = true;

    const record = (k: ExhaustionKind, tMs: number, where: string, line: string) => {
      const s = seen[k];
      s.count++;
      if (s.firstAtMs === null) {
        s.firstAtMs = Math.round(tMs);
        s.firstWhere = where;
        s.firstLine = line.trim().slice(0, 240);
      }
      const kinds = (['ports', 'fds'] as const).filter((x) => seen[x].count > 0);
      const what = kinds
        .map((x) => {
          const v = seen[x];
          const name = x === 'ports' ? 'ephemeral ports (EADDRNOTAVAIL)' : 'file descriptors (EMFILE/ENFILE)';
          return `${name}: ${fmtCount(v.count)} error(s), first at ${fmtSeconds(v.firstAtMs ?? 0)} in ${v.firstWhere}: ${JSON.stringify(v.firstLine)}`;
        })
        .join('; ');
      state.fire(tMs, `the machine ran out of ${what} — the requests that failed were the machine's, not the stack's`, kinds.map((x) => exhaustionFix[x]).join('; '));
    };

    const scanLogs = (tMs: number) => {
      logs?.read((file, line) => {
        const k = classifyLogLine(line);
        if (k) record(k, tMs, file, line);
      });
    };

    const sampleFds = () => {
      if (!fdsReadable) return;
      try {
        fdPeak = Math.max(fdPeak, readdirSync('/proc/self/fd').length);
        if (fdLimit === null) {
          const limits = tryRead(env.read, '/proc/self/limits');
          fdLimit = limits.ok ? (parseLimit(limits.text, 'Max open files')?.soft ?? null) : null;
        }
      } catch {
        fdsReadable = false;
      }
      const sock = tryRead(env.read, '/proc/net/sockstat');
      const parsed = sock.ok ? parseSockstat(sock.text) : null;
      if (parsed) twPeak = Math.max(twPeak ?? 0, parsed.timeWait);
    };

    return {
      sample(tMs) {
        state.samples++;
        sampleFds();
        scanLogs(tMs);
      },
      close(tMs) {
        scanLogs(tMs);
      },
      noteError(code, tMs) {
        const k = errnoKinds[code];
        if (k) record(k, tMs, 'the harness (its own requests)', code);
      },
      report() {
        return state.report({
          portErrors: seen.ports.count,
          fdErrors: seen.fds.count,
          logs: logs ? 'scanned' : 'not available: no run directory with server logs (docker provider): only the harness errors are seen',
          harnessFdPeak: fdsReadable ? fdPeak : null,
          harnessFdSoftLimit: fdLimit,
          timeWaitPeak: twPeak,
        });
      },
    };
  },
};
