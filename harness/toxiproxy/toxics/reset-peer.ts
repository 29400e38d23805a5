/**
 * reset_peer: on the first data (or end of stream), waits `timeout` ms and closes the
 * connection with a TCP RST (linger 0). The data is dropped, as Toxiproxy does.
 */
import { attr, timerMs, type ToxicDefinition } from './toxic-type.js';

export const resetPeerToxic: ToxicDefinition = {
  type: 'reset_peer',
  goStruct: 'ResetToxic',
  attributes: [{ name: 'timeout', goType: 'int64' }],
  create(attributes, ctx) {
    const timeout = attr(attributes, 'timeout');
    let timer: NodeJS.Timeout | null = null;
    let disposed = false;
    return {
      push() {
        if (disposed || timer !== null) return;
        timer = setTimeout(() => !disposed && ctx.close('reset'), timerMs(timeout));
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
