/** Minimal per-user cookie jar: enough for PHPSESSID and HAProxy's SRV cookie. */
export function storeSetCookies(jar: Map<string, string>, header: string | string[] | undefined): void {
  if (header === undefined) return;
  for (const line of Array.isArray(header) ? header : [header]) {
    const pair = line.split(';', 1)[0] ?? '';
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const expired = /;\s*max-age=0\b/i.test(line) || value === 'deleted' || value === '';
    if (expired) jar.delete(name);
    else jar.set(name, value);
  }
}

/**
 * A jar that keeps its Cookie header between changes: a user's cookies change on its first
 * answer (and when a session restarts), while every request sends them. Any change through
 * set, delete or clear drops the kept header, so it can never be stale.
 */
export class CookieJar extends Map<string, string> {
  private header: string | null = null;

  override set(name: string, value: string): this {
    this.header = null;
    return super.set(name, value);
  }

  override delete(name: string): boolean {
    this.header = null;
    return super.delete(name);
  }

  override clear(): void {
    this.header = null;
    super.clear();
  }

  /** The Cookie header for these cookies ('' when none). */
  cookieHeader(): string {
    return (this.header ??= joinCookies(this));
  }
}

function joinCookies(jar: Map<string, string>): string {
  let out = '';
  for (const [name, value] of jar) out += (out ? '; ' : '') + name + '=' + value;
  return out;
}

export function cookieHeader(jar: Map<string, string>): string {
  return jar instanceof CookieJar ? jar.cookieHeader() : joinCookies(jar);
}

/** Header lookup that ignores case (HAProxy lowercases response header names). */
export function headerValue(headers: Record<string, string | string[]>, name: string): string | string[] | undefined {
  const direct = headers[name];
  if (direct !== undefined) return direct;
  const lower = name.toLowerCase();
  for (const key of Object.keys(headers)) if (key.toLowerCase() === lower) return headers[key];
  return undefined;
}
