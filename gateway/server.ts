import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer, type GraphQLResponse } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { OutboundPolicy } from '../lib/http/outbound.ts';
import { CORRELATION_HEADER, IDENTITY_HEADER, type Identity, type Role, type SignedIdentityPolicy } from '../lib/auth/identity.ts';
import { DomainError, errorCodes, formatGraphQLError } from '../lib/errors.ts';
import type { EventBus, Subscription } from '../lib/events/bus.ts';
import { RedisBus } from '../lib/events/redis-bus.ts';
import {
  declaresBodyOver,
  PayloadTooLargeError,
  runApolloRequest,
  sendJson,
  sendPayloadTooLarge,
} from '../lib/http/apollo-handler.ts';
import { readSignedRequest } from '../lib/http/signed-request.ts';
import type { Logger } from '../lib/logger.ts';
import { bearerCredential, type Authenticator } from './authentication/index.ts';
import type { GatewayContext } from './context.ts';
import { createCorsLayer, createOriginCheck } from './cors.ts';
import { createGraphiql, type GraphiqlOptions } from './graphiql.ts';
import { errorLogPlugin } from '../lib/graphql/error-log.ts';
import { ExportError, payrollCsv, sendExportError } from './payroll-export.ts';
import { streamTimeEntries } from './time-entry-export.ts';
import { subgraphExports } from './subgraph-exports.ts';
import { billingEventExport } from './billing-export.ts';
import { exportFormatOf, streamExport, type ExportFormat } from './export-stream.ts';
import { invoiceExport } from './invoice-export.ts';
import { revenueExport } from './revenue-export.ts';
import { auditExport } from './audit-export.ts';
import { auditTrailField } from './operations/audit-trail.ts';
import { deadLetterFields } from './operations/dead-letters.ts';
import { importFields, type ExecuteAsCaller } from './operations/import.ts';
import { OperationsGateway } from './operations/schema.ts';
import { createReadinessHandler } from './readiness.ts';
import { serviceAvailabilityPlugin } from './service-availability.ts';
import { SignedDataSource } from './signed-data-source.ts';
import { inflightDedupe, OpenMerges } from './inflight-dedupe.ts';
import { AnalyticsClassifier, AnalyticsLane, laneGatewayOptionsOf, type AnalyticsLaneSettings } from './analytics-lane.ts';
import { createEntityCache, type EntityCache, type EntityCacheSettings } from './entity-cache/index.ts';
import { deadlinePlugin, type TimeLimits } from './subgraph-guard.ts';
import { DemandControl, type QueryLimits } from './demand-control/index.ts';
import { csrfPrevention, graphqlOverHttpPlugin } from './graphql-over-http.ts';
import { incrementalDeliveryRefused } from './incremental-delivery.ts';
import { introspectionPlugin } from './introspection.ts';
import { createMetricsHandler, METRICS_PATH, type MetricsSettings } from '../lib/metrics/registry.ts';
import { measuredDataSource, measureLive, metricsPlugin } from './metrics.ts';
import { RateLimit, type RateLimits } from './rate-limit.ts';
import { ConnectionLimiter } from './subscriptions/connections.ts';
import { LiveFeed } from './subscriptions/feed.ts';
import { SubscribingGateway } from './subscriptions/schema.ts';
import { createLiveSseHandler } from './subscriptions/sse.ts';
import { attachLiveServer } from './subscriptions/ws-server.ts';
import { TrustedDocuments } from './trusted-documents.ts';

