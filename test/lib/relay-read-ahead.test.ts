import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import type { SubgraphDatabase } from '../../lib/db/database.ts';
import { createEvent } from '../../lib/events/envelope.ts';
import { InProcessBus } from '../../lib/events/in-process-bus.ts';
import { addEventDurability, appendToOutbox, createOutboxTables, type OutboxTables } from '../../lib/events/outbox.ts';
import { startOutboxRelay } from '../../lib/events/relay.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

const migrations = {
  '0001': { up: (db: Kysely<any>) => createOutboxTables(db) },
  '0002': { up: (db: Kysely<any>) => addEventDurability(db) },
};
const event = (n: number) => createEvent('test', 'test.happened', { typename: 'Thing', id: String(n) }, { n }, { correlationId: `corr-${n}` }, new Date());

/** The relay reads its next page while the consumers have the current one (lib/events/relay.ts `publishPending`). */
describe('outbox relay: reading ahead', () => {
  let testDb: TestDatabase;
  let database: SubgraphDatabase<OutboxTables>;
  before(async () => {
    testDb = await createTestDatabase();
    const { openSubgraphDatabase } = await import('../../lib/db/database.ts');
    database = await openSubgraphDatabase<OutboxTables>(testDb.target, testDb.schemaFor('relayahead'), migrations);
  });
  after(() => testDb.cleanup([database]));

  it('publishes page after page in sequence order, each event once, and a page read ahead of a failure on the next pass', async () => {
    const bus = new InProcessBus();
    const received: number[] = [];
    const pages: number[][] = [];
    let failAt: number | null = 8;
    let readAhead = false;
    /** Whether the next page gets its numbers while the first is with the consumer (waits up to 5 s). */
    const nextPageNumbered = async () => {
      for (const deadline = Date.now() + 5000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 20))) {
        const numbered = await database.db.selectFrom('outbox').select('seq').where('sequence', 'is not', null).execute();
        if (numbered.length >= 6) return true;
      }
      return false;
    };
    await bus.subscribe({
      group: 'pages',
      types: ['test.happened'],
      // A failed batch comes again one event at a time.
      handler: async (each) => {
        if (each.data.n === failAt) throw new Error(`${failAt} fails`);
        received.push(each.data.n as number);
      },
      batch: {
        maxEvents: 100,
        handler: async (events) => {
          const numbers = events.map((each) => each.data.n as number);
          if (numbers[0] === 1) readAhead = await nextPageNumbered();
          if (failAt !== null && numbers.includes(failAt)) throw new Error(`${failAt} fails`);
          pages.push(numbers);
          received.push(...numbers);
        },
      },
    });
    await database.db.transaction().execute((trx) => appendToOutbox(trx, Array.from({ length: 11 }, (_, index) => event(index + 1))));
    const relay = startOutboxRelay({ db: database.db, bus, source: 'test', batchSize: 3, pollIntervalMs: 60_000 });
    try {
      await relay.flush();
      // Page [7, 8, 9] failed (its batch, then 8 alone): 7 went out, 8 and the page read ahead of it wait.
      assert.deepEqual(received, [1, 2, 3, 4, 5, 6, 7]);
      failAt = null;
      await relay.flush();
      assert.deepEqual(received, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 'in order, none twice, none lost');
      assert.deepEqual(pages.slice(0, 2), [[1, 2, 3], [4, 5, 6]]);
      assert.ok(readAhead, 'the second page was numbered and read while the first was being handled');
      const rows = await database.db.selectFrom('outbox').select(['sequence', 'published_at']).orderBy('sequence').execute();
      assert.deepEqual(rows.map((row) => Number(row.sequence)), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 'numbered 1, 2, 3, … once');
      assert.ok(rows.every((row) => row.published_at !== null), 'every row marked published');
    } finally {
      await relay.stop();
    }
  });

  it('costs two statements a page: its read, numbering included, and its mark', async () => {
    const bus = new InProcessBus();
    const received: number[] = [];
    await bus.subscribe({ group: 'counted', types: ['test.happened'], handler: async (each) => void received.push(each.data.n as number) });
    /** The statements of one pass of a new relay (its lease, its pending check, its prune are the same each time). */
    const statementsToPublish = async (count: number, from: number) => {
      await database.db.transaction().execute((trx) => appendToOutbox(trx, Array.from({ length: count }, (_, index) => event(from + index))));
      const relay = startOutboxRelay({ db: database.db, bus, source: 'test', batchSize: 3, pollIntervalMs: 60_000 });
      try {
        database.statements.reset();
        await relay.flush();
        return database.statements.total;
      } finally {
        await relay.stop();
      }
    };
    const onePage = await statementsToPublish(3, 101);
    const fourPages = await statementsToPublish(12, 104);
    assert.deepEqual(received, Array.from({ length: 15 }, (_, index) => 101 + index), 'each once, in order');
    assert.equal((fourPages - onePage) / 3, 2, 'each page more costs one read and one mark');
    const numbers = await database.db.selectFrom('outbox').select('sequence').where('sequence', '>', 11).orderBy('sequence').execute();
    assert.deepEqual(numbers.map((row) => Number(row.sequence)), Array.from({ length: 15 }, (_, index) => 12 + index), 'numbered on without gaps');
  });
});
