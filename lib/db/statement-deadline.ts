import { AsyncLocalStorage } from 'node:async_hooks';
import type { PostgresPool, PostgresPoolClient } from 'kysely';

/** The deadline (epoch ms) of the request the current code runs for; set by the subgraph server around a request. */
const deadlines = new AsyncLocalStorage<number>();

/** Runs `work` with its SQL bounded by `deadline` (on PostgreSQL; PGlite runs in-process and has no timeout). */
export function withStatementDeadline<T>(deadline: number | undefined, work: () => T): T {
  return deadline === undefined ? work() : deadlines.run(deadline, work);
}

/** The deadline (epoch ms) of the request the current code runs for, or undefined outside one. */
export function requestDeadline(): number | undefined {
  return deadlines.getStore();
}

/**
 * Runs `work` outside any request's deadline: background work a request sets off (the outbox relay's pass after a
 * commit, and the consumers the in-process bus runs within it) must not inherit the time limit of that request.
 */
export function withoutStatementDeadline<T>(work: () => T): T {
  return deadlines.exit(work);
}

/** What `statement_timeout` each pooled connection was last given (ms); absent: the server's default. */
const timeouts = new WeakMap<PostgresPoolClient, number>();

/**
 * The `statement_timeout` for `leftMs` of a request's time: rounded up to the second (to 100 ms under a second), so
 * a statement may outlive its request by less than that. The rounding is what lets a connection keep its value: a
 * request's later subgraph calls, and the next requests of a burst, have a few ms less left than the first, and a
 * timeout set to the millisecond was set again before half of all requests (one more round trip each; measured
 * with the peer benchmark, docs/benchmarks.md 2026-12-08).
 */
export function statementTimeoutFor(leftMs: number): number {
  const step = leftMs > 1_000 ? 1_000 : 100;
  return Math.max(step, Math.ceil(leftMs / step) * step);
}

/**
 * The pool Kysely reserves PostgreSQL connections from: a connection reserved for a request with a deadline gets a
 * `statement_timeout` of the time left, so PostgreSQL cancels a statement nobody will wait for (SQLSTATE 57014);
 * one reserved outside a request (the outbox relay, consumers, migrations) gets the server's default back. It is set
 * only when the connection's value differs (`statementTimeoutFor`), so the requests of one burst share one `SET`
 * per connection. Set on the driver's client, below Kysely (rather than in its
 * `onReserveConnection`), so statement counts (`StatementCounter`) see the application's statements only.
 */
export function withStatementDeadlines(pool: PostgresPool): PostgresPool {
  return {
    async connect() {
      const client = await pool.connect();
      try {
        await applyStatementDeadline(client);
      } catch (error) {
        client.release(true);
        throw error;
      }
      return client;
    },
    end: () => pool.end(),
  };
}

async function applyStatementDeadline(connection: PostgresPoolClient): Promise<void> {
  const deadline = deadlines.getStore();
  const current = timeouts.get(connection);
  if (deadline === undefined) {
    if (current === undefined) return;
    timeouts.delete(connection);
    await connection.query('reset statement_timeout', []);
    return;
  }
  const timeout = statementTimeoutFor(deadline - Date.now());
  if (current === timeout) return;
  timeouts.set(connection, timeout);
  await connection.query(`set statement_timeout = ${timeout}`, []);
}
