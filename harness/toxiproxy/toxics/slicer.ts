/**
 * slicer: cuts each chunk into pieces of `average_size` +/- `size_variation` bytes (at
 * least 1), waiting `delay` microseconds after each piece (timers: about 1 ms at least
 * when delay > 0). Every byte arrives, in order. Toxiproxy accepts any values but recurses
 * without end (and crashes) on an average_size below 1 or a size_variation not below it;
 * here such values just give 1-byte pieces or a wider spread.
 */
import { TimedQueue } from './timed-queue.js';
import { attr, type Chunk, type ToxicDefinition } from './toxic-type.js';

export const slicerToxic: ToxicDefinition = {
  type: 'slicer',
  goStruct: 'SlicerToxic',
  attributes: [
    { name: 'average_size', goType: 'int' },
    { name: 'size_variation', goType: 'int' },
    { name: 'delay', goType: 'int' },
  ],
  create(attributes, ctx) {
    const average = Math.max(1, attr(attributes, 'average_size'));
    const variation = Math.max(0, attr(attributes, 'size_variation'));
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
