/**
 * The Toxiproxy HTTP API routes (same paths, status codes and error bodies as Toxiproxy 2.x,
 * api.go; the differences are listed in README.md). Handlers return {status, body}; the
 * server serialises them and runs one at a time so concurrent calls cannot interleave
 * listener starts and stops.
 */
import { ToxiproxyApiError } from './api-error.js';
import type { ApiResponse } from './api-answer.js';
import { renderMetrics } from './metrics-text.js';
import { parseProxyUpdate, type ProxyCollection } from './proxy-collection.js';
import type { RequestBody } from './read-body.js';
import { parseNewToxic, parseToxicUpdate, toxicJson } from './toxic-config.js';

export const SERVER_VERSION = '2.12.0-php-session-lab';

export type { ApiResponse };

export type Handler = (body: RequestBody, params: string[]) => Promise<ApiResponse>;

export interface Route {
  pattern: RegExp;
  methods: Record<string, Handler>;
}

export function createRoutes(proxies: ProxyCollection): Route[] {
  const json = (status: number, body?: unknown): ApiResponse => ({ status, body });
  const proxyOf = (params: string[]) => proxies.get(params[0]!);
  const updateProxy: Handler = async (body, p) => {
    const proxy = proxyOf(p);
    await proxy.update(parseProxyUpdate(body.node(), proxy, proxies.policy));
    return json(200, proxy.toJSON());
  };
  const updateToxic: Handler = async (body, p) => {
    const proxy = proxyOf(p);
    const current = proxy.getToxic(p[1]!);
    const next = parseToxicUpdate(current, body.node());
    proxy.replaceToxic(next);
    return json(200, toxicJson(next));
  };
  return [
    {
      pattern: /^\/version$/,
      // Byte for byte what api.go writes (a space after the colon, a newline at the end).
      methods: { GET: async () => ({ status: 200, text: `{"version": "${SERVER_VERSION}"}\n`, contentType: 'application/json;charset=utf-8' }) },
    },
    {
      pattern: /^\/metrics$/,
      methods: { GET: async () => ({ status: 200, text: renderMetrics(proxies.list()) }) },
    },
    {
      pattern: /^\/reset$/,
      methods: {
        POST: async () => {
          // Every proxy is reset; those that cannot listen again are reported (Toxiproxy stops at the first).
          const failed = await proxies.reset();
          if (failed.length === 0) return json(204);
          const status = failed[0]!.error.status;
          const error = `reset could not re-enable ${failed.length} prox${failed.length === 1 ? 'y' : 'ies'}: ${failed.map((f) => `${f.proxy.name}: ${f.error.message}`).join('; ')}`;
          return json(status, { error, status, proxies: failed.map((f) => f.proxy.toJSON()) });
        },
      },
    },
    {
      pattern: /^\/populate$/,
      methods: {
        POST: async (body) => {
          // Errors carry "proxies" too; Go's empty list is null. All or nothing: on an error
          // nothing was kept, so it is always null there (Toxiproxy lists what it kept).
          let result: Awaited<ReturnType<ProxyCollection['populate']>>;
          try {
            result = await proxies.populate(body.node());
          } catch (error) {
            if (error instanceof ToxiproxyApiError) return json(error.status, { ...error.toJSON(), proxies: null });
            throw error;
          }
          if (result.error) return json(result.error.status, { ...result.error.toJSON(), proxies: null });
          const list = result.proxies.map((p) => p.toJSON());
          return json(201, { proxies: list.length > 0 ? list : null });
        },
      },
    },
    {
      pattern: /^\/proxies$/,
      methods: {
        GET: async () => json(200, Object.fromEntries(proxies.list().map((p) => [p.name, p.toJSON()]))),
        POST: async (body) => json(201, (await proxies.create(body.node())).toJSON()),
      },
    },
    {
      pattern: /^\/proxies\/([^/]+)$/,
      methods: {
        GET: async (_req, p) => json(200, proxyOf(p).toJSON()),
        POST: updateProxy,
        PATCH: updateProxy,
        DELETE: async (_req, p) => {
          await proxies.remove(p[0]!);
          return json(204);
        },
      },
    },
    {
      pattern: /^\/proxies\/([^/]+)\/toxics$/,
      methods: {
        GET: async (_req, p) => json(200, proxyOf(p).toxicList()),
        POST: async (body, p) => {
          const proxy = proxyOf(p);
          const toxic = parseNewToxic(body.node(), (name) => proxy.hasToxic(name));
          proxy.addToxic(toxic);
          return json(200, toxicJson(toxic));
        },
      },
    },
    {
      pattern: /^\/proxies\/([^/]+)\/toxics\/([^/]+)$/,
      methods: {
        GET: async (_req, p) => json(200, toxicJson(proxyOf(p).getToxic(p[1]!))),
        POST: updateToxic,
        PATCH: updateToxic,
        DELETE: async (_req, p) => {
          proxyOf(p).removeToxic(p[1]!);
          return json(204);
        },
      },
    },
  ];
}

/** Finds the handler; unknown paths answer 404, known paths with another method 405. */
export function route(routes: Route[], method: string, pathname: string): { handler: Handler; params: string[] } {
  for (const r of routes) {
    const match = r.pattern.exec(pathname);
    if (!match) continue;
    const handler = r.methods[method];
    if (!handler) {
      throw new ToxiproxyApiError(`method ${method} not allowed on ${pathname} (use ${Object.keys(r.methods).join(', ')})`, 405);
    }
    let params: string[];
    try {
      params = match.slice(1).map((s) => decodeURIComponent(s));
    } catch {
      throw new ToxiproxyApiError(`bad percent-encoding in path ${pathname}`, 400);
    }
    return { handler, params };
  }
  throw new ToxiproxyApiError(`not found: ${pathname}`, 404);
}
