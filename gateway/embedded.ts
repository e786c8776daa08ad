/**
 * `npm start`: the whole of psgraph in one process with nothing to install. One PGlite database under ./data (one
 * schema per subgraph; created and seeded with the demo firm on first start, kept across restarts), the in-process
 * bus (or Redis when REDIS_URL is set), the gateway on PORT (default 4000).
 */
import './defer-apollo-telemetry.ts';
import { defaultTokenLifetimeSeconds, signBearerToken } from '../lib/auth/jwt.ts';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig, requireSetting } from '../lib/config.ts';
import { waitForPostgres } from '../lib/db/database.ts';
import { connectBus } from '../lib/events/create-bus.ts';
import { createLogger } from '../lib/logger.ts';
import { demoWorkerFor } from '../lib/seed/demo-users.ts';
import { runMain, StartupPhases } from '../lib/startup.ts';
import { startTracing } from '../lib/tracing/index.ts';
import { embeddedSecrets } from './embedded-secrets.ts';
import { startHub } from './hub.ts';
import { OperationNamedRequests } from './tracing.ts';

await runMain('start', async () => {
  const phases = new StartupPhases();
  phases.end('load code');
  const tracing = await startTracing({ serviceName: 'psgraph', spanProcessors: [new OperationNamedRequests()] });
  const config = loadConfig();
  const logger = createLogger({ service: 'psgraph' }, config.logLevel);
  const scale = Number(process.env.PSGRAPH_SEED_SCALE ?? '1');
  if (!(scale > 0)) throw new ConfigError('PSGRAPH_SEED_SCALE', `must be a positive number, got "${process.env.PSGRAPH_SEED_SCALE}"`, 'set 1 (the demo firm) or more');
  if (config.production) {
    // Generated secrets kept in the data directory are for trying psgraph out, not for a deployment.
    requireSetting(config.jwtSecret, 'JWT_SECRET', 'production signs client tokens with a secret you set');
    requireSetting(config.identitySigningSecret, 'IDENTITY_SIGNING_SECRET', 'production signs forwarded identities with a secret you set');
  }
  // Progress for whoever just typed `npm start`: plain lines, not the JSON log.
  const say = (line: string) => process.stdout.write(`psgraph: ${line}\n`);
  const firstStart = !config.databaseUrl && !existsSync(join(config.dataDir, 'secrets.json'));
  const secrets = embeddedSecrets(config);
  if (config.databaseUrl) {
    await waitForPostgres(config.databaseUrl, { retrySeconds: config.startup.retrySeconds, logger });
    say('connected to PostgreSQL (DATABASE_URL); migrating and seeding empty schemas…');
  } else {
    say(
      firstStart
        ? `creating the database in ${config.dataDir}, migrating, seeding the demo firm (${40 * scale} workers; first start only)…`
        : `opening the database in ${config.dataDir} and migrating…`,
    );
  }
  const bus = await connectBus(config, logger);
  phases.end('settings and bus');
  const hub = await startHub({
    database: config.databaseUrl ? { kind: 'postgres', url: config.databaseUrl } : { kind: 'pglite', dataDir: config.dataDir },
    bus,
    jwtSecret: secrets.jwtSecret,
    identitySecret: secrets.identitySecret,
    port: config.port ?? 4000,
    host: config.host,
    seed: { scale },
    logger,
    maskErrors: config.production,
    subscriptions: config.subscriptions,
    config,
    phases,
  });
  const admin = demoWorkerFor('ADMIN');
  // The printed token must pass the gateway's own lifetime limit, however short TOKEN_MAX_LIFETIME_SECONDS is.
  const lifetime = Math.min(defaultTokenLifetimeSeconds, config.tokens.maxLifetimeSeconds);
  const token = await signBearerToken({ workerId: admin?.id ?? null, roles: ['ADMIN', 'FINANCE'] }, secrets.jwtSecret, `${lifetime}s`);
  process.stdout.write(
    [
      '',
      `psgraph is running: ${hub.url} (started in ${(phases.total() / 1000).toFixed(1)} s)`,
      `  health: ${hub.url.replace('/graphql', '/healthz')}   readiness: ${hub.url.replace('/graphql', '/readyz')}`,
      `  data:   ${config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `${config.dataDir} (PGlite)`}; bus: ${config.redisUrl ? 'Redis' : 'in-process'}`,
      '',
      `A token for ${admin?.name ?? 'an administrator'} (ADMIN, FINANCE), valid ${lifetime >= 3600 ? `${+(lifetime / 3600).toFixed(1)} hours` : `${Math.ceil(lifetime / 60)} minutes`}:`,
      token,
      '',
      ...(config.graphiql.enabled ? [`In a browser: open ${hub.url} and paste the token into the Bearer token field (GraphiQL).`, ''] : []),
      `Try:  curl -s ${hub.url} -H 'content-type: application/json' -H "authorization: Bearer $TOKEN" \\`,
      `        -d '{"query":"{ customers(first: 3) { nodes { name projects { nodes { code manager { name } } } } } }"}'`,
      'Other roles: npm run token -- --role WORKER (or MANAGER, RESOURCE_MANAGER, FINANCE, ADMIN)',
      '',
    ].join('\n'),
  );

  const shutdown = async () => {
    await hub.stop();
    await tracing.shutdown();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
});
