import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { openPGlite, type DatabaseTarget, type SubgraphDatabase } from '../../lib/db/database.ts';
import type { PGliteSession } from '../../lib/db/pglite-dialect.ts';

/** Tests run on PostgreSQL when PG_URL is set (each test run in its own schemas), else on in-memory PGlite. */
export const usingPostgres = Boolean(process.env.PG_URL);

export interface TestDatabase {
  target: DatabaseTarget;
  /** Schema name for a subgraph in this test: unique per run on PostgreSQL so parallel files never collide. */
  schemaFor(name: string): string;
  /** Drops what this test created. */
  cleanup(opened: SubgraphDatabase<any>[]): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const suffix = randomBytes(4).toString('hex');
  if (usingPostgres) {
    return {
      target: { kind: 'postgres', url: process.env.PG_URL!, poolSize: 4 },
      schemaFor: (name) => `t${suffix}_${name}`,
      cleanup: async (opened) => {
        for (const database of opened) {
          await sql`drop schema if exists ${sql.id(database.schema)} cascade`.execute(database.db);
          await database.close();
        }
      },
    };
  }
  const session: PGliteSession = await openPGlite();
  return {
    target: { kind: 'pglite', session },
    schemaFor: (name) => name,
    cleanup: async (opened) => {
      for (const database of opened) await database.close();
      await session.pglite.close();
    },
  };
}
