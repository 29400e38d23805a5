/**
 * Little's law, L = lambda W: the mean number in a system is its arrival rate times the mean
 * time each spends in it. Used twice: PHP-FPM workers busy per node (requests in flight), and
 * sessions stored in Redis (sessions alive).
 */

/** L = lambda W. */
export function littleConcurrency(ratePerS: number, residenceS: number): number {
  if (!(ratePerS >= 0) || !(residenceS >= 0)) throw new RangeError('littleConcurrency: rate and time must be >= 0');
  return ratePerS * residenceS;
}

/**
 * pm.max_children for one node: the workers busy at its share of the rate (rate x mean time a
 * request holds a worker), times a headroom for bursts, at least 2.
 */
export function maxChildrenFor(perNodeRate: number, meanServiceS: number, headroom: number): number {
  if (!(headroom >= 1)) throw new RangeError('maxChildrenFor: headroom must be >= 1');
  return Math.max(2, Math.ceil(littleConcurrency(perNodeRate, meanServiceS) * headroom));
}

/**
 * Sessions stored at once: users start sessions at `newSessionsPerS`, each is used for
 * `visitSpanS` and then lives `gcMaxlifetimeS` more (its TTL, refreshed by every visit) before
 * Redis expires it.
 */
export function storedSessions(newSessionsPerS: number, visitSpanS: number, gcMaxlifetimeS: number): number {
  return littleConcurrency(newSessionsPerS, visitSpanS + gcMaxlifetimeS);
}

/** U active users who each stay visitSpanS: new sessions per second (Little's law again, lambda = L / W). */
export function newSessionRate(activeUsers: number, visitSpanS: number): number {
  if (!(visitSpanS > 0)) throw new RangeError('newSessionRate: visit span must be > 0');
  return activeUsers / visitSpanS;
}
