/** The named proxies of one server: create, populate, remove, reset. */
import { ToxiproxyApiError, badRequest, missingField, proxyExists, proxyNotFound } from './api-error.js';
import { parseHostPort } from './host-port.js';
import { checkListenHost, type ListenPolicy } from './listen-policy.js';
import { populate, type PopulateEntry } from './populate.js';
import { ToxicProxy, type ProxyUpdate } from './proxy.js';
import { checkName } from './proxy-name.js';

type ProxyInput = PopulateEntry;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseListen(value: unknown, policy: ListenPolicy): string {
  const { host } = parseHostPort(value, 'listen');
  checkListenHost(host, policy);
  return value as string;
}

/** Validates an update body {listen?, upstream?, enabled?}. */
export function parseProxyUpdate(body: unknown, policy: ListenPolicy): ProxyUpdate {
  if (!isObject(body)) throw badRequest('expected a JSON object {enabled?, listen?, upstream?}');
  const out: ProxyUpdate = {};
  if (body.enabled !== undefined) {
    if (typeof body.enabled !== 'boolean') throw badRequest('enabled must be true or false');
    out.enabled = body.enabled;
  }
  if (body.listen !== undefined) out.listen = parseListen(body.listen, policy);
  if (body.upstream !== undefined) {
    parseHostPort(body.upstream, 'upstream');
    out.upstream = body.upstream as string;
  }
  return out;
}

function parseProxyInput(body: unknown, policy: ListenPolicy, where = ''): ProxyInput {
  if (!isObject(body)) throw badRequest(`${where}expected a JSON object {name, listen, upstream, enabled?}`);
  const { name, listen = '127.0.0.1:0', upstream, enabled = true } = body;
  if (name === undefined || name === '') throw missingField(`${where}name`);
  checkName(name, `${where}name`);
  if (upstream === undefined || upstream === '') throw missingField(`${where}upstream`);
  parseListen(listen, policy);
  parseHostPort(upstream, 'upstream');
  if (typeof enabled !== 'boolean') throw badRequest(`${where}enabled must be true or false`);
  return { name: name as string, listen: listen as string, upstream: upstream as string, enabled };
}

/** Same listen address, or the same host asking for any port (populate stays idempotent). */
function sameListen(current: string, wanted: string): boolean {
  if (current === wanted) return true;
  const a = parseHostPort(current, 'listen');
  const b = parseHostPort(wanted, 'listen');
  return b.port === 0 && (a.host === b.host || (b.host === 'localhost' && a.host === '127.0.0.1'));
}

export interface ResetFailure {
  proxy: ToxicProxy;
  error: ToxiproxyApiError;
}

export class ProxyCollection {
  private readonly proxies = new Map<string, ToxicProxy>();

  constructor(
    private readonly log: (line: string) => void,
    private readonly logConnections: boolean,
    readonly policy: ListenPolicy = { allowNonLoopback: false, apiHost: '127.0.0.1' },
  ) {}

  list(): ToxicProxy[] {
    return [...this.proxies.values()];
  }

  get(name: string): ToxicProxy {
    const proxy = this.proxies.get(name);
    if (!proxy) throw proxyNotFound();
    return proxy;
  }

  async create(body: unknown): Promise<ToxicProxy> {
    const input = parseProxyInput(body, this.policy);
    if (this.proxies.has(input.name)) throw proxyExists();
    const proxy = this.newProxy(input);
    if (input.enabled) await proxy.start();
    this.proxies.set(input.name, proxy);
    return proxy;
  }

  /** Creates or replaces proxies, all or nothing; unchanged ones are kept (with their toxics). */
  async populate(body: unknown): Promise<{ proxies: ToxicProxy[]; error: ToxiproxyApiError | null }> {
    if (!Array.isArray(body)) throw badRequest('expected a JSON array of {name, listen, upstream, enabled?}');
    if (body.length > 10_000) throw badRequest('at most 10000 proxies per populate');
    const inputs = body.map((item, i) => parseProxyInput(item, this.policy, `[${i}].`));
    try {
      const proxies = await populate(
        {
          proxies: this.proxies,
          create: (input) => this.newProxy(input),
          unchanged: (existing, input) => sameListen(existing.listen, input.listen) && existing.upstream === input.upstream,
          log: this.log,
        },
        inputs,
      );
      return { proxies, error: null };
    } catch (error) {
      if (error instanceof ToxiproxyApiError) return { proxies: [], error };
      throw error;
    }
  }

  async remove(name: string): Promise<void> {
    const proxy = this.get(name);
    this.proxies.delete(name);
    await proxy.stop();
  }

  /** Removes every toxic and enables every proxy it can; returns those that could not listen. */
  async reset(): Promise<ResetFailure[]> {
    const failed: ResetFailure[] = [];
    for (const proxy of this.list()) {
      proxy.removeAllToxics();
      try {
        await proxy.start();
      } catch (error) {
        const apiError = error instanceof ToxiproxyApiError ? error : new ToxiproxyApiError(String((error as Error).message), 500);
        failed.push({ proxy, error: apiError });
      }
    }
    return failed;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.list().map((p) => p.stop()));
    this.proxies.clear();
  }

  private newProxy(input: ProxyInput): ToxicProxy {
    return new ToxicProxy(input.name, input.listen, input.upstream, this.log, this.logConnections);
  }
}
