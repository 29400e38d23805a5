/**
 * latency: each chunk is released `latency` +/- uniform `jitter` ms after it ARRIVED, so
 * back-to-back chunks are pipelined (not delayed cumulatively); order is kept. The end of
 * the stream follows the last chunk without extra delay (as Toxiproxy does). A negative
 * latency is no delay and a negative jitter no jitter, as in Toxiproxy.
 */
import { TimedQueue } from './timed-queue.js';
import { attr, type ToxicDefinition } from './toxic-type.js';

export const latencyToxic: ToxicDefinition = {
  type: 'latency',
  goStruct: 'LatencyToxic',
  attributes: [
    { name: 'latency', goType: 'int64' },
    { name: 'jitter', goType: 'int64' },
  ],
  create(attributes, ctx) {
    const latency = attr(attributes, 'latency');
    const jitter = attr(attributes, 'jitter');
    const queue = new TimedQueue(
      (chunk, now) => {
        if (chunk.data === null) return now;
        const delta = jitter > 0 ? (Math.random() * 2 - 1) * jitter : 0;
        return chunk.at + Math.max(0, latency + delta);
      },
      (chunk) => ctx.emit(chunk),
    );
    return queue;
  },
};