export interface GatewayOptions {
  /** The composed supergraph (schema/supergraph.graphql): never composed at start-up. */
  readonly supergraphSdl: string;
  /** Where each subgraph listens, by name. */
  readonly subgraphUrls: Readonly<Record<string, string>>;
  /**
   * Turns a client's bearer credential into its identity, the same for every route and transport
   * (gateway/authentication: the gateway's HS256 tokens, the identity provider's, API keys).
   */
  readonly authenticator: Authenticator;
  /** HMAC secret for the identity forwarded to subgraphs. */
  readonly identitySecret: string;
  readonly logger: Logger;
  readonly maskErrors: boolean;
  /**
   * The HTTP edge: the largest request body read (default 2 MiB; larger is a 413) and the browser origins allowed, for
   * CORS and the WebSocket upgrade (default none: same-origin and non-browser clients only).
   */
  readonly http?: { readonly maxBodyBytes?: number; readonly corsOrigins?: readonly string[] };
  /** How long a subgraph's signed service identity is accepted (IDENTITY_VALIDITY_SECONDS); default 60 s, 30 s skew. */
  readonly signedIdentity?: SignedIdentityPolicy;
  /** Limits on what one client operation may ask (gateway/demand-control/limits.ts); unset ones keep the defaults. */
  readonly queryLimits?: Partial<QueryLimits>;
  /** Cost points per identity and minute, failed authentications per IP (gateway/rate-limit.ts); in Redis with a Redis bus. */
  readonly rateLimits?: Partial<RateLimits>;
  /** The request deadline, the subgraph call timeout and the subgraphs' circuit breakers (gateway/subgraph-guard.ts). */
  readonly timeLimits?: TimeLimits;
  /** Which hosts an ADMIN's import URL may name (lib/http/outbound.ts); default: any. */
  readonly outbound?: OutboundPolicy;
  /** Who may introspect (gateway/introspection.ts): these roles, or `*` for every caller (the default). */
  readonly introspection?: { readonly roles?: readonly Role[] | '*' };
  /**
   * Trusted documents (gateway/trusted-documents.ts): with a manifest, clients run only its operations, unless they
   * have one of the arbitrary roles (default ADMIN). Without, any document, as before.
   */
  readonly trustedDocuments?: { readonly manifestPath?: string; readonly arbitraryRoles?: readonly Role[] };
  /** `/metrics` (gateway/metrics.ts): on by default; METRICS_TOKEN-protected when a token is given. */
  readonly metrics?: MetricsSettings;
  /** The browser IDE at GET /graphql (gateway/graphiql.ts): on unless `enabled: false` (GRAPHIQL_ENABLED=false). */
  readonly graphiql?: GraphiqlOptions;
  /** Merge identical subgraph calls in flight (gateway/inflight-dedupe.ts); default true (SUBGRAPH_DEDUPE). */
  readonly subgraphDedupe?: boolean;
  /**
   * The entity cache (gateway/entity-cache/): subgraph answers kept per visibility scope and dropped by domain events
   * and mutations; off unless `enabled` (ENTITY_CACHE). Needs `bus`.
   */
  readonly entityCache?: EntityCacheSettings;
  /**
   * The analytics lane (gateway/analytics-lane.ts): costly queries run in a second instance of this gateway in a
   * worker thread, off the event loop that serves every other request. Off unless `enabled` (ANALYTICS_LANE); off
   * with the entity cache, which the worker could not share.
   */
  readonly analyticsLane?: AnalyticsLaneSettings;
  /** The domain events' bus: with it, the live fields (Subscription) are served over graphql-ws on /graphql. */
  readonly bus?: EventBus;
  readonly subscriptions?: {
    /** The bus consumer group of this gateway instance (each instance serves its own subscribers). */
    readonly group?: string;
    readonly maxPerConnection?: number;
    /** Live connections (graphql-ws sockets and SSE streams together) one identity may hold on this instance. Default 10. */
    readonly maxConnectionsPerIdentity?: number;
    readonly batchWindowMs?: number;
    readonly keepAliveMs?: number;
    /** Results one subscriber may leave unread before its subscription ends with SLOW_CONSUMER. */
    readonly maxQueued?: number;
    /** Events kept for subscribers resuming with `after` (count and age); an older cursor gets CURSOR_EXPIRED. */
    readonly replayEvents?: number;
    readonly replayMs?: number;
    /** Batches of events resolved at the same time, at most (gateway/subscriptions/feed.ts). */
    readonly concurrentBatches?: number;
  };
}

