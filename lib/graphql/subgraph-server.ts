import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import type { Kysely } from 'kysely';
import { CORRELATION_HEADER, type Identity, type Role } from '../auth/identity.ts';
import { DomainError, formatGraphQLError } from '../errors.ts';
import { errorLogPlugin } from './error-log.ts';
import { subgraphSchema } from './prebuilt-subgraph-schema.ts';
import type { EventBus, Subscription } from '../events/bus.ts';
import { databaseCheckpoints } from '../events/checkpoints.ts';
import { consumerBus } from '../events/consumer-bus.ts';
import { createDeadLetterService, parkedCount } from '../events/dead-letter-service.ts';
import { databaseDeadLetters } from '../events/dead-letters.ts';
import type { OutboxTables } from '../events/outbox.ts';
import { startOutboxRelay, type OutboxRelay } from '../events/relay.ts';
import { PayloadTooLargeError, runApolloRequest, sendJson, sendPayloadTooLarge } from '../http/apollo-handler.ts';
import { readSignedRequest } from '../http/signed-request.ts';
import { DEADLINE_HEADER, deadlineOfHeader } from '../http/deadline.ts';
import { withStatementDeadline } from '../db/statement-deadline.ts';
import { createDeadLetterEndpoint, DEAD_LETTER_PATH } from '../http/dead-letter-endpoint.ts';
import { AUDIT_TRAIL_PATH, createAuditTrailEndpoint } from '../audit/endpoint.ts';
import { startAuditRetention } from '../audit/retention.ts';
import type { Logger } from '../logger.ts';
import type { Clock } from '../clock.ts';
import type { GraphClient } from '../graph-client.ts';
import type { Config } from '../config.ts';
import { measuredConsumerBus, eventGauges } from '../metrics/events.ts';
import { createMetricsHandler, METRICS_PATH, registerSubgraphGauges, type SubgraphGauge } from '../metrics/registry.ts';

/** What every resolver of every subgraph receives. */
export interface RequestScope {
  readonly identity: Identity;
  readonly correlationId: string;
}

export interface SubgraphDefinition<Ctx extends RequestScope> {
  readonly name: string;
  /** The subgraph's SDL (schema/<name>.graphql). */
  readonly sdl: string;
  readonly resolvers: any;
  readonly db: Kysely<any>;
  /** Background work (checkpoints, dead letters, audit reads); unlogged, so statement counts see requests only (default `db`). */
  readonly relayDb?: Kysely<any>;
  /** Where the outbox relay numbers, reads and marks its rows (`SubgraphDatabase.outbox`; default `relayDb`). */
  readonly outboxDb?: Kysely<any>;
  readonly bus: EventBus;
  readonly logger: Logger;
  /** HMAC secret shared with the gateway; requests without a valid signature get 401. */
  readonly identitySecret: string;
  readonly maskErrors: boolean;
  /** Per-request context: fresh DataLoaders, the services bound to the caller. */
  readonly createContext: (scope: RequestScope) => Ctx;
  /**
   * The subgraph's event consumers; called once at start, with a bus that keeps each group's checkpoints in this
   * subgraph's database (so a group knows what it missed when Redis loses its data) and parks there, as a dead letter,
   * an event its handler failed DEAD_LETTER_AFTER_ATTEMPTS times (served to the gateway at /events/dead-letters).
   */
  readonly subscribe?: (bus: EventBus) => Promise<Subscription[]>;
  /**
   * HTTP endpoints of this subgraph's own beside `/graphql`, by exact path: calls from the gateway that are not part of
   * the graph (hcm's API key check). Each checks the signed identity itself, as the dead-letter endpoint does.
   */
  readonly endpoints?: Readonly<Record<string, (req: IncomingMessage, res: ServerResponse) => Promise<void>>>;
  /** The process's configuration (event retention); absent: the defaults. */
  readonly config?: Config;
  /** The subgraph's own gauges on `/metrics` beside its event plumbing's (subgraphs/<name>/metrics.ts). */
  readonly gauges?: readonly SubgraphGauge[];
}

/** A subgraph ready to run: an HTTP server (not yet listening), its outbox relay and its consumers. */
export interface SubgraphRuntime {
  readonly name: string;
  readonly apollo: ApolloServer<any>;
  readonly httpServer: Server;
  readonly relay: OutboxRelay;
  /** Starts Apollo, the relay and the consumers, then listens. Port 0 picks a free one. */
  listen(port: number, host?: string): Promise<string>;
  stop(): Promise<void>;
}

