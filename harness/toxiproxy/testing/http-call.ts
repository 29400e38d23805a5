/**
 * One bounded API call for the toxiproxy tests, with any method token, over a keep-alive
 * agent: resolves with status, headers and body text, rejects when no answer arrives in
 * `timeoutMs`.
 */
import http from 'node:http';

export interface CallResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

export function httpCall(
  agent: http.Agent,
  port: number,
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
  timeoutMs = 5000,
): Promise<CallResult> {
  return new Promise((resolve, reject) => {
    const all = { ...headers, ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }) };
    const req = http.request({ host: '127.0.0.1', port, method, path, agent, headers: all }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.once('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(parts).toString('utf8') });
      });
      res.once('error', fail);
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`${method} ${path}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    function fail(error: Error): void {
      clearTimeout(timer);
      reject(new Error(`${method} ${path}: ${error.message}`));
    }
    req.once('error', fail);
    req.end(body);
  });
}
