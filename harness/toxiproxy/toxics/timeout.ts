/**
 * timeout: stops all data (dropped, as Toxiproxy does) and closes the connection after
 * `timeout` ms without data; 0 or less = never close. The peer's end of stream closes at once.
 */
import { attr, timerMs, type ToxicDefinition } from './toxic-type.js';

export const timeoutToxic: ToxicDefinition = {
  type: 'timeout',
  goStruct: 'TimeoutToxic',
  attributes: [{ name: 'timeout', goType: 'int64' }],
  create(attributes, ctx) {
    const timeout = attr(attributes, 'timeout');
    let timer: NodeJS.Timeout | null = null;
    let disposed = false;
    const arm = (): void => {
      if (timer !== null) clearTimeout(timer);
      if (timeout > 0) timer = setTimeout(() => !disposed && ctx.close('fin'), timerMs(timeout));
    };
    arm();
    return {
      push(chunk) {
        if (disposed) return;
        if (chunk.data === null) return ctx.close('fin');
        arm(); // Toxiproxy restarts its timer on every chunk it drops
      },
      pendingBytes: () => 0,
      takePending() {
        this.dispose();
        return [];
      },
      dispose() {
        disposed = true;
        if (timer !== null) clearTimeout(timer);
        timer = null;
      },
    };
  },
};
