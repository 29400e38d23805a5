/** Adding an environment guard: one file plus one line here. */
import type { GuardKind } from './guard-kind.js';
import { conntrackGuard } from './conntrack.js';
import { exhaustionGuard } from './exhaustion.js';
import { eventLoopGuard } from './event-loop.js';
import { harnessCpuGuard } from './harness-cpu.js';
import { cpuStealGuard } from './cpu-steal.js';
import { preRunLoadGuard } from './pre-run-load.js';

const guards: GuardKind[] = [conntrackGuard, exhaustionGuard, eventLoopGuard, harnessCpuGuard, cpuStealGuard, preRunLoadGuard];

export const guardNames = () => guards.map((g) => g.name);

export function findGuard(name: string): GuardKind | undefined {
  return guards.find((g) => g.name === name);
}

export const allGuards = (): readonly GuardKind[] => guards;
