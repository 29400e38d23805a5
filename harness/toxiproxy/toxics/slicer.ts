/**
 * slicer: cuts each chunk into pieces of `average_size` +/- `size_variation` bytes (at
 * least 1), waiting `delay` microseconds after each piece (timers: about 1 ms at least
 * when delay > 0). Every byte arrives, in order.
 */
import { TimedQueue } from './timed-queue.js';
import { attr, type Chunk, type ToxicDefinition } from './toxic-type.js';

export const slicerToxic: ToxicDefinition = {
  type: 'slicer',
  attributes: [
    { name: 'average_size', default: 1, min: 1, max: 64 * 1024 * 1024, unit: 'bytes' },
    { name: 'size_variation', default: 0, min: 0, max: 64 * 1024 * 1024, unit: 'bytes' },
    { name: 'delay', default: 0, min: 0, max: 3_600_000_000, unit: 'microseconds' },
  ],
  validate(attributes) {
    if (attr(attributes, 'size_variation') >= attr(attributes, 'average_size')) {
      return 'attributes.size_variation must be smaller than attributes.average_size';
    }
    return null;
  },
  create(attributes, ctx) {
    const average = attr(attributes, 'average_size');
    const variation = attr(attributes, 'size_variation');
    const delayMs = attr(attributes, 'delay') / 1000;
    let nextFree = 0;
    const queue = new TimedQueue(
      (_chunk, now) => Math.max(nextFree, now),
      (chunk) => {
        nextFree = performance.now() + delayMs;
        ctx.emit(chunk);
      },
    );
    return {
      push(chunk: Chunk) {
        const data = chunk.data;
        if (data === null) return queue.push(chunk);
        let off = 0;
        while (off < data.length) {
          const size = Math.max(1, average + Math.floor((Math.random() * 2 - 1) * variation));
          queue.push({ data: data.subarray(off, off + size), at: chunk.at });
          off += size;
        }
      },
      pendingBytes: () => queue.pendingBytes(),
      takePending: () => queue.takePending(),
      dispose: () => queue.dispose(),
    };
  },
};
