/** The embedded Toxiproxy-compatible server: in-process or as a child process. */
export { startToxiproxyServer, type ToxiproxyServer, type ToxiproxyServerOptions } from './toxiproxy-server.js';
export { spawnToxiproxyServer, type SpawnedToxiproxy, type SpawnToxiproxyOptions } from './spawn-toxiproxy.js';
export { SERVER_VERSION } from './api-routes.js';
export { toxicTypes } from './toxics/registry.js';
export { ToxiproxyApiError } from './api-error.js';
