/** Errors of the Toxiproxy HTTP API: answered as `{"error": "...", "status": N}`. */
export class ToxiproxyApiError extends Error {
  readonly code = 'PSL_TOXIPROXY_API';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ToxiproxyApiError';
  }

  toJSON(): { error: string; status: number } {
    return { error: this.message, status: this.status };
  }
}

export const badRequest = (message: string): ToxiproxyApiError =>
  new ToxiproxyApiError(`bad request body: ${message}`, 400);
export const missingField = (field: string): ToxiproxyApiError =>
  new ToxiproxyApiError(`missing required field: ${field}`, 400);
export const proxyNotFound = (): ToxiproxyApiError => new ToxiproxyApiError('proxy not found', 404);
export const proxyExists = (): ToxiproxyApiError => new ToxiproxyApiError('proxy already exists', 409);
export const toxicNotFound = (): ToxiproxyApiError => new ToxiproxyApiError('toxic not found', 404);
export const toxicExists = (): ToxiproxyApiError => new ToxiproxyApiError('toxic already exists', 409);
export const invalidStream = (): ToxiproxyApiError =>
  new ToxiproxyApiError('stream was invalid, can be either upstream or downstream', 400);
