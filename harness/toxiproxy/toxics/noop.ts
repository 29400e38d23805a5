/** noop: passes everything through. Toxiproxy registers it as a toxic type too (toxics/noop.go). */
import type { ToxicDefinition } from './toxic-type.js';

export const noopToxic: ToxicDefinition = {
  type: 'noop',
  goStruct: 'NoopToxic',
  attributes: [],
  create(_attributes, ctx) {
    let disposed = false;
    return {
      push(chunk) {
        if (!disposed) ctx.emit(chunk);
      },
      pendingBytes: () => 0,
      takePending() {
        disposed = true;
        return [];
      },
      dispose() {
        disposed = true;
      },
    };
  },
};
