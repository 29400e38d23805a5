/** GET /metrics: Prometheus text, bytes per proxy and direction (Toxiproxy's metric names). */
import type { ToxicProxy } from './proxy.js';

const escape = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export function renderMetrics(proxies: readonly ToxicProxy[]): string {
  const lines: string[] = [];
  const family = (name: string, type: string, help: string, value: (p: ToxicProxy, d: 'upstream' | 'downstream') => number, perDirection = true): void => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const p of proxies) {
      const base = `listener="${escape(p.listen)}",proxy="${escape(p.name)}",upstream="${escape(p.upstream)}"`;
      if (!perDirection) {
        lines.push(`${name}{${base}} ${value(p, 'upstream')}`);
        continue;
      }
      for (const d of ['upstream', 'downstream'] as const) lines.push(`${name}{direction="${d}",${base}} ${value(p, d)}`);
    }
  };
  family('toxiproxy_proxy_received_bytes_total', 'counter', 'Bytes received by the proxy from the sending side.', (p, d) => p.counters[d].received);
  family('toxiproxy_proxy_sent_bytes_total', 'counter', 'Bytes sent by the proxy to the receiving side.', (p, d) => p.counters[d].sent);
  family('toxiproxy_proxy_connections', 'gauge', 'Open client connections.', (p) => p.connectionCount, false);
  return `${lines.join('\n')}\n`;
}
