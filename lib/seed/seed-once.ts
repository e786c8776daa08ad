import type { Kysely } from 'kysely';
import type { Identity } from '../auth/identity.ts';
import type { SubgraphModule } from '../graphql/subgraph-server.ts';
import { runIdempotent, type IdempotencyTables } from '../idempotency.ts';
import type { DemoFirm } from './demo-firm.ts';

/** The seeder is a system job: its marker is a key of its own. */
const seeder: Identity = { workerId: null, roles: [], service: 'seed' };

/**
 * Seeds a subgraph's slice of the demo firm once per schema: the slice and its marker commit in one transaction, so
 * a crash half-way leaves nothing and a later start (or `npm run seed`) seeds again; a seeded schema is left alone.
 * Returns the date and scale the schema was seeded with, then or earlier. `firm` may be a function that plans it: it is
 * called only when the schema is not seeded yet, so a start on a seeded database plans nothing.
 */
export function seedOnce(
  module: SubgraphModule,
  db: Kysely<any>,
  firm: DemoFirm | (() => DemoFirm),
): Promise<{ today: string; scale: number }> {
  return runIdempotent(
    db as Kysely<IdempotencyTables>,
    { caller: seeder, operation: 'seed', key: 'demo-firm', request: { kind: 'demo-firm' } },
    async (trx) => {
      const planned = typeof firm === 'function' ? firm() : firm;
      await module.seed(trx, planned);
      return { today: planned.today, scale: planned.scale };
    },
  );
}
