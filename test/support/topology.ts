import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Role } from '../../lib/auth/identity.ts';
import { signBearerToken } from '../../lib/auth/jwt.ts';
import { subgraphNames, type SubgraphName } from '../../lib/config.ts';
import type { DemoFirm } from '../../lib/seed/demo-firm.ts';
import { seedOnce } from '../../lib/seed/seed-once.ts';
import { subgraphModules } from '../../gateway/subgraphs.ts';
import { eventually } from './eventually.ts';
import { freePortRun } from './processes.ts';
import { discardTestStream } from './redis-streams.ts';

type ProcessName = SubgraphName | 'gateway';
type Identityish = { roles: readonly Role[]; workerId?: string | null };

export interface Topology {
  readonly gatewayUrl: string;
  /** The schema a subgraph process keeps its tables in. */
  schemaOf(name: SubgraphName): string;
  /** A Kysely on the subgraph's schema, for assertions on what it wrote. */
  database(name: SubgraphName): Kysely<any>;
  /** POSTs to the gateway as `as` (default ADMIN); the response body, errors and all. */
  request(query: string, variables?: Record<string, unknown>, as?: Identityish): Promise<{ data?: any; errors?: any[] }>;
  /** The same, asserting there are no errors; the data. */
  query<T = any>(query: string, variables?: Record<string, unknown>, as?: Identityish): Promise<T>;
  /** Starts a process (again, after `kill`). */
  launch(name: ProcessName): void;
  /** Sends `signal` to a process and waits until it is gone. */
  kill(name: ProcessName, signal: NodeJS.Signals): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The production topology for real: five subgraph processes (`subgraphs/<name>/main.ts`) on PostgreSQL, each in a
 * schema of its own for this run (seeded with `firm` when given), a gateway process, Redis Streams between them.
 */
export async function startTopology(options: { pgUrl: string; redisUrl: string; firm?: DemoFirm }): Promise<Topology> {
  const suffix = randomBytes(4).toString('hex');
  const basePort = await freePortRun(1 + subgraphNames.length);
  const schemaOf = (name: SubgraphName) => `p${suffix}_${name}`;
  const shared = {
    JWT_SECRET: `jwt-${suffix}`,
    IDENTITY_SIGNING_SECRET: `identity-${suffix}`,
    REDIS_URL: options.redisUrl,
    EVENT_STREAM: `psgraph:test:${suffix}`,
    LOG_LEVEL: 'error',
    NODE_ENV: 'production',
  };
  const gatewayUrl = `http://127.0.0.1:${basePort}/graphql`;
  const subgraphUrls = Object.fromEntries(subgraphNames.map((name, index) => [`${name.toUpperCase()}_URL`, `http://127.0.0.1:${basePort + 1 + index}/graphql`]));
  const environment = (name: ProcessName): Record<string, string> =>
    name === 'gateway'
      ? { PORT: String(basePort), ...subgraphUrls }
      : {
          PORT: String(basePort + 1 + subgraphNames.indexOf(name)),
          DATABASE_URL: options.pgUrl,
          DATABASE_SCHEMA: schemaOf(name),
          GATEWAY_URL: gatewayUrl,
        };
  const processes = new Map<ProcessName, ChildProcess>();
  const launch = (name: ProcessName) => {
    const entry = name === 'gateway' ? 'gateway/main.ts' : `subgraphs/${name}/main.ts`;
    const child = spawn(process.execPath, ['--import', 'tsx', entry], {
      env: { ...process.env, ...shared, ...environment(name) },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    processes.set(name, child);
  };
  const kill = async (name: ProcessName, signal: NodeJS.Signals) => {
    const child = processes.get(name);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill(signal);
    await exited;
  };
  const databases = new Map<SubgraphName, Kysely<any>>();
  const database = (name: SubgraphName) => {
    let db = databases.get(name);
    if (!db) {
      db = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: options.pgUrl, max: 2 }) }) }).withSchema(schemaOf(name));
      databases.set(name, db);
    }
    return db;
  };

  if (options.firm) {
    for (const name of subgraphNames) {
      const opened = await subgraphModules[name].openDatabase({ kind: 'postgres', url: options.pgUrl, poolSize: 2 }, schemaOf(name));
      await seedOnce(subgraphModules[name], opened.db, options.firm);
      await opened.close();
    }
  }
  for (const name of subgraphNames) launch(name);
  launch('gateway');

  const stop = async () => {
    await Promise.all([...processes.keys()].map((name) => kill(name, 'SIGTERM')));
    const admin = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: options.pgUrl, max: 1 }) }) });
    for (const name of subgraphNames) await sql`drop schema if exists ${sql.id(schemaOf(name))} cascade`.execute(admin);
    await admin.destroy();
    for (const db of databases.values()) await db.destroy();
    // A test's own redis-server goes with its data; the machine's shared one keeps what is not deleted.
    if (options.redisUrl === process.env.REDIS_URL) await discardTestStream(options.redisUrl, shared.EVENT_STREAM);
  };
  // A process that exits while starting (a port taken after all, a migration failing) fails the start at once, with
  // its exit code, rather than after the readiness wait.
  let starting = true;
  const exitedWhileStarting = new Promise<never>((_, reject) => {
    for (const [name, child] of processes) {
      child.once('exit', (code, signal) => {
        if (starting) reject(new Error(`the ${name} process exited (${signal ?? `code ${code}`}) before the topology was ready`));
      });
    }
  });
  try {
    await Promise.race([
      exitedWhileStarting,
      eventually(async () => {
        if (!starting) return;
        const ready = await fetch(`http://127.0.0.1:${basePort}/readyz`);
        assert.equal(ready.status, 200);
      }, 120_000),
    ]);
    starting = false;
  } catch (error) {
    starting = false;
    await stop();
    throw error;
  }

  const request: Topology['request'] = async (query, variables = {}, as = { roles: ['ADMIN'] }) => {
    const token = await signBearerToken({ workerId: as.workerId ?? null, roles: [...as.roles] }, shared.JWT_SECRET);
    const response = await fetch(gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as { data?: any; errors?: any[] };
  };
  return {
    gatewayUrl,
    schemaOf,
    database,
    request,
    async query(query, variables = {}, as = { roles: ['ADMIN'] }) {
      const body = await request(query, variables, as);
      assert.equal(body.errors, undefined, JSON.stringify(body.errors));
      return body.data;
    },
    launch,
    kill,
    stop,
  };
}
