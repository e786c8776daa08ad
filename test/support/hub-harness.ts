import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Role } from '../../lib/auth/identity.ts';
import { signBearerToken } from '../../lib/auth/jwt.ts';
import type { Clock } from '../../lib/clock.ts';
import type { EventBus } from '../../lib/events/bus.ts';
import { retryingDeadlocks } from '../../lib/db/retry.ts';
import { RedisBus } from '../../lib/events/redis-bus.ts';
import { silentLogger, type Logger } from '../../lib/logger.ts';
import { createAuthenticator, verifiersFor } from '../../gateway/authentication/index.ts';
import { startHub, type Hub, type HubOptions } from '../../gateway/hub.ts';
import { createGateway, type GatewayOptions, type GatewayRuntime } from '../../gateway/server.ts';
import { supergraphSdl } from '../../gateway/supergraph.ts';
import type { GraphQLResponse } from './subgraph-harness.ts';
import { usingPostgres } from './database.ts';
import { discardTestStream } from './redis-streams.ts';

export const testJwtSecret = 'test-jwt-secret';
export const testIdentitySecret = 'test-identity-secret';

export interface HubHarness {
  hub: Hub;
  url: string;
  bus: EventBus;
  token(roles: Role[], workerId?: string | null): Promise<string>;
  /** POSTs to the gateway with a bearer token for `roles` (default ADMIN). */
  query<T = any>(query: string, variables?: Record<string, unknown>, as?: { roles?: readonly Role[]; workerId?: string | null }): Promise<GraphQLResponse<T>>;
  close(): Promise<void>;
}

/**
 * The whole graph in-process, as a client sees it: PGlite in memory (or PostgreSQL under PG_URL, in schemas unique to
 * this run) and the in-process bus (or a fresh Redis stream under REDIS_URL).
 */
export async function startTestHub(
  options: {
    seed?: { scale: number } | false;
    clock?: Clock;
    withRedis?: boolean;
    /** A Redis of the test's own (fault tests), instead of REDIS_URL's; consumers ask again for replays after 1 s. */
    redisUrl?: string;
    subscriptions?: HubOptions['subscriptions'];
    config?: HubOptions['config'];
    /** Where the hub logs (silent by default): a test that asserts what is logged passes a capturing one. */
    logger?: Logger;
  } = {},
): Promise<HubHarness> {
  const suffix = randomBytes(4).toString('hex');
  const redisUrl = options.redisUrl ?? ((options.withRedis ?? true) ? process.env.REDIS_URL : undefined);
  const stream = `psgraph:test:${suffix}`;
  const bus = redisUrl
    ? new RedisBus({ url: redisUrl, stream, consumerName: 'test', replayRetryMs: options.redisUrl ? 1000 : undefined })
    : undefined;
  const hub = await startHub({
    database: usingPostgres ? { kind: 'postgres', url: process.env.PG_URL! } : { kind: 'pglite' },
    schemaFor: usingPostgres ? (name) => `t${suffix}_${name}` : undefined,
    bus,
    jwtSecret: testJwtSecret,
    identitySecret: testIdentitySecret,
    port: 0,
    seed: options.seed ?? false,
    clock: options.clock,
    logger: options.logger ?? silentLogger,
    maskErrors: true,
    subscriptions: options.subscriptions,
    config: options.config,
  });
  const token = (roles: Role[], workerId: string | null = null) => signBearerToken({ workerId, roles }, testJwtSecret);
  return {
    hub,
    url: hub.url,
    bus: hub.bus,
    token,
    async query(query, variables = {}, as = {}) {
      const response = await fetch(hub.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${await token([...(as.roles ?? ['ADMIN'])], as.workerId ?? null)}`,
          'x-correlation-id': randomUUID(),
        },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as GraphQLResponse;
    },
    async close() {
      const schemas = Object.values(hub.subgraphs).map(({ database }) => database);
      try {
        if (usingPostgres) {
          // The hub still runs (its relays and consumers touch these tables), so PostgreSQL may pick the drop as a
          // deadlock victim: run it again, as the application's transactions are.
          for (const database of schemas) {
            await retryingDeadlocks(() => sql`drop schema if exists ${sql.id(database.schema)} cascade`.execute(database.db));
          }
        }
      } finally {
        // Stopped whatever the drop did: a hub left running keeps the test process, and the whole run, from ending.
        await hub.stop();
      }
      // A test's own redis-server goes with its data; the machine's shared one keeps what is not deleted.
      if (redisUrl && !options.redisUrl) await discardTestStream(redisUrl, stream);
    },
  };
}

/**
 * One more gateway instance of the same deployment (not listening yet): over the hub's subgraphs and its Redis stream,
 * with a bus connection of its own, as a second gateway process would have.
 */
export function secondGateway(graph: HubHarness, options: Partial<GatewayOptions> = {}): { gateway: GatewayRuntime; bus: RedisBus } {
  const { stream } = graph.bus as RedisBus;
  const bus = new RedisBus({ url: process.env.REDIS_URL!, stream, consumerName: 'second' });
  return { gateway: gatewayOver(graph, { bus, ...options }), bus };
}

/**
 * Another gateway over the hub's subgraphs (not listening yet), with settings of its own; without a bus unless given
 * one (then no subscriptions). A throw here is the gateway refusing to start with those settings.
 */
export function gatewayOver(graph: HubHarness, options: Partial<GatewayOptions> = {}): GatewayRuntime {
  return createGateway({
    supergraphSdl: supergraphSdl(),
    subgraphUrls: Object.fromEntries(Object.entries(graph.hub.subgraphs).map(([name, entry]) => [name, entry.url])),
    authenticator: createAuthenticator(
      verifiersFor({ jwtSecret: testJwtSecret }, { hcmUrl: graph.hub.subgraphs.hcm.url, identitySecret: testIdentitySecret, logger: silentLogger }),
    ),
    identitySecret: testIdentitySecret,
    logger: silentLogger,
    maskErrors: true,
    ...options,
  });
}
