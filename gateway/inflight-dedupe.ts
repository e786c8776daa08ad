import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { Kind, type DocumentNode } from 'graphql';
import type { GatewayContext } from './context.ts';
import { deadlineOf } from './subgraph-guard.ts';

interface InFlight {
  readonly response: Promise<GatewayGraphQLResponse>;
  /** The first caller's deadline: the call is bounded by it (subgraph-guard.ts). */
  readonly deadline: number | undefined;
  /** Callers waiting on this call, the first included; final once it settles (it leaves the map then). */
  waiters: number;
  /** The answer as JSON, made once it settled when it has more than one waiter: each parses a copy of its own. */
  shared?: string;
}

/** Whether the subgraph operation only reads: a query (mutations run once per client request, always). */
export function isQuery(document: DocumentNode | undefined, query: string | undefined): boolean {
  const operation = document?.definitions.find((definition) => definition.kind === Kind.OPERATION_DEFINITION);
  if (operation) return operation.operation === 'query';
  // No document: the query planner's text, which starts with its operation keyword or a bare selection set.
  return query !== undefined && /^\s*(query\b|\{)/.test(query);
}

/**
 * The merges of one gateway's subgraphs, so that they can be ended from outside a subgraph's own mutation: the
 * analytics lane's worker ends its own when a mutation returns on the main lane (gateway/analytics-lane.ts), and
 * the main lane tells it (`onMutation`).
 */
export class OpenMerges {
  readonly #maps = new Set<Map<string, unknown>>();
  constructor(readonly onMutation: () => void = () => {}) {}
  register(map: Map<string, unknown>): void {
    this.#maps.add(map);
  }
  /** Later queries start calls of their own; calls in flight still answer their waiters. */
  endAll(): void {
    for (const map of this.#maps) map.clear();
  }
}

/**
 * Merges identical subgraph fetches in flight (as Hive Gateway does): a query plan's fetch that finds the same one
 * already on its way to the subgraph waits for that answer instead of sending another. Identical means the same
 * subgraph, document, variables and the caller's identity claims (worker, roles, service, principal: what the
 * subgraph decides visibility by), never only the same document, so no caller ever gets an answer computed for
 * someone else. The signature's timestamp and the correlation id are not part of it: they name the call, not what
 * it answers. Queries only; mutations are sent once per client request. A caller whose deadline comes before the
 * call in flight's sends its own rather than wait past it. Each waiter gets its own copy of the answer (the gateway
 * merges answers into its result in place), and an error reaches every waiter. A mutation through this gateway
 * instance ends every merge open when it returns.
 */
export function inflightDedupe<T extends GraphQLDataSource<GatewayContext>>(subgraph: string, source: T, merges?: OpenMerges): T {
  const inFlight = new Map<string, InFlight>();
  merges?.register(inFlight);
  const process = source.process.bind(source);
  source.process = async (options: GraphQLDataSourceProcessOptions<GatewayContext>) => {
    // Only a client operation's fetches (the gateway's health checks carry no incoming request).
    if (!('incomingRequestContext' in options)) return process(options);
    if (!isQuery(options.document, options.request.query)) {
      // Reads in flight when a mutation returns may have begun before it committed: later queries must not join them
      // (read-your-writes, for the mutating caller and for anyone it tells). They still answer their own waiters.
      return process(options).finally(() => {
        inFlight.clear();
        merges?.onMutation();
      });
    }
    const { query, variables, operationName, extensions } = options.request;
    const identity = options.context.identity ?? null;
    const key = JSON.stringify([subgraph, query, operationName ?? null, variables ?? null, extensions ?? null, identity]);
    const deadline = deadlineOf(options.context);
    let call = inFlight.get(key);
    const joinable = call && (deadline === undefined || (call.deadline !== undefined && call.deadline <= deadline));
    if (!call || !joinable) {
      const started: InFlight = {
        deadline,
        waiters: 0,
        response: process(options).finally(() => {
          if (inFlight.get(key) === started) inFlight.delete(key);
        }),
      };
      // Snapshot the answer before any waiter runs, so what one waiter does to its copy no other sees.
      started.response.then(
        ({ data, errors, extensions: answered }) => {
          if (started.waiters > 1) started.shared = JSON.stringify({ data, errors, extensions: answered });
        },
        () => {},
      );
      if (!call) inFlight.set(key, started);
      call = started;
    }
    call.waiters += 1;
    const response = await call.response;
    if (call.shared === undefined) return response;
    return { ...response, ...(JSON.parse(call.shared) as GatewayGraphQLResponse) };
  };
  return source;
}