/** What the analytics lane's worker builds its gateway with besides the options (gateway/analytics-lane-worker.ts). */
export interface LaneHooks {
  /** Spends the main thread's rate-limit buckets: one budget per caller, whichever lane serves it. */
  readonly spendRateLimit: RateLimit['refuse'];
  /** Its in-flight merges, ended when a mutation returns on the main lane. */
  readonly merges: OpenMerges;
}

export interface GatewayRuntime {
  readonly httpServer: Server;
  readonly apollo: ApolloServer<GatewayContext>;
  /** The live fields' fan-out, when the gateway has a bus. */
  readonly live: LiveFeed | null;
  /** Live connections per identity (graphql-ws and SSE), when the gateway has a bus. */
  readonly liveConnections: ConnectionLimiter | null;
  /** The query limits every client operation is checked against (demand-control/). */
  readonly demandControl: DemandControl;
  /** The entity cache, when it is on (its counts: tests, the log). */
  readonly entityCache: EntityCache | null;
  /** The analytics lane, when it is on. */
  readonly analyticsLane: AnalyticsLane | null;
  listen(port: number, host?: string): Promise<string>;
  stop(): Promise<void>;
}

const bearerOf = (req: IncomingMessage) => bearerCredential(req.headers.authorization);

/** A refused credential: the DomainError's code and status (401, 403, or 503 when the identity provider is away). */
const credentialRefusal = (error: unknown) => {
  const [code, message, details] =
    error instanceof DomainError ? [error.code, error.message, error.details] : (['UNAUTHENTICATED', 'invalid token', {}] as const);
  return { status: errorCodes[code] ?? 401, code, message, details };
};

