/**
 * The final read (Jepsen style): after the load, with every fault healed, each user's session
 * is read once (?read=1: no write) through the balancer, so a user's verdict does not depend
 * on whether the load happened to visit it again after a fault.
 */
import { Agent, get } from 'node:http';
import type { UserModel } from './session-checker.js';
import { parseAppAnswer } from './session-checker.js';
import { cookieHeader } from '../workload/cookie-jar.js';

export interface FinalReadSummary {
  users: number;
  withToken: number;
  withoutToken: number;
  failed: number;
  leaks: number;
}

export async function finalReads(users: UserModel[], baseUrl: string, concurrency: number, timeoutMs = 5000): Promise<FinalReadSummary> {
  const summary: FinalReadSummary = { users: 0, withToken: 0, withoutToken: 0, failed: 0, leaks: 0 };
  const targets = users.filter((u) => u.tokenStored);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  let next = 0;
  const worker = async () => {
    for (;;) {
      const user = targets[next++];
      if (!user) return;
      summary.users++;
      try {
        const { status, body } = await httpGet(`${baseUrl}/?user=${user.id}&read=1`, cookieHeader(user.cookies), agent, timeoutMs);
        const answer = status >= 200 && status < 300 ? parseAppAnswer(body) : null;
        if (!answer) {
          summary.failed++;
          continue;
        }
        if (answer.user !== null && answer.user !== user.id) {
          user.leaked = true;
          summary.leaks++;
        }
        user.finalHasToken = answer.variableString === user.token;
        if (user.finalHasToken) summary.withToken++;
        else summary.withoutToken++;
      } catch {
        summary.failed++;
      }
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
