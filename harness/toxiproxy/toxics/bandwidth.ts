/**
 * bandwidth: caps throughput at `rate` KB/s (1 KB = 1000 bytes, as Toxiproxy). Chunks
 * larger than 100 ms worth of bytes are cut into 100 ms slices; each slice is released
 * when the previous one's transmission time is over (sleep, then send). rate 0 (the default)
 * lets no data through until the toxic is updated or removed, as Toxiproxy's loop does (it
 * sends empty slices forever); a negative rate, which crashes Toxiproxy, does the same here.
 */
import { TimedQueue } from './timed-queue.js';
import { attr, type Chunk, type ToxicDefinition } from './toxic-type.js';

export const bandwidthToxic: ToxicDefinition = {
  type: 'bandwidth',
  goStruct: 'BandwidthToxic',
  attributes: [{ name: 'rate', goType: 'int64' }],
  create(attributes, ctx) {
    const rate = attr(attributes, 'rate'); // bytes per millisecond
    const sliceBytes = rate * 100;
    let busyUntil = 0;
    const queue = new TimedQueue(
      (chunk, now) => {
        if (chunk.data === null) return now;
        if (rate <= 0) return Infinity; // held until the toxic goes
        busyUntil = Math.max(busyUntil, now) + chunk.data.length / rate;
        return busyUntil;
      },
      (chunk) => ctx.emit(chunk),
    );
    return {
      push(chunk: Chunk) {
        const data = chunk.data;
        if (rate <= 0 || data === null || data.length <= sliceBytes) return queue.push(chunk);
        for (let off = 0; off < data.length; off += sliceBytes) {
          queue.push({ data: data.subarray(off, off + sliceBytes), at: chunk.at });
        }
      },
      pendingBytes: () => queue.pendingBytes(),
      takePending: () => queue.takePending(),
      dispose: () => queue.dispose(),
    };
  },
};
