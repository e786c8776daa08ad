import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, Migrator, PostgresDialect, sql, type Dialect, type Migration, type PostgresPool, type Transaction } from 'kysely';
import type pgDriver from 'pg';
import { PGliteDialect, PGliteSession } from './pglite-dialect.ts';
import { withStatementDeadlines } from './statement-deadline.ts';
import type { Logger } from '../logger.ts';
import { ConfigError } from '../config.ts';
import { addressOf, isUnreachable, NotReachable, waitFor } from '../startup.ts';
import { normalizedParsers } from './types.ts';
import { poolPerWorkload } from './workload-pools.ts';

/**
 * node-postgres, loaded when a PostgreSQL URL is used: the embedded default (PGlite) never needs it, and would otherwise
 * load it at every start (docs/benchmarks.md "Start-up").
 */
const postgresDriver = () => createRequire(import.meta.url)('pg') as typeof pgDriver;

/** Counts the SQL statements one Kysely instance sends; tests use it to prove there is no N+1. */
export class StatementCounter {
  total = 0;
  readonly recent: string[] = [];

  record(sqlText: string) {
    this.total += 1;
    this.recent.push(sqlText);
    if (this.recent.length > 200) this.recent.shift();
  }

  reset() {
    this.total = 0;
    this.recent.length = 0;
  }
}

/**
 * Where a subgraph's tables live: the embedded PGlite database (shared by all subgraphs in one process, one schema
 * each) or a PostgreSQL URL. Both use the same migrations and queries.
 */
export type DatabaseTarget =
  | { kind: 'pglite'; session: PGliteSession }
  | {
      kind: 'postgres';
      url: string;
      /** Connections for interactive work (requests, event handlers); default 10. */
      poolSize?: number;
      /** Connections for batch work (`runAsBatch`: month-end runs' parts, the outbox relay), apart; default 2. */
      batchPoolSize?: number;
    };

export interface SubgraphDatabase<DB> {
  /** Every query of this handle runs in `schema`. */
  readonly db: Kysely<DB>;
  /**
   * The same connections, not counted by `statements`: for work on a timer (checkpoints, dead letters, metrics), so
   * statement counts measure requests only.
   */
  readonly background: Kysely<DB>;
  /**
   * The outbox relay's handle, not counted either: on PostgreSQL a connection of its own (application_name
   * `psgraph outbox relay <schema>`), so a spike's publishing never queues behind requests or batch work for a
   * connection; on PGlite the background handle (one session).
   */
  readonly outbox: Kysely<DB>;
  readonly schema: string;
  readonly statements: StatementCounter;
  close(): Promise<void>;
}

/** Opens (and on first use, creates) the embedded database. `dataDir` undefined: in memory, for tests. */
export async function openPGlite(dataDir?: string): Promise<PGliteSession> {
  if (dataDir) {
    try {
      mkdirSync(dataDir, { recursive: true });
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new ConfigError('PSGRAPH_DATA_DIR', `cannot create "${dataDir}" (${reason})`, 'point it at a directory this user may write');
    }
  }
  const pglite = await PGlite.create(dataDir, { parsers: normalizedParsers });
  return new PGliteSession(pglite);
}

/**
 * The dialect of a subgraph's queries, and the one of its background handle: on PGlite the same session, the
 * background's work queued as batch; on PostgreSQL one pool per workload (lib/db/workload.ts), so a month-end run or
 * the relay never holds the connections a worker's request needs, and the background handle always takes the batch pool.
 */
function createDialects(target: DatabaseTarget, schema: string): { dialect: Dialect; background: Dialect; outbox: Dialect } {
  if (target.kind === 'pglite') {
    const background = new PGliteDialect(target.session, 'batch');
    return { dialect: new PGliteDialect(target.session), background, outbox: background };
  }
  const pg = postgresDriver();
  const pool = (max: number, applicationName?: string) =>
    withStatementDeadlines(
      new pg.Pool({
        connectionString: target.url,
        max,
        ...(applicationName ? { application_name: applicationName } : {}),
        types: {
          getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
            normalizedParsers[oid] ?? pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
        },
      }),
    );
  const pools = { interactive: pool(target.poolSize ?? 10), batch: pool(target.batchPoolSize ?? 2) };
  // One connection: a relay pass runs one statement at a time but for the page it reads ahead and the page it marks,
  // which take turns on it while the consumers have the page between them (lib/events/relay.ts).
  const relay = pool(1, `psgraph outbox relay ${schema}`);
  return {
    // Ending Kysely's pool (the root handle's `destroy`) ends the relay's connection too.
    dialect: new PostgresDialect({ pool: endingAlso(poolPerWorkload(pools), relay) }),
    background: new PostgresDialect({ pool: poolPerWorkload(pools, 'batch') }),
    outbox: new PostgresDialect({ pool: relay }),
  };
}

/** `pool`, whose `end` ends `other` too. */
const endingAlso = (pool: PostgresPool, other: PostgresPool): PostgresPool => ({
  connect: () => pool.connect(),
  end: async () => {
    await Promise.all([pool.end(), other.end()]);
  },
});

