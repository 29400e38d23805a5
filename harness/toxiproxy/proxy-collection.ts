/** The named proxies of one server: create, populate, remove, reset. */
import { ToxiproxyApiError, badRequest, missingField, proxyExists, proxyNotFound } from './api-error.js';
import { parseHostPort } from './host-port.js';
import { ToxicProxy, type ProxyUpdate } from './proxy.js';

interface ProxyInput {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Validates an update body {listen?, upstream?, enabled?}. */
export function parseProxyUpdate(body: unknown): ProxyUpdate {
  if (!isObject(body)) throw badRequest('expected a JSON object {enabled?, listen?, upstream?}');
  const out: ProxyUpdate = {};
  if (body.enabled !== undefined) {
    if (typeof body.enabled !== 'boolean') throw badRequest('enabled must be true or false');
    out.enabled = body.enabled;
  }
  if (body.listen !== undefined) {
    parseHostPort(body.listen, 'listen');
    out.listen = body.listen as string;
  }
  if (body.upstream !== undefined) {
    parseHostPort(body.upstream, 'upstream');
    out.upstream = body.upstream as string;
  }
  return out;
}

function parseProxyInput(body: unknown, where = ''): ProxyInput {
  if (!isObject(body)) throw badRequest(`${where}expected a JSON object {name, listen, upstream, enabled?}`);
  const { name, listen = '127.0.0.1:0', upstream, enabled = true } = body;
  if (name === undefined || name === '') throw missingField(`${where}name`);
  if (typeof name !== 'string' || name.length > 200 || name.includes('/')) {
    throw badRequest(`${where}name must be a string of at most 200 characters without "/"`);
  }
  if (upstream === undefined || upstream === '') throw missingField(`${where}upstream`);
  parseHostPort(listen, 'listen');
  parseHostPort(upstream, 'upstream');
  if (typeof enabled !== 'boolean') throw badRequest(`${where}enabled must be true or false`);
  return { name, listen: listen as string, upstream: upstream as string, enabled };
}

/** Same listen address, or the same host asking for any port (populate stays idempotent). */
function sameListen(current: string, wanted: string): boolean {
  if (current === wanted) return true;
  const a = parseHostPort(current, 'listen');
  const b = parseHostPort(wanted, 'listen');
  return b.port === 0 && (a.host === b.host || (b.host === 'localhost' && a.host === '127.0.0.1'));
}

export class ProxyCollection {
  private readonly proxies = new Map<string, ToxicProxy>();

  constructor(
    private readonly log: (line: string) => void,
    private readonly logConnections: boolean,
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
    const input = parseProxyInput(body);
    if (this.proxies.has(input.name)) throw proxyExists();
    return this.add(input);
  }

  /** Creates or replaces proxies; unchanged ones are kept as they are (with their toxics). */
  async populate(body: unknown): Promise<{ proxies: ToxicProxy[]; error: ToxiproxyApiError | null }> {
    if (!Array.isArray(body)) throw badRequest('expected a JSON array of {name, listen, upstream, enabled?}');
    if (body.length > 10_000) throw badRequest('at most 10000 proxies per populate');
    const inputs = body.map((item, i) => parseProxyInput(item, `[${i}].`));
    const done: ToxicProxy[] = [];
    try {
      for (const input of inputs) {
        const existing = this.proxies.get(input.name);
        if (existing && sameListen(existing.listen, input.listen) && existing.upstream === input.upstream) {
          if (existing.enabled !== input.enabled) await existing.update({ enabled: input.enabled });
          done.push(existing);
          continue;
        }
        if (existing) await this.remove(input.name);
        done.push(await this.add(input));
      }
    } catch (error) {
      if (error instanceof ToxiproxyApiError) return { proxies: done, error };
      throw error;
    }
    return { proxies: done, error: null };
  }

  async remove(name: string): Promise<void> {
    const proxy = this.get(name);
    this.proxies.delete(name);
    await proxy.stop();
  }

  /** Enables every proxy and removes every toxic. */
  async reset(): Promise<void> {
    for (const proxy of this.proxies.values()) {
      proxy.removeAllToxics();
      await proxy.start();
    }
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.list().map((p) => p.stop()));
    this.proxies.clear();
  }

  private async add(input: ProxyInput): Promise<ToxicProxy> {
    const proxy = new ToxicProxy(input.name, input.listen, input.upstream, this.log, this.logConnections);
    if (input.enabled) await proxy.start();
    this.proxies.set(input.name, proxy);
    return proxy;
  }
}
