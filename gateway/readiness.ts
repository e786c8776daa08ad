import type { ServerResponse } from 'node:http';
import type { EventBus } from '../lib/events/bus.ts';
import { busStatus } from '../lib/graphql/subgraph-server.ts';
import { sendJson } from '../lib/http/apollo-handler.ts';

/**
 * `/readyz`: 200 while every subgraph answers its health check, else 503. The event bus is reported (the gateway's
 * and each subgraph's) but does not make the gateway unready: with Redis away, reads and writes go on, events wait
 * in the outboxes and flow again when it is back; taking the gateway out of rotation would turn a bus outage into
 * an API outage. Nor do dead letters: each subgraph's count of parked events (null when it did not say) is there for
 * an operator to see and act on (`deadLetters` in the graph), not a reason to stop serving.
 */
export function createReadinessHandler(options: { subgraphUrls: Readonly<Record<string, string>>; bus?: EventBus }) {
  return async (res: ServerResponse) => {
    const checks = await Promise.all(
      Object.entries(options.subgraphUrls).map(async ([name, url]) => {
        try {
          const response = await fetch(new URL('/healthz', url), { signal: AbortSignal.timeout(2000) });
          const body = (await response.json().catch(() => ({}))) as { bus?: string; deadLetters?: number | null };
          const deadLetters = typeof body.deadLetters === 'number' ? body.deadLetters : null;
          const status = response.ok ? 'ok' : `status ${response.status}`;
          return [name, { status, bus: body.bus ?? 'unknown', deadLetters }] as const;
        } catch (error) {
          return [name, { status: `unreachable: ${(error as Error).message}`, bus: 'unknown', deadLetters: null }] as const;
        }
      }),
    );
    const ready = checks.every(([, check]) => check.status === 'ok');
    const bus = options.bus ? busStatus(options.bus) : 'none';
    const degraded = bus !== 'ok' && bus !== 'none';
    sendJson(res, ready ? 200 : 503, {
      status: ready ? (degraded ? 'degraded' : 'ready') : 'not ready',
      bus,
      subgraphs: Object.fromEntries(checks.map(([name, check]) => [name, check.status])),
      subgraphBuses: Object.fromEntries(checks.map(([name, check]) => [name, check.bus])),
      deadLetters: Object.fromEntries(checks.map(([name, check]) => [name, check.deadLetters])),
    });
  };
}
