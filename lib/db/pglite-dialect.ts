import type { PGlite } from '@electric-sql/pglite';
import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import { Mutex } from './mutex.ts';
import { currentWorkload, type Workload } from './workload.ts';
import { traceStatement } from '../tracing/spans.ts';

/**
 * One PGlite database shared by several Kysely instances (one per subgraph schema). PGlite is a single session: a
 * query sent while another caller has a transaction open would run inside that transaction, and be lost on its
 * rollback. So a connection is a lease on the whole session, serialized by one mutex per database.
 */
export class PGliteSession {
  readonly pglite: PGlite;
  readonly mutex = new Mutex();

  constructor(pglite: PGlite) {
    this.pglite = pglite;
  }
}

class PGliteConnection implements DatabaseConnection {
  readonly #pglite: PGlite;

  constructor(pglite: PGlite) {
    this.#pglite = pglite;
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    // PGlite has no OpenTelemetry instrumentation: a span per statement here, as pg's instrumentation makes.
    const result = await traceStatement('pglite', compiledQuery.sql, () => this.#pglite.query<R>(compiledQuery.sql, compiledQuery.parameters as unknown[]));
    const affected = result.affectedRows;
    return {
      rows: result.rows,
      ...(affected !== undefined && isMutation(compiledQuery.sql) ? { numAffectedRows: BigInt(affected) } : {}),
    };
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('PGlite does not stream; page with cursors instead');
  }
}

const isMutation = (sqlText: string) => /^\s*(insert|update|delete|merge)/i.test(sqlText);

class PGliteDriver implements Driver {
  readonly #session: PGliteSession;
  readonly #workload: Workload | undefined;

  constructor(session: PGliteSession, workload: Workload | undefined) {
    this.#session = session;
    this.#workload = workload;
  }

  async init(): Promise<void> {
    await this.#session.pglite.waitReady;
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.#session.mutex.acquire(this.#workload ?? currentWorkload());
    return new PGliteConnection(this.#session.pglite);
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const isolation = settings.isolationLevel ? ` isolation level ${settings.isolationLevel}` : '';
    await connection.executeQuery(CompiledQuery.raw(`begin${isolation}`));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async releaseConnection(): Promise<void> {
    this.#session.mutex.release();
  }

  /** The session outlives any one Kysely instance; whoever opened the PGlite database closes it. */
  async destroy(): Promise<void> {}
}

export class PGliteDialect implements Dialect {
  readonly #session: PGliteSession;
  readonly #workload: Workload | undefined;

  /** `workload`: what every connection of this dialect is for; default, the caller's (`currentWorkload`). */
  constructor(session: PGliteSession, workload?: Workload) {
    this.#session = session;
    this.#workload = workload;
  }

  createAdapter() {
    return new PostgresAdapter();
  }
  createDriver(): Driver {
    return new PGliteDriver(this.#session, this.#workload);
  }
  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }
  createIntrospector(db: Kysely<any>) {
    return new PostgresIntrospector(db);
  }
}
