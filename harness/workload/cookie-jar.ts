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

export function cookieHeader(jar: Map<string, string>): string {
  let out = '';
  for (const [name, value] of jar) out += (out ? '; ' : '') + name + '=' + value;
  return out;
}

/** Header lookup that ignores case (HAProxy lowercases response header names). */
export function headerValue(headers: Record<string, string | string[]>, name: string): string | string[] | undefined {
  const direct = headers[name];
  if (direct !== undefined) return direct;
  const lower = name.toLowerCase();
  for (const key of Object.keys(headers)) if (key.toLowerCase() === lower) return headers[key];
  return undefined;
}
