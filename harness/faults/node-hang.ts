/**
 * node-hang: the node stops answering without going away, as a frozen VM or a stalled host
 * does. Its PHP-FPM and web server process groups get SIGSTOP (docker: `docker pause`): the
 * kernel still accepts connections into their listen backlog, so the balancer's connect
 * succeeds and it waits for its read timeout (topology.balancerTimeouts.read). Heal: SIGCONT,
 * and the node works through what queued meanwhile. A stopped node is always continued before
 * the stack stops.
 */
import { z } from 'zod';
import { faultSchema } from '../scenario/scenario-schema.js';
import { HarnessError } from '../errors.js';
import type { FaultKind } from './fault-kind.js';
import { nodeTargetCheck } from './fault-targets.js';

const schema = faultSchema.extend({ type: z.literal('node-hang'), target: z.string().default('node-1') });
type Spec = z.output<typeof schema>;

export const nodeHangFault: FaultKind<Spec> = {
  type: 'node-hang',
  schema,
  links: () => [],
  defaultTarget: 'node-1',
  // A stopped node would hold the final reads and the stack's stop: it is always continued.
  healAtTeardown: true,
  checkTarget: nodeTargetCheck,
  async apply(ctx, spec) {
    if (!ctx.topology.pauseNode) throw new HarnessError(`the ${ctx.topology.provider} provider cannot pause a node`);
    await ctx.topology.pauseNode(spec.target);
    ctx.log(`${spec.target} hung (${ctx.topology.provider === 'external' ? 'its hang command' : 'SIGSTOP to its PHP-FPM and web server: connections queue, nothing answers'})`);
  },
  async heal(ctx, spec) {
    if (!ctx.topology.resumeNode) throw new HarnessError(`the ${ctx.topology.provider} provider cannot resume a node`);
    await ctx.topology.resumeNode(spec.target);
    ctx.log(`${spec.target} continued (${ctx.topology.provider === 'external' ? 'its resume command' : 'SIGCONT'}): it works through what queued`);
  },
};
