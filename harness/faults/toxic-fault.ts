/**
 * A fault that is one Toxiproxy toxic on some links, added at `at` and removed at heal.
 * redis-latency, node-slow, reset-peer and bandwidth are each one call of this.
 */
import { z } from 'zod';
import type { ToxicType } from 'toxiproxy-node-client';
import { faultSchema, type FaultSpec } from '../scenario/scenario-schema.js';
import type { FaultKind, FaultTopology } from './fault-kind.js';
import { addToxic, linkNames, removeToxic, toxicNameFor, type LinkKind } from './proxy-links.js';

/** The generic fault fields plus this fault's own attributes. */
type Spec<Shape extends z.ZodRawShape> = FaultSpec & { target: string } & z.output<z.ZodObject<Shape>>;

export interface ToxicFaultDefinition<Shape extends z.ZodRawShape> {
  type: string;
  defaultTarget: string;
  /** The fault's own attributes (zod shape), validated with the scenario. */
  attributes: Shape;
  checkTarget: (spec: { target?: string }, topology: FaultTopology) => string | null;
  /** Which links a target names. */
  linkKind: (target: string) => LinkKind;
  toxic: (spec: Spec<Shape>) => { type: ToxicType; stream: 'upstream' | 'downstream'; toxicity?: number; attributes: Record<string, number> };
  applied: (spec: Spec<Shape>) => string;
  healed: (spec: Spec<Shape>) => string;
}

export function defineToxicFault<Shape extends z.ZodRawShape>(def: ToxicFaultDefinition<Shape>): FaultKind<Spec<Shape>> {
  const schema = faultSchema.extend({ type: z.literal(def.type), target: z.string().default(def.defaultTarget), ...def.attributes });
  const links = (spec: Spec<Shape>) => [def.linkKind(spec.target)];
  return {
    type: def.type,
    schema: schema as unknown as z.ZodType<Spec<Shape>, z.ZodTypeDef, unknown>,
    links,
    defaultTarget: def.defaultTarget,
    healAtTeardown: true,
    checkTarget: def.checkTarget,
    async apply(ctx, spec) {
      const toxic = def.toxic(spec);
      await addToxic(ctx, linkNames(ctx, def.linkKind(spec.target), spec.target), {
        name: toxicNameFor(def.type, spec.at),
        type: toxic.type,
        stream: toxic.stream,
        toxicity: toxic.toxicity ?? 1,
        attributes: toxic.attributes,
      });
      ctx.log(def.applied(spec));
    },
    async heal(ctx, spec) {
      await removeToxic(ctx, linkNames(ctx, def.linkKind(spec.target), spec.target), toxicNameFor(def.type, spec.at));
      ctx.log(def.healed(spec));
    },
  };
}
