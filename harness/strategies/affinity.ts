import type { Strategy } from './strategy.js';

/**
 * Files + sticky routing. HAProxy inserts an SRV cookie (default); with nginx the balancer
 * hashes the PHPSESSID cookie (a first visit has no cookie yet, so it may move once).
 */
export const affinityStrategy: Strategy = {
  name: 'affinity',
  description: 'session.save_handler=files on each node, sticky sessions at the balancer (HAProxy SRV cookie, or nginx hash $cookie_PHPSESSID)',
  storage: 'files',
  routing: 'sticky',
  preferredBalancer: 'haproxy',
  needsRedis: false,
  sessionIni: ({ sessionDir }) => ({ 'session.save_handler': 'files', 'session.save_path': sessionDir }),
};
