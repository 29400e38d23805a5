import type { Strategy } from './strategy.js';

/** PHP's files handler on each node, round-robin: a session lives on one node only. */
export const filesStrategy: Strategy = {
  name: 'files',
  description: 'session.save_handler=files on each node (own directory), round-robin balancing',
  storage: 'files',
  routing: 'round-robin',
  preferredBalancer: 'nginx',
  needsRedis: false,
  sessionIni: ({ sessionDir }) => ({ 'session.save_handler': 'files', 'session.save_path': sessionDir }),
};