/** The one graph: Apollo Gateway over the five subgraphs, on `node:http`, with health, readiness and identity. */
export function createGateway(options: GatewayOptions, inLane?: LaneHooks): GatewayRuntime {
  const { logger } = options;
  // @apollo/gateway otherwise sends usage metrics to Apollo (and probes cloud metadata endpoints to label them).
  // A firm's time and billing graph does not phone home; this variable is the gateway's only switch.
  process.env.APOLLO_TELEMETRY_DISABLED ??= 'true';
  const liveGroup = options.subscriptions?.group ?? 'gateway.live';
  if (options.entityCache?.enabled && !options.bus) throw new Error('the entity cache (ENTITY_CACHE) needs the event bus to stay exact');
  const entityCache = options.entityCache?.enabled && options.bus
    ? createEntityCache({ settings: options.entityCache, bus: options.bus, group: `${liveGroup}.entity-cache`, logger })
    : null;
  let lane: AnalyticsLane | null = null;
  const merges = inLane?.merges ?? new OpenMerges(() => lane?.mutated());
  const graph = new SubscribingGateway(new ApolloGateway({
    supergraphSdl: options.supergraphSdl,
    // The supergraph is composition's output, validated when composed (`npm run compose`; a test checks the committed
    // file is that output). Apollo validates it again at every start unless NODE_ENV=production: ≈ 0.2 s of CPU
    // (docs/benchmarks.md "Start-up"), for a check that cannot fail here.
    validateSupergraph: false,
    buildService: ({ name }) => {
      const url = options.subgraphUrls[name];
      if (!url) throw new Error(`no URL configured for subgraph ${name} (set ${name.toUpperCase()}_URL)`);
      const { identitySecret, timeLimits } = options;
      const source = measuredDataSource(name, new SignedDataSource({ url, identitySecret, name, timeLimits, logger }));
      // Outside the metrics: merged fetches are not counted as fetches, since they never reach the subgraph.
      const merged = options.subgraphDedupe === false ? source : inflightDedupe(name, source, merges);
      // Outside the merging: an answer from the cache needs no fetch to join.
      return entityCache ? entityCache.wrap(name, merged) : merged;
    },
  }));
  const { subgraphUrls, identitySecret } = options;
  const gateway = new OperationsGateway(graph, {
    ...deadLetterFields({ subgraphUrls, identitySecret }),
    ...auditTrailField({ subgraphUrls, identitySecret }),
    ...importFields({
      outbound: options.outbound,
      // The importer's reads and writes, as the caller: `apollo` is built below, before any request arrives.
      async execute(query, variables, { identity, correlationId }): ReturnType<ExecuteAsCaller> {
        const response: GraphQLResponse = await apollo.executeOperation({ query, variables }, { contextValue: { identity, correlationId } });
        if (response.body.kind !== 'single') throw new Error('unexpected incremental response');
        return response.body.singleResult;
      },
    }),
  });
  const demand = new DemandControl({ supergraphSdl: options.supergraphSdl, limits: options.queryLimits });
  // One deployment shares one event stream, so its name scopes the buckets every instance draws from.
  const redisBus = options.bus instanceof RedisBus ? options.bus : undefined;
  const rateLimit = new RateLimit({ limits: options.rateLimits, redis: redisBus?.client, keyPrefix: redisBus?.stream });
  // A manifest that cannot be read or does not check out stops the gateway here, before it listens.
  const { manifestPath, arbitraryRoles } = options.trustedDocuments ?? {};
  const trustedDocuments = manifestPath ? TrustedDocuments.load({ manifestPath, arbitraryRoles }) : null;
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    formatError: (formatted, error) => formatGraphQLError(formatted, error, { maskUnexpected: options.maskErrors }),
    includeStacktraceInErrorResponses: !options.maskErrors,
    // Per caller rather than by NODE_ENV for all: introspectionPlugin decides.
    introspection: true,
    // The process owns shutdown (gateway/main.ts: stop, close the bus, exit 0). Apollo's own SIGTERM handler would
    // re-raise the signal once Apollo alone had stopped, killing the process before the bus and tracing are closed.
    stopOnTerminationSignals: false,
    validationRules: [incrementalDeliveryRefused],
    csrfPrevention,
    persistedQueries: trustedDocuments?.persistedQueries(),
    plugins: [
      // The IDE is gateway/graphiql.ts. Apollo's own landing page loads from Apollo's CDN, and would answer a browser's
      // GraphQL-over-HTTP GET (`?query=`, text/html first in Accept) with HTML instead of the result.
      ApolloServerPluginLandingPageDisabled(),
      metricsPlugin(),
      errorLogPlugin(logger),
      serviceAvailabilityPlugin(),
      graphqlOverHttpPlugin(),
      // Before demand control: a document the caller may not send is refused as such, whatever it would cost.
      ...(trustedDocuments ? [trustedDocuments.plugin()] : []),
      introspectionPlugin(options.introspection?.roles ?? '*'),
      demand.plugin(),
      // After demand control: its estimate of the operation is what the request spends.
      rateLimit.plugin((context) => demand.costOf(context), inLane?.spendRateLimit),
      deadlinePlugin(options.timeLimits?.requestMs),
      ...(entityCache ? [entityCache.plugin()] : []),
    ],
  });

  if (options.analyticsLane?.enabled && !inLane) {
    if (entityCache) logger.warn('the analytics lane (ANALYTICS_LANE) is off: the entity cache (ENTITY_CACHE) cannot be shared with it');
    else {
      lane = new AnalyticsLane({
        gateway: laneGatewayOptionsOf(options),
        logger,
        async spendRateLimit(identity, address, cost) {
          const refused = await rateLimit.refuse(identity, address, cost);
          return refused && { message: refused.message, retryAfterSeconds: Number(refused.extensions.retryAfterSeconds) };
        },
      });
    }
  }
  const analytics = lane && new AnalyticsClassifier(demand, () => gateway.schema, trustedDocuments, options.analyticsLane?.minCost);

  const metrics = createMetricsHandler(options.metrics, lane ? () => lane!.metrics() : undefined);
  const readiness = createReadinessHandler({ subgraphUrls: options.subgraphUrls, bus: options.bus });
  const maxBodyBytes = options.http?.maxBodyBytes ?? 2 * 1024 * 1024;
  const cors = createCorsLayer({ origins: options.http?.corsOrigins ?? [] });
  const ide = createGraphiql({ ...options.graphiql, subscriptions: options.bus !== undefined, logger });
  const verifyToken = async (token: string) => (await options.authenticator.authenticate(token)).identity;

  /**
   * A subgraph calling the graph as itself: the identity the gateway signs for subgraphs, with a service name, signed
   * for this request (read here, to check its body).
   */
  async function serviceCall(req: IncomingMessage) {
    const { identitySecret, signedIdentity: policy } = options;
    const signed = await readSignedRequest(req, { identitySecret, policy, maxBodyBytes });
    if (!signed.identity.service) throw new DomainError('UNAUTHENTICATED', 'only services may call the gateway without a bearer token');
    return signed;
  }

  /** A request without a valid token counts against its address: past the limit, a 429 instead of the 401. */
  async function refusedUnauthenticated(res: ServerResponse, address: string, correlationId: string) {
    const refused = await rateLimit.refuseUnauthenticated(address);
    if (!refused) return false;
    const { message, extensions } = refused;
    const { code, retryAfterSeconds } = extensions;
    sendJson(res, 429, { errors: [{ message, extensions: { code, retryAfterSeconds } }] }, {
      [CORRELATION_HEADER]: correlationId,
      'retry-after': String(retryAfterSeconds),
    });
    return true;
  }

  async function graphql(req: IncomingMessage, res: ServerResponse) {
    const correlationId = (req.headers[CORRELATION_HEADER] as string | undefined)?.slice(0, 100) || randomUUID();
    const started = performance.now();
    const token = bearerOf(req);
    const signedByService = !token && req.headers[IDENTITY_HEADER] !== undefined;
    const clientAddress = rateLimit.clientAddress(req);
    if (!token && !signedByService) {
      if (await refusedUnauthenticated(res, clientAddress, correlationId)) return;
      sendJson(res, 401, { errors: [{ message: 'a bearer token is required', extensions: { code: 'UNAUTHENTICATED' } }] }, {
        [CORRELATION_HEADER]: correlationId,
        'www-authenticate': 'Bearer',
      });
      return;
    }
    let context: GatewayContext;
    let body: Buffer | undefined;
    try {
      let identity: Identity;
      if (token) identity = await verifyToken(token);
      else ({ identity, body } = await serviceCall(req));
      context = { identity, correlationId, clientAddress };
    } catch (error) {
      if (error instanceof PayloadTooLargeError) return sendPayloadTooLarge(res, error.limit, { [CORRELATION_HEADER]: correlationId });
      const { status, code, message, details } = credentialRefusal(error);
      // An identity provider out of reach is no client's fault: it does not count against the address.
      if (code !== 'SERVICE_UNAVAILABLE' && (await refusedUnauthenticated(res, clientAddress, correlationId))) return;
      const challenge: Record<string, string> = status === 401 ? { 'www-authenticate': 'Bearer' } : {};
      sendJson(res, status, { errors: [{ message, extensions: { ...details, code } }] }, { [CORRELATION_HEADER]: correlationId, ...challenge });
      return;
    }
    await runApolloRequest(apollo, req, res, async () => context, { [CORRELATION_HEADER]: correlationId }, {
      maxBodyBytes,
      screen: (query) => demand.screen(query, context.identity),
      body,
      execute: lane
        ? (httpGraphQLRequest, contextOf) => {
            const mainLane = () => apollo.executeHTTPGraphQLRequest({ httpGraphQLRequest, context: contextOf });
            return analytics!.isAnalytics(httpGraphQLRequest, context.identity) ? lane!.execute(httpGraphQLRequest, contextOf, mainLane) : mainLane();
          }
        : undefined,
    });
    logger.info('graphql request', {
      correlationId,
      workerId: context.identity.workerId,
      status: res.statusCode,
      durationMs: Math.round(performance.now() - started),
    });
  }

  /** A CSV export: bearer token only (the same tokens as /graphql), then the export's own graph queries as the caller. */
  async function payrollExport(req: IncomingMessage, res: ServerResponse) {
    const correlationId = (req.headers[CORRELATION_HEADER] as string | undefined)?.slice(0, 100) || randomUUID();
    try {
      if (req.method !== 'GET') throw new ExportError('BAD_USER_INPUT', 'use GET');
      const token = bearerOf(req);
      if (!token) throw new ExportError('UNAUTHENTICATED', 'a bearer token is required');
      let context: GatewayContext;
      try {
        context = { identity: await verifyToken(token), correlationId };
      } catch (error) {
        const { code, message } = credentialRefusal(error);
        throw new ExportError(code, message);
      }
      const csv = await payrollCsv(apollo, context, new URL(req.url ?? '/', 'http://localhost').searchParams);
      res.writeHead(200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="${csv.filename}"`,
        [CORRELATION_HEADER]: correlationId,
      });
      res.end(csv.body);
      logger.info('payroll export', { correlationId, workerId: context.identity.workerId, bytes: Buffer.byteLength(csv.body) });
    } catch (error) {
      if (!(error instanceof ExportError)) throw error;
      sendExportError(res, error, correlationId);
    }
  }

  /**
   * The streamed exports (export-stream.ts): the same bearer check, then rows streamed as the pages arrive. Each is
   * `/exports/<name>.csv`, `.jsonl`, or `/exports/<name>` with `?format=` or `Accept` (application/x-ndjson).
   */
  const exportsFromSubgraphs = subgraphExports({ subgraphUrls, identitySecret });
  const streamedExports: Record<string, (context: GatewayContext, search: URLSearchParams, format: ExportFormat, res: ServerResponse) => Promise<{ rows: number }>> = {
    'time-entries': (context, search, format, res) => streamTimeEntries(exportsFromSubgraphs, context, search, format, res),
    'billing-events': (context, search, format, res) => streamExport(billingEventExport(apollo, context, search), format, res),
    invoices: (context, search, format, res) => streamExport(invoiceExport(apollo, context, search), format, res),
    revenue: (context, search, format, res) => streamExport(revenueExport(apollo, context, search), format, res),
    audit: (context, search, format, res) => streamExport(auditExport(apollo, context, search), format, res),
  };
  const streamedExportOf = (path: string) => /^\/exports\/([a-z-]+)(\.csv|\.jsonl)?$/.exec(path)?.[1];

  async function streamedExport(req: IncomingMessage, res: ServerResponse, path: string) {
    const name = streamedExportOf(path)!;
    const correlationId = (req.headers[CORRELATION_HEADER] as string | undefined)?.slice(0, 100) || randomUUID();
    const started = performance.now();
    let context: GatewayContext | undefined;
    try {
      if (req.method !== 'GET') throw new ExportError('BAD_USER_INPUT', 'use GET');
      const token = bearerOf(req);
      if (!token) throw new ExportError('UNAUTHENTICATED', 'a bearer token is required');
      try {
        context = { identity: await verifyToken(token), correlationId };
      } catch (error) {
        const { code, message } = credentialRefusal(error);
        throw new ExportError(code, message);
      }
      const search = new URL(req.url ?? '/', 'http://localhost').searchParams;
      const format = exportFormatOf(path, search, req.headers.accept);
      res.setHeader(CORRELATION_HEADER, correlationId);
      const { rows } = await streamedExports[name](context, search, format, res);
      logger.info(`${name} export`, { correlationId, workerId: context.identity.workerId, format, rows, durationMs: Math.round(performance.now() - started) });
    } catch (error) {
      if (res.headersSent) {
        // Mid-stream: the status is gone; cut the response so the client sees a truncated download, not a whole one.
        logger.error(`${name} export failed mid-stream`, { correlationId, error });
        res.destroy();
        return;
      }
      if (!(error instanceof ExportError)) throw error;
      sendExportError(res, error, correlationId);
    }
  }

  const httpServer = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (cors(req, res, path)) return;
    // A body announced too large is refused before anything reads it; one that only turns out so, while it is read.
    if (declaresBodyOver(req, maxBodyBytes)) return void sendPayloadTooLarge(res, maxBodyBytes);
    const handled =
      path === '/healthz'
        ? Promise.resolve(sendJson(res, 200, { status: 'ok' }))
        : path === '/readyz'
          ? readiness(res)
          : path === METRICS_PATH && metrics
            ? metrics(req, res)
          : ide?.serves(req, path)
            ? ide.handle(req, res, path)
          : path === '/graphql'
            ? graphql(req, res)
            : path === '/graphql/stream' && liveSse
              ? liveSse(req, res, (req.headers[CORRELATION_HEADER] as string | undefined)?.slice(0, 100) || randomUUID())
            : path === '/exports/payroll.csv'
              ? payrollExport(req, res)
            : streamedExportOf(path) && Object.hasOwn(streamedExports, streamedExportOf(path)!)
              ? streamedExport(req, res, path)
              : Promise.resolve(sendJson(res, 404, { error: 'not found; the graph is at /graphql' }));
    handled.catch((error) => {
      logger.error('request failed', { error });
      if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'request failed', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
      else res.end();
    });
  });
  httpServer.keepAliveTimeout = 65_000;

  const live = options.bus
    ? new LiveFeed({
        bus: options.bus,
        group: liveGroup,
        batchWindowMs: options.subscriptions?.batchWindowMs,
        maxQueued: options.subscriptions?.maxQueued,
        replayEvents: options.subscriptions?.replayEvents,
        replayMs: options.subscriptions?.replayMs,
        concurrentBatches: options.subscriptions?.concurrentBatches,
        logger,
        async execute(query, variables, identity, correlationId) {
          // Past the entity cache: the event being resolved may not have reached it yet.
          const contextValue = { identity, correlationId, fresh: true };
          const response = await apollo.executeOperation({ query, variables }, { contextValue });
          if (response.body.kind !== 'single') throw new Error('unexpected incremental response');
          return response.body.singleResult;
        },
      })
    : null;
  const liveConnections = live ? new ConnectionLimiter(options.subscriptions?.maxConnectionsPerIdentity ?? 10) : null;
  const liveServer = live
    ? attachLiveServer({
        httpServer,
        path: '/graphql',
        schema: () => gateway.schema,
        feed: live,
        connections: liveConnections!,
        authenticator: options.authenticator,
        demandControl: demand,
        trustedDocuments,
        allowOrigin: createOriginCheck(options.http?.corsOrigins ?? []),
        logger,
        maxSubscriptionsPerConnection: options.subscriptions?.maxPerConnection,
        keepAliveMs: options.subscriptions?.keepAliveMs,
        maskErrors: options.maskErrors,
      })
    : null;
  const liveSse = live
    ? createLiveSseHandler({
        schema: () => gateway.schema,
        feed: live,
        connections: liveConnections!,
        authenticator: options.authenticator,
        demandControl: demand,
        trustedDocuments,
        logger,
        keepAliveMs: options.subscriptions?.keepAliveMs,
      })
    : null;

  let revocations: Subscription | null = null;
  let unmeasureLive = () => {};

  return {
    httpServer,
    apollo,
    live,
    liveConnections,
    demandControl: demand,
    entityCache: entityCache?.cache ?? null,
    analyticsLane: lane,
    async listen(port, host = '127.0.0.1') {
      await apollo.start();
      // Not awaited: until the worker has loaded the supergraph, its requests run on the main lane.
      lane?.start();
      await entityCache?.start();
      await live?.start();
      if (live) unmeasureLive = measureLive(live, liveConnections!);
      // Live connections outlast the check of their credential: withdrawn ones (a revoked API key) are heard of here.
      if (live && options.bus) revocations = (await options.authenticator.watch?.(options.bus, `${liveGroup}.revocations`)) ?? null;
      await new Promise<void>((resolve) => httpServer.listen(port, host, resolve));
      const address = httpServer.address() as AddressInfo;
      return `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}/graphql`;
    },
    async stop() {
      unmeasureLive();
      await revocations?.close();
      await liveServer?.close();
      await live?.close();
      await entityCache?.stop();
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
      await lane?.stop();
      await apollo.stop();
    },
  };
}
