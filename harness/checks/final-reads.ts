/**
 * The final read (Jepsen style): after the load, with every fault healed, each user's session
 * is read (?read=1: no write) through the balancer, so a user's verdict does not depend on
 * whether the load happened to visit it again after a fault. A read that fails (no answer,
 * non-2xx, or a session that could not be started) is tried again a few times; a user whose
 * every attempt failed stays unknown — never judged by its last answer under load.
 */
import { Agent, get } from 'node:http';
import type { UserModel } from './session-checker.js';
import { isLeak, parseAppAnswer } from './session-checker.js';
import { cookieHeader } from '../workload/cookie-jar.js';

export interface FinalReadSummary {
  users: number;
  withToken: number;
  withoutToken: number;
  failed: number;
  leaks: number;
}

export interface FinalReadOptions {
  concurrency: number;
  timeoutMs?: number;
  /** Attempts per user (default 3), `retryDelayMs` apart (default 200). */
  attempts?: number;
  retryDelayMs?: number;
}

export async function finalReads(users: UserModel[], baseUrl: string, options: FinalReadOptions): Promise<FinalReadSummary> {
  const { concurrency, timeoutMs = 5000, attempts = 3, retryDelayMs = 200 } = options;
  const summary: FinalReadSummary = { users: 0, withToken: 0, withoutToken: 0, failed: 0, leaks: 0 };
  const targets = users.filter((u) => u.tokenStored);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  let next = 0;
  const worker = async () => {
    for (;;) {
      const user = targets[next++];
      if (!user) return;
      summary.users++;
      user.finalHasToken = null;
      for (let attempt = 0; attempt < attempts; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, retryDelayMs));
        let answer;
        try {
          const { status, body } = await httpGet(`${baseUrl}/?user=${user.id}&read=1`, cookieHeader(user.cookies), agent, timeoutMs);
          answer = status >= 200 && status < 300 ? parseAppAnswer(body) : null;
        } catch {
          answer = null;
        }
        // Without a started session the answer's empty data says nothing about the store.
        if (!answer || !answer.sessionStarted) continue;
        if (isLeak(user, answer)) {
          user.leaked = true;
          summary.leaks++;
        }
        user.finalHasToken = answer.variableString === user.token;
        break;
      }
      if (user.finalHasToken === null) summary.failed++;
      else if (user.finalHasToken) summary.withToken++;
      else summary.withoutToken++;
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  } finally {
    agent.destroy();
  }
  return summary;
}

function httpGet(url: string, cookie: string, agent: Agent, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = get(url, { agent, headers: { cookie }, timeout: timeoutMs }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', reject);
  });
}
