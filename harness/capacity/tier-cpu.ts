/**
 * CPU time per tier, read from /proc (local provider): every server of a run is its own
 * process group whose leader's PID sits in the run directory's pids/ (run-directory.ts), so the
 * tier of any process is the name of its group's pid file. utime + stime + cutime + cstime of
 * every member counts the workers alive now and those their master already reaped. The harness
 * reads its own with process.cpuUsage(); the whole host from /proc/stat, so what other
 * processes used in the window is known too.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseProcStat, readProcText, type ReadText } from '../guards/proc-files.js';
import type { TierName } from './service-demand.js';

/** The tier a pid file names (node-2-php-fpm, node-2-nginx, balancer-haproxy, redis, redis-3, toxiproxy); null for anything else. */
export function tierOfProcess(name: string): TierName | null {
  if (/^node-\d+-php-fpm$/.test(name)) return 'php-fpm';
  if (/^node-\d+-nginx$/.test(name)) return 'node-web';
  if (name.startsWith('balancer-')) return 'balancer';
  if (/^redis(-\d+)?$/.test(name)) return 'redis';
  if (name === 'toxiproxy') return 'toxiproxy';
  return null;
}

/** The reading's moment, the harness's own CPU and the whole host's (any provider). */
export function harnessAndHost(read: ReadText, hz: number): Pick<CpuReading, 'atMs' | 'harnessS' | 'hostBusyS' | 'hostTotalS'> {
  const cpu = process.cpuUsage();
  const host = parseProcStat(read('/proc/stat'));
  return { atMs: performance.now(), harnessS: (cpu.user + cpu.system) / 1e6, hostBusyS: (host.total - host.idle) / hz, hostTotalS: host.total / hz };
}

let ticks: number | null = null;
/** Clock ticks per second of /proc's CPU times (getconf CLK_TCK; 100 on Linux). */
export function clockTicks(): number {
  if (ticks === null) {
    try {
      ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

/** One /proc/<pid>/stat line: its process group, CPU ticks (own + reaped children) and resident pages. */
export function parsePidStat(text: string): { pgrp: number; ticks: number; rssPages: number } | null {
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  const f = text.slice(close + 2).trim().split(/\s+/);
  // f[0] is field 3 (state): field k is f[k - 3].
  const num = (k: number) => Number(f[k - 3]);
  const pgrp = num(5);
  const t = num(14) + num(15) + num(16) + num(17);
  if (!Number.isFinite(pgrp) || !Number.isFinite(t)) return null;
  return { pgrp, ticks: t, rssPages: num(24) };
}

/**
 * A PHP-FPM process's proportional set size (smaps_rollup Pss): its private pages plus its
 * share of the shared ones (opcache's shared memory, the binary), so a pool's sum is what it
 * really takes; RSS would count the shared pages once per worker. null when unreadable.
 */
export function phpMemoryOf(read: ReadText, pid: string): number | null {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(read(`/proc/${pid}/smaps_rollup`));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

export interface CpuReading {
  /** performance.now() of the reading. */
  atMs: number;
  /** CPU seconds so far per tier (process groups alive now). */
  tiers: Partial<Record<TierName, number>>;
  /** The harness's own CPU seconds (process.cpuUsage). */
  harnessS: number;
  /** Host CPU seconds busy and total (every core) from /proc/stat. */
  hostBusyS: number;
  hostTotalS: number;
  /** PHP-FPM processes and their memory (bytes; PSS, RSS where PSS is unreadable), every node. */
  phpProcesses: number;
  phpRssBytes: number;
  /** Bytes received on the loopback interface so far (every local hop; null without /proc/net/dev). */
  loBytes: number | null;
}

/** /proc/net/dev: the receive bytes of `lo` (on loopback every byte sent is received once). */
export function parseLoopbackBytes(text: string): number | null {
  const m = /^\s*lo:\s*(\d+)/m.exec(text);
  return m ? Number(m[1]) : null;
}

export interface TierCpuReader {
  read(): CpuReading;
}

/** Reads the process groups recorded in pidsDir; `read` is injectable for tests. */
export function localTierCpu(pidsDir: string, read: ReadText = readProcText, pageBytes = 4096): TierCpuReader {
  const hz = clockTicks();
  return {
    read() {
      const groups = new Map<number, TierName>();
      for (const file of readdirSync(pidsDir)) {
        if (!file.endsWith('.pid')) continue;
        const tier = tierOfProcess(file.slice(0, -4));
        if (!tier) continue;
        try {
          const pid = Number(readFileSync(join(pidsDir, file), 'utf8').trim().split(/\s+/)[0]);
          if (Number.isSafeInteger(pid) && pid > 0) groups.set(pid, tier);
        } catch {
          /* a node being restarted: its pid file comes and goes */
        }
      }
      const tiers: Partial<Record<TierName, number>> = {};
      let phpProcesses = 0;
      let phpRssBytes = 0;
      for (const entry of readdirSync('/proc')) {
        if (!/^\d+$/.test(entry)) continue;
        let stat;
        try {
          stat = parsePidStat(read(`/proc/${entry}/stat`));
        } catch {
          continue; // exited meanwhile
        }
        if (!stat) continue;
        const tier = groups.get(stat.pgrp);
        if (!tier) continue;
        tiers[tier] = (tiers[tier] ?? 0) + stat.ticks / hz;
        if (tier === 'php-fpm') {
          phpProcesses++;
          phpRssBytes += phpMemoryOf(read, entry) ?? stat.rssPages * pageBytes;
        }
      }
      let loBytes: number | null = null;
      try {
        loBytes = parseLoopbackBytes(read('/proc/net/dev'));
      } catch {
        loBytes = null;
      }
      return { ...harnessAndHost(read, hz), tiers, phpProcesses, phpRssBytes, loBytes };
    },
  };
}

export interface WindowCpu {
  wallS: number;
  /** CPU seconds per tier in the window, the harness included. */
  tiers: Partial<Record<TierName, number>>;
  /** Cores the host had busy on average, and those busy with processes that are not ours. */
  hostBusyCores: number;
  otherCores: number;
  /** Mean resident memory of one PHP-FPM process (bytes) at the window's end; null without any. */
  phpRssPerProcess: number | null;
  loBytes: number | null;
}

/** What happened between two readings. A tier absent from either reading is left out. */
export function cpuBetween(a: CpuReading, b: CpuReading): WindowCpu {
  const wallS = (b.atMs - a.atMs) / 1000;
  const tiers: Partial<Record<TierName, number>> = {};
  for (const [tier, s] of Object.entries(b.tiers) as Array<[TierName, number]>) {
    const before = a.tiers[tier];
    if (before !== undefined) tiers[tier] = Math.max(0, s - before);
  }
  tiers.harness = Math.max(0, b.harnessS - a.harnessS);
  const ours = Object.values(tiers).reduce((x, y) => x + y, 0);
  const hostBusy = Math.max(0, b.hostBusyS - a.hostBusyS);
  // /proc/stat's total counts every core: busy seconds over wall seconds are cores.
  const hostBusyCores = wallS > 0 ? hostBusy / wallS : 0;
  return {
    wallS,
    tiers,
    hostBusyCores,
    otherCores: wallS > 0 ? Math.max(0, (hostBusy - ours) / wallS) : 0,
    phpRssPerProcess: b.phpProcesses > 0 ? b.phpRssBytes / b.phpProcesses : null,
    loBytes: a.loBytes !== null && b.loBytes !== null ? Math.max(0, b.loBytes - a.loBytes) : null,
  };
}
