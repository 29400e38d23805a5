/**
 * limit_data: lets `bytes` bytes through (per connection and direction, counted across
 * updates of the toxic), then closes the connection after flushing them.
 */
import { attr, type ToxicDefinition } from './toxic-type.js';

interface LimitState {
  transmitted: number;
}

export const limitDataToxic: ToxicDefinition = {
  type: 'limit_data',
  goStruct: 'LimitDataToxic',
  attributes: [{ name: 'bytes', goType: 'int64' }],
  newState: (): LimitState => ({ transmitted: 0 }),
  create(attributes, ctx, rawState) {
    const limit = attr(attributes, 'bytes');
    const state = rawState as LimitState;
    let disposed = false;
    return {
      push(chunk) {
        if (disposed) return;
        if (chunk.data === null) return ctx.close('fin');
        const remaining = Math.max(0, limit - state.transmitted);
        const data = chunk.data.length > remaining ? chunk.data.subarray(0, remaining) : chunk.data;
        if (data.length > 0) {
          state.transmitted += data.length;
          ctx.emit({ data, at: chunk.at });
        }
        if (state.transmitted >= limit && !disposed) ctx.close('fin');
      },
      pendingBytes: () => 0,
      takePending() {
        this.dispose();
        return [];
      },
      dispose() {
        disposed = true;
      },
    };
  },
};
