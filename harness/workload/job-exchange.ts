/**
 * One job's HTTP exchange for both load models: the request (a GET of `job.path`, or a
 * journey step's method, headers and body), the user's cookie jar, and the redirects a
 * journey step follows. A redirect is followed only on the base URL's own origin: traffic
 * never goes anywhere the scenario does not name.
 */
import type { Dispatcher } from 'undici';
import type { Job } from './job-source.js';
import { cookieHeader, storeSetCookies } from './cookie-jar.js';
import { dispatchRequest, dispatchVisit, type Answer } from './undici-dispatch.js';

/** Hops a followed redirect chain may take (browsers allow 20; an app needs one or two). */
export const MAX_REDIRECTS = 5;

/** The path (+query) a Location leads to on `origin`, or null when it leaves it. */
export function sameOriginPath(location: string, currentPath: string, origin: string): string | null {
  let url: URL;
  try {
    url = new URL(location, new URL(currentPath, origin));
  } catch {
    return null;
  }
  return url.origin === new URL(origin).origin ? url.pathname + url.search : null;
}

export function exchange(client: Dispatcher, origin: string, job: Job, jar: Map<string, string>): Promise<Answer> {
  // The plain visit (no journey request): one lean GET, nothing built for redirects or methods.
  return job.request ? exchangeRequest(client, origin, job.path, job.request, jar) : dispatchVisit(client, job.path, jar);
}

/** A journey step's request, its redirects followed when it asks. */
async function exchangeRequest(client: Dispatcher, origin: string, path: string, request: NonNullable<Job['request']>, jar: Map<string, string>): Promise<Answer> {
  let current = { method: request.method, path, ...(request.headers ? { headers: request.headers } : {}), ...(request.body !== undefined ? { body: request.body } : {}) };
  let first: number | null = null;
  for (let hop = 0; ; hop++) {
    const answer = await dispatchRequest(client, current, cookieHeader(jar));
    first ??= answer.sentAt;
    storeSetCookies(jar, answer.setCookie);
    const redirect = answer.status >= 300 && answer.status < 400 && answer.status !== 304 && answer.location !== undefined;
    if (!request.followRedirects || !redirect || hop >= MAX_REDIRECTS) return { ...answer, sentAt: first };
    const next = sameOriginPath(answer.location!, current.path, origin);
    if (next === null) return { ...answer, sentAt: first };
    // 307/308 repeat the method and body; 301/302/303 continue with a GET (as browsers do).
    const keep = answer.status === 307 || answer.status === 308;
    current = keep ? { ...current, path: next } : { method: 'GET', path: next, ...(request.headers ? { headers: stripBodyHeaders(request.headers) } : {}) };
  }
}

function stripBodyHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => !/^content-(type|length)$/i.test(k)));
}
