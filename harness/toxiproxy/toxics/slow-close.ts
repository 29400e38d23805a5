/** slow_close: data passes untouched; the end of the stream is delayed by `delay` ms. */
import { attr, timerMs, type Chunk, type ToxicDefinition } from './toxic-type.js';

export const slowCloseToxic: ToxicDefinition = {
  type: 'slow_close',
  goStruct: 'SlowCloseToxic',
  attributes: [{ name: 'delay', goType: 'int64' }],
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
        }, timerMs(delay));
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
