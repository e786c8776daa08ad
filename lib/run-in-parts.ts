import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Kysely, Transaction } from 'kysely';
import { runAsBatch } from './db/workload.ts';
import { committedAnswer, committedParts, partOperation, runIdempotent, type Idempotency, type IdempotencyTables } from './idempotency.ts';

export interface Parts<DB, Part, Item> {
  readonly parts: readonly Part[];
  /** A part's stable name (an id): what a retry recognises it by. */
  readonly nameOf: (part: Part) => string;
  /** One part's effect, in its own transaction. */
  readonly run: (trx: Transaction<DB>, part: Part) => Promise<Item[]>;
  /** After each part's commit (the outbox relay's kick), so its events leave while the next part runs. */
  readonly onCommit: () => void;
}

/**
 * A long job (a month-end `draftInvoices` over every contract) as a run of short transactions, one per part, with a
 * turn of the event loop between them, so it never holds a connection, PGlite's one session or its rows' locks for
 * longer than one part takes, and requests waiting for them go in between (docs/architecture.md, Workloads and
 * isolation). The parts run as batch work (lib/db/workload.ts): behind waiting requests on PGlite's session, in the
 * batch pool on PostgreSQL. Each part is whole or absent: a failure leaves the parts before it committed and is thrown.
 *
 * Idempotent like `runIdempotent`: with a key, each part commits its result under `<operation>#<part>`, and the key's
 * own answer (every part's items: an earlier attempt's parts, then the plan's in its order) is stored once all parts
 * are done. A retry after a failure replays the committed parts (their items are part of the answer though a new plan
 * no longer lists them) and runs the rest; a retry after success gets the stored answer; a concurrent twin queues on
 * each part's key and replays it.
 */
export async function runInParts<DB extends IdempotencyTables, Part, Item>(db: Kysely<DB>, idempotency: Idempotency, job: Parts<DB, Part, Item>): Promise<Item[]> {
  const answered = await committedAnswer(db, idempotency);
  if (answered) return answered.result as Item[];
  const earlier = (await committedParts(db, idempotency)) as Map<string, Item[]>;
  const planned = new Map(job.parts.map((part) => [job.nameOf(part), part]));
  // Parts an earlier attempt committed that this plan no longer lists come first; then the plan's, in its order.
  const itemsByPart = new Map<string, Item[]>([...earlier].filter(([name]) => !planned.has(name)).sort(([a], [b]) => (a < b ? -1 : 1)));
  for (const [name, part] of planned) {
    if (earlier.has(name)) {
      itemsByPart.set(name, earlier.get(name)!);
      continue;
    }
    await nextTurn();
    const partIdempotency = { ...idempotency, operation: partOperation(idempotency.operation, name) };
    const items = await runAsBatch(() => runIdempotent(db, partIdempotency, (trx) => job.run(trx, part)));
    // Outside runAsBatch: the consumers this commit sets off are not the run's batch work.
    job.onCommit();
    itemsByPart.set(name, items);
  }
  const items = [...itemsByPart.values()].flat();
  return idempotency.key ? runIdempotent(db, idempotency, async () => items) : items;
}
