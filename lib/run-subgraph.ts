import { loadConfig, requireSetting, defaultSubgraphPorts, type SubgraphName } from './config.ts';
import { systemClock } from './clock.ts';
import { createLogger } from './logger.ts';
import { connectBus } from './events/create-bus.ts';
import { waitForPostgres } from './db/database.ts';
import { runMain } from './startup.ts';
import { startTracing, type TracedService } from './tracing/index.ts';
import { createGraphClient } from './graph-client.ts';
import type { SubgraphModule } from './graphql/subgraph-server.ts';

/**
 * One subgraph as its own process (the production topology): its own PostgreSQL (DATABASE_URL), the Redis bus
 * (REDIS_URL), the identity secret shared with the gateway. Same code path as the embedded host.
 */
export async function runSubgraphProcess(module: SubgraphModule): Promise<void> {
  await runMain(module.name, () => startSubgraphProcess(module));
}

async function startSubgraphProcess(module: SubgraphModule): Promise<void> {
  const tracing = await startTracing({ serviceName: module.name as TracedService });
  const config = loadConfig();
  const logger = createLogger({ service: module.name }, config.logLevel);
  const databaseUrl = requireSetting(config.databaseUrl, 'DATABASE_URL', "set this subgraph's PostgreSQL URL");
  const identitySecret = requireSetting(config.identitySigningSecret, 'IDENTITY_SIGNING_SECRET', "set the gateway's identity secret");
  await waitForPostgres(databaseUrl, { retrySeconds: config.startup.retrySeconds, logger });
  const bus = await connectBus(config, logger);
  const database = await module.openDatabase({ kind: 'postgres', url: databaseUrl }, config.databaseSchema);
  const gatewayUrl = config.gatewayUrl;
  const graph = gatewayUrl ? createGraphClient({ service: module.name, url: () => gatewayUrl, identitySecret, roles: module.serviceRoles }) : undefined;
  const runtime = module.create({
    db: database.db,
    relayDb: database.background,
    outboxDb: database.outbox,
    graph,
    bus,
    clock: systemClock,
    logger,
    identitySecret,
    maskErrors: config.production,
    config,
  });
  const url = await runtime.listen(config.port ?? defaultSubgraphPorts[module.name as SubgraphName], config.host);
  // Milliseconds from the process's start (loading the code included) to listening: docs/benchmarks.md "Start-up".
  logger.info('subgraph listening', { url, sinceProcessStartMs: Math.round(performance.now()) });
  const shutdown = async () => {
    await runtime.stop();
    await bus.close();
    await database.close();
    await tracing.shutdown();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}
