/* Transactions PostgreSQL aborted in favour of another, run again (event handlers and mutations alike). */

/** PostgreSQL's answer to a transaction it chose to abort so another could go on: run it again (40P01, 40001). */
const abortedForAnother = (error: unknown) => ['40P01', '40001'].includes(String((error as { code?: unknown } | null)?.code));

/**
 * Runs a transaction again when PostgreSQL aborted it as a deadlock victim or for serialization: the whole
 * transaction was rolled back, so running it again is safe, and waiting a few milliseconds lets the winner commit.
 * Writers lock in one order (erp: billing events by id, then the invoice) to make this rare; where two paths still
 * meet in another order (a void racing the reversals of its entries, test/subgraphs/erp/invoicing.test.ts), the one
 * PostgreSQL picks as the victim runs again instead of failing its request or event.
 */
export async function retryingDeadlocks<T>(work: () => Promise<T>, attempts = 6): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= attempts || !abortedForAnother(error)) throw error;
      // A growing, widely jittered pause: two paths that retry after the same short pause meet again in the same
      // order, and each meeting costs a second of PostgreSQL's deadlock_timeout before one is aborted.
      await new Promise((resolve) => setTimeout(resolve, attempt * (10 + Math.random() * 90)));
    }
  }
}
