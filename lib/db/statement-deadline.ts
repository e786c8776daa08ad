import { AsyncLocalStorage } from 'node:async_hooks';
import type { PostgresPool, PostgresPoolClient } from 'kysely';

/** The deadline (epoch ms) of the request the current code runs for; set by the subgraph server around a request. */
const deadlines = new AsyncLocalStorage<number>();

/** Runs `work` with its SQL bounded by `deadline` (on PostgreSQL; PGlite runs in-process and has no timeout). */
export function withStatementDeadline<T>(deadline: number | undefined, work: () => T): T {
  return deadline === undefined ? work() : deadlines.run(deadline, work);
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

/** A timeout may be up to this much shorter than the time left before it is set again (one round trip saved). */
const slackMs = 1_000;

/**
 * The pool Kysely reserves PostgreSQL connections from: a connection reserved for a request with a deadline gets a
 * `statement_timeout` of the time left, so PostgreSQL cancels a statement nobody will wait for (SQLSTATE 57014);
 * one reserved outside a request (the outbox relay, consumers, migrations) gets the server's default back. It is set
 * only when the connection's value is off by more than a second, or later than the deadline, so the requests of
 * one burst share one `SET` per connection. Set on the driver's client, below Kysely (rather than in its
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
  const left = Math.max(1, Math.floor(deadline - Date.now()));
  if (current !== undefined && current <= left && left - current <= slackMs) return;
  timeouts.set(connection, left);
  await connection.query(`set statement_timeout = ${left}`, []);
}
