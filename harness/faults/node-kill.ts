/** node-kill: SIGKILL a node (PHP-FPM master + workers + its nginx); `restoreAt` starts a fresh one. */
import { z } from 'zod';
import { faultSchema } from '../scenario/scenario-schema.js';
import type { FaultKind } from './fault-kind.js';
import { nodeTargetCheck } from './fault-targets.js';

const schema = faultSchema.extend({ type: z.literal('node-kill'), target: z.string().default('node-1') });
type NodeKillSpec = z.output<typeof schema>;

export const nodeKillFault: FaultKind<NodeKillSpec> = {
  type: 'node-kill',
  schema,
  links: () => [],
  defaultTarget: 'node-1',
  healAtTeardown: false,
  checkTarget: nodeTargetCheck,
  async apply(ctx, spec) {
    await ctx.topology.killNode(spec.target);
    ctx.log(`killed ${spec.target} (${ctx.topology.provider === 'external' ? 'its kill command' : 'SIGKILL to its process group and its web server'})`);
  },
  async heal(ctx, spec) {
    await ctx.topology.restoreNode(spec.target);
    ctx.log(`restored ${spec.target} (${ctx.topology.provider === 'external' ? 'its restore command' : 'fresh node, empty session directory'})`);
  },
};
