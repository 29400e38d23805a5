import { readFileSync } from 'node:fs';

/** Field 22 of /proc/PID/stat: start time in clock ticks; tells a process from a later one that reused its PID. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}