export function createSubgraphRuntime<Ctx extends RequestScope>(definition: SubgraphDefinition<Ctx>): SubgraphRuntime {
  const { name, logger } = definition;
  const apollo = new ApolloServer<Ctx>({
    schema: subgraphSchema({ sdl: definition.sdl, resolvers: withAsyncReferenceResolvers(definition.resolvers) }),
    formatError: (formatted, error) => formatGraphQLError(formatted, error, { maskUnexpected: definition.maskErrors }),
    includeStacktraceInErrorResponses: !definition.maskErrors,
    // The process owns shutdown (lib/run-subgraph.ts). Apollo's own SIGTERM handler would re-raise the signal once
    // Apollo alone had stopped, killing the process before its relay, consumers, bus and pool are closed.
    stopOnTerminationSignals: false,
    // No @cacheControl hints in the subgraphs' schemas, so Apollo's default cache-control plugin would only wrap every
    // field resolver to find none (≈ 2–3 % of a deep query's CPU across the subgraphs) and answer `no-store`, which
    // the gateway also concludes from no header at all.
    plugins: [ApolloServerPluginInlineTraceDisabled(), ApolloServerPluginCacheControlDisabled(), errorLogPlugin(logger)],
  });

  const background = (definition.relayDb ?? definition.db) as Kysely<OutboxTables>;
  const relay = startOutboxRelay({
    db: (definition.outboxDb ?? background) as Kysely<OutboxTables>,
    bus: definition.bus,
    source: name,
    retentionMs: definition.config?.events.retentionHours === undefined ? undefined : definition.config.events.retentionHours * 3_600_000,
    logger,
  });
  const deadLetterStore = databaseDeadLetters(background);
  const parked = parkedCount(deadLetterStore);
  const measured = measuredConsumerBus(name, definition.bus);
  const consumers = consumerBus(measured.bus, {
    checkpoints: databaseCheckpoints(background),
    deadLetters: {
      store: deadLetterStore,
      maxAttempts: definition.config?.events.deadLetterAfterAttempts ?? 10,
      onPark: parked.stale,
    },
  });
  const deadLetterService = createDeadLetterService({
    subgraph: name,
    store: deadLetterStore,
    handlerOf: consumers.handlerOf,
    logger,
    onChange: parked.stale,
  });
  const deadLetters = createDeadLetterEndpoint({
    service: deadLetterService,
    identitySecret: definition.identitySecret,
    identityPolicy: definition.config?.signedIdentity,
    logger,
  });
  const auditTrail = createAuditTrailEndpoint({
    subgraph: name,
    db: background,
    identitySecret: definition.identitySecret,
    identityPolicy: definition.config?.signedIdentity,
    logger,
  });
  let auditRetention: { stop(): void } | undefined;
  let subscriptions: Subscription[] = [];
  const metrics = createMetricsHandler(definition.config?.metrics);
  let unregisterGauges = () => {};

  const httpServer = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      const bus = busStatus(definition.bus);
      return void parked.current().then((deadLetters) => sendJson(res, 200, { status: 'ok', subgraph: name, bus, deadLetters }));
    }
    if (path.startsWith(DEAD_LETTER_PATH)) return void deadLetters(req, res, path);
    if (path === AUDIT_TRAIL_PATH) return void auditTrail(req, res);
    if (path === METRICS_PATH && metrics) {
      return void metrics(req, res).catch((error) => {
        logger.error('metrics failed', { error });
        if (!res.headersSent) sendJson(res, 500, { error: { code: 'INTERNAL_SERVER_ERROR', message: 'metrics failed' } });
        else res.end();
      });
    }
    const endpoint = definition.endpoints && Object.hasOwn(definition.endpoints, path) ? definition.endpoints[path] : undefined;
    if (endpoint) {
      return void endpoint(req, res).catch((error) => {
        logger.error('request failed', { error, path });
        if (!res.headersSent) sendJson(res, 500, { error: { code: 'INTERNAL_SERVER_ERROR', message: 'request failed' } });
        else res.end();
      });
    }
    if (path !== '/graphql' && path !== '/') return sendJson(res, 404, { error: 'not found' });
    const correlationId = (req.headers[CORRELATION_HEADER] as string | undefined) ?? randomUUID();
    serveGraphQL(req, res, correlationId).catch((error) => {
      logger.error('request failed', { error, correlationId });
      if (!res.headersSent) sendJson(res, (error as { status?: number }).status ?? 500, { errors: [{ message: 'request failed' }] });
      else res.end();
    });
  });
  httpServer.keepAliveTimeout = 65_000;

  async function serveGraphQL(req: IncomingMessage, res: ServerResponse, correlationId: string) {
    let signed: { identity: Identity; body: Buffer };
    try {
      signed = await readSignedRequest(req, { identitySecret: definition.identitySecret, policy: definition.config?.signedIdentity });
    } catch (error) {
      if (error instanceof PayloadTooLargeError) return sendPayloadTooLarge(res, error.limit);
      if (!(error instanceof DomainError)) throw error;
      return sendJson(res, 401, { errors: [{ message: error.message, extensions: { code: 'UNAUTHENTICATED' } }] });
    }
    // Nobody waits for an answer past the gateway's deadline: work that arrives late is refused, not done for nothing.
    const deadline = deadlineOfHeader(req.headers[DEADLINE_HEADER]);
    if (deadline !== undefined && deadline <= Date.now()) {
      const message = "the request's deadline has passed; it was not run";
      return sendJson(res, 503, { errors: [{ message, extensions: { code: 'SERVICE_UNAVAILABLE', retryable: true } }] }, {
        [CORRELATION_HEADER]: correlationId,
      });
    }
    // Its SQL too: on PostgreSQL each statement gets the time left as `statement_timeout` (lib/db/statement-deadline.ts).
    const context = async () => definition.createContext({ identity: signed.identity, correlationId });
    const headers = { [CORRELATION_HEADER]: correlationId };
    await withStatementDeadline(deadline, () => runApolloRequest(apollo, req, res, context, headers, { body: signed.body }));
  }

  return {
    name,
    apollo,
    httpServer,
    relay,
    async listen(port, host = '127.0.0.1') {
      await apollo.start();
      subscriptions = (await definition.subscribe?.(consumers.bus)) ?? [];
      relay.kick();
      auditRetention = await startAuditRetention({ db: background, days: definition.config?.audit?.retentionDays, logger });
      unregisterGauges = registerSubgraphGauges(name, [
        ...eventGauges(background, definition.bus, measured.groups),
        ...(definition.gauges ?? []),
      ]);
      await new Promise<void>((resolve) => httpServer.listen(port, host, resolve));
      const address = httpServer.address() as AddressInfo;
      return `http://${host}:${address.port}/graphql`;
    },
    async stop() {
      unregisterGauges();
      auditRetention?.stop();
      await Promise.all(subscriptions.map((subscription) => subscription.close()));
      await relay.stop();
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
      await apollo.stop();
    },
  };
}

