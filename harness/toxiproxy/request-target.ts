/**
 * The path of a request target: origin-form ("/proxies?x") or absolute-form
 * ("http://host/proxies"); anything else, or an absolute URL the URL parser rejects
 * ("http://x:99999/"), is a 400. Trailing slashes are dropped, dot segments resolved.
 */
import { ToxiproxyApiError } from './api-error.js';

const badTarget = (target: string): ToxiproxyApiError =>
  new ToxiproxyApiError(`bad request target: ${JSON.stringify(target.slice(0, 200))}`, 400);

export function requestPath(target: string | undefined): string {
  const raw = target ?? '';
  let url: URL;
  if (raw.startsWith('/')) {
    // Prefixing a fixed origin keeps "//x/y" a path instead of an authority.
    url = new URL(`http://localhost${raw}`);
  } else if (/^https?:\/\//i.test(raw)) {
    try {
      url = new URL(raw);
    } catch {
      throw badTarget(raw);
    }
  } else {
    throw badTarget(raw);
  }
  return url.pathname.replace(/\/+$/, '') || '/';
}
