import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { signIdentity, type Identity } from '../../lib/auth/identity.ts';
import type { Clock } from '../../lib/clock.ts';
import { systemClock } from '../../lib/clock.ts';
import type { SubgraphDatabase } from '../../lib/db/database.ts';
import type { EventBus } from '../../lib/events/bus.ts';
import { InProcessBus } from '../../lib/events/in-process-bus.ts';
import type { SubgraphDependencies, SubgraphModule, SubgraphRuntime } from '../../lib/graphql/subgraph-server.ts';
import { silentLogger } from '../../lib/logger.ts';
import { createTestDatabase } from './database.ts';

export const testIdentitySecret = 'test-identity-secret';
export const admin: Identity = { workerId: null, roles: ['ADMIN'] };

export interface GraphQLResponse<T = any> {
  data?: T;
  errors?: Array<{ message: string; extensions?: { code?: string; [key: string]: unknown } }>;
}

/** The data of a response that must have succeeded (the errors, if any, are the assertion's message). */
export function dataOf(result: GraphQLResponse): any {
  assert.equal(result.errors, undefined, JSON.stringify(result.errors));
  return result.data;
}

export interface SubgraphHarness<DB> {
  url: string;
  database: SubgraphDatabase<DB>;
  runtime: SubgraphRuntime;
  bus: EventBus;
  /** POSTs a GraphQL request to the subgraph, signed as the gateway would sign `identity` (with a fresh correlation id unless given). */
  call<T = any>(query: string, variables?: Record<string, unknown>, identity?: Identity, correlationId?: string): Promise<GraphQLResponse<T>>;
  close(): Promise<void>;
}

/** One subgraph on a real migrated database (PGlite, or PostgreSQL with PG_URL), over HTTP on a free port. */
export async function startSubgraph<DB>(
  module: SubgraphModule<DB>,
  options: {
    bus?: EventBus;
    clock?: Clock;
    /** Builds the subgraph in place of `module.create`, e.g. with test doubles for its collaborators. */
    create?: (deps: SubgraphDependencies<DB>) => SubgraphRuntime;
  } = {},
): Promise<SubgraphHarness<DB>> {
  const testDb = await createTestDatabase();
  const database = await module.openDatabase(testDb.target, testDb.schemaFor(module.name));
  const bus = options.bus ?? new InProcessBus();
  const runtime = (options.create ?? module.create)({
    db: database.db,
    relayDb: database.background,
    outboxDb: database.outbox,
    bus,
    clock: options.clock ?? systemClock,
    logger: silentLogger,
    identitySecret: testIdentitySecret,
    maskErrors: true,
  });
  const url = await runtime.listen(0);
  return {
    url,
    database,
    runtime,
    bus,
    async call(query, variables = {}, identity = admin, correlationId = randomUUID()) {
      const body = JSON.stringify({ query, variables });
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-correlation-id': correlationId,
          ...signIdentity(identity, testIdentitySecret, { method: 'POST', url, body }),
        },
        body,
      });
      return (await response.json()) as GraphQLResponse;
    },
    async close() {
      await runtime.stop();
      await testDb.cleanup([database]);
    },
  };
}