/** How the bus's connection stands, for health answers: `ok`, or since when it is unreachable. */
export function busStatus(bus: EventBus): string {
  const health = bus.health?.();
  return !health || health.connected ? 'ok' : `unreachable since ${health.since}`;
}

/** What every `create<Name>Subgraph` takes: its database handle and the process's shared services. */
export interface SubgraphDependencies<DB> {
  readonly db: Kysely<DB>;
  /** The unlogged handle for background work (`SubgraphDatabase.background`). */
  readonly relayDb?: Kysely<DB>;
  /** The outbox relay's handle (`SubgraphDatabase.outbox`: a connection of its own on PostgreSQL). */
  readonly outboxDb?: Kysely<DB>;
  /** The whole graph, for a subgraph that validates against others' current data (through the gateway). */
  readonly graph?: GraphClient;
  readonly bus: EventBus;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly identitySecret: string;
  readonly maskErrors: boolean;
  /** The process's configuration (lib/config.ts), for a subgraph's own settings; absent: their defaults. */
  readonly config?: Config;
}

/** The uniform surface of a subgraph package (`subgraphs/<name>/index.ts`), so hosts can run any of them alike. */
export interface SubgraphModule<DB = any> {
  readonly name: string;
  /**
   * The roles this subgraph holds when it asks the graph as a service (lib/graph-client.ts); none by default. Each
   * module states why it needs any.
   */
  readonly serviceRoles?: readonly Role[];
  openDatabase(target: import('../db/database.ts').DatabaseTarget, schema?: string): Promise<import('../db/database.ts').SubgraphDatabase<DB>>;
  create(deps: SubgraphDependencies<DB>): SubgraphRuntime;
  /** Writes this subgraph's slice of the demo firm into an empty schema (no events). */
  seed(db: Kysely<DB>, firm: import('../seed/demo-firm.ts').DemoFirm): Promise<void>;
}

/**
 * `_entities` maps every representation to its `__resolveReference` before awaiting any. A reference resolver that
 * throws synchronously aborts that map and leaves the earlier representations' promises rejected with no handler,
 * which crashes Node. Made async, a throw becomes that one entity's error, as it should.
 */
function withAsyncReferenceResolvers(resolvers: Record<string, any>): Record<string, any> {
  return Object.fromEntries(
    Object.entries(resolvers).map(([typename, fields]) => {
      const resolve = fields?.__resolveReference;
      if (typeof resolve !== 'function') return [typename, fields];
      return [typename, { ...fields, __resolveReference: async (...args: unknown[]) => resolve(...args) }];
    }),
  );
}
