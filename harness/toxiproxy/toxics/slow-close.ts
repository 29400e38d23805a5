/** slow_close: data passes untouched; the end of the stream is delayed by `delay` ms. */
import { HOUR_MS, attr, type Chunk, type ToxicDefinition } from './toxic-type.js';

export const slowCloseToxic: ToxicDefinition = {
  type: 'slow_close',
  attributes: [{ name: 'delay', default: 0, min: 0, max: HOUR_MS, unit: 'ms' }],
  create(attributes, ctx) {
    const delay = attr(attributes, 'delay');
    let timer: NodeJS.Timeout | null = null;
    let held: Chunk | null = null;
    let disposed = false;
    return {
      push(chunk) {
        if (disposed) return;
        if (chunk.data !== null) return ctx.emit(chunk);
        held = chunk;
        timer = setTimeout(() => {
          timer = null;
          held = null;
          if (!disposed) ctx.emit(chunk);
        }, delay);
      },
      pendingBytes: () => 0,
      takePending() {
        const rest = held === null ? [] : [held];
        this.dispose();
        return rest;
      },
      dispose() {
        disposed = true;
        if (timer !== null) clearTimeout(timer);
        timer = null;
        held = null;
      },
    };
  },
};
