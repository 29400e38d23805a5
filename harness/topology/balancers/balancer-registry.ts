/** Every balancer kind, by name. A new balancer: one file exporting a BalancerKind, one line here. */
import { InvalidInputError } from '../../errors.js';
import type { BalancerKind } from './balancer-kind.js';
import { nginxBalancer } from './nginx-balancer.js';
import { haproxyBalancer } from './haproxy-balancer.js';
import { haproxyLeastconnBalancer } from './haproxy-leastconn-balancer.js';

export const balancers: readonly BalancerKind[] = [nginxBalancer, haproxyBalancer, haproxyLeastconnBalancer];

/** The registered names, for schemas (z.enum) and usage texts. */
export const balancerNames = balancers.map((b) => b.name) as [string, ...string[]];

export function findBalancer(name: string): BalancerKind | undefined {
  return balancers.find((b) => b.name === name);
}

/** The kind of that name; a one-line InvalidInputError naming the registered ones otherwise. */
export function requireBalancer(name: string, field = 'topology.balancer'): BalancerKind {
  const kind = findBalancer(name);
  if (!kind) throw new InvalidInputError(`${field}: unknown balancer ${JSON.stringify(name)}: use one of ${balancerNames.join(', ')}`);
  return kind;
}
