/**
 * Proxy and toxic names: they are path segments of the API (/proxies/{name}), so a name
 * the URL cannot carry is refused: "." and ".." (removed as dot segments), anything with
 * "/" and the empty name. Lone surrogates were already replaced by U+FFFD when the body
 * was parsed (read-body.ts), so every name left can be percent-encoded and addressed.
 */
import { ToxiproxyApiError, badRequest } from './api-error.js';

export const MAX_NAME_LENGTH = 200;

/** Returns why `name` cannot be an API path segment, or null when it can. */
export function unusableNameReason(name: string): string | null {
  if (name === '') return 'is empty';
  if (name === '.' || name === '..') return 'is a dot segment that URLs remove';
  if (name.includes('/')) return 'contains "/"';
  if (name.length > MAX_NAME_LENGTH) return `is longer than ${MAX_NAME_LENGTH} characters`;
  return null;
}

/** Validates a name given in a body (`label` e.g. "name" or "[2].name"). */
export function checkName(name: unknown, label: string): string {
  if (typeof name !== 'string') throw badRequest(`${label} must be a string`);
  const reason = unusableNameReason(name);
  if (reason) {
    throw new ToxiproxyApiError(`bad request body: ${label} ${JSON.stringify(name)} ${reason}: it must be usable as a URL path segment`, 400);
  }
  return name;
}
