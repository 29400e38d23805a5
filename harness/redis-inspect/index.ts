/** Redis inspection for session runs: key counts and TTLs, command throughput, TTL refresh. */
export { withRedis, RedisInspectError, type RedisAddress, type RedisTarget } from './redis-connection.js';
export {
  inspectSessions,
  judgeTtls,
  scanKeys,
  globEscape,
  DEFAULT_SESSION_PREFIX,
  type InspectSessionsOptions,
  type RedisSessionInspection,
  type TtlCheck,
} from './session-inspection.js';
export {
  sampleCommandStats,
  diffCommandStats,
  parseCommandStats,
  type CommandStatsSample,
  type CommandStatsDiff,
} from './command-stats.js';
export { checkTtlRefreshedByUse, sessionKey, type TtlRefreshOptions, type TtlRefreshCheck } from './ttl-refresh.js';
export { redisResultSection, type RedisResultSection } from './result-section.js';
