/** Toxic types by name. Adding a toxic is one module plus one line here. */
import { bandwidthToxic } from './bandwidth.js';
import { latencyToxic } from './latency.js';
import { limitDataToxic } from './limit-data.js';
import { noopToxic } from './noop.js';
import { resetPeerToxic } from './reset-peer.js';
import { slicerToxic } from './slicer.js';
import { slowCloseToxic } from './slow-close.js';
import { timeoutToxic } from './timeout.js';
import type { ToxicDefinition } from './toxic-type.js';

const definitions: readonly ToxicDefinition[] = [
  latencyToxic,
  bandwidthToxic,
  slowCloseToxic,
  timeoutToxic,
  resetPeerToxic,
  slicerToxic,
  limitDataToxic,
  noopToxic,
];

const byType = new Map(definitions.map((d) => [d.type, d]));

export function getToxicDefinition(type: string): ToxicDefinition | undefined {
  return byType.get(type);
}

export function toxicTypes(): string[] {
  return [...byType.keys()];
}
