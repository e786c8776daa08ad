/**
 * The gateway as its own process (production topology): the committed supergraph, the subgraphs at
 * CRM_URL … ERP_URL, JWT_SECRET and IDENTITY_SIGNING_SECRET from the environment.
 */
import { hostname } from 'node:os';
import { loadConfig, requireSetting, subgraphNames } from '../lib/config.ts';
import { createBus } from '../lib/events/create-bus.ts';
import { createLogger } from '../lib/logger.ts';
import { supergraphSdl } from './supergraph.ts';
import { createGateway } from './server.ts';

const config = loadConfig();
const logger = createLogger({ service: 'gateway' }, config.logLevel);
const subgraphUrls = Object.fromEntries(
  subgraphNames.map((name) => [name, requireSetting(config.subgraphUrls[name], `${name.toUpperCase()}_URL`)]),
);
// The live fields need the subgraphs' events: on their own process, only a shared bus (Redis) carries them.
const bus = config.redisUrl ? createBus(config, logger) : undefined;
if (!bus) logger.warn('REDIS_URL is not set: subscriptions (graphql-ws) are not served');
const gateway = createGateway({
  supergraphSdl: supergraphSdl(),
  subgraphUrls,
  jwtSecret: requireSetting(config.jwtSecret, 'JWT_SECRET'),
  identitySecret: requireSetting(config.identitySigningSecret, 'IDENTITY_SIGNING_SECRET'),
  logger,
  maskErrors: config.production,
  bus,
  // One consumer group per gateway instance, stable across its restarts: every instance serves its own subscribers.
  subscriptions: { group: `gateway.live.${process.env.GATEWAY_INSTANCE || hostname()}`, ...config.subscriptions },
  http: config.http,
  tokens: config.tokens,
  queryLimits: config.queryLimits,
  rateLimits: config.rateLimits,
  timeLimits: config.timeouts,
});
const url = await gateway.listen(config.port ?? 4000, config.host);
logger.info('gateway listening', { url });
const shutdown = async () => {
  await gateway.stop();
  await bus?.close();
  process.exit(0);
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
