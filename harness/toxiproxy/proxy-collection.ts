/**
 * The named proxies of one server: create, populate, remove, reset. Bodies are read as
 * Toxiproxy reads them (api.go, proxy_collection.go): decoded into its Proxy struct (name,
 * listen, upstream strings, enabled bool; Logger, an exported field of that struct, takes
 * an object), then "missing required field" for an empty name or upstream, 409 for a name in
 * use, and listen failures are 500 with Go's net text. The upstream is not checked: any
 * string is accepted and a connection that cannot dial it is closed.
 */
import { ToxiproxyApiError, missingField, proxyExists, proxyNotFound } from './api-error.js';
import { fieldsOf, goArray, goBool, goObject, goString, type GoTarget } from './go-decode.js';
import type { JsonNode } from './go-json.js';
import { splitAddress } from './host-port.js';
import { checkListenHost, type ListenPolicy } from './listen-policy.js';
import { populate, type PopulateEntry } from './populate.js';
import { ToxicProxy, type ProxyUpdate } from './proxy.js';
import { checkName } from './proxy-name.js';

type ProxyInput = PopulateEntry;

interface ProxyFields {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean | undefined;
}

const PROXY_FIELDS = ['name', 'listen', 'upstream', 'enabled', 'Logger'] as const;
const POPULATE_ENTRY = 'struct { toxiproxy.Proxy; Enabled *bool "json:\\"enabled\\"" }';

/**
 * Decodes a proxy object into `base` as Go fills Toxiproxy's Proxy; `struct` is the Go struct
 * named in type errors ("Proxy", or "" for populate's anonymous entry struct).
 */
function decodeProxy(node: JsonNode, base: ProxyFields, struct: string, topType: string): ProxyFields {
  const out = { ...base };
  const object = goObject(node, { struct: '', field: '', type: topType });
  for (const { field, value } of object ? fieldsOf(object, PROXY_FIELDS) : []) {
    const target: GoTarget = { struct, field, type: 'string' };
    if (field === 'enabled') out.enabled = goBool(value, { ...target, type: 'bool' }) ?? out.enabled;
    else if (field === 'Logger') goObject(value, { ...target, type: 'zerolog.Logger' }); // decoded, then unused
    else out[field] = goString(value, target) ?? out[field];
  }
  return out;
}

/**
 * A listen address Go could not even resolve is a 500 with Go's text (ResolveTCPAddr in
 * proxy.go's Differs; net.Listen adds "listen tcp: "), when Toxiproxy looks at it at all
 * (`prefix` null: it does not, e.g. a new disabled proxy). A host beyond loopback is this
 * lab's 400 whenever the address can be read, so no later enable or reset can bind it.
 */
function checkListen(listen: string, policy: ListenPolicy, prefix: string | null): void {
  const parsed = splitAddress(listen);
  if (typeof parsed !== 'string') checkListenHost(parsed.host, policy);
  else if (prefix !== null) throw new ToxiproxyApiError(`${prefix}${parsed}`, 500);
}

/** Decodes an update body: the fields not given keep the proxy's values, as in Toxiproxy. */
export function parseProxyUpdate(body: JsonNode, current: ToxicProxy, policy: ListenPolicy): ProxyUpdate {
  const base = { name: current.name, listen: current.listen, upstream: current.upstream, enabled: current.enabled };
  const fields = decodeProxy(body, base, 'Proxy', 'toxiproxy.Proxy');
  checkListen(fields.listen, policy, '');
  return { listen: fields.listen, upstream: fields.upstream, enabled: fields.enabled ?? current.enabled };
}

/** Same listen address, or the same host asking for any port (populate stays idempotent). */
function sameListen(current: string, wanted: string): boolean {
  if (current === wanted) return true;
  const a = splitAddress(current);
  const b = splitAddress(wanted);
  if (typeof a === 'string' || typeof b === 'string') return false;
  const host = (h: string): string => (h === '' || h === 'localhost' ? '127.0.0.1' : h);
  return b.port === 0 && host(a.host) === host(b.host);
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

  async create(body: JsonNode): Promise<ToxicProxy> {
    const fields = decodeProxy(body, { name: '', listen: '', upstream: '', enabled: true }, 'Proxy', 'toxiproxy.Proxy');
    if (fields.name === '') throw missingField('name');
    if (fields.upstream === '') throw missingField('upstream');
    checkName(fields.name, 'name');
    if (this.proxies.has(fields.name)) throw proxyExists();
    const input = this.inputOf(fields);
    checkListen(input.listen, this.policy, input.enabled ? 'listen tcp: ' : null);
    const proxy = this.newProxy(input);
    if (input.enabled) await proxy.start();
    this.proxies.set(input.name, proxy);
    return proxy;
  }

  /**
   * Creates or replaces proxies, all or nothing; unchanged ones are kept (with their toxics).
   * Every entry is checked for a name and an upstream first, as Toxiproxy does.
   */
  async populate(body: JsonNode): Promise<{ proxies: ToxicProxy[]; error: ToxiproxyApiError | null }> {
    const items = goArray(body, { struct: '', field: '', type: `[]${POPULATE_ENTRY}` }) ?? [];
    const empty: ProxyFields = { name: '', listen: '', upstream: '', enabled: undefined };
    const decoded = items.map((item) => decodeProxy(item, empty, '', POPULATE_ENTRY));
    decoded.forEach((fields, i) => {
      if (fields.name === '') throw missingField(`name at proxy ${i + 1}`);
      if (fields.upstream === '') throw missingField(`upstream at proxy ${i + 1}`);
    });
    if (decoded.length > 10_000) throw new ToxiproxyApiError('bad request body: at most 10000 proxies per populate', 400);
    const inputs = decoded.map((fields) => {
      checkName(fields.name, 'name');
      const input = this.inputOf(fields);
      const existing = this.proxies.get(input.name);
      // Toxiproxy resolves the address to compare it with an existing proxy, else when it listens.
      checkListen(input.listen, this.policy, existing ? '' : input.enabled ? 'listen tcp: ' : null);
      return input;
    });
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

  /** An empty listen is this lab's loopback default (Toxiproxy would listen on every interface). */
  private inputOf(fields: ProxyFields): ProxyInput {
    return { name: fields.name, listen: fields.listen || '127.0.0.1:0', upstream: fields.upstream, enabled: fields.enabled ?? true };
  }

  private newProxy(input: ProxyInput): ToxicProxy {
    return new ToxicProxy(input.name, input.listen, input.upstream, this.log, this.logConnections);
  }
}
