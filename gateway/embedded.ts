/**
 * `npm start`: the whole of psgraph in one process with nothing to install. One PGlite database under ./data (one
 * schema per subgraph; created and seeded with the demo firm on first start, kept across restarts), the in-process
 * bus (or Redis when REDIS_URL is set), the gateway on PORT (default 4000).
 */
import { defaultTokenLifetimeSeconds, signBearerToken } from '../lib/auth/jwt.ts';
import { loadConfig } from '../lib/config.ts';
import { createBus } from '../lib/events/create-bus.ts';
import { createLogger } from '../lib/logger.ts';
import { demoWorkerFor } from '../lib/seed/demo-users.ts';
import { embeddedSecrets } from './embedded-secrets.ts';
import { startHub } from './hub.ts';

const config = loadConfig();
const logger = createLogger({ service: 'psgraph' }, config.logLevel);
const scale = Number(process.env.PSGRAPH_SEED_SCALE ?? '1');
const secrets = embeddedSecrets(config);
const hub = await startHub({
  database: config.databaseUrl ? { kind: 'postgres', url: config.databaseUrl } : { kind: 'pglite', dataDir: config.dataDir },
  bus: createBus(config, logger),
  jwtSecret: secrets.jwtSecret,
  identitySecret: secrets.identitySecret,
  port: config.port ?? 4000,
  host: config.host,
  seed: { scale },
  logger,
  maskErrors: config.production,
  subscriptions: config.subscriptions,
  config,
});
const admin = demoWorkerFor('ADMIN');
// The printed token must pass the gateway's own lifetime limit, however short TOKEN_MAX_LIFETIME_SECONDS is.
const lifetime = Math.min(defaultTokenLifetimeSeconds, config.tokens.maxLifetimeSeconds);
const token = await signBearerToken({ workerId: admin?.id ?? null, roles: ['ADMIN', 'FINANCE'] }, secrets.jwtSecret, `${lifetime}s`);
process.stdout.write(
  [
    '',
    `psgraph is running: ${hub.url}`,
    `  health: ${hub.url.replace('/graphql', '/healthz')}   readiness: ${hub.url.replace('/graphql', '/readyz')}`,
    `  data:   ${config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `${config.dataDir} (PGlite)`}; bus: ${config.redisUrl ? 'Redis' : 'in-process'}`,
    '',
    `A token for ${admin?.name ?? 'an administrator'} (ADMIN, FINANCE), valid ${lifetime >= 3600 ? `${+(lifetime / 3600).toFixed(1)} hours` : `${Math.ceil(lifetime / 60)} minutes`}:`,
    token,
    '',
    `Try:  curl -s ${hub.url} -H 'content-type: application/json' -H "authorization: Bearer $TOKEN" \\`,
    `        -d '{"query":"{ customers(first: 3) { nodes { name projects { nodes { code manager { name } } } } } }"}'`,
    'Other roles: npm run token -- --role WORKER (or MANAGER, RESOURCE_MANAGER, FINANCE, ADMIN)',
    '',
  ].join('\n'),
);

const shutdown = async () => {
  await hub.stop();
  process.exit(0);
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
