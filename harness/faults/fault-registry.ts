/** Adding a fault: one file plus one line here. */
import type { FaultKind } from './fault-kind.js';
import { nodeKillFault } from './node-kill.js';
import { nodePartitionFault } from './node-partition.js';
import { nodeSlowFault } from './node-slow.js';
import { redisLatencyFault } from './redis-latency.js';
import { redisDownFault } from './redis-down.js';
import { resetPeerFault } from './reset-peer.js';
import { bandwidthFault } from './bandwidth.js';
import { redisRestartFault } from './redis-restart.js';
import { nodeHangFault } from './node-hang.js';
import { redisHangFault } from './redis-hang.js';
import { redisMemoryPressureFault } from './redis-memory-pressure.js';
import { redisMasterKillFault } from './redis-master-kill.js';
import { redisManualFailoverFault } from './redis-manual-failover.js';
import { redisMasterPartitionFault } from './redis-master-partition.js';

const faults: FaultKind<any>[] = [
  nodeKillFault,
  nodePartitionFault,
  nodeSlowFault,
  redisLatencyFault,
  redisDownFault,
  resetPeerFault,
  bandwidthFault,
  redisRestartFault,
  nodeHangFault,
  redisHangFault,
  redisMemoryPressureFault,
  redisMasterKillFault,
  redisManualFailoverFault,
  redisMasterPartitionFault,
];

export const faultTypes = () => faults.map((f) => f.type);

export function findFault(type: string): FaultKind<any> | undefined {
  return faults.find((f) => f.type === type);
}
