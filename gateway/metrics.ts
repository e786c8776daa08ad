import type { GraphQLDataSource } from '@apollo/gateway';
import type { ApolloServerPlugin } from '@apollo/server';
import { Counter, Gauge, Histogram } from 'prom-client';
import { metricsRegistry } from '../lib/metrics/registry.ts';
import type { GatewayContext } from './context.ts';
import type { LiveFeed } from './subscriptions/feed.ts';
import type { ConnectionLimiter } from './subscriptions/connections.ts';

/**
 * The gateway's request metrics. Module-level: one registry per process, and a second gateway in the same process
 * (tests) counts into the same series.
 */
const requests = new Counter({
  name: 'psgraph_graphql_requests_total',
  help: 'GraphQL operations answered by the gateway, by operation name and status (ok or error)',
  labelNames: ['operation', 'status'],
  registers: [metricsRegistry],
});
const errors = new Counter({
  name: 'psgraph_graphql_errors_total',
  help: 'GraphQL errors returned to clients, by extensions.code',
  labelNames: ['code'],
  registers: [metricsRegistry],
});
const duration = new Histogram({
  name: 'psgraph_graphql_request_duration_seconds',
  help: 'Time from the request reaching Apollo Server to its response, by operation name',
  labelNames: ['operation'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metricsRegistry],
});
const subgraphFetches = new Counter({
  name: 'psgraph_subgraph_fetches_total',
  help: 'Fetches the query plans made to each subgraph, by status (ok or error)',
  labelNames: ['subgraph', 'status'],
  registers: [metricsRegistry],
});
const subgraphDuration = new Histogram({
  name: 'psgraph_subgraph_fetch_duration_seconds',
  help: 'Duration of the fetches to each subgraph',
  labelNames: ['subgraph'],
  buckets: [0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [metricsRegistry],
});

/** The live-field sources of this process's gateways, read on scrape. */
const liveSources = new Set<{ feed: LiveFeed; connections: ConnectionLimiter }>();
new Gauge({
  name: 'psgraph_live_subscriptions',
  help: 'Live subscriptions (graphql-ws and SSE) open on the gateway',
  registers: [metricsRegistry],
  collect() {
    this.set([...liveSources].reduce((sum, source) => sum + source.feed.subscriberCount, 0));
  },
});
new Gauge({
  name: 'psgraph_live_connections',
  help: 'Live connections (graphql-ws sockets and SSE streams) open on the gateway',
  registers: [metricsRegistry],
  collect() {
    this.set([...liveSources].reduce((sum, source) => sum + source.connections.total, 0));
  },
});

/** Reports a gateway's live subscriptions and connections until the returned function is called (its stop). */
export function measureLive(feed: LiveFeed, connections: ConnectionLimiter): () => void {
  const source = { feed, connections };
  liveSources.add(source);
  return () => void liveSources.delete(source);
}

/** Past this many distinct operation names, new ones count as `other`: a client cannot grow the series unbounded. */
export const MAX_OPERATION_NAMES = 200;
const operationNames = new Set<string>();

export function operationLabel(name: string | null | undefined): string {
  if (!name) return 'anonymous';
  if (operationNames.has(name)) return name;
  if (operationNames.size >= MAX_OPERATION_NAMES) return 'other';
  operationNames.add(name);
  return name;
}

/** Counts and times every operation, and its errors by code, as the client got them (after formatError). */
export function metricsPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse({ response, request, operationName }) {
          const operation = operationLabel(operationName ?? request.operationName);
          const body = response.body;
          const sent = body.kind === 'single' ? body.singleResult.errors : body.initialResult.errors;
          requests.labels(operation, sent?.length ? 'error' : 'ok').inc();
          duration.labels(operation).observe((performance.now() - started) / 1000);
          for (const error of sent ?? []) errors.labels(String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR')).inc();
        },
      };
    },
  };
}

/** The data source of `subgraph`, counting and timing each fetch of the query plans. */
export function measuredDataSource<T extends GraphQLDataSource<GatewayContext>>(subgraph: string, source: T): T {
  const process = source.process.bind(source);
  source.process = async (options) => {
    const stopTimer = subgraphDuration.labels(subgraph).startTimer();
    let status = 'error';
    try {
      const response = await process(options);
      if (!response.errors?.length) status = 'ok';
      return response;
    } finally {
      stopTimer();
      subgraphFetches.labels(subgraph, status).inc();
    }
  };
  return source;
}
