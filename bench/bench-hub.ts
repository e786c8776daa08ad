import { randomBytes } from 'node:crypto';
import type { Role } from '../lib/auth/identity.ts';
import { loadConfig } from '../lib/config.ts';
import { createLogger } from '../lib/logger.ts';
import { startHub } from '../gateway/hub.ts';
import { graphCaller } from './graph-call.ts';

const subgraphOrder = ['crm', 'hcm', 'psa', 'time', 'erp'] as const;

/**
 * The hub every benchmark measures: all five subgraphs and the gateway in this process, on DATABASE_URL when set
 * (seeded at `scale` if empty) else on in-memory PGlite, with logging quiet so it does not weigh on the numbers.
 */
export async function startBenchHub(options: { scale: number; roles?: Role[] }) {
  const jwtSecret = randomBytes(16).toString('hex');
  const hub = await startHub({
    database: process.env.DATABASE_URL ? { kind: 'postgres', url: process.env.DATABASE_URL } : { kind: 'pglite' },
    jwtSecret,
    identitySecret: randomBytes(16).toString('hex'),
    port: 0,
    seed: { scale: options.scale },
    logger: createLogger({}, 'error'),
    maskErrors: true,
    // A benchmark is many clients under one identity: the gateway's rate limits would measure themselves.
    // The environment's settings (ANALYTICS_LANE=true: bench:month-end with the analytics lane; the timeouts on a
    // loaded machine), rate limits off.
    config: loadConfig({ ...process.env, RATE_LIMIT_POINTS_PER_MINUTE: '0' }),
  });
  const graph = graphCaller(hub.url, jwtSecret);
  const roles = options.roles ?? ['FINANCE'];
  return {
    hub,
    jwtSecret,
    graph,
    /** One request as a worker-less identity with `roles`. */
    call: (query: string, variables: Record<string, unknown> = {}) => graph({ workerId: null, roles }, query, variables),
    databaseLabel: process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite (in memory)',
    /** SQL statements each subgraph ran since the last reset, as "crm, hcm, psa, time, erp". */
    statements: () => subgraphOrder.map((name) => hub.subgraphs[name]?.database.statements.total ?? 0).join(', '),
    resetStatements: () => {
      for (const { database } of Object.values(hub.subgraphs)) database.statements.reset();
    },
  };
}
