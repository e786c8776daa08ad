/**
 * The gateway as its own process (production topology): the committed supergraph, the subgraphs at
 * CRM_URL … ERP_URL, IDENTITY_SIGNING_SECRET, and the ways clients authenticate (OIDC_ISSUER for the firm's identity
 * provider, JWT_SECRET for HS256 tokens) from the environment.
 */
import './defer-apollo-telemetry.ts';
import { hostname } from 'node:os';
import { loadConfig, requireSetting, subgraphNames } from '../lib/config.ts';
import { connectBus } from '../lib/events/create-bus.ts';
import { createLogger } from '../lib/logger.ts';
import { runMain } from '../lib/startup.ts';
import { startTracing } from '../lib/tracing/index.ts';
import { supergraphSdl } from './supergraph.ts';
import { createAuthenticator, verifiersFor } from './authentication/index.ts';
import { createGateway } from './server.ts';
import { OperationNamedRequests } from './tracing.ts';

await runMain('gateway', async () => {
  const tracing = await startTracing({ serviceName: 'gateway', spanProcessors: [new OperationNamedRequests()] });
  const config = loadConfig();
  const logger = createLogger({ service: 'gateway' }, config.logLevel);
  const identitySecret = requireSetting(config.identitySigningSecret, 'IDENTITY_SIGNING_SECRET', 'set the secret every subgraph shares');
  if (config.production && !config.jwtSecret && !config.oidc) {
    requireSetting(config.jwtSecret, 'JWT_SECRET', 'set it (HS256 client tokens) or OIDC_ISSUER and OIDC_AUDIENCE (your identity provider)');
  }
  const subgraphUrls = Object.fromEntries(
    subgraphNames.map((name) => [name, requireSetting(config.subgraphUrls[name], `${name.toUpperCase()}_URL`, `set the ${name} subgraph's GraphQL URL`)]),
  );
  // The live fields need the subgraphs' events: on their own process, only a shared bus (Redis) carries them.
  const bus = config.redisUrl ? await connectBus(config, logger) : undefined;
  if (!bus) logger.warn('REDIS_URL is not set: subscriptions (graphql-ws) are not served');
  const gateway = createGateway({
    supergraphSdl: supergraphSdl(),
    subgraphUrls,
    authenticator: createAuthenticator(
      // HS256 tokens only with JWT_SECRET set: whoever holds it can sign as anyone, so production states it on purpose.
      verifiersFor({ jwtSecret: config.jwtSecret, tokens: config.tokens, oidc: config.oidc }, { hcmUrl: subgraphUrls.hcm, identitySecret, logger }),
    ),
    identitySecret,
    logger,
    maskErrors: config.production,
    bus,
    // One consumer group per gateway instance, stable across its restarts: every instance serves its own subscribers.
    subscriptions: { group: `gateway.live.${process.env.GATEWAY_INSTANCE || hostname()}`, ...config.subscriptions },
    http: config.http,
    signedIdentity: config.signedIdentity,
    queryLimits: config.queryLimits,
    rateLimits: config.rateLimits,
    timeLimits: config.timeouts,
    introspection: config.introspection,
    outbound: config.outbound,
    trustedDocuments: config.trustedDocuments,
    metrics: config.metrics,
    graphiql: config.graphiql,
    subgraphDedupe: config.subgraphDedupe,
    entityCache: config.entityCache,
    analyticsLane: config.analyticsLane,
  });
  const url = await gateway.listen(config.port ?? 4000, config.host);
  // Milliseconds from the process's start (loading the code included) to listening: docs/benchmarks.md "Start-up".
  logger.info('gateway listening', { url, sinceProcessStartMs: Math.round(performance.now()) });
  const shutdown = async () => {
    await gateway.stop();
    await bus?.close();
    await tracing.shutdown();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
});
