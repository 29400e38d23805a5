/** Adding a fault: one file plus one line here. */
import type { FaultKind } from './fault-kind.js';
import { nodeKillFault } from './node-kill.js';

const faults: FaultKind<any>[] = [nodeKillFault];

export const faultTypes = () => faults.map((f) => f.type);

export function findFault(type: string): FaultKind<any> | undefined {
  return faults.find((f) => f.type === type);
}