/** Opens a subgraph's database handle, creates its schema and runs its forward-only migrations. */
export async function openSubgraphDatabase<DB>(
  target: DatabaseTarget,
  schema: string,
  migrations: Record<string, Migration>,
): Promise<SubgraphDatabase<DB>> {
  const statements = new StatementCounter();
  const { dialect, background: backgroundDialect, outbox: outboxDialect } = createDialects(target, schema);
  const root = new Kysely<DB>({
    dialect,
    log: (event) => {
      if (event.level === 'query') statements.record(event.query.sql);
    },
  });
  // Shares the pools (or the PGlite session and its lock); only `root` is ever destroyed.
  const background = new Kysely<DB>({ dialect: backgroundDialect }).withSchema(schema);
  const outbox = new Kysely<DB>({ dialect: outboxDialect }).withSchema(schema);
  await sql`create schema if not exists ${sql.id(schema)}`.execute(root);
  const db = root.withSchema(schema);
  const migrator = new Migrator({
    db,
    migrationTableSchema: schema,
    provider: { getMigrations: async () => migrations },
  });
  for (let attempt = 1; !(await everyMigrationApplied(root, schema, migrations)); attempt++) {
    const { error, results } = await migrator.migrateToLatest();
    if (!error) break;
    // Kysely's Migrator reads the catalog of every schema to find its tables; another schema dropped meanwhile (a
    // tenant, a test run beside this one) fails that read with 3F000 naming the other schema, or with 42P01 naming
    // one of its tables when the drop came between listing and reading it. The run is one transaction on
    // PostgreSQL, so nothing was applied: it runs again.
    if (attempt < 3 && droppedMeanwhile(error, schema)) continue;
    const failed = results?.find((result) => result.status === 'Error')?.migrationName;
    throw new Error(`migration ${failed ?? '(unknown)'} of schema ${schema} failed: ${String(error)}`, { cause: error });
  }
  statements.reset();
  return { db, background, outbox, schema, statements, close: () => root.destroy() };
}

/**
 * PostgreSQL's invalid_schema_name for a schema that is not the one being migrated, or its undefined_table for a table
 * of such a schema (`relation "other.table" does not exist`).
 */
export const droppedMeanwhile = (error: unknown, schema: string) => {
  const { code } = error as { code?: string };
  const message = String((error as Error).message);
  if (code === '3F000') return !message.includes(`"${schema}"`);
  return code === '42P01' && /relation "[^"]+\.[^"]+"/.test(message) && !message.includes(`"${schema}.`);
};

/**
 * Whether `schema`'s migration table lists every migration already: one query, where Kysely's Migrator would read the
 * catalog several times and take its lock (about 2 s of every warm `npm start` on PGlite, docs/benchmarks.md). When
 * anything is missing the Migrator runs as before, lock and all, so replicas starting together stay safe.
 */
async function everyMigrationApplied(db: Kysely<any>, schema: string, migrations: Record<string, Migration>): Promise<boolean> {
  const table = await sql<{ present: boolean }>`select to_regclass(quote_ident(${schema}) || '.kysely_migration') is not null as present`.execute(db);
  if (!table.rows[0]?.present) return false;
  const applied = await sql<{ name: string }>`select name from ${sql.table(`${schema}.kysely_migration`)}`.execute(db);
  const names = new Set(applied.rows.map((row) => row.name));
  // One this code does not know (a newer release ran here) goes to the Migrator too, which refuses it as before.
  return names.size === Object.keys(migrations).length && Object.keys(migrations).every((name) => names.has(name));
}

/**
 * At start-up, waits until the PostgreSQL at `url` accepts a connection: up to `retrySeconds`, a log line per attempt
 * ("waiting for PostgreSQL at db:5432 (attempt 3, ECONNREFUSED)"), then a ConfigError naming DATABASE_URL (or
 * `options.variable`, where the URL came from another setting). A server that answers but refuses us (password,
 * unknown database) fails at once: waiting would not help.
 */
export async function waitForPostgres(url: string, options: { retrySeconds: number; logger: Logger; variable?: string }): Promise<void> {
  await waitFor(
    { name: 'PostgreSQL', variable: options.variable ?? 'DATABASE_URL', address: addressOf(url, 5432) },
    async () => {
      const client = new (postgresDriver().Client)({ connectionString: url, connectionTimeoutMillis: 5_000 });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.query('select 1');
      } catch (error) {
        if (isUnreachable(error)) throw new NotReachable(error.code);
        if (error instanceof Error && /timeout|terminated unexpectedly/i.test(error.message)) throw new NotReachable('no answer');
        throw error;
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    options,
  );
}

/** Thrown to undo a dry run's transaction; carries what the work returned. */
class DryRunRollback<T> extends Error {
  constructor(readonly result: T) {
    super('dry run: rolled back');
  }
}

/**
 * Runs `work` in a transaction and always rolls it back: a dry run that passes every rule and every constraint a real
 * run would (what the work reads sees its own writes) and leaves nothing behind, no rows and no events.
 */
export async function inRolledBackTransaction<DB, T>(db: Kysely<DB>, work: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
  try {
    await db.transaction().execute(async (trx) => {
      throw new DryRunRollback(await work(trx));
    });
  } catch (error) {
    if (error instanceof DryRunRollback) return error.result as T;
    throw error;
  }
  throw new Error('unreachable: a dry run always rolls back');
}
