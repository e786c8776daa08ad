import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { Kind, parse, type DocumentNode } from 'graphql';
import { LRUCache } from 'lru-cache';
import type { Identity } from '../../lib/auth/identity.ts';
import type { GatewayContext } from '../context.ts';
import { isQuery } from '../inflight-dedupe.ts';
import type { EntityCache } from './entity-cache.ts';

/**
 * Root fields whose answers change without a domain event and outside any mutation: written in the background by a
 * schedule or a worker (an API key's `lastUsedAt` as it is used, webhook deliveries as they are attempted, a
 * webhook endpoint disabled after failures, reconciliation runs). Never kept.
 */
const uncachedRootFields: ReadonlySet<string> = new Set([
  'apiKeys',
  'webhookEndpoints',
  'webhookEndpoint',
  'webhookDeliveries',
  'reconciliationRuns',
  'reconciliationRun',
]);

/** Entities of those kinds, when a query plan fetches them by reference. */
const uncachedTypes: ReadonlySet<string> = new Set(['ReconciliationRun', 'ApiKey', 'WebhookEndpoint', 'WebhookDelivery']);

/** The root fields of the query planner's documents, by text (a plan's documents are few and repeat). */
const rootFieldsByQuery = new LRUCache<string, readonly string[]>({ max: 2_000 });

function rootFieldsOf(document: DocumentNode | undefined, query: string): readonly string[] {
  const known = rootFieldsByQuery.get(query);
  if (known) return known;
  const operation = (document ?? parse(query)).definitions.find((definition) => definition.kind === Kind.OPERATION_DEFINITION);
  const fields = operation?.selectionSet.selections.flatMap((selection) => (selection.kind === Kind.FIELD ? [selection.name.value] : ['…'])) ?? ['…'];
  rootFieldsByQuery.set(query, fields);
  return fields;
}

/** Whether the fetch's answer may be kept: not a background-written field, nor a fragment we do not read. */
function cacheable(document: DocumentNode | undefined, query: string, variables: Record<string, unknown> | undefined): boolean {
  const fields = rootFieldsOf(document, query);
  if (fields.some((field) => field === '…' || uncachedRootFields.has(field))) return false;
  if (!fields.includes('_entities')) return true;
  const representations = variables?.representations;
  return Array.isArray(representations) && representations.every((representation) => !uncachedTypes.has(representation?.__typename));
}

const dayMs = 86_400_000;
/**
 * How close to midnight (UTC) an answer is not kept: a subgraph whose clock is apart from the gateway's answers for
 * the other day, and would be kept under this day's key. A subgraph refuses identities signed by a clock more than a
 * minute and a half from its own (IDENTITY_VALIDITY_SECONDS and the skew, by default), so a working one is closer.
 */
const midnightMarginMs = 120_000;
const nearMidnight = (ms: number) => ms % dayMs < midnightMarginMs || ms % dayMs > dayMs - midnightMarginMs;

/**
 * What the subgraph decides visibility by: the worker, the roles, the credential's principal. One scope's answers
 * are never served to another, even where the two would be the same.
 */
const scopeOf = (identity: Identity) => [identity.workerId, [...identity.roles].sort(), identity.principal ?? null];

/**
 * Answers a client's subgraph queries (`_entities` by reference and root fields alike) from the entity cache, per
 * visibility scope and UTC date (answers that depend on today, such as a delegation's `active` or a KPI's default
 * `asOf`, change at midnight with no event; none is kept in the two minutes either side of it), and keeps what the
 * subgraph answers without errors. Not cached: mutations (each ends with everything dropped: `onMutation`,
 * read-your-writes), calls by a service (a subgraph reading the graph while it handles an event must see that event's
 * effects, which the cache may not have heard of yet), reads flagged `fresh` (the live feed's), the gateway's own
 * health checks, and `uncachedRootFields`. Each caller gets its own copy of an answer (the gateway merges answers into
 * its result in place).
 */
export function entityCached<T extends GraphQLDataSource<GatewayContext>>(
  subgraph: string,
  source: T,
  cache: EntityCache,
  onMutation: () => void,
): T {
  const process = source.process.bind(source);
  source.process = async (options: GraphQLDataSourceProcessOptions<GatewayContext>) => {
    if (!('incomingRequestContext' in options)) return process(options);
    const { query = '', variables, operationName } = options.request;
    if (!isQuery(options.document, query)) return process(options).finally(onMutation);
    const { identity, fresh } = options.context;
    if (fresh || !identity || identity.service || !cacheable(options.document, query, variables)) return process(options);
    const startedAt = Date.now();
    const today = new Date(startedAt).toISOString().slice(0, 10);
    const key = JSON.stringify([subgraph, today, scopeOf(identity), query, operationName ?? null, variables ?? null]);
    const kept = cache.lookup(subgraph, key);
    if (kept !== undefined) return JSON.parse(kept) as GatewayGraphQLResponse;
    const generation = cache.generation;
    const response = await process(options);
    if (response.data && !response.errors?.length && !nearMidnight(startedAt) && !nearMidnight(Date.now())) {
      cache.store(key, generation, JSON.stringify({ data: response.data, extensions: response.extensions }));
    }
    return response;
  };
  return source;
}
